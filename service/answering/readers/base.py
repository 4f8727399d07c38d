"""The reader slot: what every reader is given and what it returns.

A reader reads the retrieved passages for an analysed question and returns a `Reading`:
its n-best `Candidate` spans, best first, each with where it sits in its passage, the
sentence around it, a score and the score's parts, and how strongly the reader believes the
passages hold no answer at all. Deciding (answer or decline) is not the reader's job: the
pipeline's decide stage does it with the reading and the verification of constraints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from retriever.types import Passage
from service.answering.question import QuestionInfo
from service.answering.reasons import DeclineReason


class ReaderKind(StrEnum):
    """HOIDAP_READER: which reader answers."""

    RULES = "rules"
    NEURAL = "neural"
    AUTO = "auto"


# What answers when HOIDAP_READER is unset: the one that won on the held-out documents of
# every external set without losing on our own set (docs/evaluation.md).
DEFAULT_READER = ReaderKind.AUTO


@dataclass(frozen=True)
class ReadRequest:
    """What a reader is asked: the question, the passages, and a follow-up's extras."""

    question: QuestionInfo
    passages: Sequence[Passage]
    focus: str = ""  # a follow-up's new topic
    context: str = ""  # a follow-up's earlier question words
    asked: str = ""  # the text the retrieval query embedded (sentence similarity)
    # (passage index, start, end): characters to read first, e.g. the sentence another
    # reader chose; a reader with a window budget spends its first window there.
    around: tuple[int, int, int] | None = None


@dataclass(frozen=True)
class Candidate:
    """One answer candidate. `start`/`end` are character offsets of the span in its
    passage's text (`passage.chunk.text`); equal when the answer is a whole sentence."""

    passage_index: int
    start: int
    end: int
    span: str | None  # the short answer, None for a sentence answer
    sentence_start: int
    sentence_end: int
    answer_text: str  # the sentence, or the clause of it holding the span, as shown
    score: float
    features: dict[str, float] = field(default_factory=dict)
    # The question's constraint this candidate fails, None when it meets them all.
    unmet: DeclineReason | None = None


@dataclass(frozen=True)
class Reading:
    """A reader's n-best, best first, and its no-answer score (None: it has none)."""

    reader: ReaderKind
    candidates: list[Candidate]
    no_answer: float | None = None

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


class Reader(Protocol):
    kind: ReaderKind

    def read(self, request: ReadRequest) -> Reading: ...


def empty_reading(kind: ReaderKind) -> Reading:
    return Reading(kind, [], None)
