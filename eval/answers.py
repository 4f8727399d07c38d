"""Answer metrics: accuracy by containment, SQuAD-style span EM/F1 adapted to Vietnamese,
citation hits, latency percentiles.

Answers are compared in one normal form (`normalize_answer`): the project's normaliser (NFC,
one tone-mark convention, unified dashes/quotes/spaces), [n] citation markers removed,
case-folded, "tỷ"/"tỉ"-style i/y spellings unified, thousands dots removed ("1.506" ->
"1506", while the decimal comma of "78,9%" stays), whitespace collapsed.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from eval.dataset import Question
from eval.retrieval import passage_hits
from retriever.text.normalize import normalize, unify_i_y
from retriever.types import Passage

CITATION_DEPTH = 3

_MARKER_RE = re.compile(r"\s*\[\d+(?:\s*[,;–-]\s*\d+)*\]")
# A dot between digits followed by exactly three digits groups thousands: "1.506", "12.345.678".
# "1.5067" has four digits after the dot and is left alone.
_THOUSANDS_RE = re.compile(r"(?<=\d)\.(?=\d{3}(?!\d))")
_SPACE_RE = re.compile(r"\s+")
# Trimmed from both ends of an accepted answer before looking for it: sentence punctuation
# and quotes, never "%" or a currency sign.
_EDGE_PUNCT = " \t\n.,;:!?\"'()[]{}«»…-"


def normalize_answer(text: str) -> str:
    """The form answers are compared in (see the module docstring)."""
    text = _MARKER_RE.sub("", normalize(text))
    text = unify_i_y(text.casefold())
    text = _THOUSANDS_RE.sub("", text)
    return _SPACE_RE.sub(" ", text).strip()


def _boundary_ok(text: str, start: int, end: int) -> bool:
    """The match text[start:end] neither starts nor ends inside a word or a number:
    "1506" is not in "15067", "78" is not in "78,9%", "9" is not in "2019"."""
    if start > 0:
        before = text[start - 1]
        if text[start].isalnum() and before.isalnum():
            return False
        if (text[start].isdigit() and before in ".," and start > 1
                and text[start - 2].isdigit()):
            return False
    if end < len(text):
        after = text[end]
        if text[end - 1].isalnum() and after.isalnum():
            return False
        if (text[end - 1].isdigit() and after in ".," and end + 1 < len(text)
                and text[end + 1].isdigit()):
            return False
    return True


def contains_answer(text: str, answers: Iterable[str]) -> bool:
    """True when `text` contains one of the accepted `answers` as whole words/numbers, after
    normalisation."""
    haystack = normalize_answer(text)
    for answer in answers:
        needle = normalize_answer(answer).strip(_EDGE_PUNCT)
        if not needle:
            continue
        start = haystack.find(needle)
        while start != -1:
            if _boundary_ok(haystack, start, start + len(needle)):
                return True
            start = haystack.find(needle, start + 1)
    return False


def span_tokens(text: str) -> list[str]:
    """Syllable tokens of a span for EM/F1: normalised, punctuation and symbols dropped
    (treated as spaces), except a decimal separator between digits ("78,9")."""
    form = normalize_answer(text)
    chars = []
    for i, c in enumerate(form):
        keep = c.isalnum() or c.isspace() or (
            c in ".," and 0 < i < len(form) - 1 and form[i - 1].isdigit()
            and form[i + 1].isdigit()
        )
        chars.append(c if keep else " ")
    return "".join(chars).split()


def span_exact_match(span: str | None, answers: Sequence[str]) -> float:
    """1.0 when the span's tokens equal those of one accepted answer."""
    if span is None:
        return 0.0
    tokens = span_tokens(span)
    return float(any(tokens == span_tokens(a) for a in answers))


def _f1(predicted: list[str], gold: list[str]) -> float:
    if not predicted or not gold:
        return float(predicted == gold)
    common = sum((Counter(predicted) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def span_f1(span: str | None, answers: Sequence[str]) -> float:
    """Token F1 of the span against the best-matching accepted answer (0 without a span)."""
    if span is None or not answers:
        return 0.0
    tokens = span_tokens(span)
    return max(_f1(tokens, span_tokens(a)) for a in answers)


def citation_hit(citations: Sequence[Passage], question: Question,
                 depth: int = CITATION_DEPTH) -> bool:
    """One of the first `depth` citations is a passage from the question's document that
    contains its evidence (the same definition as a retrieval hit)."""
    return any(passage_hits(p, question) for p in citations[:depth])


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) with linear interpolation (numpy's default); None when
    there is no value."""
    if not values:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be between 0 and 100, got {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
