"""A short load test on loopback: 16 clients for 10 s against the real server under uvicorn,
with a document upload (an index swap) in the middle. Zero 5xx, no request without an
answer, and the new document is served afterwards with none of the old ones lost.
The full-length run is bench/load_test.py; rate limiting is tested in tests/service/api."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from eval.dataset import load_questions
from eval.load import run_load
from index.store import CorpusIndex
from retriever.encoder import Encoder
from service.config import Settings
from tests.service.live import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
ADMIN_KEY = "load-test-admin-key-0123456789ab"
NEW_DOCUMENT = ("Đồng Tháp đẩy mạnh chuyển đổi số\n"
                "Năm 2023, tỉnh Đồng Tháp đã lắp đặt 412 điểm phát wifi miễn phí tại các chợ.\n")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sample_index: CorpusIndex,
           encoder: Encoder) -> Iterator[str]:
    index_dir = tmp_path_factory.mktemp("load") / "index"
    sample_index.save(index_dir)
    settings = Settings(index_dir=index_dir, model_cache_dir=Settings().model_cache_dir,
                        admin_api_key=ADMIN_KEY, rate_limit_per_minute=0)
    with serve_in_thread(settings, encoder, "hoidap-load-test") as url:
        yield url


def test_short_load_with_an_index_update_in_the_middle(server: str) -> None:
    questions = [q.question for q in load_questions(ROOT / "eval/data/sample_questions.jsonl")
                 if not q.history]
    before = {d["doc_id"] for d in httpx.get(f"{server}/api/documents").json()["documents"]}

    def upload() -> dict[str, Any]:
        response = httpx.post(f"{server}/api/admin/documents?wait=true", timeout=120,
                              headers={"Authorization": f"Bearer {ADMIN_KEY}"},
                              files=[("files", ("dong-thap.txt", NEW_DOCUMENT.encode(),
                                                "text/plain"))])
        return {"status": response.status_code, "added": response.json().get("added")}

    report = run_load(server, questions, clients=16, duration_s=10, action=upload)
    assert report.action is not None and report.action["status"] == 200, report.action
    assert report.action["added"] == ["dong-thap"]
    assert report.lost == 0, report.errors
    assert report.server_errors == 0, report.statuses
    assert set(report.statuses) == {"200"}, report.statuses
    assert report.requests >= 16 and report.during_action >= 1
    after = {d["doc_id"] for d in httpx.get(f"{server}/api/documents").json()["documents"]}
    assert after == before | {"dong-thap"}
    answer = httpx.post(f"{server}/api/chat", timeout=60, json={
        "message": "Đồng Tháp có bao nhiêu điểm phát wifi miễn phí?"}).json()
    assert "412" in answer["answer"]
