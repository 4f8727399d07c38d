"""The search entry point: validates a query, applies filters, returns cited passages."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from retriever.errors import InvalidInputError
from retriever.segments import SegmentVectors
from retriever.text.gazetteer import canonical_province
from retriever.text.normalize import match_form, normalize
from retriever.types import Chunk, Hit, Passage, Retriever, SearchFilter

# A query and what a retriever returned for it -> the passages in the order to show them.
PassageOrder = Callable[[str, list[Passage]], list[Passage]]

if TYPE_CHECKING:
    # The facts are the index's (index/facts); only their protocol is named here.
    from index.facts.types import FactSource

MAX_QUERY_CHARS = 2000
MAX_TOP_K = 100


def validate_query(query: str) -> str:
    """The normalised query, or InvalidInputError for an empty or oversized one."""
    if not isinstance(query, str):
        raise InvalidInputError("the query must be text")
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidInputError(
            f"the query is {len(query)} characters long; the limit is {MAX_QUERY_CHARS}"
        )
    text = normalize(query)
    if not any(c.isalnum() for c in text):
        raise InvalidInputError("the query is empty: type a question or some keywords")
    return text


def validate_search(query: str, top_k: int, retriever: str, retrievers: Sequence[str]) -> str:
    """The normalised query, or InvalidInputError naming what cannot be searched."""
    text = validate_query(query)
    if not 1 <= top_k <= MAX_TOP_K:
        raise InvalidInputError(f"top_k must be between 1 and {MAX_TOP_K}, got {top_k}")
    if retriever not in retrievers:
        raise InvalidInputError(
            f"unknown retriever {retriever!r}; choose one of {', '.join(retrievers)}"
        )
    return text


def passages(hits: Sequence[Hit], chunks: Mapping[str, Chunk], retriever: str) -> list[Passage]:
    """Hits as cited passages; a single retriever's rank and score are recorded under its name."""
    return [
        Passage(chunks[h.chunk_id], h.score, h.ranks or {retriever: i},
                h.scores or {retriever: h.score})
        for i, h in enumerate(hits, start=1)
    ]


class Searcher:
    """Ranks the chunks of one index with a choice of retrievers."""

    def __init__(self, chunks: Sequence[Chunk], retrievers: Mapping[str, Retriever],
                 segment_vectors: SegmentVectors | None = None,
                 facts: FactSource | None = None,
                 passage_order: PassageOrder | None = None) -> None:
        self.chunks = list(chunks)
        self.retrievers = dict(retrievers)
        # The index's vectors of its passages' segments, for the answerer (None: embed them).
        self.segment_vectors = segment_vectors
        # The index's ranking facts, for the answerer (None: an index without them).
        self.facts = facts
        # Reorders what a retriever returned for a query (index/facts/ordering.py: passages
        # stating the ranking asked first); None keeps the retriever's order.
        self.passage_order = passage_order
        self._position = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        self._provinces = np.array(
            [match_form(c.province) if c.province else "" for c in self.chunks], dtype=object
        )
        self._dates = np.array([c.published or "" for c in self.chunks], dtype=object)

    @property
    def retriever_names(self) -> list[str]:
        return list(self.retrievers)

    def version(self) -> int:
        """Changes whenever the searched content does (never, for an in-memory index)."""
        return 0

    def provinces(self) -> list[str]:
        """The provinces the indexed chunks are about, sorted."""
        return sorted({c.province for c in self.chunks if c.province})

    def allowed_mask(self, search_filter: SearchFilter | None) -> np.ndarray | None:
        """Boolean mask of the chunks a filter lets through (None: no filter)."""
        if search_filter is None or search_filter.is_empty():
            return None
        mask = np.ones(len(self.chunks), dtype=bool)
        if search_filter.province:
            wanted = canonical_province(search_filter.province) or search_filter.province
            mask &= self._provinces == match_form(wanted)
        if search_filter.published_from:
            mask &= (self._dates != "") & (self._dates >= search_filter.published_from)
        if search_filter.published_to:
            mask &= (self._dates != "") & (self._dates <= search_filter.published_to)
        return mask

    def search(
        self,
        query: str,
        top_k: int = 10,
        search_filter: SearchFilter | None = None,
        retriever: str = "hybrid",
    ) -> list[Passage]:
        text = validate_search(query, top_k, retriever, self.retriever_names)
        allowed = self.allowed_mask(search_filter)
        if allowed is not None and not allowed.any():
            return []
        hits = self.retrievers[retriever].search(text, top_k, allowed)
        found = {h.chunk_id: self.chunks[self._position[h.chunk_id]] for h in hits}
        return self.ordered(text, passages(hits, found, retriever))

    def ordered(self, query: str, found: list[Passage]) -> list[Passage]:
        return self.passage_order(query, found) if self.passage_order else found
