"""BM25 in SQL with MaxScore pruning returns exactly what scoring every posting returns:
the same top-k, in the same order, with the same scores, and it does skip postings."""

from __future__ import annotations

import random
from typing import Any

import pytest

import index.postgres.retrievers as retrievers
from bench.common import RandomEncoder
from index.postgres.reader import PostgresIndex
from index.postgres.retrievers import PostgresBM25Retriever, PruningPlan, plan_pruning
from index.postgres.writer import PostgresWriter
from index.store import IndexSettings
from retriever.types import Document

COMMON = ["của", "và", "các", "tỉnh", "chuyển", "đổi", "số", "năm", "được", "có"]
RARE = [f"từ{n}" for n in range(300)]
SETTINGS = IndexSettings(chunk_target_words=40, chunk_max_words=60)


def _documents(rng: random.Random) -> list[Document]:
    """Zipf-like text: a few words in every chunk, many rare ones, repeated words."""
    documents = []
    for n in range(150):
        words = [rng.choice(COMMON) if rng.random() < 0.55 else
                 RARE[min(int(rng.paretovariate(1.2)) - 1, len(RARE) - 1)
                      if rng.random() < 0.5 else rng.randrange(len(RARE))]
                 for _ in range(rng.randint(15, 45))]
        documents.append(Document(f"d{n:03d}", f"Bài {n}", " ".join(words) + "."))
    # Duplicate passages tie exactly, whichever order a plan sums their terms in.
    documents += [Document(f"dup{n}", documents[n].title, documents[n].text)
                  for n in range(0, 150, 10)]
    return documents


@pytest.mark.slow
def test_pruned_bm25_equals_scoring_every_posting(dsn: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(7)
    PostgresWriter(dsn, RandomEncoder(), SETTINGS).build(_documents(rng))
    index = PostgresIndex.open(dsn, SETTINGS, RandomEncoder.model_id)
    plans: list[PruningPlan] = []

    def recorded(*args: Any) -> PruningPlan:
        plans.append(plan_pruning(*args))
        return plans[-1]

    monkeypatch.setattr(retrievers, "plan_pruning", recorded)
    # Pruned however few postings a query has (this corpus is small); the non-essential
    # terms of the kept chunks looked up one by one (ratio 0), scanned (huge), or each as its
    # postings say (the default).
    pruned = [PostgresBM25Retriever(index.db, SETTINGS.analyzer, True, lambda: 0,
                                    prune_from_postings=0, probe_ratio=ratio)
              for ratio in (0.0, 1e12, retrievers.PROBE_RATIO)]
    exhaustive = PostgresBM25Retriever(index.db, SETTINGS.analyzer, True, lambda: 0,
                                       pruning=False)
    queries = [" ".join(rng.sample(COMMON, rng.randint(1, 4)) + rng.sample(RARE, rng.randint(0, 3)))
               for _ in range(120)] + ["của và các", "từ5", "không có từ này", "từ1 từ1 của"]
    for query in queries:
        for top_k in (1, 5, 10):
            want = exhaustive.search(query, top_k)
            for retriever in pruned:
                got = retriever.search(query, top_k)
                assert [h.chunk_id for h in got] == [h.chunk_id for h in want], (
                    query, top_k, retriever.probe_ratio)
                assert [h.score for h in got] == pytest.approx([h.score for h in want],
                                                               rel=1e-9), (query, top_k)
    # Not vacuous: most queries with common words left some terms' postings unscanned.
    assert len(plans) > 900
    assert sum(bool(plan.rest) for plan in plans) > len(plans) / 3

    # With the default threshold these queries are too small to prune: scored in one go.
    plans.clear()
    default = PostgresBM25Retriever(index.db, SETTINGS.analyzer, True, lambda: 0)
    assert default.prune_from_postings == retrievers.PRUNE_FROM_POSTINGS
    for query in queries[:20]:
        assert default.search(query, 5) == exhaustive.search(query, 5)
    assert plans == []
    index.close()


def test_the_plan_keeps_every_term_a_top_chunk_might_need() -> None:
    terms = [(1, 900, 0.1), (2, 800, 0.2), (3, 5, 3.0), (4, 2, 4.0)]  # (id, df, w)
    plan = plan_pruning(terms, theta=0.7, k1_plus_1=2.2)
    # 0.1 * 2.2 + 0.2 * 2.2 = 0.66 < 0.7: both common terms are non-essential.
    assert [t for t, _ in plan.rest] == [1, 2] and [t for t, _ in plan.essential] == [3, 4]
    assert plan.rest_bound == pytest.approx(0.66)
    assert plan_pruning(terms, theta=0.0, k1_plus_1=2.2).rest == []  # no theta, no pruning
    assert plan_pruning(terms, theta=0.5, k1_plus_1=2.2).rest == [(1, 0.1)]
