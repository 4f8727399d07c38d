"""The three retrievers: BM25, dense (FAISS) and their hybrid, all behind `Retriever`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Protocol

import numpy as np

from retriever.analyzer import Analyzer
from retriever.bm25 import BM25
from retriever.dense import DenseIndex
from retriever.fusion import RRF_K, reciprocal_rank_fusion
from retriever.lru import LRUCache
from retriever.text.normalize import has_diacritics, normalize
from retriever.types import Hit, Retriever

logger = logging.getLogger(__name__)

# Weight of expansion words relative to typed ones; 0.5 was measured and lost two of the
# ten sample-corpus questions, so they count alike.
EXPANSION_WEIGHT = 1.0
QUERY_CACHE_SIZE = 1024


class QueryEncoder(Protocol):
    def encode_queries(self, texts: list[str]) -> np.ndarray: ...


class BM25Retriever:
    """Lexical retrieval; a query typed without diacritics searches the accent-folded field."""

    name = "bm25"

    def __init__(
        self,
        chunk_ids: Sequence[str],
        accented: BM25,
        folded: BM25 | None,
        analyzer: Analyzer,
    ) -> None:
        if accented.num_docs != len(chunk_ids) or (folded and folded.num_docs != len(chunk_ids)):
            raise ValueError("BM25 indexes and chunk list differ in size")
        self.chunk_ids = list(chunk_ids)
        self.accented, self.folded, self.analyzer = accented, folded, analyzer

    def _field(self, query: str) -> tuple[BM25, bool]:
        fold = self.folded is not None and not has_diacritics(query)
        return (self.folded if fold and self.folded is not None else self.accented), fold

    def query_weight(self, query: str) -> float:
        """Share of the query's words the corpus contains: how much BM25 can say about it.

        An English question shares almost no word with Vietnamese articles; its BM25
        ranking then rests on a name or two and should count for little in a fusion.
        """
        index, fold = self._field(query)
        words = [t for t in self.analyzer.query_tokens(query, fold=fold)[0] if "_" not in t]
        return sum(t in index.vocabulary for t in words) / len(words) if words else 0.0

    def search(self, query: str, top_k: int, allowed: np.ndarray | None = None) -> list[Hit]:
        index, fold = self._field(query)
        tokens, expansion = self.analyzer.query_tokens(query, fold=fold)
        extra = dict.fromkeys(expansion, EXPANSION_WEIGHT)
        rows, scores = index.retrieve(tokens, top_k, allowed, extra)
        return [Hit(self.chunk_ids[r], float(s)) for r, s in zip(rows, scores, strict=True)]


@lru_cache(maxsize=1)
def _pyvi_add_accents() -> Callable[[str], str]:
    from pyvi import ViUtils  # imported lazily: it loads a model

    return ViUtils.add_accents  # type: ignore[no-any-return]


def pyvi_restore_accents(text: str) -> str:
    """pyvi's general-purpose diacritic restoration (knows no domain words)."""
    return normalize(_pyvi_add_accents()(text))


def accent_restorer(mode: str, from_corpus: Callable[[str], str],
                    ) -> Callable[[str], str] | None:
    """The dense side's restorer for a mode: `from_corpus` (the index's own vocabulary, the
    default), pyvi's, or none ("off")."""
    if mode == "off":
        return None
    if mode == "pyvi":
        return pyvi_restore_accents
    if mode != "corpus":
        raise ValueError(f"unknown accent restoration {mode!r} (corpus, pyvi or off)")
    return from_corpus


class QueryEmbedder:
    """Query embeddings, cached: the answerer reuses them to compare sentences, and
    identical questions are common. A query typed without accents is restored first."""

    def __init__(self, encoder: QueryEncoder,
                 restore_accents: Callable[[str], str] | None = None) -> None:
        self.encoder, self.restore_accents = encoder, restore_accents
        self._query_vectors: LRUCache[str, np.ndarray] = LRUCache(QUERY_CACHE_SIZE)

    def query_vector(self, query: str) -> np.ndarray:
        text = self.query_text(query)
        vector = self._query_vectors.get(text)
        if vector is None:
            vector = self.encoder.encode_queries([text])[0]
            self._query_vectors.put(text, vector)
        return vector

    def query_text(self, query: str) -> str:
        """What the encoder reads: accents restored on a query typed without any."""
        text = normalize(query)
        if self.restore_accents is not None and not has_diacritics(text):
            text = self.restore_accents(text)
        return text


class DenseRetriever(QueryEmbedder):
    """Semantic retrieval: the query is embedded once and searched in FAISS."""

    name = "dense"

    def __init__(
        self,
        chunk_ids: Sequence[str],
        index: DenseIndex,
        encoder: QueryEncoder,
        restore_accents: Callable[[str], str] | None = None,
    ) -> None:
        if index.size != len(chunk_ids):
            raise ValueError("dense index and chunk list differ in size")
        super().__init__(encoder, restore_accents)
        self.chunk_ids = list(chunk_ids)
        self.index = index

    def search(self, query: str, top_k: int, allowed: np.ndarray | None = None) -> list[Hit]:
        rows, scores = self.index.search(self.query_vector(query), top_k, allowed)
        return [Hit(self.chunk_ids[r], float(s)) for r, s in zip(rows, scores, strict=True)]


class HybridRetriever:
    """Reciprocal-rank fusion of other retrievers (composed, not inherited)."""

    name = "hybrid"

    def __init__(
        self,
        retrievers: Sequence[Retriever],
        k: int = RRF_K,
        weights: Mapping[str, float] | None = None,
        candidates: int = 50,
    ) -> None:
        if not retrievers:
            raise ValueError("a hybrid retriever needs at least one retriever")
        if candidates < 1:
            raise ValueError("candidates must be at least 1")
        self.retrievers = list(retrievers)
        self.k, self.weights, self.candidates = k, dict(weights or {}), candidates

    def search(self, query: str, top_k: int, allowed: np.ndarray | None = None) -> list[Hit]:
        depth = max(self.candidates, top_k)
        rankings = {r.name: r.search(query, depth, allowed) for r in self.retrievers}
        weights = {r.name: self.weights.get(r.name, 1.0) * _query_weight(r, query)
                   for r in self.retrievers}
        return reciprocal_rank_fusion(rankings, self.k, weights)[:top_k]


def _query_weight(retriever: Retriever, query: str) -> float:
    """A retriever may say how much it can contribute for this query (1 by default)."""
    weigh = getattr(retriever, "query_weight", None)
    return float(weigh(query)) if callable(weigh) else 1.0
