"""The admin API on the postgres backend, with two app servers on one database: a change
through one is answered by the other at once, each change is one transaction, and a second
change while one runs (from another server or the CLI) is a 409."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from index.postgres.local import LocalPostgres
from index.postgres.schema import WRITE_LOCK
from index.postgres.writer import PostgresWriter
from retriever.encoder import Encoder
from service.api.app import create_app
from service.config import Settings
from tests.conftest import TINY_DOCUMENTS
from tests.index.postgres.conftest import new_database

ADMIN_KEY = "postgres-admin-api-key-0123456789"
AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}
DONG_THAP = ("Đồng Tháp đẩy mạnh chuyển đổi số\n"
             "Năm 2023, tỉnh Đồng Tháp đã lắp đặt 412 điểm phát wifi miễn phí tại các chợ "
             "và bến xe.\nNgười dân đánh giá cao dịch vụ này.\n")
QUESTION = "Đồng Tháp có bao nhiêu điểm phát wifi miễn phí?"

pytestmark = pytest.mark.slow


def _settings(dsn: str, model_cache_dir: Path, **more: Any) -> Settings:
    return Settings(backend="postgres", dsn=dsn, model_cache_dir=model_cache_dir,
                    admin_api_key=ADMIN_KEY, rate_limit_per_minute=10_000,
                    rate_limit_burst=1_000, **more)


@pytest.fixture
def two_servers(postgres: LocalPostgres, encoder: Encoder, model_cache_dir: Path
                ) -> Iterator[tuple[TestClient, TestClient, str]]:
    dsn = new_database(postgres)
    PostgresWriter(dsn, encoder).build(list(TINY_DOCUMENTS))
    with (TestClient(create_app(_settings(dsn, model_cache_dir))) as first,
          TestClient(create_app(_settings(dsn, model_cache_dir))) as second):
        yield first, second, dsn


def _upload(client: TestClient, *files: tuple[str, str]) -> Any:
    return client.post("/api/admin/documents?wait=true", headers=AUTH, files=[
        ("files", (name, text.encode(), "text/plain")) for name, text in files])


def _doc_ids(client: TestClient) -> set[str]:
    return {d["doc_id"] for d in client.get("/api/documents").json()["documents"]}


def test_a_change_through_one_server_is_served_by_the_other(
        two_servers: tuple[TestClient, TestClient, str]) -> None:
    first, second, _ = two_servers
    before = second.post("/api/chat", json={"message": QUESTION}).json()
    assert "412" not in before["answer"]  # and now in the second server's answer cache
    uploaded = _upload(first, ("dong-thap.txt", DONG_THAP))
    assert uploaded.status_code == 200, uploaded.text
    body = uploaded.json()
    assert body["added"] == ["dong-thap"] and body["replaced"] == []
    assert body["documents"] == 4 and body["chunks"] >= 4
    # No waiting: the other server checks the index generation on every request.
    assert "dong-thap" in _doc_ids(second)
    answer = second.post("/api/chat", json={"message": QUESTION}).json()
    assert "412" in answer["answer"] and answer["citations"][0]["doc_id"] == "dong-thap"
    assert second.get("/readyz").json()["documents"] == 4

    again = _upload(second, ("dong-thap.txt", DONG_THAP.replace("412", "415")))
    assert again.json()["replaced"] == ["dong-thap"] and again.json()["documents"] == 4
    assert "415" in first.post("/api/chat", json={"message": QUESTION}).json()["answer"]

    removed = first.delete("/api/admin/documents/dong-thap", headers=AUTH)
    assert removed.status_code == 200 and removed.json()["removed"] == ["dong-thap"]
    assert removed.json()["documents"] == 3
    assert "dong-thap" not in _doc_ids(second)
    after = second.post("/api/chat", json={"message": QUESTION}).json()
    assert "415" not in after["answer"]
    assert all(c["doc_id"] != "dong-thap" for c in after["citations"] + after["sources"])
    hits = second.get("/api/search", params={"q": "điểm phát wifi miễn phí"}).json()["hits"]
    assert all(h["doc_id"] != "dong-thap" for h in hits)
    assert second.get("/api/documents/dong-thap").status_code == 404
    metrics = first.get("/metrics").text
    assert 'hoidap_index_updates_total{operation="upload",result="ok"} 1.0' in metrics


def test_a_change_while_another_runs_is_409_and_changes_nothing(
        two_servers: tuple[TestClient, TestClient, str]) -> None:
    first, second, dsn = two_servers
    with psycopg.connect(dsn, autocommit=True) as holder:  # as `hoidap index add` would
        holder.execute("SELECT pg_advisory_lock(%s)", (WRITE_LOCK,))
        for response in (_upload(first, ("dong-thap.txt", DONG_THAP)),
                         second.delete("/api/admin/documents/an-giang", headers=AUTH),
                         first.post("/api/admin/reindex?wait=true", headers=AUTH)):
            assert response.status_code == 409, response.text
            assert "in progress" in response.json()["detail"]
        holder.execute("SELECT pg_advisory_unlock(%s)", (WRITE_LOCK,))
    assert _doc_ids(second) == {"an-giang", "ca-mau", "hoa-binh"}
    assert 'operation="upload",result="busy"} 1.0' in first.get("/metrics").text
    assert _upload(first, ("dong-thap.txt", DONG_THAP)).status_code == 200  # free again


def test_a_failure_halfway_rolls_the_whole_upload_back(
        two_servers: tuple[TestClient, TestClient, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    first, second, _ = two_servers
    original = PostgresWriter._insert
    calls: list[int] = []

    def written_then_failed(self: PostgresWriter, *args: Any) -> int:
        calls.append(original(self, *args))  # the rows are in the transaction ...
        raise RuntimeError("disk full")  # ... when it fails

    monkeypatch.setattr(PostgresWriter, "_insert", written_then_failed)
    response = _upload(first, ("dong-thap.txt", DONG_THAP),
                       ("long-an.txt", DONG_THAP.replace("Đồng Tháp", "Long An")))
    assert response.status_code == 503, response.text
    assert "nothing was changed" in response.json()["detail"] and calls
    assert _doc_ids(first) == _doc_ids(second) == {"an-giang", "ca-mau", "hoa-binh"}


def test_bad_changes_are_refused_with_the_files_backends_codes(
        two_servers: tuple[TestClient, TestClient, str]) -> None:
    first, second, _ = two_servers
    assert first.delete("/api/admin/documents/nowhere", headers=AUTH).status_code == 404
    for doc_id in ("an-giang", "ca-mau"):
        assert first.delete(f"/api/admin/documents/{doc_id}", headers=AUTH).status_code == 200
    last = second.delete("/api/admin/documents/hoa-binh", headers=AUTH)
    assert last.status_code == 422 and "last document" in last.json()["detail"]
    assert _doc_ids(first) == {"hoa-binh"}
    unreadable = first.post("/api/admin/documents?wait=true", headers=AUTH,
                            files=[("files", ("x.pdf", b"%PDF-1.4", "application/pdf"))])
    assert unreadable.status_code == 400 and _doc_ids(second) == {"hoa-binh"}
    assert first.post("/api/admin/documents?wait=true", headers={}).status_code == 401


def test_reindex_keeps_the_documents_and_serves_a_database_it_could_not_load(
        postgres: LocalPostgres, encoder: Encoder, model_cache_dir: Path) -> None:
    dsn = new_database(postgres)
    PostgresWriter(dsn, encoder).build(list(TINY_DOCUMENTS))
    other = _settings(dsn, model_cache_dir, chunk_target_words=40, chunk_max_words=60)
    with TestClient(create_app(other, load_in_background=True)) as client:
        deadline = time.monotonic() + 60
        while (ready := client.get("/readyz")).json()["status"] == "loading":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert ready.status_code == 503 and "other settings" in ready.json()["detail"]
        assert client.delete("/api/admin/documents/an-giang", headers=AUTH).status_code == 503
        rebuilt = client.post("/api/admin/reindex?wait=true", headers=AUTH)
        assert rebuilt.status_code == 200, rebuilt.text
        assert rebuilt.json()["documents"] == 3
        assert client.get("/readyz").json()["status"] == "ready"
        assert _doc_ids(client) == {"an-giang", "ca-mau", "hoa-binh"}
        again = client.post("/api/admin/reindex?wait=true", headers=AUTH).json()
        assert again["documents"] == 3 and again["chunks"] == rebuilt.json()["chunks"]
