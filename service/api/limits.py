"""Abuse limits: a per-client token bucket, a request body size limit, and a deadline on
answering."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

import anyio

from retriever.errors import AnswerTimeoutError, RequestTooLargeError
from service.api.errors import error_response

T = TypeVar("T")
Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Buckets of this many clients at most: an attacker with many addresses cannot fill memory;
# the least recently seen client is forgotten first (and starts again with a full bucket).
MAX_TRACKED_CLIENTS = 100_000


class RateLimiter:
    """Token buckets per client key: `burst` tokens, refilled at `per_minute` / 60 a second."""

    def __init__(self, per_minute: float, burst: int,
                 clock: Callable[[], float] = time.monotonic,
                 max_clients: int = MAX_TRACKED_CLIENTS) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("a rate limit needs per_minute > 0 and burst >= 1")
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def acquire(self, key: str) -> float:
        """0 if `key` may go ahead (a token is spent), else the seconds until it may."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / self.rate
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return wait


def _human(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


class BodyLimitMiddleware:
    """Refuses request bodies above a limit with 413: at once when Content-Length says so,
    otherwise as soon as the bytes read pass it (the app's own answer is replaced)."""

    def __init__(self, app: ASGIApp, limit: int, larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.larger = larger or {}  # exact path -> its own limit (the admin upload)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope["path"], self.limit)
        too_large = RequestTooLargeError(
            f"the request body is larger than the limit of {_human(limit)}")
        declared = dict(scope.get("headers", ())).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await error_response(too_large)(scope, receive, send)
            return
        received = 0
        exceeded = False
        replaced = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal replaced
            if exceeded and message["type"] == "http.response.start":
                replaced = True
                await error_response(too_large)(scope, receive, send)
                return
            if not replaced:
                await send(message)

        await self.app(scope, counting_receive, guarded_send)


async def within(seconds: float, what: str, func: Callable[..., T], *args: Any) -> T:
    """`func(*args)` in a worker thread, given up after `seconds` (the thread finishes on
    its own; its result is dropped) with an AnswerTimeoutError."""
    with anyio.move_on_after(seconds):
        return await anyio.to_thread.run_sync(partial(func, *args), abandon_on_cancel=True)
    raise AnswerTimeoutError(f"{what} took longer than {seconds:g} s; the service is busy, "
                             "please try again")
