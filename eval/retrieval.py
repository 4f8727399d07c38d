"""Retrieval metrics: hit@k and MRR@k, where a hit is a passage from the question's document
that contains its evidence."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from eval.dataset import Question
from retriever.search import Searcher
from retriever.text.normalize import normalize
from retriever.types import Passage

_SPACE_RE = re.compile(r"\s+")


def _flat(text: str) -> str:
    return _SPACE_RE.sub(" ", normalize(text)).strip()


def passage_hits(passage: Passage, question: Question) -> bool:
    if question.doc_id is None or question.evidence is None:
        return False
    return passage.doc_id == question.doc_id and _flat(question.evidence) in _flat(
        passage.chunk.text
    )


def first_hit_rank(passages: Sequence[Passage], question: Question) -> int | None:
    """1-based rank of the first passage that hits, or None."""
    for rank, passage in enumerate(passages, start=1):
        if passage_hits(passage, question):
            return rank
    return None


@dataclass(frozen=True)
class RetrievalScores:
    count: int
    hit_at: dict[int, float]
    mrr_at_10: float


def score_ranks(ranks: Sequence[int | None], ks: Sequence[int] = (1, 5, 10)) -> RetrievalScores:
    """hit@k and MRR@10 from each question's first-hit rank (None: no hit)."""
    n = len(ranks)
    if n == 0:
        return RetrievalScores(0, {k: 0.0 for k in ks}, 0.0)
    hit_at = {k: sum(1 for r in ranks if r is not None and r <= k) / n for k in ks}
    mrr = sum(1 / r for r in ranks if r is not None and r <= 10) / n
    return RetrievalScores(n, hit_at, mrr)


def evaluate_retrieval(
    searcher: Searcher, questions: Sequence[Question], retriever: str = "hybrid",
    depth: int = 10,
) -> RetrievalScores:
    answerable = [q for q in questions if q.answerable]
    ranks = [first_hit_rank(searcher.search(q.question, depth, retriever=retriever), q)
             for q in answerable]
    return score_ranks(ranks)
