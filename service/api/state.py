"""What the service holds in memory: the encoder, the index and the answering pipeline.

Loaded once at start-up (building the index on first run), possibly in a background thread
so `/healthz` answers at once and `/readyz` says when questions can be answered.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from index.postgres.reader import PostgresIndex
from index.store import CorpusIndex
from retriever.encoder import Encoder
from retriever.search import Searcher
from service import engine
from service.answering import QAPipeline
from service.config import Settings

logger = logging.getLogger(__name__)


@dataclass
class Loaded:
    encoder: Encoder
    corpus_index: CorpusIndex | PostgresIndex
    searcher: Searcher
    pipeline: QAPipeline


class ServiceState:
    """The loaded index and pipeline, or why they are not there (yet)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.loaded: Loaded | None = None
        self.error: str | None = None
        self._lock = threading.Lock()

    def load(self) -> None:
        try:
            settings = self.settings
            encoder = engine.encoder_for(settings)
            corpus_index = engine.open_index(settings, encoder)
            searcher = engine.make_searcher(settings, corpus_index, encoder)
            pipeline = engine.make_pipeline(settings, searcher)
            # The first query pays for lazy set-up (accent restorer, BLAS threads): pay now.
            pipeline.answer("chuyển đổi số")
            with self._lock:
                self.loaded = Loaded(encoder, corpus_index, searcher, pipeline)
            logger.info("ready: %d documents, %d chunks", len(corpus_index.documents),
                        len(corpus_index.chunks))
        except Exception as error:  # kept for /readyz and the 503s; the server stays up
            logger.exception("could not load the index")
            self.error = str(error) or type(error).__name__
            raise

    def load_in_background(self) -> threading.Thread:
        def run() -> None:
            try:
                self.load()
            except Exception:  # already logged and kept in self.error
                return

        thread = threading.Thread(target=run, name="hoidap-load", daemon=True)
        thread.start()
        return thread
