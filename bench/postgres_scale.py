"""The postgres backend alone at sizes one process's files index is not built for (300k, 1M
chunks): load time, database size, and BM25 (top 5; top 10 with MaxScore pruning against
scoring every posting), dense, hybrid and the hybrid's halves, p50/p95.

    .venv/bin/python -m bench.postgres_scale --chunks 1000000 [--queries 100]
        [--embed-limit 1000] [--keep DIR | --dsn DSN --no-load] [--json OUT]

The documents are bench/corpora.py's (document i depends only on i, so the 1M corpus starts
with the 100k one). They are streamed to the database in batches, never all built as a files
index: only `--embed-limit` passages are embedded for real, and every other passage gets the
vector of one of them chosen by its text's hash, with a little noise (as bench/corpora.py does
by position), so no passage is embedded during the load. `--keep DIR` keeps the server's data
folder, so that a later run with `--dsn ... --no-load` times queries again on an idle machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from bench.corpora import (
    CACHE_ROOT,
    NOISE,
    _only_chunk,
    _settings,
    bench_document,
    bench_documents,
    embedded_vectors,
    source_documents,
)
from bench.postgres_backend import (
    QUESTIONS,
    RETRIEVERS,
    bm25_pruning,
    database_size_mb,
    hybrid_halves,
    latencies,
    new_database,
)
from eval.dataset import load_questions
from index.postgres.local import LocalPostgres
from index.postgres.reader import PostgresIndex
from index.postgres.writer import PostgresWriter
from retriever.e5_local import E5_ALIAS
from retriever.encoder import Encoder, load_encoder
from retriever.types import Document
from service.config import Settings

logger = logging.getLogger("bench.postgres_scale")


class HashedVectors:
    """The encoder for queries; for passages, one of `base`'s real vectors picked by the
    text's hash plus seeded noise, so that a million passages cost no encoding and the
    same text always gets the same vector."""

    def __init__(self, encoder: Encoder, base: np.ndarray) -> None:
        self.encoder, self.model_id, self.dimension = encoder, encoder.model_id, encoder.dimension
        self.base = base

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.encoder.encode_queries(texts)

    def encode_passages(self, texts: list[str], batch_size: int = 32,
                        show_progress: bool = False) -> np.ndarray:
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")
            rng = np.random.default_rng(seed)
            vector = self.base[seed % len(self.base)] + rng.normal(0, NOISE, self.dimension)
            vectors[row] = vector / np.linalg.norm(vector)
        return vectors


def streamed_documents(n_chunks: int) -> Iterator[Document]:
    sources = source_documents()
    for i in range(n_chunks):
        yield bench_document(i, sources)


def measure(dsn: str, encoder: Encoder, queries: list[str]) -> dict[str, object]:
    index = PostgresIndex.open(dsn, _settings(), encoder.model_id)
    try:
        searcher = index.searcher(encoder)
        for query in queries:  # untimed: fills the query-vector cache and warms the pages
            searcher.search(query, 5, retriever="hybrid")
        result: dict[str, object] = {}
        for retriever in RETRIEVERS:
            result[f"postgres_{retriever}"] = latencies(searcher, queries, retriever)
        result |= bm25_pruning(searcher, queries)
        result |= hybrid_halves(searcher, queries)
        result["postgres_size_mb"] = database_size_mb(dsn)
        result["chunks"] = index.counts()[1]
        return result
    finally:
        index.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=300_000)
    parser.add_argument("--queries", type=int, default=100, help="questions timed per run")
    parser.add_argument("--embed-limit", type=int, default=1000,
                        help="passages embedded for real; the others reuse their vectors")
    parser.add_argument("--dsn", help="an existing database (default: a local server)")
    parser.add_argument("--no-load", action="store_true",
                        help="time the queries on --dsn as it is")
    parser.add_argument("--keep", type=Path,
                        help="keep the local server's data folder here (it is left running)")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    if args.no_load and not args.dsn:
        parser.error("--no-load needs --dsn")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    encoder = load_encoder(E5_ALIAS, Settings().model_cache_dir, threads=2)
    queries = [q.question for q in load_questions(QUESTIONS)][:args.queries]
    server = None
    if not args.dsn:
        root = args.keep or Path(tempfile.mkdtemp(prefix="hoidap-bench-"))
        server = LocalPostgres(root).init()
    result: dict[str, object] = {"requested_chunks": args.chunks}
    try:
        dsn = args.dsn or new_database(server, f"bench_{args.chunks}")  # type: ignore[arg-type]
        if not args.no_load:
            base_documents = bench_documents(args.embed_limit)
            base, _ = embedded_vectors(base_documents, encoder, CACHE_ROOT)
            del base_documents
            _only_chunk(next(streamed_documents(1)))  # one chunk per document, as assumed
            writer = PostgresWriter(dsn, HashedVectors(encoder, base), _settings(),
                                    batch_documents=2000)
            started = time.perf_counter()
            writer.build(streamed_documents(args.chunks), show_progress=True)
            result["postgres_load_s"] = round(time.perf_counter() - started, 1)
            result["embedded_vectors"] = len(base)
            logger.info("loaded %d chunks in %.0f s", args.chunks, result["postgres_load_s"])
        result |= measure(dsn, encoder, queries)
        result["dsn"] = dsn if args.keep else None
        logger.info("%s", json.dumps(result))
    finally:
        if server is not None and args.keep is None:
            server.destroy()
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
