"""Our BM25 side by side with rank_bm25 and bm25s, on the same tokens and corpus.

    PYTHONPATH=. .venv/bin/python bench/bm25_peers.py [--sizes 1k,10k,100k] [--queries 200]
        [--rank-bm25-queries 30] [--json bench/results/bm25_peers.json]

For each corpus size (bench/corpora.py) every library indexes the same token lists (our
analyzer's tokens of each chunk's search text) and answers the same tokenised questions (our
question set plus viquad2's). Printed per size: index time, query time p50/p95 and mean,
the speed ratio against ours, and how often the top-10 is identical:
- rank_bm25.BM25Okapi.get_scores (+ argsort): the reference our scores equal, exactly;
- bm25s (method "robertson", the same BM25 formula; its retrieve() as a user calls it). Its
  idf floors negative values at 0 where rank_bm25 uses 0.25 x mean idf, so ours is compared
  to it with epsilon=0, the same floor.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from bench.common import RESULTS_DIR, latency_summary, questions, write_json
from bench.corpora import bench_documents, size_of
from index.chunking import chunk_document
from retriever.analyzer import Analyzer
from retriever.bm25 import BM25

TOP_K = 10


def timed(function: Callable[[], object]) -> tuple[object, float]:
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def latencies(search: Callable[[list[str]], np.ndarray], queries: Sequence[list[str]],
              ) -> tuple[list[np.ndarray], np.ndarray]:
    search(queries[0])  # first call pays for lazy set-up
    results, seconds = [], []
    for tokens in queries:
        started = time.perf_counter()
        results.append(search(tokens))
        seconds.append(time.perf_counter() - started)
    return results, np.asarray(seconds) * 1000


def top_ids(scores: np.ndarray) -> np.ndarray:
    """Top-10 positive-score documents, ties broken by document order (as ours does)."""
    candidates = np.flatnonzero(scores > 0)
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order][:TOP_K]


def same_top(a: Sequence[np.ndarray], b: Sequence[np.ndarray],
             scores: Sequence[np.ndarray] | None = None) -> float:
    """Share of queries whose top-10 lists are identical; with the reference `scores` of
    each query, lists that differ only in the order of equal scores count as identical
    (duplicate passages tie, and summation order decides such ties differently)."""
    same = []
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if scores is None or len(x) != len(y):
            same.append(np.array_equal(x, y))
        else:
            same.append(np.allclose(scores[i][x], scores[i][y], rtol=1e-9, atol=1e-9))
    return float(np.mean(same))


def run_size(name: str, n_chunks: int, query_texts: list[str], rank_bm25_queries: int,
             ) -> dict[str, object]:
    import bm25s
    from rank_bm25 import BM25Okapi

    analyzer = Analyzer()
    documents = bench_documents(n_chunks)
    texts = [c.search_text for d in documents for c in chunk_document(d, 200, 330)]
    corpus_tokens, tokenize_s = timed(lambda: [analyzer.tokens(t) for t in texts])
    queries = [analyzer.query_tokens(q)[0] for q in query_texts]
    queries = [q for q in queries if q]
    row: dict[str, object] = {"size": name, "chunks": len(texts), "tokenize_s": tokenize_s}

    ours, row["ours_index_s"] = timed(lambda: BM25().index(corpus_tokens))
    ours_floor0 = BM25(epsilon=0.0).index(corpus_tokens)
    model = bm25s.BM25(method="robertson", k1=1.5, b=0.75)
    _, row["bm25s_index_s"] = timed(lambda: model.index(corpus_tokens, show_progress=False))
    reference, row["rank_bm25_index_s"] = timed(lambda: BM25Okapi(corpus_tokens))

    def ours_search(tokens: list[str]) -> np.ndarray:
        return ours.retrieve(tokens, TOP_K)[0]  # type: ignore[union-attr]

    def ours_floor0_search(tokens: list[str]) -> np.ndarray:
        return ours_floor0.retrieve(tokens, TOP_K)[0]

    vocabulary = model.vocab_dict

    def bm25s_search(tokens: list[str]) -> np.ndarray:
        known = [t for t in tokens if t in vocabulary]  # bm25s refuses unknown tokens
        if not known:
            return np.zeros(0, dtype=np.int64)
        ids, scores = model.retrieve([known], k=TOP_K, show_progress=False)
        return ids[0][scores[0] > 0]

    def rank_bm25_search(tokens: list[str]) -> np.ndarray:
        return top_ids(reference.get_scores(tokens))  # type: ignore[union-attr]

    ours_top, ours_ms = latencies(ours_search, queries)
    floor0_top, _ = latencies(ours_floor0_search, queries)
    bm25s_top, bm25s_ms = latencies(bm25s_search, queries)
    few = queries[:rank_bm25_queries]
    reference_top, reference_ms = latencies(rank_bm25_search, few)
    row["ours"] = latency_summary(ours_ms)
    row["bm25s"] = latency_summary(bm25s_ms)
    row["rank_bm25"] = latency_summary(reference_ms)
    row["speedup_vs_rank_bm25"] = float(reference_ms.mean() / ours_ms[:len(few)].mean())
    row["speed_vs_bm25s"] = float(bm25s_ms.mean() / ours_ms.mean())  # > 1: ours is faster
    reference_scores = [reference.get_scores(q) for q in few]  # type: ignore[union-attr]
    row["same_top10_rank_bm25_strict"] = same_top(ours_top[:len(few)], reference_top)
    row["same_top10_rank_bm25"] = same_top(ours_top[:len(few)], reference_top,
                                           reference_scores)
    bm25s_scores = [model.get_scores(q) if any(t in vocabulary for t in q) else None
                    for q in queries]
    bm25s_scores = [s if s is not None else np.zeros(len(texts)) for s in bm25s_scores]
    row["same_top10_bm25s"] = same_top(floor0_top, bm25s_top, bm25s_scores)
    score_gap = max(float(np.abs(ours.get_scores(q) - r).max())
                    for q, r in zip(few, reference_scores, strict=True))
    row["max_score_diff_rank_bm25"] = score_gap
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1k,10k,100k")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--rank-bm25-queries", type=int, default=30,
                        help="rank_bm25 loops over documents in Python: time fewer queries")
    parser.add_argument("--json", type=Path, default=RESULTS_DIR / "bm25_peers.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    query_texts = questions(args.queries)
    rows = []
    header = (f"{'size':>5} {'chunks':>7} | {'ours p50/p95 ms':>16} | {'bm25s p50/p95':>14} | "
              f"{'rank_bm25 p50':>13} | {'x rank_bm25':>11} {'bm25s/ours':>10} | "
              f"{'top10=rb':>8} {'top10=bm25s':>11} | index s ours/bm25s/rb")
    print(header)
    for name in args.sizes.split(","):
        row = run_size(name, size_of(name), query_texts, args.rank_bm25_queries)
        rows.append(row)
        o, s, r = row["ours"], row["bm25s"], row["rank_bm25"]
        print(f"{name:>5} {row['chunks']:>7} | {o['p50_ms']:7.2f} / {o['p95_ms']:6.2f} | "
              f"{s['p50_ms']:6.2f} / {s['p95_ms']:5.2f} | {r['p50_ms']:13.1f} | "
              f"{row['speedup_vs_rank_bm25']:10.0f}x {row['speed_vs_bm25s']:10.2f} | "
              f"{row['same_top10_rank_bm25']:8.2f} {row['same_top10_bm25s']:11.2f} | "
              f"{row['ours_index_s']:.1f} / {row['bm25s_index_s']:.1f} / "
              f"{row['rank_bm25_index_s']:.1f}", flush=True)
    write_json(args.json, rows)
    last = rows[-1]
    print(f"summary: bm25 at {last['size']}: {last['speedup_vs_rank_bm25']:.0f}x rank_bm25, "
          f"{last['speed_vs_bm25s']:.2f}x bm25s speed, identical top-10 "
          f"{last['same_top10_rank_bm25']:.0%} / {last['same_top10_bm25s']:.0%}")


if __name__ == "__main__":
    main()
