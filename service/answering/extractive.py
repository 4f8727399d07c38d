"""The default answerer: picks the sentence that answers, then the span the question asks for.

No language model: sentences of the retrieved passages are scored by how much of the
question's weighted vocabulary (IDF from the index) they contain, with credit for the
passage's title/province (paragraphs rarely name their province) and for containing a
span of the asked type (a number for "bao nhiêu", a rank for "thứ mấy").
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

import numpy as np

from retriever.coverage import (
    IdfLookup,
    Unit,
    coverage,
    is_stop,
    passage_units,
    query_weights,
    text_tokens,
)
from retriever.text.normalize import fold_diacritics, match_form
from retriever.text.sentences import Sentence, clause_around
from retriever.types import Passage
from service.answering.question import QuestionInfo
from service.answering.spans import Span, candidate_spans

Similarity = Callable[[list[str]], np.ndarray]

TYPE_BONUS = 0.10
MISSING_TYPE_FACTOR = 0.6
RANK_DECAY = 0.02
FOCUS_FACTOR = 0.5  # a follow-up's new topic absent from the sentence
EXPANSION_WEIGHT = 0.3
MAX_ANSWER_WORDS = 60
# Sentence similarity re-scores the lexically best segments: cosine above the baseline
# (e5 cosines of unrelated Vietnamese text sit near 0.8) adds to the lexical score.
SEMANTIC_CANDIDATES = 8
SEMANTIC_WEIGHT = 2.0
SEMANTIC_BASELINE = 0.8
# e5's cosines between a question and a sentence of the same language are rarely below this;
# candidates that could only win if the leader's were lower are embedded only when it is.
SEMANTIC_PRUNE_FLOOR = 0.7
DEFINITION_BONUS = 0.3  # "X là ...", "... (X)" for a "X là gì?" question
UNCOUNTED_FACTOR = 0.6  # numbers here, but none counts what the question asks about
MISSING_YEAR_FACTOR = 0.6  # the question names a year this part of the text does not
PROXIMITY_CHARS = 30.0
_WORD_RE = re.compile(r"[^\W_]+(?:[.,/][^\W_]+)*")
_YEAR_RE = re.compile(r"\b(?:19|20)\d\d\b")


def _defines(segment: str, subject: str) -> bool:
    text = fold_diacritics(match_form(segment))
    return any(form in text for form in (f"{subject} la ", f"({subject})", f"{subject} (",
                                         f"{subject} duoc hieu", f"{subject} nghia la"))


@lru_cache(maxsize=1)
def _glossary() -> tuple[tuple[str, str], ...]:
    text = resources.files("service.answering").joinpath("data/en_vi.tsv").read_text("utf-8")
    rows = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            english, _, vietnamese = line.partition("\t")
            rows.append((english.strip().casefold(), vietnamese.strip()))
    return tuple(sorted(rows, key=lambda r: -len(r[0])))


@lru_cache(maxsize=1024)
def english_to_vietnamese_terms(question: str) -> str:
    """Vietnamese words for the English phrases of a question (longest phrases first)."""
    text = f" {question.casefold()} "
    found = []
    for english, vietnamese in _glossary():
        pattern = rf"(?<![\w-]){re.escape(english)}(?![\w-])"
        if re.search(pattern, text):
            found.append(vietnamese)
            text = re.sub(pattern, " ", text)
    return " ".join(found)


def vietnamese_terms_of_english(question: QuestionInfo) -> str:
    """An English question as Vietnamese search words: provinces, glossary terms, numbers."""
    numbers = " ".join(re.findall(r"\b\d[\w.,/%]*", question.text))
    return " ".join([*question.provinces, english_to_vietnamese_terms(question.text), numbers])


@dataclass(frozen=True)
class Extraction:
    passage_index: int
    sentence: Sentence
    span: Span | None
    answer_text: str  # the sentence, or the clause of it that holds the span
    score: float


class QuestionTerms:
    """The question's weighted tokens, in the accented or folded form the question uses."""

    def __init__(self, question: QuestionInfo, idf: IdfLookup, focus: str = "",
                 expansion: str = "") -> None:
        self.fold = not question.accented
        text = question.text
        if question.language == "en":
            # English words never occur in the articles: score the Vietnamese for them.
            text = vietnamese_terms_of_english(question)
            self.fold = False
        self.weights = query_weights(text, idf, self.fold)
        self.total = sum(self.weights.values()) or 1.0
        self.focus = {t for t in self.tokens(focus) if not self._is_stop(t)}
        counted = question.counted
        if question.language == "en" and counted:
            counted = english_to_vietnamese_terms(counted)
        self.counted = {"%"} if counted == "%" else {
            t for t in self.tokens(counted) if "_" not in t and not self._is_stop(t)}
        self.subject = fold_diacritics(match_form(question.subject)) if question.subject else ""
        self.years = set(_YEAR_RE.findall(question.text)) if question.kind != "date" else set()
        self.expansion = {t: EXPANSION_WEIGHT * idf(t, self.fold)
                          for t in self.tokens(expansion) if t not in self.weights
                          and not self._is_stop(t)}

    def tokens(self, text: str) -> list[str]:
        return list(text_tokens(text, self.fold))

    _is_stop = staticmethod(is_stop)

    def coverage(self, sentence: frozenset[str], context: frozenset[str]) -> float:
        return coverage(self.weights, sentence, context, self.expansion)


def _span_score(span: Span, segment: str, terms: QuestionTerms, question_text: str) -> float:
    """How close a candidate span sits to the question's words within its segment, with a
    large bonus for a number whose unit is what the question counts."""
    if match_form(span.text) in match_form(question_text):
        return -1.0  # the question's own number or name is not its answer
    if terms.counted == {"%"} and "%" not in span.text:
        return -1.0
    bonus = 0.0
    if terms.counted and terms.counted != {"%"} and terms.counted & set(terms.tokens(span.text)):
        bonus = terms.total
    # Each question word counts by how close its nearest occurrence is to the span: in
    # "90% hồ sơ cấp tỉnh, 80% cấp huyện" the "cấp tỉnh" of the question picks 90%.
    nearest: dict[str, float] = {}
    for word in _WORD_RE.finditer(segment):
        if span.start <= word.start() < span.end:
            continue
        distance = span.start - word.end() if word.end() <= span.start else (
            word.start() - span.end)
        closeness = math.exp(-max(distance, 0) / PROXIMITY_CHARS)
        for token in terms.tokens(word.group(0)):
            if token in terms.weights:
                nearest[token] = max(nearest.get(token, 0.0), closeness)
    return bonus + sum(terms.weights[t] * c for t, c in nearest.items())


def best_extraction(question: QuestionInfo, passages: Sequence[Passage], idf: IdfLookup,
                    focus: str = "", expansion: str = "",
                    similarity: Similarity | None = None) -> Extraction | None:
    """The best-scoring segment of the passages and its span; with `similarity`, the
    lexically best few are re-scored with the embedding model's sentence similarity."""
    terms = QuestionTerms(question, idf, focus, expansion)
    found: list[Extraction] = []
    for index, passage in enumerate(passages):
        chunk = passage.chunk
        title = text_tokens(f"{chunk.title} {chunk.province or ''}", terms.fold)
        found.extend(_score_unit(question, terms, unit, title | unit.sentence_tokens, index)
                     for unit in passage_units(chunk.text, terms.fold))
    if not found:
        return None
    if similarity is not None:
        return _semantic_best(sorted(found, key=lambda e: -e.score)[:SEMANTIC_CANDIDATES],
                              similarity)
    return max(found, key=lambda e: e.score)


def _semantic_best(ranked: list[Extraction], similarity: Similarity) -> Extraction:
    """The best of `ranked` (lexically best first) after adding the semantic term.

    Embedding sentences is most of an answer's cost, so candidates too far behind to win
    even with a perfect cosine (1.0) against the leader's are embedded only if the leader's
    own similarity turns out low enough to let them: the result is the same as embedding all.
    """
    def rescored(batch: list[Extraction]) -> list[Extraction]:
        values = similarity([e.sentence.text for e in batch])
        return [replace(e, score=e.score + SEMANTIC_WEIGHT * (float(v) - SEMANTIC_BASELINE))
                for e, v in zip(batch, values, strict=True)]

    ceiling = SEMANTIC_WEIGHT * (1.0 - SEMANTIC_BASELINE)  # the most a cosine can add
    reach = ranked[0].score - SEMANTIC_WEIGHT * (1.0 - SEMANTIC_PRUNE_FLOOR)
    done = rescored([e for e in ranked if e.score >= reach])
    rest = [e for e in ranked if e.score < reach]
    best = max(done, key=lambda e: e.score)
    if rest and max(e.score for e in rest) + ceiling >= best.score:
        best = max([best, *rescored(rest)], key=lambda e: e.score)
    return best


def _score_unit(question: QuestionInfo, terms: QuestionTerms, unit: Unit,
                context: frozenset[str], index: int) -> Extraction:
    segment = unit.segment
    score = terms.coverage(unit.tokens, context) - RANK_DECAY * index
    if terms.focus and not terms.focus <= unit.tokens | context:
        score *= FOCUS_FACTOR
    if terms.years and not all(y in unit.sentence_text for y in terms.years):
        score *= MISSING_YEAR_FACTOR
    if terms.subject and _defines(segment.text, terms.subject):
        score += DEFINITION_BONUS
    scored: list[tuple[float, Span]] = []
    if question.kind != "sentence":
        scored = [(_span_score(s, segment.text, terms, question.text), s)
                  for s in candidate_spans(segment.text, question.kind)]
        scored = [(value, s) for value, s in scored if value >= 0]
        score = score + TYPE_BONUS if scored else score * MISSING_TYPE_FACTOR
        if scored and terms.counted and terms.counted != {"%"} and not any(
                terms.counted & set(terms.tokens(s.text)) for _, s in scored):
            score *= UNCOUNTED_FACTOR
    # The first of equally close spans, as max() over the candidates in text order.
    span = max(scored, key=lambda pair: pair[0])[1] if scored else None
    return Extraction(index, segment, span, _answer_text(segment.text, span, unit.part), score)


def _answer_text(text: str, span: Span | None, part: bool) -> str:
    if span is not None and len(text.split()) > 30:
        text = clause_around(text, span.start, span.end)
    text = text.rstrip(" .;:…")
    words = text.split()
    if len(words) > MAX_ANSWER_WORDS:
        text = " ".join(words[:MAX_ANSWER_WORDS]) + " …"
    if part:
        text = text[:1].upper() + text[1:]
    return text
