"""Wiring shared by the CLI and the HTTP service: settings -> encoder, corpus, index."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from index.ingest import IngestResult, load_sample_corpus, read_corpus
from index.manifest import IndexManifest
from index.postgres.reader import PostgresIndex
from index.postgres.writer import PostgresWriter
from index.store import (
    CorpusIndex,
    IndexSettings,
    current_version,
    document_hash,
    index_exists,
)
from retriever.analyzer import Analyzer
from retriever.dense import set_search_threads
from retriever.e5_local import e5_model_id, ensure_e5_folder
from retriever.encoder import Encoder, load_encoder
from retriever.errors import (
    CorpusMismatchError,
    DocumentError,
    IndexNotFoundError,
    ModelUnavailableError,
)
from retriever.search import Searcher
from retriever.types import Document
from service.answering import QAPipeline
from service.answering.generative import OpenAICompatibleGenerator
from service.answering.readers.base import ReaderKind
from service.answering.readers.neural import NeuralReader, NeuralReaderSettings
from service.answering.readers.weights import BUNDLED_DIR
from service.config import Settings

logger = logging.getLogger(__name__)

BUILT_IN_CORPUS = "the built-in sample corpus"


def index_settings(settings: Settings) -> IndexSettings:
    return IndexSettings(
        dense_kind=settings.dense_index,
        folded_field=settings.folded_field,
        analyzer=Analyzer(bigrams=settings.bigrams,
                          expand_abbreviations=settings.expand_abbreviations),
        chunk_target_words=settings.chunk_target_words,
        chunk_max_words=settings.chunk_max_words,
    )


def encoder_for(settings: Settings) -> Encoder:
    return load_encoder(settings.model, settings.model_cache_dir, threads=settings.threads,
                        backend=settings.encoder_backend)


def read_documents(path: Path | None) -> IngestResult:
    """Ingest `path` (the built-in sample corpus when None); log every file that failed."""
    result = load_sample_corpus() if path is None else read_corpus(path)
    for error in result.errors:
        where = f"{error.path}:{error.line}" if error.line else error.path
        logger.warning("skipped %s: %s", where, error.message)
    if not result.documents:
        raise DocumentError(f"no readable document in {path or 'the sample corpus'}")
    return result


def dsn(settings: Settings) -> str:
    if settings.dsn is None:
        raise ValueError("the postgres backend needs a DSN")
    return settings.dsn.get_secret_value()


def postgres_writer(settings: Settings, encoder: Encoder) -> PostgresWriter:
    return PostgresWriter(dsn(settings), encoder, index_settings(settings))


def corpus_name(settings: Settings) -> str:
    """The corpus as an index's manifest records it (`built_from`)."""
    return str(settings.corpus) if settings.corpus is not None else BUILT_IN_CORPUS


def build_index(settings: Settings, encoder: Encoder,
                show_progress: bool = False) -> CorpusIndex | PostgresIndex:
    documents = read_documents(settings.corpus).documents
    if settings.backend == "postgres":
        postgres_writer(settings, encoder).build(documents, show_progress)
        return PostgresIndex.open(dsn(settings), index_settings(settings), encoder.model_id)
    return _build_files_index(settings, encoder, documents, show_progress)


def _build_files_index(settings: Settings, encoder: Encoder, documents: list[Document],
                       show_progress: bool, reuse: CorpusIndex | None = None) -> CorpusIndex:
    known = reuse.vectors_by_key() if reuse is not None else None
    corpus_index = CorpusIndex.build(documents, encoder, index_settings(settings), show_progress,
                                     known, reuse.segments if reuse is not None else None)
    corpus_index.manifest.built_from = corpus_name(settings)
    corpus_index.save(settings.index_dir)
    return corpus_index


def check_corpus_served(settings: Settings) -> None:
    """Raise CorpusMismatchError when `serve --corpus` would have to replace an index that
    was changed document by document (admin API, `index add/remove`): rebuilding it from
    the corpus would lose those changes. Cheap (no encoder): `serve` checks it first."""
    _served_documents(settings)


def _served_documents(settings: Settings) -> list[Document] | None:
    """The corpus's documents when the index in the folder is not theirs (and may be
    rebuilt from them); None when it is, or when no corpus was given."""
    if settings.corpus is None or settings.backend != "files" or not index_exists(
            settings.index_dir):
        return None
    documents = read_documents(settings.corpus).documents
    manifest = IndexManifest.read(current_version(settings.index_dir))
    wanted = {d.doc_id: document_hash(d) for d in documents}
    if wanted == manifest.documents:
        return None
    if manifest.built_from is None:
        added = len(wanted.keys() - manifest.documents.keys())
        missing = len(manifest.documents.keys() - wanted.keys())
        changed = sum(1 for d, h in wanted.items() if manifest.documents.get(d) not in (None, h))
        raise CorpusMismatchError(
            f"the index in {settings.index_dir} was changed document by document and is not "
            f"the corpus {settings.corpus} ({added} documents only in the corpus, {changed} "
            f"changed, {missing} only in the index): serve without --corpus to keep the "
            f"index, or run `hoidap index build --corpus {settings.corpus}` to replace it "
            f"(or give another --index-dir)")
    return documents


def open_index(settings: Settings, encoder: Encoder,
               show_progress: bool = False) -> CorpusIndex | PostgresIndex:
    """Load the index, building it from the configured corpus on first use."""
    if settings.backend == "postgres":
        try:
            return PostgresIndex.open(dsn(settings), index_settings(settings), encoder.model_id)
        except IndexNotFoundError:
            logger.info("no index in the database yet: loading the corpus")
            documents = read_documents(settings.corpus).documents
            postgres_writer(settings, encoder).build(documents, show_progress, if_empty=True)
            return PostgresIndex.open(dsn(settings), index_settings(settings), encoder.model_id)
    if not index_exists(settings.index_dir):
        logger.info("no index at %s yet: building it", settings.index_dir)
        return build_index(settings, encoder, show_progress)
    # The corpus asked for is the corpus served: an index built from another one (the
    # sample, an older copy of the folder) is rebuilt, reusing the vectors of unchanged text.
    documents = _served_documents(settings)
    current = CorpusIndex.load(settings.index_dir, index_settings(settings), encoder.model_id)
    if documents is None:
        return current
    logger.warning("the index in %s was built from %s, not from %s: rebuilding it",
                   settings.index_dir, current.manifest.built_from, settings.corpus)
    return _build_files_index(settings, encoder, documents, show_progress, reuse=current)


def make_searcher(settings: Settings, corpus_index: CorpusIndex | PostgresIndex,
                  encoder: Encoder) -> Searcher:
    # Concurrent requests are the parallelism on a small server, not threads within one.
    set_search_threads(1)
    return corpus_index.searcher(
        encoder,
        restore_accents=settings.restore_accents,
        weights={"bm25": settings.bm25_weight, "dense": settings.dense_weight},
        rrf_k=settings.rrf_k,
        rerank_weight=settings.rerank_weight,
    )


@dataclass(frozen=True)
class ReaderStatus:
    """Which reader was asked for, which one answers, and why they differ."""

    requested: ReaderKind
    active: ReaderKind
    detail: str | None = None


@lru_cache(maxsize=4)
def _neural_reader(weights_dir: Path, cache_dir: Path, int8: bool, max_windows: int,
                   threads: int | None) -> NeuralReader:
    base = ensure_e5_folder(cache_dir)
    return NeuralReader.load(weights_dir, base, e5_model_id(base), cache_dir,
                             NeuralReaderSettings(max_windows, int8, threads))


def load_reader(settings: Settings) -> tuple[NeuralReader | None, ReaderStatus]:
    """The trained reader the settings ask for (loaded once per process and settings).

    HOIDAP_READER=neural: missing or corrupt weights are a start-up error naming the file.
    auto: the same problem is logged and the rule reader answers (seen on /readyz and in
    /metrics).
    """
    if settings.reader == ReaderKind.RULES:
        return None, ReaderStatus(ReaderKind.RULES, ReaderKind.RULES)
    weights = settings.reader_dir or BUNDLED_DIR
    try:
        neural = _neural_reader(weights, settings.model_cache_dir, settings.reader_int8,
                                settings.reader_max_windows, settings.threads)
    except ModelUnavailableError as error:
        if settings.reader == ReaderKind.NEURAL:
            raise
        logger.warning("the trained reader is unavailable, the rule reader answers: %s",
                       error)
        return None, ReaderStatus(settings.reader, ReaderKind.RULES, str(error))
    return neural, ReaderStatus(settings.reader, settings.reader)


def make_pipeline(settings: Settings, searcher: Searcher,
                  neural: NeuralReader | None = None,
                  reader: ReaderKind | None = None) -> QAPipeline:
    """The answering pipeline; `neural`/`reader` as load_reader gave them (loaded here when
    not given)."""
    if reader is None:
        neural, status = load_reader(settings)
        reader = status.active
    generator = None
    if settings.generator_url:
        generator = OpenAICompatibleGenerator(settings.generator_url, settings.generator_model,
                                              settings.generator_api_key,
                                              settings.generator_timeout_s)
    return QAPipeline(searcher, top_k=settings.answer_top_k,
                      min_confidence=settings.min_confidence, generator=generator,
                      cache_size=settings.answer_cache_size, neural=neural, reader=reader,
                      neural_min_probability=settings.reader_min_probability,
                      switch_probability=settings.reader_switch_probability,
                      decline_on_null=settings.reader_decline_on_null,
                      facts=settings.answer_from_facts)
