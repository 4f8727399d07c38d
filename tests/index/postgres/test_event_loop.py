"""Nothing a route asks of PostgreSQL holds up the event loop: with a slow query of that
route in flight (pg_sleep), /healthz still answers within 50 ms."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from index.postgres.db import Database
from index.postgres.local import LocalPostgres
from index.postgres.writer import PostgresWriter
from retriever.encoder import Encoder
from service.api.app import create_app
from service.api.feedback import PostgresFeedbackStore
from service.config import Settings
from tests.conftest import TINY_DOCUMENTS
from tests.index.postgres.conftest import new_database

ADMIN_KEY = "event-loop-admin-key-0123456789"
SLOW_S = 1.5
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
ROUTES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/api/documents", {}),
    ("GET", "/api/documents/an-giang", {}),
    ("GET", "/readyz", {}),
    ("GET", "/metrics", {}),
    ("GET", "/api/search", {"params": {"q": "trung tâm điều hành"}}),
    ("POST", "/api/chat", {"json": {"message": "Hòa Bình có trung tâm điều hành từ năm nào?"}}),
    ("GET", "/api/admin/feedback", {"headers": ADMIN}),
    ("POST", "/api/feedback", {"json": {"rating": "up"}}),  # + the fixture's answer_id
]


class SlowNextQuery:
    """Makes the next connection the service takes (the index's read transactions, the
    feedback table's connections) start with pg_sleep(SLOW_S)."""

    def __init__(self) -> None:
        self.armed = threading.Event()

    def _slowed(self, original: Any) -> Any:
        armed = self.armed

        @contextmanager
        def slowed(owner: object) -> Iterator[psycopg.Connection]:
            with original(owner) as connection:
                if armed.is_set():
                    armed.clear()
                    connection.execute("SELECT pg_sleep(%s)", (SLOW_S,))
                yield connection

        return slowed

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(Database, "snapshot", self._slowed(Database.snapshot))
        monkeypatch.setattr(PostgresFeedbackStore, "_connection",
                            self._slowed(PostgresFeedbackStore._connection))


def _sleeping(dsn: str) -> bool:
    with psycopg.connect(dsn, autocommit=True) as connection:
        row = connection.execute("SELECT count(*) FROM pg_stat_activity "
                                 "WHERE query LIKE 'SELECT pg_sleep%%' AND state = 'active'"
                                 ).fetchone()
    return bool(row and row[0])


@pytest.fixture(scope="module")
def pg_service(postgres: LocalPostgres, encoder: Encoder, model_cache_dir: Path
               ) -> Iterator[tuple[TestClient, str, str]]:
    """The service on a database of the tiny documents, its DSN and an answer's id."""
    dsn = new_database(postgres)
    PostgresWriter(dsn, encoder).build(list(TINY_DOCUMENTS))
    settings = Settings(backend="postgres", dsn=dsn, model_cache_dir=model_cache_dir,
                        admin_api_key=ADMIN_KEY, rate_limit_per_minute=10_000,
                        rate_limit_burst=1_000)
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").status_code == 200
        answer = client.post("/api/chat", json={"message": "Cà Mau có bao nhiêu xã?"})
        yield client, dsn, answer.json()["answer_id"]


@pytest.mark.slow
@pytest.mark.parametrize(("method", "path", "options"), ROUTES, ids=[r[1] for r in ROUTES])
def test_healthz_answers_while_a_route_waits_on_the_database(
        method: str, path: str, options: dict[str, Any],
        pg_service: tuple[TestClient, str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    client, dsn, answer_id = pg_service
    if path == "/api/feedback":
        options = {"json": {**options["json"], "answer_id": answer_id}}
    slow = SlowNextQuery()
    slow.install(monkeypatch)
    slow.armed.set()
    replies: list[int] = []
    worker = threading.Thread(
        target=lambda: replies.append(client.request(method, path, **options).status_code))
    worker.start()
    deadline = time.monotonic() + 10
    while not _sleeping(dsn):
        assert time.monotonic() < deadline, f"{path} never reached the database"
        time.sleep(0.02)
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        assert client.get("/healthz").status_code == 200
        timings.append(time.perf_counter() - started)
    in_flight = worker.is_alive()
    worker.join(30)
    assert replies in ([200], [201])
    assert in_flight, f"{path} had answered before /healthz was timed"
    assert min(timings) < 0.05, f"/healthz took {min(timings) * 1000:.0f} ms behind {path}"
