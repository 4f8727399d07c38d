"""FastAPI dependencies: the loaded service state, metrics, and the per-client rate limit."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import Depends, Request

from retriever.errors import RateLimitedError, ServiceNotReadyError
from service.api.clients import client_address, rate_limit_key
from service.api.limits import RateLimiter
from service.api.observability import Metrics
from service.api.state import Loaded, ServiceState


def service_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.hoidap
    return state


def loaded(state: Annotated[ServiceState, Depends(service_state)]) -> Loaded:
    # Read once: a request keeps the index it started with while an update swaps it.
    current = state.loaded
    if current is None:
        raise ServiceNotReadyError(
            f"the index could not be loaded: {state.error}" if state.error
            else "the index is still loading; try again in a few seconds")
    return current


def metrics(request: Request) -> Metrics:
    value: Metrics = request.app.state.metrics
    return value


def rate_limited(request: Request, state: Annotated[ServiceState, Depends(service_state)],
                 counters: Annotated[Metrics, Depends(metrics)]) -> None:
    """Spends one of the client's tokens; 429 with Retry-After when it has none left."""
    limiter: RateLimiter | None = request.app.state.rate_limiter
    if limiter is None:
        return
    address = client_address(request.scope, state.settings.trusted_proxies)
    wait = limiter.acquire(rate_limit_key(address))
    if wait > 0:
        counters.rate_limited.inc()
        seconds = max(1, math.ceil(wait))
        raise RateLimitedError(f"too many requests from your address; try again in {seconds} s",
                               retry_after=seconds)


LoadedDep = Annotated[Loaded, Depends(loaded)]
StateDep = Annotated[ServiceState, Depends(service_state)]
MetricsDep = Annotated[Metrics, Depends(metrics)]
RateLimited = Depends(rate_limited)
