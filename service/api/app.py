"""The FastAPI application: routes, error mapping, static files, and loading at start-up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from service.api.errors import install_error_handlers
from service.api.routes import chat, documents, health, pages, search
from service.api.routes.pages import STATIC_DIR
from service.api.state import ServiceState
from service.config import Settings


def create_app(settings: Settings | None = None, *, load_in_background: bool = False) -> FastAPI:
    """The app for `settings`. The model and index load once, when the app starts:
    in the foreground (tests, embedding) or in a background thread (`hoidap serve`, so
    `/healthz` answers while a first run builds the index)."""
    state = ServiceState(settings or Settings())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if load_in_background:
            state.load_in_background()
        else:
            state.load()
        yield

    app = FastAPI(
        title="hoidap",
        summary="Vietnamese question answering over provinces' digital-transformation news",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.hoidap = state
    if state.settings.cors_origins:
        # The widget on a province's site calls this API from another origin.
        app.add_middleware(CORSMiddleware, allow_origins=state.settings.cors_origins,
                           allow_methods=["GET", "POST"], allow_headers=["Content-Type"],
                           max_age=600)
    install_error_handlers(app)
    for module in (chat, search, documents, health, pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
