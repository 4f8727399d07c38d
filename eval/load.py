"""Load on a running hoidap server: concurrent clients asking questions (POST /api/chat) and
searching (GET /api/search) for a fixed time, with an optional action (an index update) in
the middle. Every request is accounted for: a status, or a transport error (a lost request).

Bounded by design: a fixed number of clients, a fixed duration, one request at a time per
client, and only the base URL it is given (loopback in the tests and the bench script).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx
import numpy as np

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Outcome:
    kind: str  # "chat" or "search"
    status: int | None  # None: no HTTP answer (connection refused or reset, timeout)
    latency_s: float
    started_s: float  # since the load began
    error: str | None = None


@dataclass
class LoadReport:
    clients: int
    duration_s: float
    requests: int
    statuses: dict[str, int]
    lost: int  # requests that got no HTTP answer at all
    server_errors: int  # 5xx answers
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    throughput_rps: float
    during_action: int = 0  # requests that were in flight while the action ran
    action: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)  # first few, for the reader

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _one_request(client: httpx.Client, base_url: str, kind: str, question: str) -> int:
    if kind == "search":
        response = client.get(f"{base_url}/api/search", params={"q": question, "top_k": 5})
    else:
        response = client.post(f"{base_url}/api/chat", json={"message": question})
    response.read()
    return response.status_code


def _client_loop(base_url: str, questions: Sequence[str], offset: int, stride: int,
                 search_every: int, start: float, deadline: float, timeout_s: float,
                 outcomes: list[Outcome], lock: threading.Lock) -> None:
    mine: list[Outcome] = []
    with httpx.Client(timeout=timeout_s) as client:
        n = 0
        while time.perf_counter() < deadline:
            question = questions[(offset + n * stride) % len(questions)]
            kind = "search" if search_every and n % search_every == search_every - 1 else "chat"
            n += 1
            began = time.perf_counter()
            try:
                status: int | None = _one_request(client, base_url, kind, question)
                error = None
            except httpx.HTTPError as exc:
                status, error = None, f"{type(exc).__name__}: {exc}"
            mine.append(Outcome(kind, status, time.perf_counter() - began, began - start,
                                error))
    with lock:
        outcomes.extend(mine)


def _summary(outcomes: list[Outcome], clients: int, elapsed: float,
             action: dict[str, Any] | None) -> LoadReport:
    latencies = np.array([o.latency_s * 1000 for o in outcomes if o.status is not None])

    def pct(q: float) -> float:
        return round(float(np.percentile(latencies, q)), 1) if latencies.size else 0.0

    statuses = Counter(str(o.status) if o.status is not None else "lost" for o in outcomes)
    during = 0
    if action is not None:
        begin, end = action["at_s"], action["at_s"] + action["seconds"]
        during = sum(1 for o in outcomes if o.started_s < end
                     and o.started_s + o.latency_s > begin)
    return LoadReport(
        clients=clients, duration_s=round(elapsed, 1), requests=len(outcomes),
        statuses=dict(sorted(statuses.items())), lost=statuses.get("lost", 0),
        server_errors=sum(1 for o in outcomes if o.status is not None and o.status >= 500),
        p50_ms=pct(50), p95_ms=pct(95), p99_ms=pct(99),
        max_ms=round(float(latencies.max()), 1) if latencies.size else 0.0,
        throughput_rps=round(len(outcomes) / elapsed, 1) if elapsed else 0.0,
        during_action=during, action=action,
        errors=[o.error for o in outcomes if o.error][:5],  # type: ignore[misc]
    )


def run_load(base_url: str | Sequence[str], questions: Sequence[str], clients: int = 32,
             duration_s: float = 120.0, search_every: int = 5,
             action: Callable[[], dict[str, Any]] | None = None,
             action_at_s: float | None = None,
             timeout_s: float = DEFAULT_TIMEOUT_S, distinct: bool = False) -> LoadReport:
    """`clients` threads, each asking `questions` in turn (every `search_every`-th request a
    search) until `duration_s` has passed; `action` runs once at `action_at_s` (default:
    halfway) and its result, with its start and duration, goes into the report.

    With `distinct`, client i asks questions i, i + clients, i + 2 clients, ...: no question
    is asked twice until the list runs out, so none is answered from the server's cache.
    Several base URLs (app servers behind one database): client i asks server i mod n."""
    if not questions or clients < 1 or duration_s <= 0:
        raise ValueError("run_load needs questions, at least one client and a duration")
    urls = [base_url] if isinstance(base_url, str) else list(base_url)
    if not urls:
        raise ValueError("run_load needs a base URL")
    urls = [url.rstrip("/") for url in urls]
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    start = time.perf_counter()
    deadline = start + duration_s
    threads = [threading.Thread(target=_client_loop, name=f"load-client-{i}", daemon=True,
                                args=(urls[i % len(urls)], questions, i,
                                      clients if distinct else 1,
                                      search_every, start, deadline, timeout_s, outcomes,
                                      lock))
               for i in range(clients)]
    for thread in threads:
        thread.start()
    action_result: dict[str, Any] | None = None
    if action is not None:
        time.sleep(max(0.0, start + (action_at_s if action_at_s is not None
                                      else duration_s / 2) - time.perf_counter()))
        began = time.perf_counter()
        action_result = {**action(), "at_s": round(began - start, 2)}
        action_result["seconds"] = round(time.perf_counter() - began, 2)
        logger.info("action done: %s", action_result)
    for thread in threads:
        thread.join()
    return _summary(outcomes, clients, time.perf_counter() - start, action_result)
