"""Feedback on the postgres backend: the `feedback` table of migration 2, the store (one row
per answer, the last wins, newest first), clear errors for an old schema, a replica and an
unreachable server, and the HTTP service writing and listing it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from index.postgres.db import connect
from index.postgres.local import free_port
from index.postgres.schema import migrate
from index.postgres.writer import PostgresWriter
from retriever.encoder import Encoder
from retriever.errors import BackendUnavailableError, FeedbackStorageError
from retriever.types import Document
from service import engine
from service.api.app import create_app
from service.api.feedback import Feedback, PostgresFeedbackStore
from service.api.recent import GivenAnswer
from service.config import Settings
from tests.conftest import CountingEncoder

ADMIN_KEY = "postgres-admin-key-0123456789"
COMMENT = 'Sai rồi, "thứ 9" là năm 2022 – không phải năm nay'


def _migrated(dsn: str) -> str:
    with connect(dsn, vectors=False) as connection:
        migrate(connection)
    return dsn


def _feedback(answer_id: str, rating: str = "up", comment: str | None = None,
              at: datetime | None = None) -> Feedback:
    given = GivenAnswer("Bình Phước xếp hạng thứ mấy?", "Bình Phước xếp hạng thứ mấy?",
                        "Thứ 9 [1].", False, ("binh-phuoc#0123456789", "binh-phuoc#abcdef0123"))
    return Feedback.on(answer_id, given, rating, comment, at)  # type: ignore[arg-type]


def test_migration_2_creates_the_feedback_table(dsn: str) -> None:
    with connect(_migrated(dsn), vectors=False) as connection:
        columns = [row[0] for row in connection.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'hoidap' "
            "AND table_name = 'feedback' ORDER BY ordinal_position")]
        names = [row[0] for row in connection.execute(
            "SELECT name FROM hoidap.schema_migrations ORDER BY version")]
        with pytest.raises(psycopg.errors.CheckViolation):
            connection.execute("INSERT INTO hoidap.feedback VALUES ('x', 'a', now(), 'meh', "
                               "NULL, 'q', 'q', 'a', false, '{}')")
    assert columns == ["id", "answer_id", "created", "rating", "comment", "question",
                       "resolved_question", "answer", "abstained", "citation_ids"]
    assert names[1] == "feedback on answers"


def test_feedback_is_stored_newest_first_one_per_answer(dsn: str) -> None:
    store = PostgresFeedbackStore(_migrated(dsn))
    assert (store.list().feedback, store.list().total) == ([], 0)
    start = datetime(2025, 3, 1, 8, 30, 0, 123456, tzinfo=UTC)
    first = _feedback("a", "up", None, start)
    second = _feedback("b", "down", COMMENT, start + timedelta(minutes=1))
    changed = _feedback("a", "down", "Đổi ý", start + timedelta(minutes=2))
    for feedback in (first, second, changed):
        store.add(feedback)
    page = store.list()
    assert page.total == 2
    assert page.feedback == [changed, second]  # every field as stored, the time exactly
    assert page.feedback[1].comment == COMMENT
    assert page.feedback[0].time.tzinfo == UTC
    assert store.list(offset=1, limit=1).feedback == [second]
    assert store.list(offset=1, limit=1).total == 2
    assert store.list(offset=5).feedback == []


def test_a_database_without_the_table_is_a_clear_error(dsn: str) -> None:
    store = PostgresFeedbackStore(dsn)  # never migrated
    for call in (lambda: store.add(_feedback("a")), store.list):
        with pytest.raises(FeedbackStorageError, match="no feedback table") as caught:
            call()
        assert "index add|remove|build --backend postgres" in str(caught.value)


def test_a_read_only_database_names_the_setting_for_the_primary(dsn: str) -> None:
    store = PostgresFeedbackStore(_migrated(dsn))
    store.add(_feedback("a"))
    name = dsn.rsplit("/", 1)[1]
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"ALTER DATABASE {name} SET default_transaction_read_only = on")
    with pytest.raises(FeedbackStorageError, match="read-only.*HOIDAP_FEEDBACK_DSN"):
        store.add(_feedback("b"))
    assert [f.answer_id for f in store.list().feedback] == ["a"]  # reading still works


def test_an_unreachable_server_is_one_clear_error_without_the_password() -> None:
    store = PostgresFeedbackStore(f"postgresql://hoidap:s3cret@127.0.0.1:{free_port()}/hoidap")
    with pytest.raises(BackendUnavailableError, match="cannot use the index database") as caught:
        store.add(_feedback("a"))
    assert "s3cret" not in str(caught.value)


@pytest.fixture
def postgres_client(dsn: str, tiny_documents: list[Document], counting_encoder: CountingEncoder,
                    encoder: Encoder, model_cache_dir: Path,
                    monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    PostgresWriter(dsn, counting_encoder).build(tiny_documents)
    monkeypatch.setattr(engine, "encoder_for", lambda _settings: encoder)
    settings = Settings(backend="postgres", dsn=dsn, model_cache_dir=model_cache_dir,
                        admin_api_key=ADMIN_KEY, rate_limit_per_minute=0)
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.mark.slow
def test_the_service_keeps_feedback_in_the_table(postgres_client: TestClient,
                                                 dsn: str) -> None:
    answer = postgres_client.post("/api/chat", json={
        "message": "Hòa Bình có trung tâm điều hành thông minh từ năm nào?"}).json()
    given = postgres_client.post("/api/feedback", json={
        "answer_id": answer["answer_id"], "rating": "down", "comment": COMMENT})
    assert given.status_code == 201, given.text
    assert postgres_client.post("/api/feedback", json={
        "answer_id": "0" * 32, "rating": "up"}).status_code == 404
    auth = {"Authorization": f"Bearer {ADMIN_KEY}"}
    listed = postgres_client.get("/api/admin/feedback", headers=auth).json()
    assert listed["total"] == 1
    (item,) = listed["feedback"]
    assert (item["id"], item["rating"], item["comment"]) == (given.json()["id"], "down", COMMENT)
    assert item["answer"] == answer["answer"]
    assert item["citation_ids"] == [c["chunk_id"] for c in answer["citations"]]
    rows = list(csv.reader(io.StringIO(postgres_client.get(
        "/api/admin/feedback", params={"format": "csv"}, headers=auth
    ).content.decode("utf-8-sig"), newline="")))
    assert len(rows) == 2 and rows[1][3] == COMMENT
    with psycopg.connect(dsn) as connection:
        assert connection.execute("SELECT id, rating FROM hoidap.feedback").fetchall() == [
            (item["id"], "down")]
    assert postgres_client.get("/api/admin/feedback").status_code == 401
