"""Values the answering layer hands to the HTTP routes, the CLI and the evaluation harness."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from retriever.types import Passage
from service.answering.reasons import DeclineReason

Role = Literal["user", "assistant"]


@dataclass(frozen=True)
class Turn:
    """One earlier turn of a conversation."""

    role: Role
    content: str


@dataclass(frozen=True)
class Citation:
    """A numbered source of an answer: the passage and where it sits in its document."""

    n: int
    doc_id: str
    chunk_id: str
    title: str
    province: str | None
    text: str
    start: int
    end: int
    score: float

    @classmethod
    def from_passage(cls, n: int, passage: Passage) -> Citation:
        chunk = passage.chunk
        return cls(n, chunk.doc_id, chunk.chunk_id, chunk.title, chunk.province, chunk.text,
                   chunk.start, chunk.end, float(passage.score))


@dataclass(frozen=True)
class Answer:
    """An answer with its [n] citations, or an abstention that says why.

    `span` is the shortest piece that answers ("thứ 9"); None for abstentions and for
    questions answered by a whole sentence. `citations` are the passages the text cites, by
    their [n]; `sources` the other passages retrieved for it, numbered after them.
    """

    text: str
    span: str | None
    abstained: bool
    citations: list[Citation]
    question_type: str = "other"
    # The question after follow-up resolution ("Còn kinh tế số thì sao?" + history ->
    # "Bình Phước kinh tế số xếp hạng thứ mấy?"): what was actually searched.
    resolved_question: str = ""
    reason: DeclineReason | None = None  # why it abstained, for logs and evaluation
    confidence: float = 0.0
    timings_ms: dict[str, float] = field(default_factory=dict)
    reader: str | None = None  # the reader whose span this is (readers.base.ReaderKind)
    no_answer: float | None = None  # the trained reader's no-answer probability
    sources: list[Citation] = field(default_factory=list)

    @property
    def passages(self) -> list[Citation]:
        """Every passage retrieved for the answer, cited first, in their numbers' order."""
        return sorted([*self.citations, *self.sources], key=lambda c: c.n)
