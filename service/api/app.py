"""The FastAPI application: routes, error mapping, limits, security headers, request logs,
static files, and loading at start-up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from service.api.errors import install_error_handlers
from service.api.limits import BodyLimitMiddleware, RateLimiter
from service.api.observability import Metrics, RequestLogMiddleware
from service.api.routes import admin, chat, documents, facts, feedback, health, pages, search
from service.api.routes.pages import STATIC_DIR
from service.api.security import SecurityHeadersMiddleware
from service.api.state import ServiceState
from service.config import Settings

UPLOAD_PATH = "/api/admin/documents"
# Swagger UI's and ReDoc's scripts and styles, served from hoidap itself.
DOCS_ASSETS_PATH = "/docs/assets"


def create_app(settings: Settings | None = None, *, load_in_background: bool = False) -> FastAPI:
    """The app for `settings`. The model and index load once, when the app starts:
    in the foreground (tests, embedding) or in a background thread (`hoidap serve`, so
    `/healthz` answers while a first run builds the index)."""
    state = ServiceState(settings or Settings())
    config = state.settings

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if load_in_background:
            state.load_in_background()
        else:
            state.load()
        yield

    # FastAPI's own /docs and /redoc load Swagger UI and ReDoc from a CDN, which air-gapped
    # servers cannot reach; this serves the copies bundled in fastapi-offline instead.
    app = FastAPIOffline(
        static_url=DOCS_ASSETS_PATH,
        title="hoidap",
        summary="Vietnamese question answering over provinces' digital-transformation news",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.hoidap = state
    metrics = Metrics()
    metrics.watch_index(lambda: (len(state.loaded.corpus_index.documents),
                                 len(state.loaded.corpus_index.chunks))
                        if state.loaded is not None else (0, 0))
    metrics.watch_reader(lambda: (state.reader.requested, state.reader.active,
                                  state.reader.detail is not None)
                         if state.reader is not None else None)
    app.state.metrics = metrics
    app.state.rate_limiter = (RateLimiter(config.rate_limit_per_minute, config.rate_limit_burst)
                              if config.rate_limit_per_minute > 0 else None)

    # Added innermost first. A refused body still gets CORS headers (so the widget on
    # another site can read why), security headers, a request id and a log line.
    app.add_middleware(BodyLimitMiddleware, limit=config.max_request_bytes,
                       larger={UPLOAD_PATH: config.max_upload_bytes})
    if config.cors_origins:
        # The widget on a province's site calls this API from another origin. The admin
        # API's Authorization header is not allowed: it is never called from a browser.
        app.add_middleware(CORSMiddleware, allow_origins=config.cors_origins,
                           allow_methods=["GET", "POST"], allow_headers=["Content-Type"],
                           expose_headers=["Retry-After", "X-Request-ID"], max_age=600)
    app.add_middleware(SecurityHeadersMiddleware, frame_ancestors=config.frame_ancestors)
    app.add_middleware(RequestLogMiddleware, metrics=metrics,
                       trusted_proxies=config.trusted_proxies)

    install_error_handlers(app)
    for module in (chat, feedback, search, documents, facts, admin, health, pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
