"""One JSON log line per request (with a request id, also sent back as X-Request-ID) and the
Prometheus metrics behind /metrics."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from service.api.clients import IPNetwork, anonymised, client_address
from service.api.limits import ASGIApp, Message, Receive, Scope, Send

ACCESS_LOGGER = "hoidap.access"
access_log = logging.getLogger(ACCESS_LOGGER)

# A proxy's request id is kept when it looks like one; anything else is replaced, so a
# client cannot write arbitrary text into the logs.
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
UNMATCHED_ROUTE = "unmatched"


class Metrics:
    """The service's counters, in a registry of its own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._fallback_counted = False
        r = self.registry
        self.requests = Counter("hoidap_http_requests", "HTTP requests by route, method and "
                                "status", ["route", "method", "status"], registry=r)
        self.latency = Histogram("hoidap_http_request_duration_seconds", "Time to the end of "
                                 "the response, by route", ["route"], buckets=LATENCY_BUCKETS,
                                 registry=r)
        self.answers = Counter("hoidap_answers", "Chat answers, by whether the service "
                               "abstained", ["abstained"], registry=r)
        self.errors = Counter("hoidap_errors", "Server-side errors (5xx) by kind", ["kind"],
                              registry=r)
        self.rate_limited = Counter("hoidap_rate_limited", "Requests refused by the rate "
                                    "limit", registry=r)
        self.index_updates = Counter("hoidap_index_updates", "Admin changes of the index by "
                                     "operation and result", ["operation", "result"],
                                     registry=r)
        self.documents = Gauge("hoidap_index_documents", "Documents in the serving index",
                               registry=r)
        self.chunks = Gauge("hoidap_index_chunks", "Chunks in the serving index", registry=r)
        self.reader = Gauge("hoidap_reader", "1 for the reader that answers (rules, neural or "
                            "auto) and the one asked for", ["requested", "active"],
                            registry=r)
        self.reader_fallbacks = Counter("hoidap_reader_fallbacks", "Starts at which the "
                                        "trained reader could not be loaded and the rule "
                                        "reader answers instead", registry=r)
        self.feedback = Counter("hoidap_feedback", "Feedback on answers stored, by rating "
                                "(a changed mind counts again)", ["rating"], registry=r)
        for abstained in ("true", "false"):
            self.answers.labels(abstained=abstained)
        for rating in ("up", "down"):
            self.feedback.labels(rating=rating)

    def watch_reader(self, status: Callable[[], tuple[str, str, bool] | None]) -> None:
        """Publish the reader status when scraped: (requested, active, fell back)."""
        self._reader_status = status

    def render(self) -> bytes:
        status = getattr(self, "_reader_status", lambda: None)()
        if status is not None:
            requested, active, fell_back = status
            self.reader.clear()
            self.reader.labels(requested=requested, active=active).set(1)
            if fell_back and not self._fallback_counted:
                self.reader_fallbacks.inc()
                self._fallback_counted = True
        return generate_latest(self.registry)

    def watch_index(self, size: Callable[[], tuple[int, int]]) -> None:
        """Read the index size when scraped: (documents, chunks)."""
        self.documents.set_function(lambda: size()[0])
        self.chunks.set_function(lambda: size()[1])



def _route(scope: Scope) -> str:
    # The route's template ("/api/documents/{doc_id}"), so a label never holds user input.
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


class RequestLogMiddleware:
    """Outermost: times every request, gives it an id, logs it and counts it."""

    def __init__(self, app: ASGIApp, metrics: Metrics,
                 trusted_proxies: Sequence[IPNetwork]) -> None:
        self.app = app
        self.metrics = metrics
        self.trusted_proxies = trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        given = dict(scope.get("headers", ())).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID_RE.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            status = 500
            self.metrics.errors.labels(kind="unhandled").inc()
            raise
        finally:
            self._record(scope, request_id, status, time.perf_counter() - started)

    def _record(self, scope: Scope, request_id: str, status: int, seconds: float) -> None:
        route = _route(scope)
        method = scope.get("method", "")
        self.metrics.requests.labels(route=route, method=method, status=str(status)).inc()
        self.metrics.latency.labels(route=route).observe(seconds)
        entry: dict[str, Any] = {
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "request_id": request_id,
            "method": method,
            # The path only: query strings can hold what a citizen typed.
            "path": scope.get("path", ""),
            "route": route,
            "status": status,
            "latency_ms": round(seconds * 1000, 1),
            "client": anonymised(client_address(scope, self.trusted_proxies)),
        }
        access_log.info(json.dumps(entry, ensure_ascii=False))


def configure_access_log(stream: Any = None) -> None:
    """Send the access log, one bare JSON object a line, to stderr (or `stream`)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    access_log.handlers = [handler]
    access_log.setLevel(logging.INFO)
    access_log.propagate = False
