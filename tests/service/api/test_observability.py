"""One JSON log line per request (no full IPs, no query strings) and /metrics."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from service.api.observability import ACCESS_LOGGER, access_log, configure_access_log

QUESTION = "Bình Phước xếp hạng chuyển đổi số thứ mấy?"


def _lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == ACCESS_LOGGER]


def test_one_json_line_per_request(make_client: Callable[..., TestClient],
                                   caplog: pytest.LogCaptureFixture) -> None:
    client = make_client(client=("203.0.113.77", 40000))
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    search = client.get("/api/search", params={"q": "bí mật của tôi"})
    missing = client.get("/api/documents/khong-co")
    lines = _lines(caplog)
    assert len(lines) == 2
    first, second = lines
    assert set(first) == {"ts", "request_id", "method", "path", "route", "status",
                          "latency_ms", "client"}
    assert first["request_id"] == search.headers["x-request-id"]
    assert second["request_id"] == missing.headers["x-request-id"] != first["request_id"]
    assert (first["method"], first["path"], first["status"]) == ("GET", "/api/search", 200)
    assert (second["route"], second["status"]) == ("/api/documents/{doc_id}", 404)
    assert isinstance(first["latency_ms"], float) and first["latency_ms"] > 0
    assert first["client"] == "203.0.113.0/24"
    text = caplog.text
    assert "203.0.113.77" not in text and "bí mật" not in text


def test_request_id_from_a_proxy_is_kept_if_it_looks_like_one(
    admin_client: TestClient, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    kept = admin_client.get("/healthz", headers={"X-Request-ID": "proxy-1234abcd"})
    assert kept.headers["x-request-id"] == "proxy-1234abcd"
    forged = admin_client.get("/healthz", headers={"X-Request-ID": 'x"}\n{"status": 200'})
    assert forged.headers["x-request-id"] != 'x"}\n{"status": 200'
    assert len(forged.headers["x-request-id"]) == 32
    assert [line["request_id"] for line in _lines(caplog)] == [
        "proxy-1234abcd", forged.headers["x-request-id"]]


def test_metrics_in_prometheus_text_format(admin_client: TestClient) -> None:
    admin_client.post("/api/chat", json={"message": QUESTION})
    admin_client.post("/api/chat", json={"message": "Hà Nội xếp hạng thứ mấy?"})
    admin_client.get("/api/documents/khong-co")
    response = admin_client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    for line in (
        'hoidap_http_requests_total{method="POST",route="/api/chat",status="200"} 2.0',
        'hoidap_http_requests_total{method="GET",route="/api/documents/{doc_id}",status="404"} '
        "1.0",
        'hoidap_answers_total{abstained="true"} 1.0',
        'hoidap_answers_total{abstained="false"} 1.0',
        "hoidap_index_documents 5.0",
        'hoidap_http_request_duration_seconds_count{route="/api/chat"} 2.0',
    ):
        assert line in text, line
    assert 'hoidap_http_request_duration_seconds_bucket{le="+Inf",route="/api/chat"} 2.0' in text
    assert "# TYPE hoidap_errors_total counter" in text


def test_serve_writes_the_access_log_as_bare_json_lines(admin_client: TestClient) -> None:
    stream = io.StringIO()
    saved = (access_log.handlers[:], access_log.level, access_log.propagate)
    try:
        configure_access_log(stream)
        admin_client.get("/healthz")
    finally:
        access_log.handlers, access_log.propagate = saved[0], saved[2]
        access_log.setLevel(saved[1])
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["route"] == "/healthz"
