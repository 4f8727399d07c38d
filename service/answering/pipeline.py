"""Question -> follow-up resolution -> retrieval -> extractive answer, or a plain abstention.

The data path of every answer: `QAPipeline.answer` resolves a follow-up against the history
(followup.py), reads what the question asks for (question.py), retrieves passages
(retriever.search.Searcher), keeps those about the right place and terms, and extracts the
answering sentence and span (extractive.py) among those that meet the question's constraints
(verify.py: its province, its year, a rank/number/person bound to what it asks about). It
abstains, saying why, when no passage is about what the question names, when no sentence
meets its constraints, when another province's passage answers it far better (the fact is
that province's), or when the best sentence covers too little of the question. A question
comparing provinces ("tỉnh nào ... cao hơn?") is answered per province, then compared.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

from index.facts import Fact, Measure
from index.facts.constraints import question_constraints, split_bridge
from retriever.coverage import IdfLookup, coverage, query_weights, text_tokens
from retriever.errors import IndexMismatchError
from retriever.lru import LRUCache
from retriever.rerank import bm25_idf
from retriever.retrievers import BM25Retriever, QueryEmbedder
from retriever.search import MAX_QUERY_CHARS, Searcher, validate_query
from retriever.text.abbreviations import expand_abbreviations
from retriever.text.gazetteer import canonical_province
from retriever.text.normalize import fold_diacritics, has_diacritics, match_form, normalize
from retriever.types import Chunk, Passage, SearchFilter
from service.answering.extractive import Extraction, vietnamese_terms_of_english
from service.answering.facts import (
    FactAnswerer,
    FactOutcome,
    FactVerdict,
    asked_ranking,
    index_of_term,
    names_index,
    quoted,
    short_span,
    stated_conflict,
)
from service.answering.followup import resolve_followup
from service.answering.generative import (
    GeneratorError,
    OpenAICompatibleGenerator,
    cited_numbers,
)
from service.answering.messages import (
    abstention_message,
    bridge_place,
    change_between_years,
    fact_answer,
    in_english,
    place_answer,
    small_talk_reply,
    top_answer,
    year_not_covered,
)
from service.answering.question import (
    QuestionInfo,
    QuestionKind,
    analyse_question,
    counted_thing,
)
from service.answering.readers.base import Candidate, ReaderKind, ReadRequest
from service.answering.readers.choice import DEFAULT_SWITCH_PROBABILITY, combine
from service.answering.readers.neural import NeuralReader
from service.answering.readers.rules import RuleReader
from service.answering.reasons import DeclineReason
from service.answering.scope import CorpusScope
from service.answering.semantic import SentenceSimilarity
from service.answering.small_talk import small_talk
from service.answering.types import Answer, Citation, Turn
from service.answering.verify import (
    about_provinces,
    candidate_about,
    missing_years,
)

logger = logging.getLogger(__name__)

DEFAULT_TOP_K = 5
# The weakest evidence still answered: the share of the question's IDF-weighted words found
# in the best sentence (plus small bonuses, see extractive.py). Calibrated on the evaluation
# sets with bench/abstention.py (docs/performance.md, "Abstention threshold"): with the
# verification of the question's constraints, 0.30 abstains on all of our unanswerable
# questions at 2.5% wrong abstentions (4.8% on viquad2; 0.25 would decline only 1% of
# viquad2's unanswerable ones).
DEFAULT_MIN_CONFIDENCE = 0.30
# A follow-up answered within the conversation's province must find this share of its own
# words in the answer (see _own_words_answered): off-topic questions measured 0.00-0.03,
# our set's follow-ups and short on-topic ones 0.30-1.00.
OWN_WORDS_COVERAGE = 0.25
MAX_LISTED_PROVINCES = 12
ABBREVIATION_DEPTH = 20  # passages searched for the one that spells an abbreviation out
# How much better (in extraction score) another province's passage must answer a question
# for its fact to be taken as that province's only. On our set the answerable questions
# stay below +0.25 and the near-miss unanswerable ones reach +0.34 to +0.57.
ELSEWHERE_MARGIN = 0.4
ANSWER_CACHE_SIZE = 1024
# HOIDAP_READER=neural: the trained reader's weakest best-span probability still answered.
# On the validation documents every threshold above 0 declined more answerable questions
# than unanswerable ones (docs/reader.md): its probabilities rank spans, they do not tell a
# right span from a wrong one well enough to decline on.
DEFAULT_NEURAL_MIN_PROBABILITY = 0.0
# Answer.reader of an answer given by the facts stage, not by a reader of passages.
FACTS_READER = "facts"


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
                 cache_size: int = ANSWER_CACHE_SIZE,
                 neural: NeuralReader | None = None,
                 reader: ReaderKind = ReaderKind.RULES,
                 neural_min_probability: float = DEFAULT_NEURAL_MIN_PROBABILITY,
                 decline_on_null: bool = False,
                 switch_probability: float = DEFAULT_SWITCH_PROBABILITY,
                 facts: bool = True) -> None:
        if not 0.0 <= min_confidence <= 1.0:
            raise ValueError("min_confidence must be between 0 and 1")
        self.searcher = searcher
        self.generator = generator
        self.top_k = top_k
        self.min_confidence = min_confidence
        self._idf = idf_lookup(searcher)
        self._similarity = _sentence_similarity(searcher) if sentence_similarity else None
        self.rules = RuleReader(self._idf, self._similarity, self._lead_in)
        if reader != ReaderKind.RULES and neural is None:
            raise ValueError(f"reader {reader.value!r} needs the trained reader")
        if not 0.0 <= neural_min_probability <= 1.0:
            raise ValueError("neural_min_probability must be between 0 and 1")
        if not 0.0 <= switch_probability <= 1.0:
            raise ValueError("switch_probability must be between 0 and 1")
        self.switch_probability = switch_probability
        self.neural = neural
        self.reader_kind = ReaderKind(reader)
        self.neural_min_probability = neural_min_probability
        # HOIDAP_READER=neural: decline when the no-answer probability beats the best span's.
        # Off by default: on the validation documents it declined 6% of viquad2's
        # unanswerable questions and 3-12% of the answerable ones (docs/reader.md).
        self.decline_on_null = decline_on_null
        # Ranking questions answered from the index's facts first (facts=False: the
        # readers alone, to measure what the facts add).
        self.facts = (FactAnswerer(searcher.facts) if facts and searcher.facts is not None
                      else None)
        self.provinces = searcher.provinces()
        self.scope = CorpusScope.of(searcher.chunks)
        # A widget's visitors ask the same few questions; the key holds the index's version,
        # so a cached answer never outlives the passages it cites.
        self._answers: LRUCache[tuple[object, ...], Answer] = LRUCache(cache_size)
        self._previous: tuple[int, dict[str, Chunk]] | None = None

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
        talk = small_talk(message)
        if talk is not None:
            # "Xin chào", "cảm ơn", "bạn làm được gì?": our reply, whatever came before.
            kind, language = talk
            total = (time.perf_counter() - started) * 1000
            return Answer(small_talk_reply(kind, language, self.scope), None, True, [],
                          question_type="small talk", resolved_question=normalize(message),
                          reason=DeclineReason.SMALL_TALK,
                          timings_ms={"retrieval": 0.0, "answer": total, "total": total})
        resolved = resolve_followup(message, history)
        shown = resolved.text if has_diacritics(message) else fold_diacritics(resolved.text)
        # Narrowed to the conversation's province only where articles are tagged with it;
        # elsewhere (a corpus without provinces) the province is carried in the words.
        within = (resolved.within if province is None and resolved.within in self.provinces
                  else None)
        answered = resolved.own if within else resolved.text
        text = answered if has_diacritics(message) else fold_diacritics(answered)
        question = analyse_question(text)
        # The analysed text: title shorthands spelt out ("CT UBND" -> "Chủ tịch UBND").
        query = question.text
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
        if not question.compare:
            bridged = self._bridged(text, question.language, top_k, province, retriever)
            if bridged is not None:
                return bridged
        from_facts = None if question.compare else self._from_facts(question,
                                                                     province or within)
        if from_facts is not None and not from_facts.abstained:
            # The passages a reader would have read are the answer's other sources.
            passages = self.searcher.search(query, top_k,
                                            SearchFilter(province=province or within),
                                            retriever)
            searched = time.perf_counter()
            answer = _with_sources(from_facts, passages)
        elif question.compare:
            # Each province is searched on its own (its retrieval is part of the answer).
            searched = time.perf_counter()
            answer = self._compare(question, top_k, retriever)
        else:
            # "CĐS là viết tắt của gì?": the sentence that spells it out ("chuyển đổi số
            # (CĐS)") shares one word with the question, among many passages using "CĐS".
            depth = max(top_k, ABBREVIATION_DEPTH) if question.abbreviation else top_k
            passages = self.searcher.search(query, depth,
                                            SearchFilter(province=province or within),
                                            retriever)
            searched = time.perf_counter()
            answer = self._answer_from(question, passages, resolved.focus, resolved.context,
                                       cite=top_k, asked=asked)
            if within and not answer.abstained and not self._own_words_answered(
                    question, answer):
                answer = self._abstain(question, DeclineReason.WEAK,
                                       confidence=answer.confidence)
            if from_facts is not None and answer.abstained:
                # The facts know the index only in other years, and no passage answers
                # for the year asked either: say what the articles do have.
                answer = from_facts
        if self.generator is not None and not answer.abstained:
            answer = self._generated(text, answer)
        finished = time.perf_counter()
        timings = {"retrieval": (searched - started) * 1000,
                   "answer": (finished - searched) * 1000,
                   "total": (finished - started) * 1000}
        logger.debug("answered %r as %r (%s)", message, answer.text, answer.reason)
        return replace(answer, question_type=question.kind, resolved_question=shown,
                       timings_ms=timings)

    def _own_words_answered(self, question: QuestionInfo, answer: Answer) -> bool:
        """Whether the answer's sentence (its passage at half credit) holds enough of the
        question's own words. Asked of a follow-up answered within the conversation's
        province: the province was found for it, so its sentences score high on the
        province alone ("Giá vàng hôm nay bao nhiêu?" -> the article's lead, 0.0 of the
        question's words; "Do doanh nghiệp nào triển khai?" -> the 5G sentence, 0.58)."""
        fold = not question.accented
        weights = query_weights(question.text, self._idf, fold)
        if not weights or not answer.citations:
            return True
        cited = answer.citations[0]
        return coverage(weights, text_tokens(answer.text, fold),
                        text_tokens(f"{cited.title} {cited.text}", fold)) >= OWN_WORDS_COVERAGE

    def _answer_from(self, question: QuestionInfo, passages: list[Passage],
                     focus: str, context: str = "", cite: int | None = None,
                     asked: str = "") -> Answer:
        """Passages -> verified passages -> read -> verify candidates -> decide -> cite."""
        if not passages:
            return self._abstain(question, DeclineReason.NO_PASSAGE)
        relevant = [p for p in passages if about_provinces(p, question.provinces)]
        if question.unknown_province:
            named = _term_forms(question.unknown_province)[0]
            relevant = [p for p in relevant if named in _term_forms(p.chunk.text)[0]]
        if not relevant:
            return self._abstain(question, DeclineReason.PROVINCE,
                                 ", ".join(question.provinces) or question.unknown_province)
        with_terms = [p for p in relevant if _has_terms(p, question.required_terms)]
        if not with_terms:
            missing = [t for t in question.required_terms
                       if not any(_has_terms(p, [t]) for p in relevant)]
            return self._abstain(question, DeclineReason.TERM, ", ".join(missing))
        request = ReadRequest(question, with_terms, focus, context, asked)
        if self.reader_kind == ReaderKind.NEURAL and self.neural is not None:
            decision = self._decide_neural(question, request)
            kind = ReaderKind.NEURAL
        else:
            decision = self._decide_rules(question, request, passages, relevant)
            kind = ReaderKind.RULES
            if (self.reader_kind == ReaderKind.AUTO and self.neural is not None
                    and isinstance(decision, Candidate)):
                decision, kind = self._span_in_sentence(question, request, decision)
        if isinstance(decision, Answer):
            return decision
        return self._cited(decision, with_terms, cite, kind, question.language)

    def _bridged(self, text: str, language: str, top_k: int, province: str | None,
                 retriever: str) -> Answer | None:
        """The bridge stage: "Tỉnh đứng đầu PCI 2023 xếp thứ mấy về DTI 2022?" is the
        place's holder from the facts ("Quảng Ninh"), then the question about it answered
        as asked of it ("Quảng Ninh xếp thứ mấy về DTI 2022?"), both cited. None when the
        question is not one, or the facts do not name exactly one holder."""
        if self.facts is None:
            return None
        bridge = split_bridge(text)
        if bridge is None:
            return None
        inner = question_constraints(bridge.inner)
        verdict = self.facts.decide(inner)
        if verdict is None or verdict.outcome != FactOutcome.PLACE_HELD or inner.position is None:
            return None
        holders = list(dict.fromkeys(h.fact.subject for h in verdict.hits))
        [chunk] = self.facts.source.fact_chunks([verdict.hits[0].fact])
        if len(holders) != 1 or chunk is None:
            return None
        outer = question_constraints(bridge.outer)
        # What the second half leaves unsaid is the first half's: "đạt bao nhiêu điểm?"
        # of the same index and year.
        rest = bridge.outer.rstrip(" ?")
        if not outer.indices:
            rest += f" về {verdict.index.value}"
        if not outer.years and verdict.year is not None:
            rest += f" năm {verdict.year}"
        second = self._answer(f"{holders[0]} {rest}?", (), top_k, province, retriever,
                              time.perf_counter())
        # The answer's own passage stays [1]; the place's comes after its citations.
        n = len(second.citations) + 1
        place = bridge_place(holders[0], inner.position.value, verdict.index.value,
                             verdict.year, n, language)
        return replace(second, text=f"{place} {second.text}",
                       citations=[*second.citations, Citation.from_passage(n, Passage(chunk, 1.0))],
                       sources=[replace(c, n=c.n + 1) for c in second.sources])

    def _from_facts(self, question: QuestionInfo, within: str | None) -> Answer | None:
        """The facts stage (facts.py): an answer or a decline from the index's ranking
        facts, cited to the passages stating them; None leaves the question to the
        readers."""
        if self.facts is None:
            return None
        constraints = question.facts
        provinces = [s for s in constraints.subjects if canonical_province(s)]
        if within and provinces and (canonical_province(within) or within) not in provinces:
            return None  # asked about another province than the one searched
        verdict = self.facts.decide(constraints, within)
        if verdict is None:
            return None
        chunks = self.facts.source.fact_chunks([h.fact for h in verdict.hits])
        numbers: dict[str, int] = {}
        citations: list[Citation] = []
        refs: list[int] = []
        for chunk in chunks:
            if chunk is None:
                return None  # an index whose facts and passages disagree: let readers read
            if chunk.chunk_id not in numbers:  # two facts of one passage: one citation
                numbers[chunk.chunk_id] = len(numbers) + 1
                citations.append(Citation.from_passage(numbers[chunk.chunk_id],
                                                       Passage(chunk, 1.0)))
            refs.append(numbers[chunk.chunk_id])
        return self._fact_answer(question, verdict, citations, refs)

    def _fact_answer(self, question: QuestionInfo, verdict: FactVerdict,
                     citations: list[Citation], refs: list[int]) -> Answer:
        language = question.language
        spans = [short_span(h) for h in verdict.hits]
        index = verdict.ranking
        hits = verdict.hits
        span: str | None
        if verdict.outcome == FactOutcome.YEAR_NOT_COVERED:
            assert verdict.year is not None
            text = year_not_covered(hits, refs, spans, verdict.subject, index, verdict.year,
                                    language)
            return Answer(text, None, True, citations, reason=DeclineReason.YEAR,
                          reader=FACTS_READER)
        if verdict.outcome == FactOutcome.PLACE_HELD:
            place = question.facts.position
            assert place is not None
            text = place_answer(hits, refs, place.value, index, verdict.year, language)
            span = " và ".join(dict.fromkeys(h.fact.subject for h in hits))
        elif verdict.outcome == FactOutcome.TOP_LISTED:
            text = top_answer(hits, refs, len(hits), index, verdict.year, language)
            span = ", ".join(h.fact.subject for h in hits)
        elif verdict.outcome == FactOutcome.YEARS_COMPARED:
            ranks = hits[0].fact.measure == Measure.RANK
            text, span = change_between_years(hits, refs, verdict.subject, index, ranks,
                                              language)
        else:
            text = fact_answer(hits, refs, spans, index, verdict.year, language)
            span = spans[0]
        return Answer(text, span, False, citations, confidence=1.0, reader=FACTS_READER)

    def _span_in_sentence(self, question: QuestionInfo, request: ReadRequest,
                          rules_best: Candidate) -> tuple[Candidate, ReaderKind]:
        """HOIDAP_READER=auto (readers/choice.py): the trained reader's first window is
        the one around the rules' sentence, then the next passages while its window budget
        lasts; it gives the span inside that sentence."""
        assert self.neural is not None
        around = (rules_best.passage_index, rules_best.sentence_start, rules_best.sentence_end)
        reading = self.neural.read(replace(request, around=around))
        met = [c for c in reading.candidates
               if self._unmet(question, request.passages, c) is None]
        combined = combine(rules_best, met, self.switch_probability)
        return combined.candidate, combined.reader

    def _decide_rules(self, question: QuestionInfo, request: ReadRequest,
                      passages: list[Passage], relevant: list[Passage]) -> Candidate | Answer:
        best = self.rules.read(request).best
        if best is None:
            return self._abstain(question, DeclineReason.NO_SENTENCE)
        if best.unmet == DeclineReason.PROVINCE:
            return self._abstain(question, DeclineReason.PROVINCE,
                                 ", ".join(question.provinces))
        if best.unmet:
            return self._abstain(question, best.unmet, confidence=best.score)
        if best.score < self.min_confidence:
            return self._abstain(question, DeclineReason.WEAK, confidence=best.score)
        chunk = request.passages[best.passage_index].chunk
        conflict = stated_conflict(question.facts, chunk, self._facts_in(chunk),
                                   best.sentence_start, best.sentence_end)
        if conflict is not None:
            return self._abstain(question, conflict, asked_ranking(question.facts),
                                 best.score)
        elsewhere = self._answered_elsewhere(question, passages, relevant, best, request)
        if elsewhere is not None:
            return self._abstain(question, DeclineReason.ELSEWHERE, elsewhere, best.score)
        return best

    def _decide_neural(self, question: QuestionInfo, request: ReadRequest
                       ) -> Candidate | Answer:
        """The trained reader's best span that meets the question's constraints (province,
        year), unless its no-answer probability wins or the span's is too low."""
        assert self.neural is not None
        reading = self.neural.read(request)
        verified = [replace(c, unmet=self._unmet(question, request.passages, c))
                    for c in reading.candidates]
        met = [c for c in verified if c.unmet is None]
        if not met:
            if verified and verified[0].unmet is not None:
                reason = verified[0].unmet
                about = (", ".join(question.provinces) if reason == DeclineReason.PROVINCE
                         else asked_ranking(question.facts))
                return self._abstain(question, reason, about, verified[0].score)
            return self._abstain(question, DeclineReason.NO_ANSWER,
                                 confidence=1 - (reading.no_answer or 1.0))
        best = met[0]
        no_answer = reading.no_answer or 0.0
        best = replace(best, features={**best.features, "no_answer": no_answer})
        if ((self.decline_on_null and no_answer >= best.score)
                or best.score < self.neural_min_probability):
            return self._abstain(question, DeclineReason.NO_ANSWER, confidence=best.score)
        return best

    def _unmet(self, question: QuestionInfo, passages: Sequence[Passage],
               candidate: Candidate) -> DeclineReason | None:
        """Verify stage for a trained reader's candidate: its sentence is about the province
        asked, and its passage (title, the passage before it) states the year asked."""
        passage = passages[candidate.passage_index]
        chunk = passage.chunk
        sentence = chunk.text[candidate.sentence_start:candidate.sentence_end]
        if not candidate_about(passage, sentence, question.provinces):
            return DeclineReason.PROVINCE
        years = missing_years(question.years, chunk.text, chunk.title)
        if years and missing_years(years, self._lead_in(passage)):
            return DeclineReason.YEAR
        return stated_conflict(question.facts, chunk, self._facts_in(chunk),
                               candidate.sentence_start, candidate.sentence_end)

    def _facts_in(self, chunk: Chunk) -> list[Fact]:
        """The ranking facts a passage states (none without the facts stage, or when the
        index's facts are another extractor version's)."""
        if self.facts is None:
            return []
        try:
            return self.facts.source.facts_in([chunk])[0]
        except IndexMismatchError:
            return []

    def _cited(self, best: Candidate, passages: list[Passage], cite: int | None,
               kind: ReaderKind, language: str = "vi") -> Answer:
        source = passages[best.passage_index]
        ordered = ([source] + [p for p in passages if p is not source])[:cite]
        numbered = [Citation.from_passage(n, p) for n, p in enumerate(ordered, start=1)]
        text = (in_english(best.answer_text, best.span) if language == "en"
                else f"{best.answer_text} [1].")
        return Answer(text, best.span, False, numbered[:1],
                      confidence=best.score, reader=kind,
                      no_answer=best.features.get("no_answer"), sources=numbered[1:])

    def _answered_elsewhere(self, question: QuestionInfo, passages: list[Passage],
                            relevant: list[Passage], best: Candidate,
                            request: ReadRequest) -> str | None:
        """The province whose passage answers the question far better than any passage
        about the one asked ("Vĩnh Long có bao nhiêu dịch vụ công trực tuyến được tích hợp
        lên Cổng dịch vụ công quốc gia?" where only Bình Phước's article gives that count):
        the fact is that province's, and answering with the asked province's nearest
        sentence would be a guess. None when no other province's passage does."""
        if not question.provinces:
            return None
        others = [p for p in passages if p not in relevant]
        if not others:
            return None
        rival = self.rules.read(replace(request, question=replace(question, provinces=[]),
                                        passages=others)).best
        if rival is None or rival.unmet or rival.score - best.score < ELSEWHERE_MARGIN:
            return None
        return others[rival.passage_index].chunk.province or ""

    def _lead_in(self, passage: Passage) -> str:
        """The passage of the same article just before this one ("... đặt ra những mục tiêu
        đến năm 2025. | Theo đó, ..."): a year stated there frames this passage's facts."""
        chunk = passage.chunk
        previous = self._previous_chunks().get(chunk.chunk_id)
        return previous.text if previous is not None else ""

    def _previous_chunks(self) -> dict[str, Chunk]:
        """chunk id -> the chunk before it in its document, for an in-memory index (a
        database index is not read whole for this; its passages go without a lead-in)."""
        version = self.searcher.version()
        if self._previous is None or self._previous[0] != version:
            chunks = self.searcher.chunks
            previous: dict[str, Chunk] = {}
            if isinstance(chunks, list):
                by_doc: dict[str, list[Chunk]] = {}
                for chunk in chunks:
                    by_doc.setdefault(chunk.doc_id, []).append(chunk)
                for doc_chunks in by_doc.values():
                    doc_chunks.sort(key=lambda c: c.start)
                    previous.update((later.chunk_id, earlier) for earlier, later
                                    in zip(doc_chunks, doc_chunks[1:], strict=False))
            self._previous = (version, previous)
        return self._previous[1]

    def _compare(self, question: QuestionInfo, top_k: int, retriever: str) -> Answer:
        """ "Giữa A và B, tỉnh nào có thứ hạng tốt hơn?": each province's own value, found as
        if asked about it alone, then compared; abstains unless every province has one."""
        kind = comparison_kind(question.text)
        from_facts = self._compare_facts(question, kind)
        if from_facts is not None:
            return from_facts
        found: list[tuple[str, float, Extraction, list[Passage]]] = []
        for province in question.provinces:
            single = replace(question, text=_only_province(question.text, province,
                                                           question.provinces),
                             kind=kind, provinces=[province], compare="", required_terms=[],
                             counted=("%" if kind == QuestionKind.NUMBER
                                      and counted_thing(question.text) == "%" else ""))
            passages = self.searcher.search(single.text[:MAX_QUERY_CHARS], top_k,
                                            SearchFilter(province=province), retriever)
            passages = [p for p in passages if about_provinces(p, [province])]
            extraction = (self.rules.extraction(ReadRequest(single, passages))
                          if passages else None)
            value = _comparable_value(extraction.span.text, kind) if (
                extraction is not None and extraction.span is not None) else None
            if (extraction is None or extraction.unmet or value is None
                    or extraction.score < self.min_confidence):
                return self._abstain(question, DeclineReason.COMPARE, province)
            found.append((province, value, extraction, passages))
        # A better rank is a smaller number: "thứ hạng cao hơn/tốt hơn" is the minimum.
        smaller_wins = (question.compare == "more") == (kind == QuestionKind.RANK)
        ordered = sorted(found, key=lambda f: f[1] if smaller_wins else -f[1])
        parts, citations = [], []
        for n, (province, _value, extraction, passages) in enumerate(ordered, start=1):
            source = passages[extraction.passage_index]
            citations.append(Citation.from_passage(n, source))
            parts.append(f"{province}: {extraction.answer_text} [{n}].")
        _winner, best_value, best, _passages = ordered[0]
        assert best.span is not None
        # Equal values ("trên 50%" both) make no winner: say they are level.
        leaders = [f[0] for f in ordered if f[1] == best_value]
        verdict = " và ".join(leaders) + (" ngang nhau" if len(leaders) > 1 else "")
        text = f"{verdict} ({best.span.text}). " + " ".join(parts)
        return Answer(text, best.span.text, False, citations,
                      confidence=min(f[2].score for f in found))

    def _compare_facts(self, question: QuestionInfo, kind: QuestionKind) -> Answer | None:
        """A comparison of provinces on one index ("Giữa Hà Nội và Huế, tỉnh nào xếp hạng
        DTI 2024 cao hơn?") from each one's fact, when every province has exactly one."""
        c = question.facts
        if self.facts is None or len(c.indices) != 1 or len(c.years) > 1:
            return None
        measure = Measure.RANK if kind == QuestionKind.RANK else Measure.SCORE
        found = []
        for province in question.provinces:
            verdict = self.facts.decide(replace(c, subjects=(province,), position=None,
                                                measure=measure, asks_change=False))
            if (verdict is None or verdict.outcome != FactOutcome.ANSWERED
                    or verdict.contradicted or verdict.values[0] is None):
                return None
            found.append(verdict)
        hits = [v.hits[0] for v in found]
        [*chunks] = self.facts.source.fact_chunks([h.fact for h in hits])
        if any(chunk is None for chunk in chunks):
            return None
        smaller_wins = (question.compare == "more") == (measure == Measure.RANK)
        order = sorted(range(len(hits)), key=lambda i: (hits[i].fact.value or 0.0) * (
            1 if smaller_wins else -1))
        citations, parts = [], []
        for n, i in enumerate(order, start=1):
            chunk = chunks[i]
            assert chunk is not None
            citations.append(Citation.from_passage(n, Passage(chunk, 1.0)))
            year = found[i].year
            # Provinces' facts may be of different years: each says its own.
            said = quoted(hits[i])
            note = f" (năm {year})" if year is not None and str(year) not in said else ""
            parts.append(f"{hits[i].fact.subject}: {said.rstrip(' .')} [{n}]"
                         f"{note}.")
        best = hits[order[0]]
        leaders = [hits[i].fact.subject for i in order if hits[i].fact.value == best.fact.value]
        verdict_text = " và ".join(leaders) + (" ngang nhau" if len(leaders) > 1 else "")
        span = short_span(best)
        return Answer(f"{verdict_text} ({span}). " + " ".join(parts), span, False, citations,
                      confidence=1.0, reader=FACTS_READER)

    def _generated(self, question: str, extractive: Answer) -> Answer:
        """The generator's wording when it keeps to the rules; the extractive answer else."""
        assert self.generator is not None
        passages = extractive.passages
        try:
            text = self.generator.generate(question, passages)
        except GeneratorError as error:
            logger.warning("generative answer discarded, extractive answer kept: %s", error)
            return extractive
        cited = cited_numbers(text)
        return Answer(text, extractive.span, False, [c for c in passages if c.n in cited],
                      confidence=extractive.confidence, reader=extractive.reader,
                      sources=[c for c in passages if c.n not in cited])

    def _abstain(self, question: QuestionInfo, reason: DeclineReason, about: str = "",
                 confidence: float = 0.0) -> Answer:
        return Answer(abstention_message(self.scope, reason, about, question.language,
                                         question),
                      None, True, [], reason=reason, confidence=confidence)


def _with_sources(answer: Answer, passages: Sequence[Passage]) -> Answer:
    """`answer` with the passages it does not cite as its sources, numbered after them."""
    cited = {c.chunk_id for c in answer.citations}
    others = [p for p in passages if p.chunk.chunk_id not in cited]
    first = len(answer.citations) + 1
    return replace(answer, sources=[Citation.from_passage(n, p)
                                    for n, p in enumerate(others, start=first)])


def _sentence_similarity(searcher: Searcher) -> SentenceSimilarity | None:
    dense = searcher.retrievers.get("dense")
    if not isinstance(dense, QueryEmbedder) or not hasattr(dense.encoder, "encode_passages"):
        return None
    return SentenceSimilarity(dense.query_vector, dense.encoder.encode_passages,
                              stored=searcher.segment_vectors)


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
            index = index_of_term(term)
            if index is None or not names_index(f"{chunk.title} {chunk.text}", index):
                return False
    return True


_RANK_WORDS_RE = re.compile(r"\b(?:thu hang|xep hang|hang|vi tri|xep thu|dung thu|rank|"
                            r"ranking|ranked)\b")


def comparison_kind(text: str) -> QuestionKind:
    """What a comparison compares: ranks ("thứ hạng tốt hơn") or numbers (the rest)."""
    return (QuestionKind.RANK if _RANK_WORDS_RE.search(fold_diacritics(text.casefold()))
            else QuestionKind.NUMBER)


def _only_province(text: str, keep: str, provinces: Sequence[str]) -> str:
    """The question about one of the provinces it compares: the others' names removed."""
    folded = fold_diacritics(text.casefold())
    for name in provinces:
        if name == keep:
            continue
        target = fold_diacritics(name.casefold())
        position = folded.find(target)
        while position >= 0:
            # Folding keeps one character per character, so positions index `text`.
            text = text[:position] + " " * len(target) + text[position + len(target):]
            folded = folded[:position] + " " * len(target) + folded[position + len(target):]
            position = folded.find(target)
    return re.sub(r"\s+", " ", text).strip()


_VALUE_RE = re.compile(r"\d+(?:[.,]\d+)*")


def _comparable_value(span: str, kind: str) -> float | None:
    """The number a span states, Vietnamese style ("1.506" = 1506, "78,9%" = 78.9); a rank
    "đứng đầu"/"dẫn đầu"/"thứ nhất" is 1."""
    folded = fold_diacritics(span.casefold())
    if kind == QuestionKind.RANK and re.search(r"\b(?:dau|nhat)\b", folded):
        return 1.0
    match = _VALUE_RE.search(span)
    if match is None:
        return None
    digits = match.group(0)
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", digits):
        digits = digits.replace(".", "")
    return float(digits.replace(".", "").replace(",", ".") if "," in digits else digits)
