import json
from pathlib import Path

import httpx
import pytest

from eval.dataset import Question
from eval.http_client import ServerBackend, ServerClient, ServerReplyError
from eval.runner import InProcessBackend, run_questions
from retriever.encoder import Encoder
from retriever.errors import InvalidInputError
from retriever.types import Document
from service import engine
from service.config import Settings

HIT = {"n": 1, "doc_id": "ca-mau", "chunk_id": "ca-mau#0", "title": "Cà Mau",
       "province": "Cà Mau", "text": "Tỉnh có 1.506 dịch vụ công trực tuyến toàn trình.",
       "start": 0, "end": 50, "score": 0.9}
QUESTIONS = [
    Question("cm", "Cà Mau có bao nhiêu dịch vụ công?", ["1506"], "ca-mau",
             "1.506 dịch vụ công trực tuyến", "factoid",
             [{"role": "user", "content": "Xin chào"}]),
    Question("ct", "Cần Thơ có bao nhiêu trạm 5G?", [], None, None, "unanswerable"),
]


def server(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/api/search":
        assert request.url.params["top_k"] in ("1", "10")
        return httpx.Response(200, json={"hits": [HIT]})
    if request.url.path == "/api/chat":
        body = json.loads(request.content)
        if "Cần Thơ" in body["message"]:
            return httpx.Response(200, json={"answer": "Xin lỗi.", "answer_span": None,
                                             "abstained": True, "citations": [],
                                             "timings_ms": {}})
        assert body["history"] == [{"role": "user", "content": "Xin chào"}]
        return httpx.Response(200, json={"answer": "Cà Mau có 1.506 dịch vụ [1].",
                                         "answer_span": "1.506", "abstained": False,
                                         "citations": [HIT], "timings_ms": {"total": 3}})
    return httpx.Response(404, json={"detail": "Not Found"})


def client(handler: object) -> ServerClient:
    return ServerClient("http://hoidap.test/",
                        httpx.Client(transport=httpx.MockTransport(handler)))  # type: ignore[arg-type]


def test_a_server_is_evaluated_through_its_api() -> None:
    backend_client = client(server)
    backend_client.check()
    run = run_questions(ServerBackend(backend_client), QUESTIONS, "server")
    cm, ct = run.results
    assert cm.correct and cm.span_em == 1.0 and cm.citation_hit and cm.first_hit_rank == 1
    assert ct.correct and ct.abstained
    assert run.overall["abstain_unanswerable"] == 1.0


def test_an_unreachable_server_is_one_clear_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with pytest.raises(InvalidInputError, match=r"cannot reach the server at "
                                                r"http://hoidap.test: .*refused"):
        client(refuse).check()


def test_a_server_without_the_api_is_refused_early() -> None:
    with pytest.raises(InvalidInputError, match="not a usable hoidap server.*404"):
        client(lambda request: httpx.Response(404, text="nope")).check()
    with pytest.raises(InvalidInputError, match="did not return JSON"):
        client(lambda request: httpx.Response(200, text="<html>")).check()
    with pytest.raises(InvalidInputError, match="no list of hits"):
        client(lambda request: httpx.Response(200, json={"results": []})).check()


def test_a_refused_question_is_recorded_not_fatal() -> None:
    def picky(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/chat":
            return httpx.Response(422, json={"detail": "the query is empty"})
        return server(request)

    backend_client = client(picky)
    with pytest.raises(ServerReplyError, match="HTTP 422: the query is empty"):
        backend_client.chat("   ")
    run = run_questions(ServerBackend(backend_client), QUESTIONS[:1], "server")
    assert run.results[0].error == "HTTP 422: the query is empty"
    assert not run.results[0].correct


def test_a_malformed_citation_is_a_clear_error() -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"answer": "x", "abstained": False,
                                         "citations": [{"doc_id": "a"}]})

    with pytest.raises(InvalidInputError, match="unexpected passage"):
        ServerBackend(client(broken)).answer(QUESTIONS[0], "server")


def test_the_url_must_be_http() -> None:
    with pytest.raises(InvalidInputError, match="http://"):
        ServerClient("localhost:8000")


def test_end_to_end_through_the_real_app_matches_in_process(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, encoder: Encoder,
    tiny_documents: list[Document],
) -> None:
    from fastapi.testclient import TestClient

    from service.api.app import create_app

    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(
        json.dumps({"doc_id": d.doc_id, "title": d.title, "text": d.text,
                    "province": d.province}, ensure_ascii=False) + "\n"
        for d in tiny_documents), encoding="utf-8")
    monkeypatch.setattr(engine, "encoder_for", lambda settings: encoder)
    settings = Settings(index_dir=tmp_path / "index", corpus=corpus,
                        model_cache_dir=Settings().model_cache_dir)
    questions = [
        Question("ag", "An Giang đã thành lập bao nhiêu tổ công nghệ số cộng đồng?", ["9 tổ"],
                 "an-giang", "thành lập 9 tổ công nghệ số cộng đồng", "factoid"),
        Question("cm", "Cà Mau có bao nhiêu dịch vụ công trực tuyến toàn trình?", ["1506"],
                 "ca-mau", "1.506 dịch vụ công trực tuyến toàn trình", "factoid"),
        Question("ag-f", "Còn tỷ lệ hồ sơ xử lý trực tuyến thì sao?", ["78,9%"], "an-giang",
                 "Tỷ lệ hồ sơ xử lý trực tuyến đạt 78,9%", "followup",
                 [{"role": "user", "content": "An Giang có bao nhiêu tổ công nghệ số?"},
                  {"role": "assistant", "content": "An Giang có 9 tổ [1]."}]),
        Question("ct", "Cần Thơ có bao nhiêu trạm 5G?", [], None, None, "unanswerable"),
    ]
    with TestClient(create_app(settings), base_url="http://testserver") as test_client:
        server_client = ServerClient("http://testserver", test_client)
        server_client.check()
        served = run_questions(ServerBackend(server_client), questions, "server")
    corpus_index = engine.open_index(settings, encoder)  # the index the app built
    searcher = engine.make_searcher(settings, corpus_index, encoder)
    local = run_questions(InProcessBackend(searcher, engine.make_pipeline(settings, searcher)),
                          questions, "hybrid")
    assert served.overall["errors"] == 0 and served.overall["hit@5"] == 1.0
    for got, expected in zip(served.results, local.results, strict=True):
        assert (got.answer, got.span, got.abstained, got.correct, got.cited) == (
            expected.answer, expected.span, expected.abstained, expected.correct,
            expected.cited)
        if got.id != "ag-f":  # the server does not report its follow-up resolution
            assert got.first_hit_rank == expected.first_hit_rank
