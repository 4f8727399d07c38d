"""What the service holds in memory: the encoder, the index and the answering pipeline.

Loaded once at start-up (building the index on first run), possibly in a background thread
so `/healthz` answers at once and `/readyz` says when questions can be answered. Admin
changes (`admin`, index_admin.py) build a new index aside, save it, and then replace
`loaded` in one assignment: a request holds the Loaded it started with, so it is answered
from the old index or the new one, never from a mix. On postgres they are transactions in
the database. One writer at a time; a second one is refused, not queued.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from index.postgres.reader import PostgresIndex
from index.store import CorpusIndex, PassageEncoder
from retriever.encoder import Encoder
from retriever.errors import HoidapError, IndexBusyError, IndexUpdateError
from retriever.search import Searcher
from service import engine
from service.answering import QAPipeline
from service.answering.readers.neural import NeuralReader
from service.api.encode_worker import EncoderProcess
from service.api.errors import status_code
from service.api.feedback import FeedbackStore, open_store
from service.api.index_admin import FilesIndexAdmin, IndexAdmin, PostgresIndexAdmin
from service.api.jobs import Jobs
from service.api.recent import RecentAnswers
from service.config import Settings
from service.engine import ReaderStatus

logger = logging.getLogger(__name__)

WARM_UP_QUESTION = "chuyển đổi số"


@dataclass
class Loaded:
    encoder: Encoder
    corpus_index: CorpusIndex | PostgresIndex
    searcher: Searcher
    pipeline: QAPipeline


# current index (None when none could be loaded), passage encoder -> the index to serve next
Change = Callable[[CorpusIndex | None, PassageEncoder], CorpusIndex]


class ServiceState:
    """The loaded index and pipeline, or why they are not there (yet)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.loaded: Loaded | None = None
        self.error: str | None = None
        self.encoder: Encoder | None = None
        self.neural: NeuralReader | None = None
        self.reader: ReaderStatus | None = None
        self._writer = threading.Lock()
        self.recent = RecentAnswers()  # answer id -> the answer given, for feedback
        self.feedback: FeedbackStore = open_store(settings)  # beside the index, or its table
        self.admin: IndexAdmin = (PostgresIndexAdmin(self) if settings.backend == "postgres"
                                  else FilesIndexAdmin(self))
        self.jobs = Jobs(status_code)  # uploads and reindexes, run in the background

    def serving_encoder(self) -> Encoder:
        self.encoder = self.encoder or engine.encoder_for(self.settings)
        return self.encoder

    @contextmanager
    def index_encoder(self) -> Iterator[PassageEncoder]:
        """What an admin change embeds new passages with (HOIDAP_INDEX_WORKER)."""
        if self.settings.index_worker == "inline":
            yield self.serving_encoder()
            return
        with EncoderProcess(self.settings, threads=self.settings.index_threads) as process:
            yield process

    def _serve(self, encoder: Encoder, corpus_index: CorpusIndex) -> Loaded:
        searcher = engine.make_searcher(self.settings, corpus_index, encoder)
        if self.reader is None:
            self.neural, self.reader = engine.load_reader(self.settings)
        pipeline = engine.make_pipeline(self.settings, searcher, self.neural,
                                        self.reader.active)
        # The first query pays for lazy set-up (accent restorer, BLAS threads): pay now.
        pipeline.answer(WARM_UP_QUESTION)
        return Loaded(encoder, corpus_index, searcher, pipeline)

    def load(self) -> None:
        with self._writer:
            try:
                self.encoder = self.encoder or engine.encoder_for(self.settings)
                corpus_index = engine.open_index(self.settings, self.encoder)
                self.loaded = self._serve(self.encoder, corpus_index)
                self.error = None
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

    def update(self, change: Change, passages: PassageEncoder | None = None) -> Loaded:
        """Files backend: build the next index with `change`, save it, then serve it. On any
        failure the index that was serving (on disk and in memory) stays, and the error says
        why. New passages are embedded with `passages` (default: the serving encoder).
        (The postgres backend's changes are transactions: index_admin.py.)"""
        if not self._writer.acquire(blocking=False):
            raise IndexBusyError("another change of the index is in progress; try again "
                                 "when it has finished")
        try:
            encoder = self.serving_encoder()
            current = self.loaded.corpus_index if self.loaded is not None else None
            try:
                corpus_index = change(current, passages or encoder)
                serving = self._serve(encoder, corpus_index)
                corpus_index.save(self.settings.index_dir)
            except HoidapError:
                raise
            except OSError as error:
                logger.exception("index update failed")
                raise IndexUpdateError(
                    f"could not write the new index to {self.settings.index_dir}: "
                    f"{error.strerror or error}; the previous index is still serving"
                ) from error
            except Exception as error:
                logger.exception("index update failed")
                raise IndexUpdateError(f"the index update failed ({type(error).__name__}: "
                                       f"{error}); the previous index is still serving"
                                       ) from error
            self.loaded = serving
            self.error = None
            logger.info("index updated: %d documents, %d chunks",
                        len(corpus_index.documents), len(corpus_index.chunks))
            return serving
        finally:
            self._writer.release()
