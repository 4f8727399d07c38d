"""Changes of the served index through the admin API, one implementation per backend.

`FilesIndexAdmin` builds the next index aside and swaps it in (`ServiceState.update`).
`PostgresIndexAdmin` writes to the primary in one transaction under the database's advisory
write lock, so a change made through one app server is refused (409) while another server,
or `hoidap index ...`, is changing the index, and every app server on the database serves it
from its next request on (each request checks the index generation; the caches are keyed by
it). The routes see only the `IndexAdmin` protocol.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from index.ingest import IngestError
from index.postgres.writer import LoadResult, PostgresWriter
from index.reindex import rebuild_stored
from index.store import CorpusIndex, PassageEncoder, index_exists
from retriever.errors import (
    BackendUnavailableError,
    HoidapError,
    IndexBusyError,
    IndexCorruptError,
    IndexUpdateError,
    InvalidInputError,
    ServiceNotReadyError,
)
from retriever.types import Document
from service import engine
from service.config import Settings

if TYPE_CHECKING:
    from service.api.state import ServiceState

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexChangeResult:
    documents: int  # in the index afterwards
    chunks: int
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[IngestError] = field(default_factory=list)  # files skipped on a rebuild


class IndexAdmin(Protocol):
    """What the admin API changes; each call is all or nothing, one at a time."""

    def add(self, documents: list[Document]) -> IndexChangeResult: ...

    def remove(self, doc_id: str) -> IndexChangeResult: ...

    def reindex(self) -> IndexChangeResult: ...


def not_loaded(state: ServiceState) -> ServiceNotReadyError:
    return ServiceNotReadyError(f"the index is not loaded ({state.error or 'still loading'}); "
                                "POST /api/admin/reindex rebuilds it from the configured corpus")


def _sizes(corpus_index: CorpusIndex) -> dict[str, int]:
    return {"documents": len(corpus_index.documents), "chunks": len(corpus_index.chunks)}


class FilesIndexAdmin:
    """The files backend: a new in-memory index, saved, then served in one assignment."""

    def __init__(self, state: ServiceState) -> None:
        self.state = state

    def add(self, documents: list[Document]) -> IndexChangeResult:
        before: set[str] = set()

        def add(current: CorpusIndex | None, encoder: PassageEncoder) -> CorpusIndex:
            if current is None:
                raise not_loaded(self.state)
            before.update(current.documents)
            return current.with_documents(documents, encoder)

        if self.state.loaded is None:
            raise not_loaded(self.state)
        with self.state.index_encoder() as passages:
            serving = self.state.update(add, passages)
        ids = [d.doc_id for d in documents]
        return IndexChangeResult(added=[d for d in ids if d not in before],
                                 replaced=[d for d in ids if d in before],
                                 **_sizes(serving.corpus_index))

    def remove(self, doc_id: str) -> IndexChangeResult:
        def remove(current: CorpusIndex | None, _encoder: PassageEncoder) -> CorpusIndex:
            if current is None:
                raise not_loaded(self.state)
            if set(current.documents) == {doc_id}:
                raise InvalidInputError("cannot remove the last document: the index would be "
                                        "empty; upload its replacement first")
            return current.without_documents([doc_id])

        serving = self.state.update(remove)
        return IndexChangeResult(removed=[doc_id], **_sizes(serving.corpus_index))

    def reindex(self) -> IndexChangeResult:
        settings = self.state.settings
        problems: list[IngestError] = []

        def rebuild(current: CorpusIndex | None, encoder: PassageEncoder) -> CorpusIndex:
            index_settings = engine.index_settings(settings)
            if current is not None:
                return current.rebuilt(encoder, index_settings)
            if index_exists(settings.index_dir):
                try:
                    return rebuild_stored(settings.index_dir, encoder, index_settings)
                except IndexCorruptError as error:
                    logger.warning("rebuilding from the corpus: %s", error)
            read = engine.read_documents(settings.corpus)
            problems.extend(read.errors)
            built = CorpusIndex.build(read.documents, encoder, index_settings)
            built.manifest.built_from = engine.corpus_name(settings)
            return built

        with self.state.index_encoder() as passages:
            serving = self.state.update(rebuild, passages)
        return IndexChangeResult(problems=problems, **_sizes(serving.corpus_index))


class PostgresIndexAdmin:
    """The postgres backend: each change one transaction on the primary."""

    def __init__(self, state: ServiceState) -> None:
        self.state = state
        self._local = threading.Lock()  # this process's own second change: refused at once

    def _writer(self, passages: PassageEncoder) -> PostgresWriter:
        settings: Settings = self.state.settings
        primary = settings.primary_dsn or settings.dsn
        if primary is None:  # the settings refuse the postgres backend without a DSN
            raise ValueError("the postgres backend needs a DSN")
        return PostgresWriter(primary.get_secret_value(), passages,
                              engine.index_settings(settings))

    def _change(self, write: Callable[[PostgresWriter], LoadResult],
                needs_index: bool = True, embeds: bool = True) -> LoadResult:
        if needs_index and self.state.loaded is None:
            raise not_loaded(self.state)
        if not self._local.acquire(blocking=False):
            raise IndexBusyError("another change of the index is in progress; try again "
                                 "when it has finished")
        try:
            if embeds:
                with self.state.index_encoder() as passages:
                    result = write(self._writer(passages))
            else:
                result = write(self._writer(self.state.serving_encoder()))
        except BackendUnavailableError as error:
            if "read-only" in str(error) and self.state.settings.primary_dsn is None:
                raise BackendUnavailableError(
                    f"{error}: set HOIDAP_PRIMARY_DSN to the primary's connection string "
                    "for the admin API") from error
            raise
        except HoidapError:
            raise
        except Exception as error:  # the transaction rolled back: nothing was changed
            logger.exception("index change failed")
            raise IndexUpdateError(f"the index change failed ({type(error).__name__}: "
                                   f"{error}); nothing was changed, the index still serves"
                                   ) from error
        finally:
            self._local.release()
        logger.info("index database changed through the admin API: %d documents, %d chunks",
                    result.documents, result.chunks)
        return result

    def add(self, documents: list[Document]) -> IndexChangeResult:
        result = self._change(lambda writer: writer.add(documents, wait=False))
        return IndexChangeResult(result.documents, result.chunks, added=list(result.added),
                                 replaced=list(result.replaced))

    def remove(self, doc_id: str) -> IndexChangeResult:
        result = self._change(lambda writer: writer.remove([doc_id], wait=False,
                                                           keep_one=True), embeds=False)
        return IndexChangeResult(result.documents, result.chunks, removed=[doc_id])

    def reindex(self) -> IndexChangeResult:
        """The stored documents with the current settings; when the service could not load
        the index (none yet, other settings), from what the database holds or else the
        configured corpus, and then serve it."""
        problems: list[IngestError] = []

        def corpus() -> list[Document]:
            read = engine.read_documents(self.state.settings.corpus)
            problems.extend(read.errors)
            return read.documents

        result = self._change(lambda writer: writer.rebuild(wait=False, if_none=corpus),
                              needs_index=False)
        if self.state.loaded is None:
            self.state.load()
        return IndexChangeResult(result.documents, result.chunks, problems=problems)
