"""Small typed values passed between the packages: documents, chunks, hits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Document:
    """A cleaned article. `text` is what citations' offsets point into."""

    doc_id: str
    title: str
    text: str
    province: str | None = None
    published: str | None = None  # ISO date "YYYY-MM-DD" when known
    author: str | None = None
    url: str | None = None
    source: str | None = None  # file the document came from
    dateline: str | None = None


@dataclass(frozen=True)
class DocumentInfo:
    """A document as a listing shows it: metadata and size, not the text."""

    doc_id: str
    title: str
    province: str | None
    published: str | None
    author: str | None
    url: str | None
    chunks: int


@dataclass(frozen=True)
class DocumentPage:
    """Documents `offset` .. `offset + limit` in doc_id order, and how many there are."""

    documents: list[DocumentInfo]
    total: int


def check_page(offset: int, limit: int) -> None:
    if offset < 0 or limit < 1:
        raise ValueError(f"a page needs offset >= 0 and limit >= 1, got {offset} and {limit}")


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: about one paragraph, never cutting a sentence."""

    chunk_id: str
    doc_id: str
    text: str  # original text, as displayed; equals document.text[start:end]
    start: int
    end: int
    title: str
    province: str | None = None
    published: str | None = None

    @property
    def search_text(self) -> str:
        """What BM25 and the encoder see: the passage with its title and province.

        Paragraphs often never name their province ("toàn tỉnh đã ..."), so the
        document's context travels with every chunk.
        """
        head = self.title
        if self.province and self.province.casefold() not in self.title.casefold():
            head = f"{self.province}: {head}"
        return f"{head}\n{self.text}"


@dataclass(frozen=True)
class Hit:
    """One ranked result of a retriever: an index into its chunk list and a score."""

    chunk_id: str
    score: float
    # Component ranks/scores for fused results ({"bm25": ..., "dense": ...}); 1-based ranks.
    ranks: dict[str, int] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchFilter:
    """Restricts a search to some provinces and/or a date range (inclusive ISO dates)."""

    province: str | None = None
    published_from: str | None = None
    published_to: str | None = None

    def is_empty(self) -> bool:
        return not (self.province or self.published_from or self.published_to)


class Retriever(Protocol):
    """Anything that ranks chunks for a query."""

    name: str

    def search(self, query: str, top_k: int, allowed: np.ndarray | None = None) -> list[Hit]:
        """Up to `top_k` hits, best first.

        `allowed` is a boolean mask over the retriever's chunks (None: all of them).
        """
        ...


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with everything a citation needs."""

    chunk: Chunk
    score: float
    ranks: dict[str, int] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def chunk_id(self) -> str:
        return self.chunk.chunk_id

    @property
    def doc_id(self) -> str:
        return self.chunk.doc_id
