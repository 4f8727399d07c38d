"""The other processes of the concurrency tests: a loader (a long load: one document per
batch, all in one transaction) and a reader (BM25 searches in a loop, as a service would).

    python -m tests.index.postgres.processes load DSN CORPUS.jsonl
    python -m tests.index.postgres.processes read DSN SECONDS OUT.jsonl
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from index.ingest import read_corpus
from index.postgres.reader import PostgresIndex
from index.postgres.writer import PostgresWriter
from retriever.e5_local import E5_ALIAS
from retriever.encoder import load_encoder
from service.config import Settings

READER_QUERY = "chuyển đổi số dịch vụ công trực tuyến"


class NoQueries:
    """Readers search BM25 only: they never need the model."""

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        raise AssertionError("the reader process searches BM25 only")


def load(dsn: str, corpus: Path) -> None:
    encoder = load_encoder(E5_ALIAS, Settings().model_cache_dir, threads=1)
    PostgresWriter(dsn, encoder, batch_documents=1).add(read_corpus(corpus).documents)


def read(dsn: str, seconds: float, out: Path) -> None:
    index = PostgresIndex.open(dsn)
    searcher = index.searcher(NoQueries(), restore_accents="off")
    deadline = time.time() + seconds
    with out.open("w", encoding="utf-8") as log:
        while time.time() < deadline:
            record: dict[str, object] = {"t": time.time()}
            try:
                with index.db.snapshot():  # the search and the count see one state
                    passages = searcher.search(READER_QUERY, 100, retriever="bm25")
                    documents = len(index.documents)
                record |= {"documents": documents, "hits": len(passages),
                           "copies": len({p.doc_id for p in passages
                                          if p.doc_id.startswith("copy-")})}
            except Exception as error:  # recorded: the test asserts there is none
                record["error"] = f"{type(error).__name__}: {error}"
            log.write(json.dumps(record) + "\n")
            log.flush()
            time.sleep(0.05)
    index.close()


if __name__ == "__main__":
    if sys.argv[1] == "load":
        load(sys.argv[2], Path(sys.argv[3]))
    else:
        read(sys.argv[2], float(sys.argv[3]), Path(sys.argv[4]))
