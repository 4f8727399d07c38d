"""The schema is the project's: versioned migrations, checked by readers, clear errors."""

from __future__ import annotations

import psycopg
import pytest

from index.postgres.db import connect
from index.postgres.local import free_port
from index.postgres.reader import PostgresIndex
from index.postgres.schema import LATEST_VERSION, MIGRATIONS, migrate
from retriever.errors import BackendUnavailableError, IndexMismatchError, IndexNotFoundError


def test_migrations_apply_once_in_order(dsn: str) -> None:
    with connect(dsn, vectors=False) as connection:
        assert migrate(connection) == LATEST_VERSION
        assert migrate(connection) == LATEST_VERSION  # again: nothing to do
        applied = connection.execute(
            "SELECT version, name FROM hoidap.schema_migrations ORDER BY version").fetchall()
        tables = {row[0] for row in connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'hoidap'")}
    assert applied == [(m.version, m.name) for m in MIGRATIONS]
    assert {"documents", "chunks", "terms", "postings", "field_stats"} <= tables


def test_a_reader_never_creates_the_schema(dsn: str) -> None:
    with pytest.raises(IndexNotFoundError, match="index build --backend postgres"):
        PostgresIndex.open(dsn)
    with psycopg.connect(dsn) as connection:
        assert connection.execute("SELECT to_regclass('hoidap.chunks')").fetchone() == (None,)
    with connect(dsn, vectors=False) as connection:
        migrate(connection)
    with pytest.raises(IndexNotFoundError, match="holds no index yet"):
        PostgresIndex.open(dsn)


def test_a_newer_schema_is_refused(dsn: str) -> None:
    with connect(dsn, vectors=False) as connection:
        migrate(connection)
        connection.execute("INSERT INTO hoidap.schema_migrations VALUES (%s, 'from the future')",
                           (LATEST_VERSION + 1,))
        with pytest.raises(IndexMismatchError, match="newer than this hoidap"):
            migrate(connection)
    with pytest.raises(IndexMismatchError, match="newer than this hoidap"):
        PostgresIndex.open(dsn)


def test_an_unreachable_server_is_one_clear_error_without_the_password() -> None:
    dsn = f"postgresql://hoidap:s3cret@127.0.0.1:{free_port()}/hoidap"
    with pytest.raises(BackendUnavailableError) as caught:
        PostgresIndex.open(dsn)
    message = str(caught.value)
    assert f"127.0.0.1:{dsn.rsplit(':', 1)[1].split('/')[0]}/hoidap" in message
    assert "s3cret" not in message
