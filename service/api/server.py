"""`hoidap serve`: run the app under uvicorn."""

from __future__ import annotations

import logging

import uvicorn

from service.api.app import create_app
from service.config import Settings

logger = logging.getLogger(__name__)


def serve(settings: Settings) -> None:
    logging.getLogger().setLevel(settings.log_level)
    app = create_app(settings, load_in_background=True)
    logger.warning("hoidap: serving on http://%s:%d (widget demo at /, staff search at "
                   "/search, API docs at /docs)", settings.host, settings.port)
    uvicorn.run(app, host=settings.host, port=settings.port,
                log_level=settings.log_level.lower(), access_log=False)
