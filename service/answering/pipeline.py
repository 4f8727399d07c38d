"""Question -> follow-up resolution -> retrieval -> extractive answer, or a plain abstention.

The data path of every answer: `QAPipeline.answer` resolves a follow-up against the history
(followup.py), reads what the question asks for (question.py), retrieves passages
(retriever.search.Searcher), keeps those about the right place and terms, and extracts the
answering sentence and span (extractive.py). It abstains when no passage is about what the
question names, or when the best sentence covers too little of the question.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

from retriever.coverage import IdfLookup
from retriever.lru import LRUCache
from retriever.rerank import bm25_idf
from retriever.retrievers import BM25Retriever, QueryEmbedder
from retriever.search import MAX_QUERY_CHARS, Searcher, validate_query
from retriever.text.abbreviations import expand_abbreviations
from retriever.text.gazetteer import canonical_province, find_provinces
from retriever.text.normalize import fold_diacritics, has_diacritics, match_form, normalize
from retriever.text.query_expansion import query_expansion
from retriever.types import Passage, SearchFilter
from service.answering.extractive import best_extraction, vietnamese_terms_of_english
from service.answering.followup import resolve_followup
from service.answering.generative import GeneratorError, OpenAICompatibleGenerator
from service.answering.question import QuestionInfo, analyse_question
from service.answering.semantic import SentenceSimilarity
from service.answering.types import Answer, Citation, Turn

logger = logging.getLogger(__name__)

DEFAULT_TOP_K = 5
# The weakest evidence still answered: the share of the question's IDF-weighted words found
# in the best sentence (plus small bonuses, see extractive.py). Calibrated on the evaluation
# sets with bench/abstention.py (README: the trade-off table): 0.30 abstains on two thirds
# of our unanswerable questions at 3% wrong abstentions (5% on viquad2).
DEFAULT_MIN_CONFIDENCE = 0.30
MAX_LISTED_PROVINCES = 12
ANSWER_CACHE_SIZE = 1024


def idf_lookup(searcher: Searcher) -> IdfLookup:
    """IDF of a token from the searcher's BM25 index (1.0 for all when it has none)."""
    bm25 = searcher.retrievers.get("bm25")
    if isinstance(bm25, BM25Retriever):
        return bm25_idf(bm25)
    # A database backend looks its IDF up itself.
    lookup = getattr(bm25, "idf", None)
    return lookup if callable(lookup) else (lambda token, fold: 1.0)


class QAPipeline:
    """Answers one question, optionally in a conversation, from one Searcher's passages."""

    def __init__(self, searcher: Searcher, *, top_k: int = DEFAULT_TOP_K,
                 min_confidence: float = DEFAULT_MIN_CONFIDENCE,
                 generator: OpenAICompatibleGenerator | None = None,
                 sentence_similarity: bool = True,
                 cache_size: int = ANSWER_CACHE_SIZE) -> None:
        if not 0.0 <= min_confidence <= 1.0:
            raise ValueError("min_confidence must be between 0 and 1")
        self.searcher = searcher
        self.generator = generator
        self.top_k = top_k
        self.min_confidence = min_confidence
        self._idf = idf_lookup(searcher)
        self._similarity = _sentence_similarity(searcher) if sentence_similarity else None
        self.provinces = searcher.provinces()
        # A widget's visitors ask the same few questions; the key holds the index's version,
        # so a cached answer never outlives the passages it cites.
        self._answers: LRUCache[tuple[object, ...], Answer] = LRUCache(cache_size)

    def answer(
        self,
        message: str,
        history: Sequence[Turn] = (),
        top_k: int | None = None,
        province: str | None = None,
        retriever: str = "hybrid",
    ) -> Answer:
        started = time.perf_counter()
        key = (normalize(message), tuple((t.role, normalize(t.content)) for t in history),
               top_k or self.top_k, province, retriever, self.searcher.version())
        cached = self._answers.get(key)
        if cached is not None:
            total = (time.perf_counter() - started) * 1000
            return replace(cached, timings_ms={"retrieval": 0.0, "answer": 0.0, "total": total,
                                               "cached": 1.0})
        answer = self._answer(message, history, top_k, province, retriever, started)
        self._answers.put(key, answer)
        return answer

    def _answer(self, message: str, history: Sequence[Turn], top_k: int | None,
                province: str | None, retriever: str, started: float) -> Answer:
        validate_query(message)
        resolved = resolve_followup(message, history)
        text = resolved.text if has_diacritics(message) else fold_diacritics(resolved.text)
        question = analyse_question(text)
        query = text
        if question.language == "en":
            query = f"{text} {vietnamese_terms_of_english(question)}"
        # Sentences are compared with the retrieval query's vector (embedded once), without
        # a follow-up's context: that is not what this question asks.
        asked = query[:MAX_QUERY_CHARS]
        if resolved.context:
            query = f"{query} {resolved.context}"
        top_k = top_k or self.top_k
        # A follow-up carries its conversation's context: a valid long message plus history
        # may exceed the searcher's limit, which is the user's fault only for the message.
        query = query[:MAX_QUERY_CHARS]
        passages = self.searcher.search(query, top_k, SearchFilter(province=province),
                                        retriever)
        searched = time.perf_counter()
        answer = self._answer_from(question, passages, resolved.focus, resolved.context, asked)
        if self.generator is not None and not answer.abstained:
            answer = self._generated(text, answer)
        finished = time.perf_counter()
        timings = {"retrieval": (searched - started) * 1000,
                   "answer": (finished - searched) * 1000,
                   "total": (finished - started) * 1000}
        logger.debug("answered %r as %r (%s)", message, answer.text, answer.reason)
        return Answer(answer.text, answer.span, answer.abstained, answer.citations,
                      question.kind, text, answer.reason, answer.confidence, timings)

    def _answer_from(self, question: QuestionInfo, passages: list[Passage],
                     focus: str, context: str = "", asked: str = "") -> Answer:
        if not passages:
            return self._abstain(question, "no passage")
        relevant = [p for p in passages if _about_provinces(p, question.provinces)]
        if not relevant:
            return self._abstain(question, "province", ", ".join(question.provinces))
        with_terms = [p for p in relevant if _has_terms(p, question.required_terms)]
        if not with_terms:
            missing = [t for t in question.required_terms
                       if not any(_has_terms(p, [t]) for p in relevant)]
            return self._abstain(question, "term", ", ".join(missing))
        similarity = None
        if self._similarity is not None:
            scorer, compared = self._similarity, asked or question.text
            similarity = lambda texts: scorer(compared, texts)  # noqa: E731
        extraction = best_extraction(question, with_terms, self._idf, focus,
                                     expansion=f"{query_expansion(question.text)} {context}",
                                     similarity=similarity)
        if extraction is None:
            return self._abstain(question, "no sentence")
        source = with_terms[extraction.passage_index]
        if question.provinces and not _names_province(source, extraction.sentence.text,
                                                      question.provinces):
            return self._abstain(question, "province", ", ".join(question.provinces))
        if extraction.score < self.min_confidence:
            return self._abstain(question, "weak", confidence=extraction.score)
        ordered = [source] + [p for p in with_terms if p is not source]
        citations = [Citation.from_passage(n, p) for n, p in enumerate(ordered, start=1)]
        return Answer(f"{extraction.answer_text} [1].", extraction.span.text
                      if extraction.span else None, False, citations,
                      confidence=extraction.score)

    def _generated(self, question: str, extractive: Answer) -> Answer:
        """The generator's wording when it keeps to the rules; the extractive answer else."""
        assert self.generator is not None
        try:
            text = self.generator.generate(question, extractive.citations)
        except GeneratorError as error:
            logger.warning("generative answer discarded, extractive answer kept: %s", error)
            return extractive
        return Answer(text, extractive.span, False, extractive.citations,
                      confidence=extractive.confidence)

    def _abstain(self, question: QuestionInfo, reason: str, about: str = "",
                 confidence: float = 0.0) -> Answer:
        return Answer(abstention_message(self.provinces, reason, about, question.language),
                      None, True, [], reason=reason, confidence=confidence)


def _sentence_similarity(searcher: Searcher) -> SentenceSimilarity | None:
    dense = searcher.retrievers.get("dense")
    if not isinstance(dense, QueryEmbedder) or not hasattr(dense.encoder, "encode_passages"):
        return None
    return SentenceSimilarity(dense.query_vector, dense.encoder.encode_passages,
                              stored=searcher.segment_vectors)


def abstention_message(provinces: Sequence[str], reason: str, about: str,
                       language: str = "vi") -> str:
    if reason == "province" and about:
        opening = f"Xin lỗi, các bài viết hiện có không nói về {about} nên tôi chưa trả lời được."
    elif reason == "term" and about:
        opening = (f"Xin lỗi, các bài viết hiện có không nhắc đến “{about}” "
                   "nên tôi chưa trả lời được câu hỏi này.")
    else:
        opening = "Xin lỗi, tôi không tìm thấy câu trả lời cho câu hỏi này trong các bài viết."
    listed = list(provinces[:MAX_LISTED_PROVINCES])
    if listed:
        more = f" và {len(provinces) - len(listed)} tỉnh khác" if len(provinces) > len(
            listed) else ""
        coverage = (f" Tôi có thể trả lời về chuyển đổi số của: {', '.join(listed)}{more}."
                    " Bạn hãy thử hỏi về các tỉnh này.")
    else:
        coverage = " Bạn hãy thử hỏi cách khác hoặc hỏi về nội dung có trong các bài viết."
    english = (" (Sorry: the articles do not answer this question.)"
               if language == "en" else "")
    return opening + coverage + english


@lru_cache(maxsize=8192)
def _provinces_named(text: str) -> frozenset[str]:
    """Provinces a passage or sentence names (cached: passages return for many questions)."""
    return frozenset(name for name, _count in find_provinces(text))


def _is_about(passage: Passage, provinces: Sequence[str], text: str) -> bool:
    """The passage's own province is asked about, or `text` names one that is."""
    chunk = passage.chunk
    if chunk.province and canonical_province(chunk.province) in provinces:
        return True
    return bool(_provinces_named(text) & set(provinces))


def _about_provinces(passage: Passage, provinces: Sequence[str]) -> bool:
    return not provinces or _is_about(passage, provinces, passage.chunk.text)


def _names_province(passage: Passage, sentence: str, provinces: Sequence[str]) -> bool:
    return _is_about(passage, provinces, sentence)


@lru_cache(maxsize=8192)
def _term_forms(text: str) -> tuple[str, str]:
    """A text as searched for required terms: folded, and folded with abbreviations spelt out."""
    return (fold_diacritics(match_form(text)),
            fold_diacritics(match_form(expand_abbreviations(text))))


def _has_terms(passage: Passage, terms: Sequence[str]) -> bool:
    if not terms:
        return True
    chunk = passage.chunk
    haystack, expanded = _term_forms(f"{chunk.title} {chunk.text}")
    for term in terms:
        needle = fold_diacritics(match_form(term))
        alternative = fold_diacritics(match_form(expand_abbreviations(term)))
        if needle not in haystack and alternative not in expanded:
            return False
    return True
