"""Uploads and reindexes as jobs: 202 at once, progress and outcome at /api/admin/jobs/{id},
one at a time, failures recorded with the old index serving; the embedding process (low
priority, its own threads) and what happens when it dies."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from retriever.encoder import Encoder
from service.api.encode_worker import EncoderProcess, EncoderWorkerError
from service.config import Settings
from tests.service.api.conftest import ADMIN_KEY

AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}
SAMPLE_IDS = {"ba-ria-vung-tau", "ben-tre", "binh-phuoc", "tien-giang", "vinh-long"}
DONG_THAP = ("Đồng Tháp đẩy mạnh chuyển đổi số\n"
             "Năm 2023, tỉnh Đồng Tháp đã lắp đặt 412 điểm phát wifi miễn phí tại các chợ "
             "và bến xe.\nNgười dân đánh giá cao dịch vụ này.\n")
FILES = [("files", ("dong-thap.txt", DONG_THAP.encode(), "text/plain"))]


def _finished(client: TestClient, href: str, timeout_s: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        job = client.get(href, headers=AUTH).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def _doc_ids(client: TestClient) -> set[str]:
    return {d["doc_id"] for d in client.get("/api/documents").json()["documents"]}


def test_an_upload_returns_a_job_at_once_and_the_job_reports_the_change(
        admin_client: TestClient) -> None:
    accepted = admin_client.post("/api/admin/documents", headers=AUTH, files=FILES)
    assert accepted.status_code == 202, accepted.text
    job = accepted.json()
    assert job["operation"] == "upload" and job["status"] in ("queued", "running", "succeeded")
    assert accepted.headers["location"] == job["href"] == f"/api/admin/jobs/{job['job_id']}"
    done = _finished(admin_client, job["href"])
    assert done["status"] == "succeeded" and done["error"] is None
    assert done["result"]["added"] == ["dong-thap"] and done["result"]["documents"] == 6
    assert done["started"] and done["finished"] >= done["started"] >= done["created"]
    answer = admin_client.post("/api/chat", json={
        "message": "Đồng Tháp có bao nhiêu điểm phát wifi miễn phí?"}).json()
    assert "412" in answer["answer"]
    reindex = admin_client.post("/api/admin/reindex", headers=AUTH)
    assert reindex.status_code == 202
    assert _finished(admin_client, reindex.json()["href"])["result"]["documents"] == 6
    listed = admin_client.get("/api/admin/jobs", headers=AUTH).json()
    assert [j["operation"] for j in listed] == ["reindex", "upload"]  # newest first


def test_a_second_change_while_a_job_runs_is_409(admin_client: TestClient,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    state = admin_client.app.state.hoidap  # type: ignore[attr-defined]
    release = threading.Event()
    original = state.admin.add

    def slow_add(documents: list[Any]) -> Any:
        release.wait(30)
        return original(documents)

    monkeypatch.setattr(state.admin, "add", slow_add)
    first = admin_client.post("/api/admin/documents", headers=AUTH, files=FILES)
    try:
        assert first.status_code == 202
        for busy in (admin_client.post("/api/admin/documents", headers=AUTH, files=FILES),
                     admin_client.post("/api/admin/reindex", headers=AUTH)):
            assert busy.status_code == 409 and "in progress" in busy.json()["detail"]
        # Questions are answered meanwhile.
        assert admin_client.post("/api/chat", json={"message": "Bến Tre"}).status_code == 200
    finally:
        release.set()
    assert _finished(admin_client, first.json()["href"])["status"] == "succeeded"
    assert "dong-thap" in _doc_ids(admin_client)


def test_a_failed_job_says_why_and_the_old_index_keeps_serving(
        admin_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from index.store import CorpusIndex

    def full_disk(*_args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(CorpusIndex, "save", full_disk)
    accepted = admin_client.post("/api/admin/documents", headers=AUTH, files=FILES)
    failed = _finished(admin_client, accepted.json()["href"])
    assert failed["status"] == "failed" and failed["error_status"] == 503
    assert "No space left" in failed["error"] and failed["result"] is None
    assert _doc_ids(admin_client) == SAMPLE_IDS
    waited = admin_client.post("/api/admin/documents?wait=true", headers=AUTH, files=FILES)
    assert waited.status_code == 503 and "still serving" in waited.json()["detail"]
    metrics = admin_client.get("/metrics").text
    assert 'hoidap_index_updates_total{operation="upload",result="failed"} 2.0' in metrics


def test_unknown_jobs_and_anonymous_clients_are_refused(admin_client: TestClient) -> None:
    assert admin_client.get("/api/admin/jobs/nope", headers=AUTH).status_code == 404
    assert admin_client.get("/api/admin/jobs/nope").status_code == 401
    assert admin_client.get("/api/admin/jobs").status_code == 401
    assert admin_client.get("/api/admin/jobs", headers=AUTH).json() == []


@pytest.fixture(scope="module")
def encoder_process(model_cache_dir: Path) -> Any:
    with EncoderProcess(Settings(model_cache_dir=model_cache_dir), threads=1,
                        niceness=10) as process:
        yield process


def test_the_embedding_process_runs_at_low_priority_and_gives_the_same_vectors(
        encoder_process: EncoderProcess, encoder: Encoder) -> None:
    assert encoder_process.pid is not None and encoder_process.pid != os.getpid()
    # 10 lower than the server, or the lowest there is (19) when the server is niced itself.
    assert os.getpriority(os.PRIO_PROCESS, encoder_process.pid) >= \
        min(os.getpriority(os.PRIO_PROCESS, 0) + 10, 19)
    assert encoder_process.model_id == encoder.model_id
    texts = ["Tỉnh có 1.506 dịch vụ công trực tuyến toàn trình.", "Chuyển đổi số"]
    there, here = encoder_process.encode_passages(texts), encoder.encode_passages(texts)
    assert there.shape == here.shape == (2, encoder.dimension)
    assert np.all(np.sum(there * here, axis=1) > 0.999)  # normalised: cosine
    assert encoder_process.encode_passages([]).shape == (0, encoder.dimension)


def test_an_upload_embedded_in_the_process_is_answered(
        make_client: Callable[..., TestClient]) -> None:
    client = make_client(index_worker="process")
    response = client.post("/api/admin/documents?wait=true", headers=AUTH, files=FILES)
    assert response.status_code == 200, response.text
    assert response.json()["added"] == ["dong-thap"]
    answer = client.post("/api/chat", json={
        "message": "Đồng Tháp có bao nhiêu điểm phát wifi miễn phí?"}).json()
    assert "412" in answer["answer"] and answer["citations"][0]["doc_id"] == "dong-thap"


def test_a_dead_embedding_process_fails_the_job_and_changes_nothing(
        make_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch) -> None:
    original = EncoderProcess.encode_passages

    def killed_first(self: EncoderProcess, *args: Any, **kwargs: Any) -> np.ndarray:
        assert self.pid is not None
        os.kill(self.pid, signal.SIGKILL)  # as the OOM killer would
        return original(self, *args, **kwargs)

    monkeypatch.setattr(EncoderProcess, "encode_passages", killed_first)
    client = make_client(index_worker="process")
    accepted = client.post("/api/admin/documents", headers=AUTH, files=FILES)
    failed = _finished(client, accepted.json()["href"])
    assert failed["status"] == "failed" and failed["error_status"] == 503
    assert "embedding process stopped" in failed["error"]
    assert _doc_ids(client) == SAMPLE_IDS
    assert client.get("/readyz").json()["status"] == "ready"
    with pytest.raises(EncoderWorkerError):
        EncoderProcess(Settings(model="no-such-model")).__enter__()


def test_the_latest_jobs_are_kept_and_a_bug_is_a_failed_job_not_a_dead_server() -> None:
    from retriever.errors import JobNotFoundError
    from service.api.jobs import Jobs, JobStatus

    jobs = Jobs(lambda _error: 422, keep=2)
    submitted = []
    for n in range(3):
        job = jobs.submit("upload", lambda n=n: {"n": n})
        assert job.done.wait(10) and job.result == {"n": n}
        submitted.append(job)
    assert [j.id for j in jobs.recent()] == [submitted[2].id, submitted[1].id]
    with pytest.raises(JobNotFoundError):
        jobs.get(submitted[0].id)
    bug = jobs.submit("reindex", lambda: {"n": 1 // 0})
    assert bug.done.wait(10) and bug.status == JobStatus.FAILED
    assert bug.error_status == 500 and "ZeroDivisionError" in (bug.error or "")
