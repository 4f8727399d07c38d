"""The backend through the user's doors: `hoidap index ... --backend postgres`, `hoidap
search`, the HTTP service, and a service reading from a read replica (pg_basebackup -R)
while the loads go to the primary."""

from __future__ import annotations

import json
import time
from pathlib import Path
from tempfile import mkdtemp

import pytest
from fastapi.testclient import TestClient

from index.postgres.local import LocalPostgres
from index.postgres.writer import PostgresWriter
from retriever.errors import BackendUnavailableError
from retriever.types import Document
from service import cli
from service.api.app import create_app
from service.config import Settings
from tests.conftest import CountingEncoder
from tests.index.postgres.conftest import new_database

ADMIN_KEY = "postgres-admin-key-0123456789"


def write_corpus(documents: list[Document], path: Path) -> Path:
    path.write_text("".join(json.dumps({"doc_id": d.doc_id, "title": d.title, "text": d.text,
                                        "province": d.province, "published": d.published},
                                       ensure_ascii=False) + "\n" for d in documents),
                    encoding="utf-8")
    return path


@pytest.mark.slow
def test_cli_builds_changes_and_searches_the_database(
        dsn: str, tiny_documents: list[Document], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    corpus = write_corpus(tiny_documents[:2], tmp_path / "corpus.jsonl")
    extra = write_corpus(tiny_documents[2:], tmp_path / "extra.jsonl")
    backend = ["--backend", "postgres", "--dsn", dsn]
    assert cli.main(["index", "build", "--corpus", str(corpus), *backend]) == 0
    assert "2 documents" in capsys.readouterr().out
    assert cli.main(["index", "add", str(extra), *backend]) == 0
    assert "3 documents" in capsys.readouterr().out
    assert cli.main(["index", "remove", "an-giang", *backend]) == 0
    assert "2 documents" in capsys.readouterr().out
    assert cli.main(["index", "stats", "--json", *backend]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert (stats["backend"], stats["documents"], stats["provinces"]) == \
        ("postgres", 2, ["Cà Mau", "Hòa Bình"])
    assert cli.main(["search", "trung tâm điều hành IOC", "--json", "--province", "Hòa Bình",
                     *backend]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits and {h["doc_id"] for h in hits} == {"hoa-binh"}
    assert cli.main(["index", "remove", "an-giang", *backend]) == 3  # no such document now


def test_cli_names_the_missing_dsn_and_the_unreachable_server(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["index", "stats", "--backend", "postgres"]) == 2
    assert "needs a DSN" in capsys.readouterr().err
    assert cli.main(["index", "stats", "--backend", "postgres", "--dsn",
                     "postgresql://u:pw@127.0.0.1:1/x"]) == 6
    err = capsys.readouterr().err
    assert err.startswith("hoidap: error: cannot use the index database at 127.0.0.1:1/x")
    assert "pw" not in err


def wait_for(condition: object, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


@pytest.mark.slow
def test_a_service_reads_from_a_replica_while_loads_go_to_the_primary(
        postgres: LocalPostgres, tiny_documents: list[Document],
        counting_encoder: CountingEncoder, model_cache_dir: Path) -> None:
    primary = new_database(postgres)
    PostgresWriter(primary, counting_encoder).build(tiny_documents[:2])
    replica = LocalPostgres(Path(mkdtemp(prefix="hoidap-replica-"))).replica_of(postgres)
    try:
        replica_dsn = f"postgresql://postgres@127.0.0.1:{replica.port}/{primary.rsplit('/', 1)[1]}"
        settings = Settings(backend="postgres", dsn=replica_dsn, model_cache_dir=model_cache_dir,
                            admin_api_key=ADMIN_KEY)
        with TestClient(create_app(settings)) as client:
            assert client.get("/readyz").json()["documents"] == 2
            PostgresWriter(primary, counting_encoder).add(tiny_documents[2:])
            wait_for(lambda: client.get("/readyz").json()["documents"] == 3)
            found = client.get("/api/search", params={"q": "trung tâm điều hành thông minh",
                                                      "province": "Hòa Bình"}).json()
            assert [h["doc_id"] for h in found["hits"]] == ["hoa-binh"]
            document = client.get("/api/documents/hoa-binh").json()
            assert document["title"] == tiny_documents[2].title
            listed = client.get("/api/documents").json()["documents"]
            assert [d["doc_id"] for d in listed] == ["an-giang", "ca-mau", "hoa-binh"]
            assert sum(d["chunks"] for d in listed) == client.get("/readyz").json()["chunks"]
            answer = client.post("/api/chat", json={"message": "Hòa Bình có trung tâm điều "
                                                               "hành thông minh từ năm nào?"})
            assert "2022" in answer.json()["answer"]
            refused = client.post("/api/admin/reindex?wait=true",
                                  headers={"Authorization": f"Bearer {ADMIN_KEY}"})
            assert refused.status_code == 503
            assert "read-only" in refused.json()["detail"]
            assert "HOIDAP_PRIMARY_DSN" in refused.json()["detail"]
        # Reading the replica, writing the primary: the change reaches the replica, then
        # this server's answers.
        writing = Settings(backend="postgres", dsn=replica_dsn, primary_dsn=primary,
                           model_cache_dir=model_cache_dir, admin_api_key=ADMIN_KEY)
        with TestClient(create_app(writing)) as client:
            removed = client.delete("/api/admin/documents/an-giang",
                                    headers={"Authorization": f"Bearer {ADMIN_KEY}"})
            assert removed.status_code == 200, removed.text
            wait_for(lambda: client.get("/readyz").json()["documents"] == 2)
        with pytest.raises(BackendUnavailableError, match="read-only"):
            PostgresWriter(replica_dsn, counting_encoder).remove(["ca-mau"])
    finally:
        replica.destroy()
