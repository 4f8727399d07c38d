"""Connections to the index database: a pool for searches, each search one read-only snapshot,
and database failures turned into hoidap's own errors (never showing the password)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

import psycopg
from pgvector.psycopg import register_vector
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool

from retriever.errors import BackendUnavailableError, HoidapError
from retriever.types import Document

# A documents row, as the reader and the writer select it.
DOCUMENT_COLUMNS = "doc_id, title, text, province, published, author, url, source, dateline"


def document_of(row: Sequence[object]) -> Document:
    return Document(*row)  # type: ignore[arg-type]


logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10
POOL_MAX_SIZE = 8
APPLICATION_NAME = "hoidap"

_snapshot: ContextVar[psycopg.Connection | None] = ContextVar("hoidap_snapshot", default=None)


def describe_dsn(dsn: str) -> str:
    """host:port/database of a DSN, for messages: a DSN may carry a password."""
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "(unparsable DSN)"
    host = parts.get("host") or parts.get("hostaddr") or "localhost"
    return f"{host}:{parts.get('port') or 5432}/{parts.get('dbname') or parts.get('user') or ''}"


@contextmanager
def translated_errors(dsn: str) -> Iterator[None]:
    """Connection failures and writes refused by a replica become BackendUnavailableError."""
    try:
        yield
    except HoidapError:
        raise
    except pg_errors.ReadOnlySqlTransaction as exc:
        raise BackendUnavailableError(
            f"the database at {describe_dsn(dsn)} is read-only (a replica?): load and change "
            "the index through the primary"
        ) from exc
    except psycopg.OperationalError as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BackendUnavailableError(
            f"cannot use the index database at {describe_dsn(dsn)}: {detail}"
        ) from exc


def connect(dsn: str, application_name: str = APPLICATION_NAME,
            vectors: bool = True) -> psycopg.Connection:
    """One autocommit connection (for loads and migrations)."""
    with translated_errors(dsn):
        connection = psycopg.connect(dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S,
                                     application_name=application_name)
        if vectors:
            register_vector(connection)
        return connection


class Database:
    """A pool of read-only connections to one database (a primary or a replica)."""

    def __init__(self, dsn: str, max_size: int = POOL_MAX_SIZE) -> None:
        self.dsn = dsn
        self._pool = ConnectionPool(
            dsn, min_size=1, max_size=max_size, open=False, configure=self._configure,
            kwargs={"application_name": APPLICATION_NAME, "connect_timeout": CONNECT_TIMEOUT_S,
                    # Searches are short: compiling them (JIT) costs more than it saves.
                    "options": "-c jit=off"},
            timeout=CONNECT_TIMEOUT_S, name="hoidap",
        )

    def open(self) -> Database:
        with translated_errors(self.dsn):
            self._pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
        return self

    def close(self) -> None:
        self._pool.close()

    @staticmethod
    def _configure(connection: psycopg.Connection) -> None:
        register_vector(connection)
        # Every statement of one search sees the same committed state, whatever a load
        # commits meanwhile; a replica allows read-only repeatable-read transactions.
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        connection.commit()

    @contextmanager
    def snapshot(self) -> Iterator[psycopg.Connection]:
        """A connection in a read-only transaction; nested calls share the outer one."""
        current = _snapshot.get()
        if current is not None:
            yield current
            return
        with (translated_errors(self.dsn), self._pool.connection() as connection,
              connection.transaction()):
            token = _snapshot.set(connection)
            try:
                yield connection
            finally:
                _snapshot.reset(token)
