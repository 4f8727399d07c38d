"""Sentences of a passage with their character offsets, and clauses of a long sentence."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A sentence ends at . ! ? … followed by a space and an upper-case letter, a digit, a quote
# or a bracket, or at a line break. "1.506", "TP. Hồ Chí Minh" and "3/63." stay whole.
_BOUNDARY_RE = re.compile(r"(?<=[.!?…])\s+(?=[\"“'(\[A-ZĐÀ-Ỹ0-9])|\n+")
_ABBREVIATION_END_RE = re.compile(r"\b(?:TP|Tp|TS|ThS|PGS|GS|Th\.S|Q|P|TX|St|Dr|Mr|Mrs)\.$")
# Commas inside fixed pairs ("tỉnh, thành", "phí, lệ phí") do not end a clause.
_CLAUSE_RE = re.compile(
    r"(?<!\btỉnh)(?<!\bxã)(?<!\bhuyện)(?<!\bphí)[,;:]\s+|\s+-\s+"
    r"|\s+(?=(?:nhưng|song|tuy nhiên|trong đó|đồng thời)\s)"
)
_LEADING_CONNECTIVES_RE = re.compile(
    r"^(?:nhưng|song|tuy nhiên|trong đó|đồng thời|và|còn|thì|mà|cho biết|cho rằng)\s+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # offsets into the passage text
    end: int


def split_sentences(text: str) -> list[Sentence]:
    sentences: list[Sentence] = []
    start = 0
    pending_start: int | None = None
    for match in [*_BOUNDARY_RE.finditer(text), None]:
        end = match.start() if match else len(text)
        piece = text[start:end]
        if match is not None and _ABBREVIATION_END_RE.search(piece):
            pending_start = start if pending_start is None else pending_start
            start = match.end()
            continue
        first = pending_start if pending_start is not None else start
        pending_start = None
        body = text[first:end]
        stripped = body.strip()
        if stripped:
            offset = first + (len(body) - len(body.lstrip()))
            sentences.append(Sentence(stripped, offset, offset + len(stripped)))
        if match is not None:
            start = match.end()
    return sentences


_SEGMENT_RE = re.compile(r";\s+")
MAX_SEGMENT_WORDS = 35


def clause_around(sentence: str, start: int, end: int, min_words: int = 10) -> str:
    """The part of `sentence` around [start, end): its ";"-segment when that is short enough,
    else its comma clause widened until it reads on its own."""
    left = max([0] + [m.end() for m in _SEGMENT_RE.finditer(sentence) if m.end() <= start])
    right = min([len(sentence)] + [m.start() for m in _SEGMENT_RE.finditer(sentence)
                                   if m.start() >= end])
    segment = sentence[left:right]
    if len(segment.split()) > MAX_SEGMENT_WORDS:
        segment = _clause(segment, start - left, end - left, min_words)
    segment = _LEADING_CONNECTIVES_RE.sub("", segment.strip(" ,;:-"))
    segment = segment.rstrip(" .,;:…")
    return segment[:1].upper() + segment[1:] if segment else segment


def _clause(sentence: str, start: int, end: int, min_words: int) -> str:
    """The clause of `sentence` that holds [start, end), widened until it reads on its own.

    Long sentences carry several facts ("... xếp thứ 3/63 ...; thanh toán ... xếp thứ 5/63");
    the answer should quote the one asked about.
    """
    bounds = [0] + [m.end() for m in _CLAUSE_RE.finditer(sentence)] + [len(sentence) + 1]
    cuts = sorted(set(bounds))
    left = max(c for c in cuts if c <= start)
    right_candidates = [m.start() for m in _CLAUSE_RE.finditer(sentence) if m.start() >= end]
    right = min(right_candidates) if right_candidates else len(sentence)
    clause = sentence[left:right]
    while len(clause.split()) < min_words and (left > 0 or right < len(sentence)):
        if left > 0:
            left = max((c for c in cuts if c < left - 1), default=0)
        elif right < len(sentence):
            later = [m.start() for m in _CLAUSE_RE.finditer(sentence) if m.start() > right]
            right = min(later) if later else len(sentence)
        clause = sentence[left:right]
    return clause


def split_segments(sentence: Sentence) -> list[Sentence]:
    """The ";"-separated parts of a sentence (offsets stay those of the passage).

    News sentences list several facts separated by semicolons; each is scored alone so a
    question about one of them is answered by that one.
    """
    segments = []
    start = 0
    for match in [*_SEGMENT_RE.finditer(sentence.text), None]:
        end = match.start() if match else len(sentence.text)
        piece = sentence.text[start:end]
        stripped = piece.strip()
        if stripped:
            offset = sentence.start + start + (len(piece) - len(piece.lstrip()))
            segments.append(Sentence(stripped, offset, offset + len(stripped)))
        if match is not None:
            start = match.end()
    return segments
