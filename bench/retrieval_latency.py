"""Retrieval cost by corpus size: build, disk, load, and query latency of BM25, dense, hybrid.

    PYTHONPATH=. .venv/bin/python bench/retrieval_latency.py [--sizes 1k,10k,100k]
        [--queries 300] [--backend onnx|torch] [--json bench/results/retrieval_latency.json]

Corpora come from bench/corpora.py (at 100k, chunks beyond the first 10k reuse embedded
vectors: the dense side's cost is real, its ranking is not meaningful). Per size it prints
the index build time without the encoder, the size on disk, the load time, the query
embedding time, then BM25 / dense / hybrid latency with the query vector already computed
(what a repeated or follow-up question costs) and hybrid with a fresh embedding, and our
FAISS search against a brute-force numpy dot product (same top-10?).
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np

from bench.common import RESULTS_DIR, folder_mb, latency_summary, questions, write_json
from bench.corpora import CACHE_ROOT, bench_index, cache_root_for, size_of
from index.store import CorpusIndex, current_version
from retriever.encoder import Encoder, load_encoder
from retriever.lru import LRUCache
from retriever.retrievers import QUERY_CACHE_SIZE, DenseRetriever
from retriever.search import validate_query
from service import engine
from service.config import Settings

TOP_K = 10
T = TypeVar("T")


def measure(function: Callable[[T], object], items: Sequence[T]) -> list[float]:
    """Milliseconds per call of `function` on each item, after one warm-up call."""
    function(items[0])
    out = []
    for item in items:
        started = time.perf_counter()
        function(item)
        out.append((time.perf_counter() - started) * 1000)
    return out


def run_size(name: str, n_chunks: int, encoder: Encoder, query_texts: list[str],
             cache_root: Path = CACHE_ROOT) -> dict[str, object]:
    built = bench_index(n_chunks, encoder, cache_root=cache_root)
    index_dir = cache_root / f"chunks-{n_chunks}"
    started = time.perf_counter()
    corpus_index = CorpusIndex.load(index_dir, built.corpus_index.settings, encoder.model_id)
    load_s = time.perf_counter() - started
    searcher = engine.make_searcher(Settings(), corpus_index, encoder)
    texts = [validate_query(q) for q in query_texts]
    dense = searcher.retrievers["dense"]
    assert isinstance(dense, DenseRetriever)
    row: dict[str, object] = {
        "size": name, "chunks": n_chunks, "embedded_chunks": built.embedded,
        "reused_vectors": built.reused, "build_without_encoder_s": built.build_seconds,
        "disk_mb": folder_mb(current_version(index_dir)), "load_s": load_s,
    }
    row["embed_query"] = latency_summary(
        measure(lambda t: encoder.encode_queries([dense.query_text(t)]), texts))
    dense._query_vectors = LRUCache(QUERY_CACHE_SIZE)
    row["hybrid_with_embedding"] = latency_summary(
        measure(lambda t: searcher.search(t, TOP_K), texts[1:]))
    for retriever in ("bm25", "dense", "hybrid"):
        row[retriever] = latency_summary(
            measure(lambda t, r=retriever: searcher.search(t, TOP_K, retriever=r), texts))
    vectors = np.stack([dense.query_vector(t) for t in texts])
    embeddings = corpus_index.embeddings

    def brute_force(vector: np.ndarray) -> np.ndarray:
        scores = embeddings @ vector
        top = np.argpartition(-scores, TOP_K)[:TOP_K]
        return top[np.argsort(-scores[top], kind="stable")]

    row["faiss"] = latency_summary(measure(lambda v: corpus_index.dense.search(v, TOP_K),
                                           list(vectors)))
    row["numpy_brute_force"] = latency_summary(measure(brute_force, list(vectors)))
    # Duplicate passages have equal vectors: lists that differ only among equal scores match.
    same = [np.allclose(np.sort(embeddings[corpus_index.dense.search(v, TOP_K)[0]] @ v),
                        np.sort(embeddings[brute_force(v)] @ v), atol=1e-6) for v in vectors]
    row["faiss_same_top10"] = float(np.mean(same))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1k,10k,100k")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--backend", choices=["onnx", "onnx-int8", "torch"], default="onnx")
    parser.add_argument("--json", type=Path, default=RESULTS_DIR / "retrieval_latency.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    settings = Settings()
    encoder = load_encoder(settings.model, settings.model_cache_dir, settings.threads,
                           backend=args.backend)
    query_texts = questions(args.queries)
    print(f"{'size':>5} {'chunks':>7} {'build s':>7} {'disk MB':>7} {'load s':>6} | p50/p95 ms: "
          f"{'embed':>11} {'bm25':>11} {'dense':>11} {'hybrid':>11} {'hyb+emb':>11} "
          f"{'faiss':>11} {'numpy':>11} | faiss=numpy")
    rows = []
    for name in args.sizes.split(","):
        row = run_size(name, size_of(name), encoder, query_texts, cache_root_for(args.backend))
        rows.append(row)

        def cell(key: str, row: dict[str, object] = row) -> str:
            stats = row[key]
            assert isinstance(stats, dict)
            return f"{stats['p50_ms']:5.1f}/{stats['p95_ms']:5.1f}"

        print(f"{name:>5} {row['chunks']:>7} {row['build_without_encoder_s']:7.1f} "
              f"{row['disk_mb']:7.0f} {row['load_s']:6.2f} | {'':>11} "[:-12]
              + " ".join(cell(k) for k in ("embed_query", "bm25", "dense", "hybrid",
                                           "hybrid_with_embedding", "faiss",
                                           "numpy_brute_force"))
              + f" | {row['faiss_same_top10']:.2f}", flush=True)
        if row["reused_vectors"]:
            print(f"      ({row['reused_vectors']} of {row['chunks']} chunks reuse an embedded "
                  "chunk's vector: dense cost is real, dense ranking is not)")
    write_json(args.json, rows)
    last = rows[-1]
    hybrid = last["hybrid_with_embedding"]
    assert isinstance(hybrid, dict)
    print(f"summary: {args.backend} encoder, {last['size']} chunks: hybrid search with query "
          f"embedding p50 {hybrid['p50_ms']:.1f} ms, p95 {hybrid['p95_ms']:.1f} ms")


if __name__ == "__main__":
    main()
