"""Every endpoint and every error the API contract names, on the sample corpus."""

import json
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings

CITATION_FIELDS = {"n", "doc_id", "chunk_id", "title", "province", "text", "start", "end",
                   "score"}
QUESTION = "Bình Phước xếp hạng chuyển đổi số thứ mấy?"


def test_chat_answers_with_citations(client: TestClient) -> None:
    response = client.post("/api/chat", json={"message": QUESTION})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"answer", "answer_span", "abstained", "citations", "timings_ms",
                         "resolved_question", "reader", "decline_reason", "sources",
                         "answer_id"}
    assert "thứ 9" in body["answer"] and body["answer_span"] == "thứ 9"
    assert body["abstained"] is False
    # Only what the text cites is a citation; the other passages are sources, numbered on.
    assert "[1]" in body["answer"] and [c["n"] for c in body["citations"]] == [1]
    assert set(body["citations"][0]) == CITATION_FIELDS
    assert body["citations"][0]["doc_id"] == "binh-phuoc"
    assert body["sources"] and [s["n"] for s in body["sources"]] == list(
        range(2, len(body["sources"]) + 2))
    assert all(set(s) == CITATION_FIELDS for s in body["sources"])
    # The sources keep the searcher's order (relevance, then the ranking facts they state).
    searched = client.get("/api/search", params={"q": QUESTION, "top_k": 5}).json()["hits"]
    cited = {c["chunk_id"] for c in body["citations"]}
    assert [s["chunk_id"] for s in body["sources"]] == [
        h["chunk_id"] for h in searched if h["chunk_id"] not in cited]
    assert len(body["answer_id"]) == 32
    again = client.post("/api/chat", json={"message": QUESTION}).json()
    assert again["answer_id"] != body["answer_id"]  # an id per answer given, cached or not
    assert body["timings_ms"]["total"] > 0


def test_chat_followup_and_abstention(client: TestClient) -> None:
    first = client.post("/api/chat", json={"message": QUESTION}).json()
    history = [{"role": "user", "content": QUESTION},
               {"role": "assistant", "content": first["answer"]}]
    followup = client.post("/api/chat", json={"message": "Còn kinh tế số thì sao?",
                                              "history": history}).json()
    assert "14/63" in followup["answer"]
    unanswerable = client.post("/api/chat", json={"message": "Hà Nội xếp hạng thứ mấy?",
                                                  "history": history}).json()
    assert unanswerable["abstained"] is True and unanswerable["citations"] == []
    assert unanswerable["sources"] == []
    assert "thứ 9" not in unanswerable["answer"]


def test_chat_top_k_and_province(client: TestClient) -> None:
    body = client.post("/api/chat", json={"message": "dịch vụ công trực tuyến có bao nhiêu?",
                                          "top_k": 2, "province": "Bình Phước"}).json()
    assert 1 <= len(body["citations"]) <= 2
    assert {c["province"] for c in body["citations"]} == {"Bình Phước"}


@pytest.mark.parametrize(("payload", "status", "words"), [
    ({"message": ""}, 422, "message"),
    ({"message": "   "}, 422, "empty"),
    ({"message": "x" * 2001}, 422, "2000"),
    ({"message": "x" * 50_000}, 422, "2000"),
    ({"message": "hi", "history": [{"role": "user", "content": "a"}] * 21}, 422, "history"),
    ({"message": "hi", "history": [{"role": "system", "content": "a"}]}, 422, "role"),
    ({"message": "hi", "top_k": 0}, 422, "top_k"),
    ({"message": "hi", "unknown": 1}, 422, "unknown"),
    ({}, 422, "message"),
])
def test_chat_rejects_bad_requests(client: TestClient, payload: dict[str, object], status: int,
                                   words: str) -> None:
    for path in ("/api/chat", "/api/chat/stream"):
        response = client.post(path, json=payload)
        assert response.status_code == status
        assert words in response.json()["detail"]


def test_malformed_json_is_a_400(client: TestClient) -> None:
    response = client.post("/api/chat", content=b'{"message": ',
                           headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json() == {"detail": "malformed JSON in the request body"}


def test_stream_sends_answer_then_citations_then_done(client: TestClient) -> None:
    with client.stream("POST", "/api/chat/stream", json={"message": QUESTION}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        raw = "".join(response.iter_text())
    events = []
    for block in raw.strip().split("\n\n"):
        name, data = block.split("\n")
        events.append((name.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    names = [name for name, _ in events]
    assert names[-2:] == ["citations", "done"] and set(names[:-2]) == {"answer"}
    streamed = "".join(data["text"] for name, data in events if name == "answer")
    done = events[-1][1]
    assert streamed == done["answer"] and "thứ 9" in streamed
    assert done["answer_span"] == "thứ 9" and done["abstained"] is False
    assert set(events[-2][1][0]) == CITATION_FIELDS and len(events[-2][1]) == 1
    assert len(done["answer_id"]) == 32 and done["resolved_question"]
    assert done["sources"] and set(done["sources"][0]) == CITATION_FIELDS


def test_search_with_filters(client: TestClient) -> None:
    response = client.get("/api/search", params={"q": "dịch vụ công trực tuyến", "top_k": 3})
    hits = response.json()["hits"]
    assert response.status_code == 200 and len(hits) == 3
    assert [h["n"] for h in hits] == [1, 2, 3] and set(hits[0]) == CITATION_FIELDS
    only = client.get("/api/search", params={"q": "dịch vụ công", "province": "binh phuoc"})
    assert {h["doc_id"] for h in only.json()["hits"]} == {"binh-phuoc"}
    dated = client.get("/api/search", params={"q": "chuyển đổi số", "from": "2024-01-01"})
    assert {h["doc_id"] for h in dated.json()["hits"]} == {"ba-ria-vung-tau"}
    lexical = client.get("/api/search", params={"q": "IOC", "retriever": "bm25"})
    assert lexical.status_code == 200 and lexical.json()["hits"]


@pytest.mark.parametrize(("params", "words"), [
    ({"q": ""}, "q"),
    ({"q": "   "}, "empty"),
    ({"q": "x" * 2001}, "2000"),
    ({"q": "a", "top_k": 0}, "top_k"),
    ({"q": "a", "top_k": 101}, "top_k"),
    ({"q": "a", "from": "20-1-2024"}, "from"),
    ({"q": "a", "from": "2023-13-45"}, "from"),
    ({"q": "a", "to": "2023-02-30"}, "to"),
    ({"q": "a", "retriever": "magic"}, "retriever"),
    ({}, "q"),
])
def test_search_rejects_bad_queries(client: TestClient, params: dict[str, object],
                                    words: str) -> None:
    response = client.get("/api/search", params=params)
    assert response.status_code == 422
    assert words in response.json()["detail"]


def test_documents(client: TestClient) -> None:
    listing = client.get("/api/documents").json()["documents"]
    assert {d["doc_id"] for d in listing} == {"ben-tre", "binh-phuoc", "tien-giang",
                                               "vinh-long", "ba-ria-vung-tau"}
    assert all(d["chunks"] > 0 for d in listing)
    assert sum(d["chunks"] for d in listing) == client.get("/readyz").json()["chunks"]
    document = client.get("/api/documents/binh-phuoc").json()
    assert document["province"] == "Bình Phước" and "thứ 9" in document["text"]
    citation = client.post("/api/chat", json={"message": QUESTION}).json()["citations"][0]
    assert document["text"][citation["start"]:citation["end"]] == citation["text"]


def test_documents_come_a_page_at_a_time(client: TestClient) -> None:
    everything = client.get("/api/documents").json()
    assert (everything["total"], everything["offset"], everything["limit"]) == (5, 0, 100)
    ids = [d["doc_id"] for d in everything["documents"]]
    assert ids == sorted(ids)
    pages = [client.get("/api/documents", params={"offset": offset, "limit": 2}).json()
             for offset in (0, 2, 4, 6)]
    assert [d["doc_id"] for page in pages for d in page["documents"]] == ids
    assert [len(page["documents"]) for page in pages] == [2, 2, 1, 0]
    assert {page["total"] for page in pages} == {5}
    assert "text" not in everything["documents"][0]


@pytest.mark.parametrize("params", [{"offset": -1}, {"limit": 0}, {"limit": 1001},
                                    {"offset": "first"}])
def test_a_page_out_of_range_is_a_422(client: TestClient, params: dict[str, object]) -> None:
    response = client.get("/api/documents", params=params)
    assert response.status_code == 422
    assert next(iter(params)) in response.json()["detail"]


def test_unknown_document_is_a_404(client: TestClient) -> None:
    response = client.get("/api/documents/khong-co")
    assert response.status_code == 404
    assert "khong-co" in response.json()["detail"]


def test_health_readiness_docs_and_pages(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "documents": None, "chunks": None,
                                             "detail": None, "reader": None,
                                             "reader_requested": None, "reader_detail": None}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["documents"] == 5
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert {"/api/chat", "/api/chat/stream", "/api/search", "/api/documents",
            "/api/documents/{doc_id}", "/healthz", "/readyz"} <= set(schema["paths"])
    # A 422 that FastAPI documents by itself has the shape our handler answers: one line.
    assert schema["components"]["schemas"]["HTTPValidationError"]["properties"] == {
        "detail": {"type": "string", "title": "Detail"}}
    invalid = client.get("/api/documents", params={"limit": "many"})
    assert invalid.status_code == 422 and isinstance(invalid.json()["detail"], str)
    for path, kind in (("/", "text/html"), ("/search", "text/html"),
                       ("/documents/binh-phuoc", "text/html"), ("/widget.js", "javascript")):
        response = client.get(path)
        assert response.status_code == 200 and kind in response.headers["content-type"]


def test_not_ready_is_a_503_with_retry_after(tmp_path: Path, model_cache_dir: Path) -> None:
    # A corpus folder with nothing readable: loading fails, and the API says why.
    empty = tmp_path / "corpus"
    empty.mkdir()
    settings = Settings(corpus=empty, index_dir=tmp_path / "index",
                        model_cache_dir=model_cache_dir)
    app = create_app(settings, load_in_background=True)
    with TestClient(app) as client:
        thread_done = app.state.hoidap
        for _ in range(200):
            if thread_done.error or thread_done.loaded:
                break
            time.sleep(0.05)
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["status"] == "error"
        response = client.post("/api/chat", json={"message": QUESTION})
        assert response.status_code == 503 and "no readable document" in response.json()["detail"]
        assert response.headers["retry-after"] == "5"


def test_cors_allows_only_configured_origins(model_cache_dir: Path,
                                             client: TestClient) -> None:
    preflight = {"Origin": "https://tinh.example.gov.vn", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"}
    # Default: no other origin may call the API.
    closed = client.options("/api/chat/stream", headers=preflight)
    assert "access-control-allow-origin" not in closed.headers
    settings = Settings(index_dir=client.app.state.hoidap.settings.index_dir,  # type: ignore[attr-defined]
                        model_cache_dir=model_cache_dir,
                        cors_origins=["https://tinh.example.gov.vn"])
    with TestClient(create_app(settings)) as open_client:
        allowed = open_client.options("/api/chat/stream", headers=preflight)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://tinh.example.gov.vn"
        other = open_client.options("/api/chat/stream",
                                    headers={**preflight, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_the_reply_says_what_was_answered_and_by_which_reader(client: TestClient) -> None:
    first = "Bình Phước xếp hạng chuyển đổi số thứ mấy?"
    reply = client.post("/api/chat", json={"message": first}).json()
    assert reply["resolved_question"] == first
    # A ranking the sample article states: answered from its fact.
    assert reply["reader"] == "facts" and reply["decline_reason"] is None
    followup = client.post("/api/chat", json={
        "message": "Còn kinh tế số thì sao?",
        "history": [{"role": "user", "content": first},
                    {"role": "assistant", "content": reply["answer"]}]}).json()
    assert "kinh tế số" in followup["resolved_question"]
    assert followup["resolved_question"] != "Còn kinh tế số thì sao?"
    declined = client.post("/api/chat", json={"message": "Hà Nội xếp hạng thứ mấy?"}).json()
    assert declined["abstained"] and declined["decline_reason"] == "province"
