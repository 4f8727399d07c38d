"""Feedback on answers: POST /api/feedback (validation, unknown answers, rate limit, the
counter), GET /api/admin/feedback (JSON and CSV, behind the key), and the file beside the
index (durable, append-only, kept across restarts and index updates, torn lines skipped)."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from retriever.errors import FeedbackStorageError
from service.api.feedback import (
    CSV_COLUMNS,
    FEEDBACK_FILE,
    Feedback,
    FileFeedbackStore,
    PostgresFeedbackStore,
    open_store,
    to_csv,
)
from service.api.recent import GivenAnswer
from service.config import Settings
from tests.service.api.conftest import ADMIN_KEY

AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}
QUESTION = "Bình Phước xếp hạng chuyển đổi số thứ mấy?"
# A comma, double quotes, a line break and Vietnamese: what CSV quoting must carry.
COMMENT = 'Sai rồi, "thứ 9" là năm 2022 –\nkhông phải năm nay'
FEEDBACK_KEYS = {"id", "time", "answer_id", "rating", "comment", "question",
                 "resolved_question", "answer", "abstained", "citation_ids"}


def _remember(client: TestClient, question: str = QUESTION, answer: str = "Thứ 9 [1].",
              citations: tuple[str, ...] = ("binh-phuoc#0123456789",)) -> str:
    """An answer the server gave (without asking the pipeline): its answer id."""
    recent = client.app.state.hoidap.recent  # type: ignore[attr-defined]
    return str(recent.remember(GivenAnswer(question, question + " (resolved)", answer, False,
                                           citations)))


def _give(client: TestClient, answer_id: str, rating: str = "up",
          comment: str | None = None) -> str:
    body = {"answer_id": answer_id, "rating": rating}
    if comment is not None:
        body["comment"] = comment
    response = client.post("/api/feedback", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _listed(client: TestClient, **params: object) -> dict[str, object]:
    response = client.get("/api/admin/feedback", params=params, headers=AUTH)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _csv_rows(client: TestClient) -> list[list[str]]:
    response = client.get("/api/admin/feedback", params={"format": "csv"}, headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for spreadsheets
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def test_feedback_on_an_answer_is_stored_and_listed_as_json_and_csv(
        make_client: Callable[..., TestClient], index_copy: Path) -> None:
    client = make_client(client=("203.0.113.77", 40000))
    answer = client.post("/api/chat", json={"message": QUESTION}).json()
    before = datetime.now(UTC)
    response = client.post("/api/feedback", json={"answer_id": answer["answer_id"],
                                                  "rating": "down", "comment": COMMENT})
    assert response.status_code == 201, response.text
    assert response.json() == {"id": response.json()["id"], "stored": True}
    assert len(response.json()["id"]) == 32

    listed = _listed(client)
    assert (listed["total"], listed["offset"], listed["limit"]) == (1, 0, 100)
    (item,) = listed["feedback"]  # type: ignore[misc]
    assert set(item) == FEEDBACK_KEYS
    assert item["id"] == response.json()["id"]
    assert item["answer_id"] == answer["answer_id"]
    assert (item["rating"], item["comment"]) == ("down", COMMENT)
    assert item["question"] == QUESTION
    assert item["resolved_question"] == answer["resolved_question"]
    assert item["answer"] == answer["answer"] and item["abstained"] == answer["abstained"]
    assert item["citation_ids"] == [c["chunk_id"] for c in answer["citations"]]
    assert item["citation_ids"]  # this question is answered, with citations
    given = datetime.fromisoformat(item["time"].replace("Z", "+00:00"))
    assert before - timedelta(seconds=1) <= given <= datetime.now(UTC)

    header, *rows = _csv_rows(client)
    assert header == list(CSV_COLUMNS)
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["comment"] == COMMENT and row["question"] == QUESTION
    assert (row["id"], row["rating"], row["answer"]) == (item["id"], "down", answer["answer"])
    assert json.loads(row["citation_ids"]) == item["citation_ids"]
    assert row["abstained"] == str(answer["abstained"]).lower()

    # Beside the index; nothing about the person who sent it.
    stored = (index_copy / FEEDBACK_FILE).read_text(encoding="utf-8")
    assert [json.loads(line)["id"] for line in stored.splitlines()] == [item["id"]]
    assert set(json.loads(stored)) == FEEDBACK_KEYS
    assert "203.0.113" not in stored and "testclient" not in stored
    assert (index_copy / FEEDBACK_FILE).stat().st_mode & 0o077 == 0  # private to the service


def test_the_latest_feedback_on_an_answer_wins_and_lists_are_newest_first(
        admin_client: TestClient, index_copy: Path) -> None:
    first = _remember(admin_client, "Câu hỏi thứ nhất?")
    second = _remember(admin_client, "Câu hỏi thứ hai?")
    _give(admin_client, first, "up")
    _give(admin_client, second, "down", "Chưa đủ thông tin")
    changed = _give(admin_client, first, "down", "Đổi ý: câu trả lời đã cũ")

    listed = _listed(admin_client)
    assert listed["total"] == 2
    items = listed["feedback"]
    assert [(f["answer_id"], f["rating"], f["comment"]) for f in items] == [  # type: ignore[attr-defined]
        (first, "down", "Đổi ý: câu trả lời đã cũ"), (second, "down", "Chưa đủ thông tin")]
    assert items[0]["id"] == changed  # type: ignore[index]
    page = _listed(admin_client, offset=1, limit=1)
    assert (page["total"], page["offset"], page["limit"]) == (2, 1, 1)
    assert [f["answer_id"] for f in page["feedback"]] == [second]  # type: ignore[attr-defined]
    assert len(_csv_rows(admin_client)) == 1 + 2
    # Appended, never rewritten: every submission is in the file.
    assert len((index_copy / FEEDBACK_FILE).read_text(encoding="utf-8").splitlines()) == 3


def test_a_blank_comment_is_no_comment_and_1000_characters_are_allowed(
        client: TestClient) -> None:
    blank = _give(client, _remember(client), "up", "   ")
    longest = _give(client, _remember(client), "down", "ệ" * 1000)
    stored = {f.id: f for f in client.app.state.hoidap.feedback.list().feedback}  # type: ignore[attr-defined]
    assert stored[blank].comment is None
    assert stored[longest].comment == "ệ" * 1000


def test_unknown_or_forgotten_answers_are_404_and_store_nothing(
        make_client: Callable[..., TestClient], index_copy: Path) -> None:
    client = make_client()
    for answer_id in ("0" * 32, "khong-co"):
        response = client.post("/api/feedback", json={"answer_id": answer_id, "rating": "up"})
        assert response.status_code == 404
        assert "unknown" in response.json()["detail"]
    assert not (index_copy / FEEDBACK_FILE).exists()
    assert 'hoidap_feedback_total{rating="up"} 0.0' in client.get("/metrics").text


@pytest.mark.parametrize("body", [
    {"answer_id": "{id}", "rating": "meh"},
    {"answer_id": "{id}", "rating": "UP"},
    {"answer_id": "{id}", "rating": 1},
    {"answer_id": "{id}"},
    {"rating": "up"},
    {"answer_id": "", "rating": "up"},
    {"answer_id": 12345, "rating": "up"},
    {"answer_id": "{id}", "rating": "up", "comment": "ệ" * 1001},
    {"answer_id": "{id}", "rating": "up", "comment": 5},
    {"answer_id": "{id}", "rating": "up", "user": "Nguyễn Văn A"},
], ids=["rating", "rating-case", "rating-number", "no-rating", "no-id", "empty-id",
        "number-id", "long-comment", "number-comment", "extra-field"])
def test_bad_feedback_is_422(client: TestClient, body: dict[str, object]) -> None:
    answer_id = _remember(client)
    sent = {k: answer_id if v == "{id}" else v for k, v in body.items()}
    response = client.post("/api/feedback", json=sent)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]
    stored = client.app.state.hoidap.feedback.list().feedback  # type: ignore[attr-defined]
    assert answer_id not in {f.answer_id for f in stored}


def test_malformed_json_is_400(client: TestClient) -> None:
    response = client.post("/api/feedback", content=b'{"answer_id": ',
                           headers={"content-type": "application/json"})
    assert response.status_code == 400


WRONG_KEYS = [{}, {"Authorization": "Bearer wrong-key-wrong-key-wrong-key!!"},
              {"Authorization": f"Basic {ADMIN_KEY}"},
              {"Authorization": f"Bearer {ADMIN_KEY}x"}, {"Authorization": "Bearer"}]


def test_reading_feedback_needs_the_admin_key(admin_client: TestClient) -> None:
    _give(admin_client, _remember(admin_client), "up", COMMENT)
    for headers in WRONG_KEYS:
        for params in ({}, {"format": "csv"}):
            response = admin_client.get("/api/admin/feedback", params=params,
                                        headers=headers)
            assert response.status_code == 401, (headers, params)
            assert "admin API key" in response.json()["detail"]
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert COMMENT not in response.text
    assert _listed(admin_client)["total"] == 1  # with the key


def test_reading_feedback_is_off_without_a_configured_key(client: TestClient) -> None:
    # The session's client has no admin key; giving feedback needs none.
    _give(client, _remember(client), "up")
    response = client.get("/api/admin/feedback", headers=AUTH)
    assert response.status_code == 403
    assert "HOIDAP_ADMIN_API_KEY" in response.json()["detail"]


@pytest.mark.parametrize("params", [{"format": "xml"}, {"limit": 0}, {"limit": 1001},
                                    {"offset": -1}])
def test_bad_listing_parameters_are_422(admin_client: TestClient,
                                        params: dict[str, object]) -> None:
    response = admin_client.get("/api/admin/feedback", params=params, headers=AUTH)
    assert response.status_code == 422, response.text


def test_the_counter_goes_up_by_rating(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    metrics = client.get("/metrics").text
    assert 'hoidap_feedback_total{rating="up"} 0.0' in metrics
    assert 'hoidap_feedback_total{rating="down"} 0.0' in metrics
    one, other = _remember(client), _remember(client)
    _give(client, one, "up")
    _give(client, other, "up")
    _give(client, one, "down")  # a changed mind is counted too
    client.post("/api/feedback", json={"answer_id": "0" * 32, "rating": "down"})  # 404
    client.post("/api/feedback", json={"answer_id": one, "rating": "meh"})  # 422
    metrics = client.get("/metrics").text
    assert 'hoidap_feedback_total{rating="up"} 2.0' in metrics
    assert 'hoidap_feedback_total{rating="down"} 1.0' in metrics


def test_feedback_is_rate_limited(make_client: Callable[..., TestClient]) -> None:
    client = make_client(client=("203.0.113.9", 5000), rate_limit_per_minute=1,
                         rate_limit_burst=1)
    answer_id = _remember(client)
    _give(client, answer_id, "up")
    refused = client.post("/api/feedback", json={"answer_id": answer_id, "rating": "down"})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert [f.rating for f in client.app.state.hoidap.feedback.list().feedback] == ["up"]  # type: ignore[attr-defined]
    assert _listed(client)["total"] == 1  # the admin listing is not limited


def test_feedback_survives_index_updates_and_restarts(
        make_client: Callable[..., TestClient], index_copy: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    client = make_client()
    kept = _give(client, _remember(client), "down", COMMENT)
    for method, path in (("POST", "/api/admin/reindex?wait=true"),
                         ("DELETE", "/api/admin/documents/ben-tre")):
        assert client.request(method, path, headers=AUTH).status_code == 200
    assert [f["id"] for f in _listed(client)["feedback"]] == [kept]  # type: ignore[attr-defined]

    restarted = make_client()  # a new process's state, reading the same folder
    assert [(f["id"], f["comment"]) for f in _listed(restarted)["feedback"]] == [  # type: ignore[attr-defined]
        (kept, COMMENT)]
    later = _give(restarted, _remember(restarted), "up")
    # A write cut short by a crash: skipped with a warning, not an error.
    with (index_copy / FEEDBACK_FILE).open("ab") as out:
        out.write(b'{"id": "torn", "time": "2025-')
    caplog.set_level(logging.WARNING, logger="service.api.feedback")
    assert [f["id"] for f in _listed(restarted)["feedback"]] == [later, kept]  # type: ignore[attr-defined]
    assert "torn last line" in caplog.text
    assert len(_csv_rows(restarted)) == 1 + 2


def test_a_store_that_cannot_write_is_503_and_counts_nothing(
        admin_client: TestClient, index_copy: Path) -> None:
    (index_copy / FEEDBACK_FILE).mkdir()  # where the file should be: not writable as one
    response = admin_client.post("/api/feedback", json={"answer_id": _remember(admin_client),
                                                        "rating": "up"})
    assert response.status_code == 503
    assert "could not store the feedback" in response.json()["detail"]
    assert response.headers["retry-after"] == "30"
    assert 'hoidap_feedback_total{rating="up"} 0.0' in admin_client.get("/metrics").text
    listing = admin_client.get("/api/admin/feedback", headers=AUTH)
    assert listing.status_code == 503
    assert "could not read the feedback" in listing.json()["detail"]


# ---- the file store on its own -------------------------------------------------------------


def _feedback(answer_id: str, rating: str = "up", comment: str | None = None,
              question: str = QUESTION) -> Feedback:
    given = GivenAnswer(question, question, "Thứ 9 [1].", False, ("binh-phuoc#1",))
    return Feedback.on(answer_id, given, rating, comment)  # type: ignore[arg-type]


def test_a_torn_last_line_is_skipped_and_the_next_write_starts_a_new_line(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "index" / FEEDBACK_FILE
    store = FileFeedbackStore(path)
    assert store.list().feedback == [] and store.list().total == 0  # no file yet
    first, second = _feedback("a"), _feedback("b", "down", COMMENT)
    store.add(first)
    store.add(second)
    whole = json.dumps(_feedback("c").to_json(), ensure_ascii=False).encode()
    with path.open("ab") as out:
        out.write(whole[: len(whole) // 2])  # a crash in the middle of a write
    caplog.set_level(logging.WARNING, logger="service.api.feedback")
    assert store.list().feedback == [second, first]
    assert f"{path}, line 3: skipped a torn last line" in caplog.text

    third = _feedback("d", "down")
    store.add(third)  # not glued to the torn line, which stays skipped
    caplog.clear()
    assert store.list().feedback == [third, second, first]
    assert "line 3: skipped a line that is no feedback" in caplog.text
    with path.open("ab") as out:
        out.write(b"\xff\xfe not UTF-8\n[1, 2]\n{}\n")
    assert store.list().feedback == [third, second, first]


def test_concurrent_writes_are_whole_lines(tmp_path: Path) -> None:
    store = FileFeedbackStore(tmp_path / FEEDBACK_FILE)

    def write(thread: int) -> None:
        for n in range(25):
            store.add(_feedback(f"{thread}-{n}", comment=f"ý kiến {n}, " * 20))

    threads = [threading.Thread(target=write, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = (tmp_path / FEEDBACK_FILE).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 200
    assert len({json.loads(line)["answer_id"] for line in lines}) == 200
    assert store.list().total == 200


def test_the_store_round_trips_every_field(tmp_path: Path) -> None:
    store = FileFeedbackStore(tmp_path / FEEDBACK_FILE)
    original = _feedback("x", "down", COMMENT, question="Tỉnh nào dẫn đầu?")
    store.add(original)
    (loaded,) = FileFeedbackStore(tmp_path / FEEDBACK_FILE).list().feedback
    assert loaded == original
    assert loaded.time.tzinfo is not None


def test_csv_defuses_text_a_spreadsheet_would_run() -> None:
    risky = _feedback("x", "down", '=HYPERLINK("http://example.com","bấm")',
                      question="-1 điểm cho câu trả lời?")
    header, row = list(csv.reader(io.StringIO(to_csv([risky]), newline="")))
    values = dict(zip(header, row, strict=True))
    assert values["comment"] == '\'=HYPERLINK("http://example.com","bấm")'
    assert values["question"] == "'-1 điểm cho câu trả lời?"
    assert values["answer"] == "Thứ 9 [1]."  # ordinary text is left alone


def test_the_backend_setting_chooses_the_store(tmp_path: Path) -> None:
    files = open_store(Settings(index_dir=tmp_path / "index"))
    assert isinstance(files, FileFeedbackStore)
    assert files.path == tmp_path / "index" / FEEDBACK_FILE
    replica = "postgresql://hoidap@replica.example/hoidap"
    primary = "postgresql://hoidap@primary.example/hoidap"
    shared = open_store(Settings(backend="postgres", dsn=replica))
    assert isinstance(shared, PostgresFeedbackStore) and shared.dsn == replica
    written = open_store(Settings(backend="postgres", dsn=replica, feedback_dsn=primary))
    assert isinstance(written, PostgresFeedbackStore) and written.dsn == primary


def test_a_directory_in_the_way_is_a_storage_error(tmp_path: Path) -> None:
    (tmp_path / FEEDBACK_FILE).mkdir()
    store = FileFeedbackStore(tmp_path / FEEDBACK_FILE)
    with pytest.raises(FeedbackStorageError, match="could not store"):
        store.add(_feedback("a"))
    with pytest.raises(FeedbackStorageError, match="could not read"):
        store.list()


def test_each_write_reaches_the_disk_before_add_returns(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.fstat(fd).st_ino)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    path = tmp_path / "index" / FEEDBACK_FILE
    store = FileFeedbackStore(path)
    store.add(_feedback("a"))
    # The file, and its new name in the folder.
    assert synced == [path.stat().st_ino, path.parent.stat().st_ino]
    store.add(_feedback("b"))
    assert synced[2:] == [path.stat().st_ino]
