"""Abuse limits: rate limit per client (behind trusted proxies too), body size, answer
deadline, history length."""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from service.answering import QAPipeline
from service.api.clients import anonymised, client_address, rate_limit_key
from service.api.limits import RateLimiter

QUESTION = "Bình Phước xếp hạng chuyển đổi số thứ mấy?"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_a_burst_then_the_sustained_rate() -> None:
    clock = FakeClock()
    limiter = RateLimiter(per_minute=60, burst=3, clock=clock)
    assert [limiter.acquire("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.acquire("a") == pytest.approx(1.0)
    assert limiter.acquire("b") == 0  # another client has its own bucket
    clock.now += 0.5
    assert limiter.acquire("a") == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.acquire("a") == 0
    clock.now += 3600
    assert [limiter.acquire("a") for _ in range(4)][-1] > 0  # refills to the burst, no more


def test_token_bucket_forgets_the_least_recent_clients_first() -> None:
    clock = FakeClock()
    limiter = RateLimiter(per_minute=1, burst=1, clock=clock, max_clients=2)
    for key in ("a", "b"):
        assert limiter.acquire(key) == 0
    assert limiter.acquire("a") > 0  # "a" is now the most recent
    assert limiter.acquire("c") == 0  # "b" is forgotten
    assert limiter.acquire("a") > 0 and limiter.acquire("b") == 0


def _scope(peer: str, forwarded: str | None = None) -> dict[str, object]:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return {"client": (peer, 1234), "headers": headers}


PROXIES = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128")]


@pytest.mark.parametrize(("peer", "forwarded", "expected"), [
    ("203.0.113.7", None, "203.0.113.7"),
    ("203.0.113.7", "198.51.100.1", "203.0.113.7"),  # not a trusted proxy: header ignored
    ("10.1.2.3", "198.51.100.1", "198.51.100.1"),
    ("10.1.2.3", "6.6.6.6, 198.51.100.1, 10.9.9.9", "198.51.100.1"),  # left part forgeable
    ("10.1.2.3", "not-an-ip", "10.1.2.3"),
    ("10.1.2.3", None, "10.1.2.3"),
    ("::1", "2001:db8::5", "2001:db8::5"),
    ("::ffff:203.0.113.7", None, "203.0.113.7"),
    ("testclient", None, None),
])
def test_client_address(peer: str, forwarded: str | None, expected: str | None) -> None:
    address = client_address(_scope(peer, forwarded), PROXIES)
    assert (str(address) if address else None) == expected


def test_keys_and_anonymised_addresses() -> None:
    v4 = ipaddress.ip_address("203.0.113.7")
    v6 = ipaddress.ip_address("2001:db8:85a3:1:2:3:4:5")
    assert rate_limit_key(v4) == "203.0.113.7"
    assert rate_limit_key(v6) == "2001:db8:85a3:1::/64"
    assert anonymised(v4) == "203.0.113.0/24" and anonymised(v6) == "2001:db8:85a3::/48"
    assert anonymised(None) == "-" and rate_limit_key(None) == "unknown"


def test_rate_limit_answers_429_with_retry_after(make_client: Callable[..., TestClient]) -> None:
    client = make_client(client=("203.0.113.7", 5000), rate_limit_per_minute=6,
                         rate_limit_burst=2)
    assert client.get("/api/search", params={"q": "chuyển đổi số"}).status_code == 200
    assert client.post("/api/chat", json={"message": QUESTION}).status_code == 200
    refused = client.post("/api/chat/stream", json={"message": QUESTION})
    assert refused.status_code == 429
    assert "too many requests" in refused.json()["detail"]
    assert 1 <= int(refused.headers["retry-after"]) <= 10
    assert client.get("/api/search", params={"q": "x"}).status_code == 429
    # Pages, documents and health are not limited.
    assert client.get("/api/documents").status_code == 200
    assert client.get("/").status_code == 200 and client.get("/readyz").status_code == 200
    assert "hoidap_rate_limited_total 2.0" in client.get("/metrics").text


def test_rate_limit_is_per_client_behind_a_trusted_proxy(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(client=("10.0.0.2", 5000), rate_limit_per_minute=1,
                         rate_limit_burst=1, trusted_proxies=["10.0.0.0/8"])

    def search(forwarded: str) -> int:
        return client.get("/api/search", params={"q": "kinh tế số"},
                          headers={"X-Forwarded-For": forwarded}).status_code

    assert search("198.51.100.1") == 200
    assert search("198.51.100.1") == 429
    assert search("198.51.100.2") == 200
    # A client cannot escape by writing another address in front of the proxy's.
    assert search("1.2.3.4, 198.51.100.2") == 429


def test_bodies_above_the_limit_are_413(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_request_bytes=4096)
    big = {"message": QUESTION, "history": [{"role": "user", "content": "x" * 3000}] * 2}
    response = client.post("/api/chat", json=big)
    assert response.status_code == 413 and "4 KB" in response.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"message": "' + b"a" * 3000
        yield b"b" * 3000 + b'"}'

    streamed = client.post("/api/chat", content=chunks(),
                           headers={"content-type": "application/json"})
    assert streamed.status_code == 413 and "4 KB" in streamed.json()["detail"]
    lying = client.post("/api/chat", content=b"{}", headers={"content-length": "x"})
    assert lying.status_code in (400, 413)
    assert client.post("/api/chat", json={"message": QUESTION}).status_code == 200


def test_default_limit_admits_the_largest_valid_conversation(admin_client: TestClient) -> None:
    # 20 turns of 4,000 three-byte characters and a 2,000-character message: 247 KB.
    turns = [{"role": role, "content": "ệ" * 4000} for role in ("user", "assistant")] * 10
    message = (QUESTION + " ") * (2000 // (len(QUESTION) + 1))
    body = json.dumps({"message": message, "history": turns}, ensure_ascii=False).encode()
    assert len(body) > 240_000
    response = admin_client.post("/api/chat", content=body,
                                 headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text


def test_slow_answers_time_out_with_504(make_client: Callable[..., TestClient],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    client = make_client(answer_timeout_s=0.2)
    real_answer = QAPipeline.answer

    def slow(self: QAPipeline, *args: object, **kwargs: object) -> object:
        time.sleep(1.0)
        return real_answer(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(QAPipeline, "answer", slow)
    started = time.perf_counter()
    response = client.post("/api/chat", json={"message": QUESTION})
    assert time.perf_counter() - started < 0.9
    assert response.status_code == 504
    assert "longer than 0.2 s" in response.json()["detail"]
    assert response.headers["retry-after"] == "5"
    assert 'hoidap_errors_total{kind="AnswerTimeoutError"} 1.0' in client.get("/metrics").text


def test_history_limit_follows_the_setting(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_history_turns=2)
    turns = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "thứ 9"}]
    assert client.post("/api/chat", json={"message": "Còn kinh tế số thì sao?",
                                          "history": turns}).status_code == 200
    response = client.post("/api/chat", json={"message": "?", "history": turns * 2})
    assert response.status_code == 422 and "at most 2 turns" in response.json()["detail"]
