"""The index an evaluation runs on, and the ablation variants of it.

`hoidap eval --corpus PATH` indexes PATH once and caches the index:

* in `--index-dir` when given;
* otherwise in `<parent of the configured index dir>/eval/<folder>-<file>-<hash>`, e.g.
  `~/.local/share/hoidap/eval/viquad2-corpus-1f0c3a9be2d4`, where the hash is of the
  corpus's absolute path. The folder name only keeps corpora apart; whether the cached index
  is still right is decided by its manifest: same index settings and model, and the same
  documents (content hashes of what the corpus reads as now). If the corpus changed, only
  the new or changed passages are embedded; if the settings changed (IndexMismatchError),
  it is rebuilt reusing the stored vectors when the model is the same.

Ablations reuse the vectors of the evaluated index: lexical variants are re-indexed without
re-embedding (as bench/retrieval_quality.py does); query-side switches need no new index.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np

from index.reindex import read_stored, reusable_vectors
from index.store import CorpusIndex, document_hash, index_exists
from retriever.encoder import Encoder
from retriever.errors import HoidapError, IndexCorruptError, IndexMismatchError
from retriever.search import Searcher
from retriever.segments import SegmentVectors
from service import engine
from service.config import Settings

logger = logging.getLogger(__name__)


def default_cache_dir(settings: Settings, corpus: Path) -> Path:
    """Where the index of `corpus` is cached when no --index-dir is given."""
    path = corpus.resolve()
    digest = hashlib.sha256(str(path).encode("utf-8")).hexdigest()[:12]
    name = f"{path.parent.name}-{path.stem}" if path.is_file() else path.name
    return settings.index_dir.parent / "eval" / f"{name or 'corpus'}-{digest}"


def _stored_vectors(index_dir: Path, encoder: Encoder,
                    ) -> tuple[dict[str, np.ndarray], SegmentVectors | None]:
    """The chunk and segment vectors of whatever index is at `index_dir` (of any format),
    if it was built with this model."""
    try:
        return reusable_vectors(read_stored(index_dir), encoder)
    except HoidapError as exc:
        logger.info("no reusable vectors at %s: %s", index_dir, exc)
        return {}, None


def cached_corpus_index(corpus: Path, index_dir: Path, settings: Settings, encoder: Encoder,
                        show_progress: bool = False) -> CorpusIndex:
    """The index of `corpus` at `index_dir`: loaded when it is up to date, else (re)built and
    saved there, embedding only passages whose vectors it does not have yet."""
    corpus = corpus.resolve()  # documents record their source: keep it the same across runs
    documents = engine.read_documents(corpus).documents
    wanted = {d.doc_id: document_hash(d) for d in documents}
    index_settings = engine.index_settings(settings)
    known: dict[str, np.ndarray] = {}
    known_segments: SegmentVectors | None = None
    if index_exists(index_dir):
        try:
            cached = CorpusIndex.load(index_dir, index_settings, encoder.model_id)
        except (IndexMismatchError, IndexCorruptError) as exc:
            logger.warning("rebuilding the evaluation index at %s: %s", index_dir, exc)
            known, known_segments = _stored_vectors(index_dir, encoder)
        else:
            if cached.manifest.documents == wanted:
                logger.info("reusing the evaluation index at %s", index_dir)
                return cached
            logger.warning("the index at %s holds other documents than %s: updating it",
                           index_dir, corpus)
            known, known_segments = cached.vectors_by_key(), cached.segments
    built = CorpusIndex.build(documents, encoder, index_settings, show_progress,
                              known_vectors=known, known_segments=known_segments)
    built.save(index_dir)
    return built


def ablations(settings: Settings, corpus_index: CorpusIndex,
              encoder: Encoder) -> Iterator[tuple[str, Searcher]]:
    """(variant name, searcher) with one Vietnamese technique switched off, for each one that
    is on in `settings`. Variants are built one at a time, when iterated."""
    def searcher(index: CorpusIndex, **changes: object) -> Searcher:
        return engine.make_searcher(settings.model_copy(update=changes), index, encoder)

    def reindexed(**changes: object) -> CorpusIndex:
        variant_settings = engine.index_settings(settings.model_copy(update=changes))
        return CorpusIndex.build(corpus_index.documents.values(), encoder, variant_settings,
                                 known_vectors=corpus_index.vectors_by_key(),
                                 known_segments=corpus_index.segments)

    if settings.restore_accents != "off":
        yield "no accent restoration", searcher(corpus_index, restore_accents="off")
    if settings.folded_field:
        yield "no folded field", searcher(reindexed(folded_field=False))
    if settings.expand_abbreviations:
        yield "no abbreviation expansion", searcher(reindexed(expand_abbreviations=False))
    if settings.bigrams:
        yield "no syllable bigrams", searcher(reindexed(bigrams=False))
    analyzer = corpus_index.settings.analyzer
    if analyzer.expand_questions:
        yield "no question expansion", corpus_index.searcher(
            encoder, restore_accents=settings.restore_accents,
            weights={"bm25": settings.bm25_weight, "dense": settings.dense_weight},
            rrf_k=settings.rrf_k, analyzer=replace(analyzer, expand_questions=False),
        )
