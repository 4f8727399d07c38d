"""`hoidap serve`: run the app under uvicorn."""

from __future__ import annotations

import logging

import uvicorn

from service import engine
from service.answering.readers.base import ReaderKind
from service.api.app import create_app
from service.api.observability import configure_access_log
from service.config import Settings

logger = logging.getLogger(__name__)


def serve(settings: Settings) -> None:
    logging.getLogger().setLevel(settings.log_level)
    configure_access_log()
    if settings.corpus is not None and settings.backend == "files":
        # A corpus that does not exist, is empty or unreadable ends `serve` at once with one
        # line, instead of a server that never becomes ready.
        engine.read_documents(settings.corpus)
        # ... and one that would replace an index changed through the admin API refuses.
        engine.check_corpus_served(settings)
    if settings.reader == ReaderKind.NEURAL:
        # Fail at once, with the file's name, rather than serve 503s: nothing can answer.
        engine.load_reader(settings)
    app = create_app(settings, load_in_background=True)
    logger.info("hoidap: serving on http://%s:%d (widget demo at /, staff search at "
                   "/search, API docs at /docs)", settings.host, settings.port)
    # proxy_headers off: X-Forwarded-For is read only from HOIDAP_TRUSTED_PROXIES (uvicorn
    # would otherwise trust any request from 127.0.0.1); the access log is hoidap's own.
    uvicorn.run(app, host=settings.host, port=settings.port,
                log_level=settings.log_level.lower(), access_log=False, proxy_headers=False)
