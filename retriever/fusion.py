"""Reciprocal-rank fusion of several rankings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from retriever.types import Hit

RRF_K = 60
# Equal weights: BM25 2:1 gains 1-3 points on the external sets but loses sample-corpus
# questions (docs/performance.md, "Retrieval quality"); BM25 is scaled per query by its word
# coverage.
DEFAULT_WEIGHTS = {"bm25": 1.0, "dense": 1.0}


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[Hit]],
    k: int = RRF_K,
    weights: Mapping[str, float] | None = None,
) -> list[Hit]:
    """Fuse rankings by RRF: score(d) = sum over rankings r of w_r / (k + rank_r(d)).

    Ranks are 1-based positions in each input list (best first); a chunk missing from a
    ranking contributes nothing for it. `weights` defaults to 1 for every ranking. The
    fused hits carry each component's rank and score under the ranking's name. Ties are
    broken by chunk id so results are deterministic.
    """
    if k <= 0:
        raise ValueError(f"RRF k must be positive, got {k}")
    weights = weights or {}
    fused: dict[str, float] = {}
    ranks: dict[str, dict[str, int]] = {}
    scores: dict[str, dict[str, float]] = {}
    for name, hits in rankings.items():
        weight = weights.get(name, 1.0)
        for position, hit in enumerate(hits, start=1):
            fused[hit.chunk_id] = fused.get(hit.chunk_id, 0.0) + weight / (k + position)
            ranks.setdefault(hit.chunk_id, {})[name] = position
            scores.setdefault(hit.chunk_id, {})[name] = hit.score
    order = sorted(fused, key=lambda chunk_id: (-fused[chunk_id], chunk_id))
    return [Hit(c, fused[c], ranks[c], scores[c]) for c in order]
