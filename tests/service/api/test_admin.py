"""The admin API: the key check on every endpoint, uploads (good and bad files), removal,
reindexing, one writer at a time, and failed updates that leave the old index serving."""

from __future__ import annotations

import errno
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from index.store import VERSIONS_DIR, CorpusIndex, current_version
from retriever.bm25 import BM25
from retriever.encoder import Encoder
from retriever.types import Document
from tests.service.api.conftest import ADMIN_KEY

AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}
SAMPLE_IDS = {"ba-ria-vung-tau", "ben-tre", "binh-phuoc", "tien-giang", "vinh-long"}
DONG_THAP = ("Đồng Tháp đẩy mạnh chuyển đổi số\n"
             "Năm 2023, tỉnh Đồng Tháp đã lắp đặt 412 điểm phát wifi miễn phí tại các chợ "
             "và bến xe.\nNgười dân đánh giá cao dịch vụ này.\n")
ENDPOINTS = [("POST", "/api/admin/documents"), ("DELETE", "/api/admin/documents/ben-tre"),
             ("POST", "/api/admin/reindex")]


def _call(client: TestClient, method: str, path: str,
          headers: dict[str, str | bytes] | None = None) -> Any:
    files = ([("files", ("dong-thap.txt", DONG_THAP.encode(), "text/plain"))]
             if path == "/api/admin/documents" else None)
    params = {"wait": "true"} if method == "POST" else None  # the change's outcome, not a job
    return client.request(method, path, headers=headers or {}, files=files, params=params)


def _doc_ids(client: TestClient) -> set[str]:
    return {d["doc_id"] for d in client.get("/api/documents").json()["documents"]}


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer wrong-key-wrong-key-wrong-key!!"},
    {"Authorization": f"Bearer {ADMIN_KEY}x"},
    {"Authorization": f"Basic {ADMIN_KEY}"},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer khóa-sai-không-phải-ascii-ñ".encode()},
], ids=["none", "wrong", "longer", "basic", "empty", "non-ascii"])
def test_admin_needs_the_key_and_changes_nothing_without_it(
    admin_client: TestClient, index_copy: Path, method: str, path: str,
    headers: dict[str, str | bytes],
) -> None:
    version = current_version(index_copy)
    response = _call(admin_client, method, path, headers)
    assert response.status_code == 401
    assert "admin API key" in response.json()["detail"]
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert _doc_ids(admin_client) == SAMPLE_IDS
    assert current_version(index_copy) == version


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_admin_with_the_key(admin_client: TestClient, index_copy: Path, method: str,
                            path: str) -> None:
    version = current_version(index_copy)
    response = _call(admin_client, method, path, AUTH)
    assert response.status_code == 200, response.text
    assert current_version(index_copy) != version
    expected = {"POST /api/admin/documents": SAMPLE_IDS | {"dong-thap"},
                "DELETE /api/admin/documents/ben-tre": SAMPLE_IDS - {"ben-tre"},
                "POST /api/admin/reindex": SAMPLE_IDS}[f"{method} {path}"]
    assert _doc_ids(admin_client) == expected
    assert set(CorpusIndex.load(index_copy).documents) == expected


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_admin_api_is_off_without_a_configured_key(
    make_client: Callable[..., TestClient], index_copy: Path, method: str, path: str,
) -> None:
    client = make_client(admin_api_key=None)
    version = current_version(index_copy)
    response = _call(client, method, path, AUTH)
    assert response.status_code == 403
    assert "HOIDAP_ADMIN_API_KEY" in response.json()["detail"]
    assert current_version(index_copy) == version


def test_public_endpoints_stay_open(admin_client: TestClient) -> None:
    assert admin_client.get("/api/documents").status_code == 200
    assert admin_client.get("/api/search", params={"q": "chuyển đổi số"}).status_code == 200
    assert admin_client.post("/api/chat", json={"message": "Bến Tre"}).status_code == 200


def test_uploaded_document_is_answered_and_kept_on_disk(admin_client: TestClient,
                                                        index_copy: Path) -> None:
    response = admin_client.post("/api/admin/documents?wait=true", headers=AUTH, files=[
        ("files", ("dong-thap.txt", DONG_THAP.encode(), "text/plain"))])
    body = response.json()
    assert response.status_code == 200
    assert body["added"] == ["dong-thap"] and body["replaced"] == [] and body["errors"] == []
    assert body["documents"] == 6
    answer = admin_client.post("/api/chat", json={
        "message": "Đồng Tháp có bao nhiêu điểm phát wifi miễn phí?"}).json()
    assert "412" in answer["answer"] and answer["citations"][0]["doc_id"] == "dong-thap"
    document = admin_client.get("/api/documents/dong-thap").json()
    assert document["province"] == "Đồng Tháp"
    again = admin_client.post("/api/admin/documents?wait=true", headers=AUTH, files=[
        ("files", ("dong-thap.txt", DONG_THAP.replace("412", "415").encode(), "text/plain"))])
    assert again.json()["replaced"] == ["dong-thap"] and again.json()["documents"] == 6
    stored = CorpusIndex.load(index_copy).documents["dong-thap"]
    assert "415" in stored.text and stored.source == "upload:dong-thap.txt"


def test_bad_files_are_reported_one_by_one_and_the_rest_is_indexed(
    admin_client: TestClient,
) -> None:
    html = ("<html><head><title>Hậu Giang số hóa | Báo tỉnh</title>"
            "<script>window.stolen = document.cookie;</script></head><body><article>"
            "<h1>Hậu Giang số hóa hồ sơ</h1><p>Tỉnh Hậu Giang đã số hóa 95% hồ sơ hộ tịch."
            "<script>alert('xss')</script></p><p onclick=\"alert(1)\">Người dân nộp hồ sơ "
            "trực tuyến.</p></article></body></html>")
    jsonl = "\n".join([
        json.dumps({"doc_id": "kien-giang", "title": "Kiên Giang",
                    "text": "Kiên Giang có 38 xã đạt chuẩn nông thôn mới kiểu mẫu."},
                   ensure_ascii=False),
        '{"doc_id": "hong", "title": "dòng hỏng", "text": ',
        json.dumps({"doc_id": "bac-lieu", "title": "Bạc Liêu",
                    "text": "Bạc Liêu phát triển điện gió và chuyển đổi số."},
                   ensure_ascii=False),
        json.dumps({"doc_id": "tinh/huyen", "title": "Không có đường dẫn",
                    "text": "Một bài viết có mã không dùng được trong URL."},
                   ensure_ascii=False),
    ])
    big = ("Một câu văn tiếng Việt về chuyển đổi số. " * 600_000).encode()
    assert len(big) > 20 * 1024 * 1024
    files = [
        ("files", ("rong.txt", b"", "text/plain")),
        ("files", ("nhi-phan.txt", b"\x00\x01\x02PNG\x00" * 100, "text/plain")),
        ("files", ("latin1.txt", "Tỉnh Sóc Trăng".encode("cp1258", "replace") + b"\xff\xfe",
                   "text/plain")),
        ("files", ("lon.txt", big, "text/plain")),
        ("files", ("hau-giang.html", html.encode(), "text/html")),
        ("files", ("mot-dong-hong.jsonl", jsonl.encode(), "application/jsonl")),
        ("files", ("bao-cao.pdf", b"%PDF-1.4", "application/pdf")),
        ("files", ("../../etc/dong-thap.md", ("# Đồng Tháp\n\n" + DONG_THAP).encode(),
                   "text/markdown")),
    ]
    response = admin_client.post("/api/admin/documents?wait=true", headers=AUTH, files=files)
    assert response.status_code == 200, response.text
    body = response.json()
    assert sorted(body["added"]) == ["bac-lieu", "dong-thap", "hau-giang", "kien-giang"]
    problems = {(e["file"], e["line"]): e["message"] for e in body["errors"]}
    assert problems[("rong.txt", None)] == "empty file"
    assert "binary" in problems[("nhi-phan.txt", None)]
    assert "UTF-8" in problems[("latin1.txt", None)]
    assert "10.0 MB" in problems[("lon.txt", None)]
    assert "invalid JSON" in problems[("mot-dong-hong.jsonl", 2)]
    assert "cannot be part of a URL" in problems[("mot-dong-hong.jsonl", 4)]
    assert "unsupported file type '.pdf'" in problems[("bao-cao.pdf", None)]
    assert len(problems) == 7
    assert _doc_ids(admin_client) == SAMPLE_IDS | set(body["added"])
    page = admin_client.get("/api/documents/hau-giang").json()
    assert "95%" in page["text"] and page["title"] == "Hậu Giang số hóa hồ sơ"
    for leftover in ("script", "alert", "cookie", "onclick", "<"):
        assert leftover not in page["text"] and leftover not in page["title"]


def test_upload_with_nothing_readable_changes_nothing(admin_client: TestClient,
                                                      index_copy: Path) -> None:
    version = current_version(index_copy)
    response = admin_client.post("/api/admin/documents?wait=true", headers=AUTH, files=[
        ("files", ("rong.txt", b"   \n", "text/plain")),
        ("files", ("anh.png", b"\x89PNG", "image/png"))])
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "rong.txt: empty file" in detail and "anh.png: unsupported file type" in detail
    assert current_version(index_copy) == version and _doc_ids(admin_client) == SAMPLE_IDS


def test_upload_without_files_is_refused(admin_client: TestClient) -> None:
    response = admin_client.post("/api/admin/documents?wait=true", headers=AUTH, data={"x": "1"})
    assert response.status_code == 422 and "multipart/form-data" in response.json()["detail"]
    as_json = admin_client.post("/api/admin/documents?wait=true", headers=AUTH, json={"files": []})
    assert as_json.status_code == 422


def test_upload_above_the_request_limit_is_413_and_changes_nothing(
    make_client: Callable[..., TestClient], index_copy: Path,
) -> None:
    client = make_client(max_upload_bytes=64 * 1024)
    version = current_version(index_copy)
    response = client.post("/api/admin/documents?wait=true", headers=AUTH, files=[
        ("files", ("to.txt", DONG_THAP.encode() * 500, "text/plain"))])
    assert response.status_code == 413 and "64 KB" in response.json()["detail"]
    assert current_version(index_copy) == version and _doc_ids(client) == SAMPLE_IDS


def test_remove_document(admin_client: TestClient) -> None:
    response = admin_client.delete("/api/admin/documents/binh-phuoc", headers=AUTH)
    assert response.status_code == 200
    assert response.json()["removed"] == ["binh-phuoc"] and response.json()["documents"] == 4
    assert admin_client.get("/api/documents/binh-phuoc").status_code == 404
    answer = admin_client.post("/api/chat", json={
        "message": "Bình Phước xếp hạng chuyển đổi số thứ mấy?"}).json()
    assert all(c["doc_id"] != "binh-phuoc" for c in answer["citations"])
    missing = admin_client.delete("/api/admin/documents/khong-co", headers=AUTH)
    assert missing.status_code == 404 and "khong-co" in missing.json()["detail"]


def test_the_last_document_cannot_be_removed(admin_client: TestClient) -> None:
    for doc_id in sorted(SAMPLE_IDS)[:-1]:
        assert admin_client.delete(f"/api/admin/documents/{doc_id}",
                                   headers=AUTH).status_code == 200
    last = admin_client.delete("/api/admin/documents/vinh-long", headers=AUTH)
    assert last.status_code == 422 and "last document" in last.json()["detail"]
    assert _doc_ids(admin_client) == {"vinh-long"}


def test_reindex_keeps_uploaded_documents(admin_client: TestClient, index_copy: Path) -> None:
    admin_client.post("/api/admin/documents?wait=true", headers=AUTH, files=[
        ("files", ("dong-thap.txt", DONG_THAP.encode(), "text/plain"))])
    response = admin_client.post("/api/admin/reindex?wait=true", headers=AUTH)
    assert response.status_code == 200 and response.json()["documents"] == 6
    assert set(CorpusIndex.load(index_copy).documents) == SAMPLE_IDS | {"dong-thap"}


def test_a_second_writer_is_refused_while_questions_are_answered(
    admin_client: TestClient, index_copy: Path,
) -> None:
    state = admin_client.app.state.hoidap  # type: ignore[attr-defined]
    started, release = threading.Event(), threading.Event()

    def slow_change(current: CorpusIndex | None, _encoder: Encoder) -> CorpusIndex:
        started.set()
        release.wait(30)
        assert current is not None
        return current.without_documents(["ben-tre"])

    writer = threading.Thread(target=state.update, args=(slow_change,))
    writer.start()
    try:
        assert started.wait(10)
        busy = _call(admin_client, "POST", "/api/admin/documents", AUTH)
        assert busy.status_code == 409 and "in progress" in busy.json()["detail"]
        assert busy.headers["retry-after"] == "5"
        answer = admin_client.post("/api/chat", json={"message": "Bến Tre có bao nhiêu "
                                                      "dịch vụ công trực tuyến?"})
        assert answer.status_code == 200
    finally:
        release.set()
        writer.join(30)
    assert _doc_ids(admin_client) == SAMPLE_IDS - {"ben-tre"}
    metrics = admin_client.get("/metrics").text
    assert 'hoidap_index_updates_total{operation="upload",result="busy"} 1.0' in metrics


def test_disk_full_leaves_the_old_index_serving(admin_client: TestClient, index_copy: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    version = current_version(index_copy)
    real_save = BM25.save

    def disk_full(self: BM25, folder: Path) -> None:
        real_save(self, folder)  # part of the new version is on disk when the space runs out
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(BM25, "save", disk_full)
    response = _call(admin_client, "POST", "/api/admin/documents", AUTH)
    assert response.status_code == 503
    detail = response.json()["detail"]
    assert "No space left on device" in detail and "previous index is still serving" in detail
    monkeypatch.undo()
    assert current_version(index_copy) == version
    assert not [p for p in (index_copy / VERSIONS_DIR).iterdir() if p.name.startswith(".")]
    assert _doc_ids(admin_client) == SAMPLE_IDS
    assert admin_client.post("/api/chat", json={"message": "Bến Tre"}).status_code == 200
    assert set(CorpusIndex.load(index_copy).documents) == SAMPLE_IDS
    assert 'hoidap_errors_total{kind="IndexUpdateError"} 1.0' in admin_client.get(
        "/metrics").text


def test_an_index_of_an_older_format_is_rebuilt_from_its_own_documents(
    make_client: Callable[..., TestClient], index_copy: Path, encoder: Encoder,
) -> None:
    extra = Document("dong-thap", "Đồng Tháp chuyển đổi số", DONG_THAP, province="Đồng Tháp")
    CorpusIndex.load(index_copy).with_documents([extra], encoder).save(index_copy)
    manifest_path = current_version(index_copy) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = 1
    manifest_path.write_text(json.dumps(manifest))
    client = make_client(background=True)
    ready = client.get("/readyz").json()
    assert ready["status"] == "error" and "hoidap index reindex" in ready["detail"]
    rebuilt = client.post("/api/admin/reindex?wait=true", headers=AUTH)
    assert rebuilt.status_code == 200 and rebuilt.json()["documents"] == 6
    assert set(CorpusIndex.load(index_copy).documents) == SAMPLE_IDS | {"dong-thap"}


def test_corrupt_index_is_reported_at_start_and_rebuilt_on_request(
    make_client: Callable[..., TestClient], index_copy: Path,
) -> None:
    embeddings = current_version(index_copy) / "embeddings.npy"
    data = bytearray(embeddings.read_bytes())
    data[-8:] = b"\xff" * 8
    embeddings.write_bytes(bytes(data))
    client = make_client(background=True)  # as `hoidap serve` loads: the server stays up
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["status"] == "error"
    assert "corrupt" in ready.json()["detail"] and "rebuild" in ready.json()["detail"]
    chat = client.post("/api/chat", json={"message": "Bến Tre"})
    assert chat.status_code == 503 and "corrupt" in chat.json()["detail"]
    upload = _call(client, "POST", "/api/admin/documents", AUTH)
    assert upload.status_code == 503 and "/api/admin/reindex" in upload.json()["detail"]
    rebuilt = client.post("/api/admin/reindex?wait=true", headers=AUTH)
    assert rebuilt.status_code == 200 and rebuilt.json()["documents"] == 5
    assert client.get("/readyz").json()["status"] == "ready"
    assert client.post("/api/chat", json={"message": "Bến Tre"}).status_code == 200
    assert set(CorpusIndex.load(index_copy).documents) == SAMPLE_IDS
