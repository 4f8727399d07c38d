"""The persisted index: documents, chunks, BM25 fields, vectors and FAISS, built and swapped
atomically.

On disk, `INDEX_DIR/current` is a symlink to `INDEX_DIR/versions/<id>`. A new version is
written completely beside the old one and the link is replaced in one rename, so a build
killed halfway leaves the previous index serving.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal, Protocol, TypeVar

import numpy as np

from index.chunking import CHUNKER_VERSION, chunk_document
from index.facts import (
    FACTS_VERSION,
    Fact,
    FactHit,
    FactPage,
    FactQuery,
    extract_facts,
    subject_key,
    subject_order,
)
from index.facts.ordering import order_by_constraints
from index.manifest import IndexManifest
from retriever.accents import AccentRestorer
from retriever.analyzer import Analyzer
from retriever.bm25 import BM25
from retriever.coverage import segment_texts
from retriever.dense import DenseIndex, DenseKind
from retriever.errors import (
    DocumentNotFoundError,
    IndexCorruptError,
    IndexNotFoundError,
)
from retriever.fusion import DEFAULT_WEIGHTS
from retriever.rerank import RERANK_WEIGHT, SentenceReranker, bm25_idf, from_mapping
from retriever.retrievers import (
    BM25Retriever,
    DenseRetriever,
    HybridRetriever,
    QueryEncoder,
    accent_restorer,
)
from retriever.search import Searcher
from retriever.segments import SegmentVectors, segment_key
from retriever.text.normalize import NORMALIZER_VERSION
from retriever.types import Chunk, Document, DocumentInfo, DocumentPage, Passage, check_page

logger = logging.getLogger(__name__)
T = TypeVar("T")

AccentMode = Literal["corpus", "pyvi", "off"]
CURRENT_LINK = "current"
VERSIONS_DIR = "versions"
FACTS_FILE = "facts.jsonl"
STALE_PARTIAL_SECONDS = 6 * 3600
# Segments are ~35-word sentences, a quarter of a chunk, and sorted by length they pad
# little in larger batches than chunks' 4: on ~34-word segments (2 busy cores) batches of 4
# gave 13-14 segments/s, of 8, 16 and 32 14-22/s, alike within the noise.
SEGMENT_BATCH_SIZE = 16


class PassageEncoder(QueryEncoder, Protocol):
    model_id: str
    dimension: int

    def encode_passages(
        self, texts: list[str], batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray: ...


@dataclass(frozen=True)
class IndexSettings:
    """How an index is built; recorded in its manifest and checked on load."""

    dense_kind: DenseKind = "flat"
    folded_field: bool = True
    analyzer: Analyzer = Analyzer()
    chunk_target_words: int = 200
    chunk_max_words: int = 330

    def __post_init__(self) -> None:
        if not 20 <= self.chunk_target_words <= self.chunk_max_words <= 400:
            raise ValueError("chunk sizes must satisfy 20 <= target <= max <= 400 words "
                             f"(got {self.chunk_target_words}, {self.chunk_max_words})")

    @property
    def chunking(self) -> dict[str, object]:
        return {"version": CHUNKER_VERSION, "target_words": self.chunk_target_words,
                "max_words": self.chunk_max_words}

    def expected_manifest(self, model_id: str) -> dict[str, object]:
        return {
            "model": model_id,
            "normalizer_version": NORMALIZER_VERSION,
            "chunking": self.chunking,
            "analyzer": self.analyzer.describe(),
            "dense_kind": self.dense_kind,
            "folded_field": self.folded_field,
        }


def document_hash(doc: Document) -> str:
    payload = json.dumps(asdict(doc), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def embedding_key(model_id: str, text: str) -> str:
    """Chunks with the same key share a vector, so unchanged chunks are never re-embedded."""
    return hashlib.sha256(f"{model_id}\n{text}".encode()).hexdigest()


def vectors_by_key(model_id: str, chunks: Sequence[Chunk],
                   embeddings: np.ndarray) -> dict[str, np.ndarray]:
    """Chunk vectors by embedding key, as `CorpusIndex.build` reuses them."""
    return {embedding_key(model_id, c.search_text): embeddings[i] for i, c in enumerate(chunks)}


def read_records(path: Path, record: Callable[..., T]) -> list[T]:
    """One `record` per line of a JSONL file the index wrote (OSError, ValueError or
    TypeError when it cannot be read)."""
    return [record(**json.loads(line))
            for line in path.read_text(encoding="utf-8").splitlines()]


def chunk_segment_texts(chunks: Iterable[Chunk]) -> list[str]:
    """The distinct segment texts of `chunks`: what the answerer compares with a question."""
    return list(dict.fromkeys(t for c in chunks for t in segment_texts(c.text)))


def embed_segments(chunks: Sequence[Chunk], encoder: PassageEncoder,
                   known: SegmentVectors | None = None,
                   show_progress: bool = False) -> SegmentVectors:
    """Vectors of every segment of `chunks`, embedding only those `known` lacks."""
    texts = chunk_segment_texts(chunks)
    keys = [segment_key(t) for t in texts]
    known = known if known is not None else SegmentVectors.empty(encoder.dimension)
    missing = [t for t, k in zip(texts, keys, strict=True) if k not in known]
    started = time.perf_counter()
    fresh = (encoder.encode_passages(missing, batch_size=SEGMENT_BATCH_SIZE,
                                     show_progress=show_progress) if missing
             else np.zeros((0, encoder.dimension), dtype=np.float32))
    logger.info("embedded %d new segments (%d reused) in %.1fs", len(missing),
                len(texts) - len(missing), time.perf_counter() - started)
    return known.merged(missing, fresh, keep=keys)


class CorpusIndex:
    """An immutable index of a corpus; changes return a new CorpusIndex."""

    def __init__(
        self,
        manifest: IndexManifest,
        documents: dict[str, Document],
        chunks: list[Chunk],
        embeddings: np.ndarray,
        bm25: BM25,
        bm25_folded: BM25 | None,
        dense: DenseIndex,
        settings: IndexSettings,
        segments: SegmentVectors,
        facts: list[Fact] | None = None,
    ) -> None:
        self.manifest, self.documents, self.chunks = manifest, documents, chunks
        self.embeddings, self.bm25, self.bm25_folded = embeddings, bm25, bm25_folded
        self.dense, self.settings = dense, settings
        # Vectors of the chunks' segments, so that answering never embeds passage text.
        self.segments = segments
        # Ranking facts of the documents, in document then text order.
        self.facts = facts if facts is not None else facts_of(documents, manifest.documents)

    # ---- building -------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        documents: Iterable[Document],
        encoder: PassageEncoder,
        settings: IndexSettings | None = None,
        show_progress: bool = False,
        known_vectors: dict[str, np.ndarray] | None = None,
        known_segments: SegmentVectors | None = None,
        known_facts: dict[str, list[Fact]] | None = None,
    ) -> CorpusIndex:
        """Chunk, embed (reusing `known_vectors` by embedding key and `known_segments` by
        segment text), extract ranking facts (reusing `known_facts` by document hash) and
        index `documents`."""
        settings = settings or IndexSettings()
        docs = {d.doc_id: d for d in documents}
        chunks = [c for d in docs.values() for c in
                  chunk_document(d, settings.chunk_target_words, settings.chunk_max_words)]
        keys = [embedding_key(encoder.model_id, c.search_text) for c in chunks]
        known = known_vectors or {}
        missing = sorted({k: i for i, k in enumerate(keys) if k not in known}.items(),
                         key=lambda item: item[1])
        started = time.perf_counter()
        fresh = encoder.encode_passages(
            [chunks[i].search_text for _, i in missing], show_progress=show_progress
        )
        vectors = dict(known)
        vectors.update({k: fresh[j] for j, (k, _) in enumerate(missing)})
        logger.info("embedded %d new chunks (%d reused) in %.1fs", len(missing),
                    len(chunks) - len(missing), time.perf_counter() - started)
        embeddings = (np.stack([vectors[k] for k in keys]).astype(np.float32) if chunks
                      else np.zeros((0, encoder.dimension), dtype=np.float32))
        segments = embed_segments(chunks, encoder, known_segments, show_progress)
        return cls._assemble(docs, chunks, embeddings, encoder.model_id, settings, segments,
                             known_facts)

    @classmethod
    def _assemble(
        cls,
        docs: dict[str, Document],
        chunks: list[Chunk],
        embeddings: np.ndarray,
        model_id: str,
        settings: IndexSettings,
        segments: SegmentVectors,
        known_facts: dict[str, list[Fact]] | None = None,
    ) -> CorpusIndex:
        analyzer = settings.analyzer
        hashes = {d: document_hash(doc) for d, doc in sorted(docs.items())}
        facts = facts_of(docs, hashes, known_facts)
        texts = [c.search_text for c in chunks]
        bm25 = BM25().index([analyzer.tokens(t) for t in texts])
        folded = (BM25().index([analyzer.tokens(t, fold=True) for t in texts])
                  if settings.folded_field else None)
        dense = DenseIndex.build(embeddings, settings.dense_kind)
        manifest = IndexManifest(
            model=model_id,
            dimension=int(embeddings.shape[1]),
            normalizer_version=NORMALIZER_VERSION,
            chunking=settings.chunking,
            analyzer=analyzer.describe(),
            dense_kind=settings.dense_kind,
            folded_field=settings.folded_field,
            documents=hashes,
            chunk_count=len(chunks),
            segment_count=len(segments),
            created=datetime.now(UTC).isoformat(timespec="seconds"),
            facts_version=FACTS_VERSION,
            fact_count=len(facts),
        )
        return cls(manifest, docs, chunks, embeddings, bm25, folded, dense, settings, segments,
                   facts)

    def vectors_by_key(self) -> dict[str, np.ndarray]:
        return vectors_by_key(self.manifest.model, self.chunks, self.embeddings)

    def with_documents(
        self, documents: Iterable[Document], encoder: PassageEncoder,
        show_progress: bool = False,
    ) -> CorpusIndex:
        """A new index with `documents` added (replacing same doc_ids); only new text is
        embedded."""
        self._check_encoder(encoder)
        docs = dict(self.documents)
        docs.update({d.doc_id: d for d in documents})
        return CorpusIndex.build(docs.values(), encoder, self.settings, show_progress,
                                 self.vectors_by_key(), self.segments, self.facts_by_hash())

    def rebuilt(self, encoder: PassageEncoder, settings: IndexSettings) -> CorpusIndex:
        """The same documents indexed anew with `settings` (chunking, analyzer, FAISS kind);
        only chunks whose text or model changed are embedded."""
        rebuilt = CorpusIndex.build(self.documents.values(), encoder, settings,
                                    known_vectors=self.vectors_by_key(),
                                    known_segments=self.segments,
                                    known_facts=self.facts_by_hash())
        rebuilt.manifest.built_from = self.manifest.built_from  # the same documents
        return rebuilt

    def without_documents(self, doc_ids: Sequence[str]) -> CorpusIndex:
        """A new index without `doc_ids`; nothing is re-embedded."""
        unknown = [d for d in doc_ids if d not in self.documents]
        if unknown:
            raise DocumentNotFoundError(f"no document with id {', '.join(unknown)} in the index")
        gone = set(doc_ids)
        docs = {k: v for k, v in self.documents.items() if k not in gone}
        keep = [i for i, c in enumerate(self.chunks) if c.doc_id not in gone]
        chunks = [self.chunks[i] for i in keep]
        segments = self.segments.subset(segment_key(t) for t in chunk_segment_texts(chunks))
        return CorpusIndex._assemble(docs, chunks, self.embeddings[keep], self.manifest.model,
                                     self.settings, segments, self.facts_by_hash())

    def facts_by_hash(self) -> dict[str, list[Fact]]:
        """The facts of each document, by its content hash (reused when it is unchanged)."""
        by_doc: dict[str, list[Fact]] = {d: [] for d in self.documents}
        for fact in self.facts:
            by_doc.setdefault(fact.doc_id, []).append(fact)
        return {self.manifest.documents[d]: facts for d, facts in by_doc.items()
                if d in self.manifest.documents}

    def _check_encoder(self, encoder: PassageEncoder) -> None:
        self.manifest.check_compatible({"model": encoder.model_id,
                                        "dimension": encoder.dimension})

    # ---- using ----------------------------------------------------------------------
    def searcher(
        self,
        encoder: QueryEncoder,
        restore_accents: AccentMode = "corpus",
        weights: dict[str, float] | None = None,
        rrf_k: int = 60,
        analyzer: Analyzer | None = None,
        rerank_weight: float = RERANK_WEIGHT,
    ) -> Searcher:
        """Retrievers over this index. `analyzer` may differ from the index's only in
        query-side settings; `rerank_weight` 0 turns the hybrid's reranking off (plain RRF)."""
        ids = [c.chunk_id for c in self.chunks]
        bm25 = BM25Retriever(ids, self.bm25, self.bm25_folded, analyzer or self.settings.analyzer)
        dense = DenseRetriever(ids, self.dense, encoder, self._accent_restorer(restore_accents))
        fused = HybridRetriever([bm25, dense], k=rrf_k,
                                weights=DEFAULT_WEIGHTS if weights is None else weights)
        hybrid = SentenceReranker(fused, from_mapping({c.chunk_id: c for c in self.chunks}),
                                  bm25_idf(bm25),
                                  weight=rerank_weight)
        return Searcher(self.chunks, {"hybrid": hybrid, "bm25": bm25, "dense": dense},
                        segment_vectors=self.segments, facts=self,
                        passage_order=self.order_passages)

    def _accent_restorer(self, mode: AccentMode) -> Callable[[str], str] | None:
        bm25 = self.bm25

        @lru_cache(maxsize=1)
        def restorer() -> AccentRestorer:
            # Built on the first accent-free query, not at start-up.
            return AccentRestorer.from_bm25(bm25)

        return accent_restorer(mode, lambda text: restorer().restore(text))

    def document(self, doc_id: str) -> Document:
        try:
            return self.documents[doc_id]
        except KeyError:
            raise DocumentNotFoundError(f"no document with id {doc_id!r}") from None

    def document_page(self, offset: int, limit: int) -> DocumentPage:
        """Documents sorted by id, `limit` of them from `offset`, with their chunk counts."""
        check_page(offset, limit)
        counts = Counter(c.doc_id for c in self.chunks)
        ids = sorted(self.documents)[offset:offset + limit]
        return DocumentPage([_info(self.documents[i], counts[i]) for i in ids],
                            total=len(self.documents))

    def fact_page(self, query: FactQuery) -> FactPage:
        """The facts matching `query`, newest article first (then document and text
        order): contradicting facts from two articles are both listed, with their dates."""
        subject = subject_key(query.subject)
        order = {d: n for n, d in enumerate(self.documents)}
        # Questions ask about one subject: its facts only are scanned.
        pool = self.facts if subject is None else self._facts_by_subject.get(subject, [])
        found = [f for f in pool if query.matches(f, subject)]
        found.sort(key=lambda f: order.get(f.doc_id, 0))
        found.sort(key=lambda f: self.documents[f.doc_id].published or "", reverse=True)
        page = found[query.offset:query.offset + query.limit]
        return FactPage([_hit(f, self.documents[f.doc_id]) for f in page], len(found))

    def fact_subjects(self) -> list[tuple[str, int]]:
        """(subject, number of facts) for every subject, in Vietnamese alphabetical order."""
        return sorted(((s, len(f)) for s, f in self._facts_by_subject.items()),
                      key=lambda row: subject_order(row[0]))

    @cached_property
    def _facts_by_subject(self) -> dict[str, list[Fact]]:
        return _grouped(self.facts, lambda f: f.subject)

    @cached_property
    def _chunks_by_doc(self) -> dict[str, list[Chunk]]:
        by_doc: dict[str, list[Chunk]] = {}
        for chunk in self.chunks:
            by_doc.setdefault(chunk.doc_id, []).append(chunk)
        for chunks in by_doc.values():
            chunks.sort(key=lambda c: c.start)
        return by_doc

    def fact_chunks(self, facts: Sequence[Fact]) -> list[Chunk | None]:
        """The chunk holding each fact's sentence whole, else the first holding its span."""
        return [fact_chunk(self._chunks_by_doc.get(f.doc_id, []), f) for f in facts]

    @cached_property
    def _facts_by_doc(self) -> dict[str, list[Fact]]:
        return _grouped(self.facts, lambda f: f.doc_id)

    def facts_in(self, chunks: Sequence[Chunk]) -> list[list[Fact]]:
        """The facts each chunk states (their span starting inside it)."""
        return [[f for f in self._facts_by_doc.get(c.doc_id, []) if c.start <= f.start < c.end]
                for c in chunks]

    def order_passages(self, query: str, passages: list[Passage]) -> list[Passage]:
        """The searcher's passage order: by the ranking facts they state (ordering.py)."""
        return order_by_constraints(query, passages, self.facts_in)

    def stats(self) -> dict[str, object]:
        words = [len(c.text.split()) for c in self.chunks]
        return {
            "documents": len(self.documents),
            "chunks": len(self.chunks),
            "mean_chunk_words": round(float(np.mean(words)), 1) if words else 0.0,
            "bm25_terms": len(self.bm25.vocabulary),
            "segment_vectors": len(self.segments),
            "model": self.manifest.model,
            "dimension": self.manifest.dimension,
            "dense_index": self.manifest.dense_kind,
            "created": self.manifest.created,
            "provinces": sorted({c.province for c in self.chunks if c.province}),
        }

    # ---- disk -----------------------------------------------------------------------
    def save(self, index_dir: Path) -> Path:
        """Write a new version under `index_dir` and switch `current` to it atomically."""
        versions = index_dir / VERSIONS_DIR
        versions.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        staging = versions / f".{stamp}.partial"
        staging.mkdir()
        try:
            self._write(staging)
            final = versions / stamp
            staging.rename(final)
            _point_current(index_dir, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _prune_versions(index_dir, keep={final.name})
        logger.info("index saved to %s (%d chunks)", final, len(self.chunks))
        return final

    def _write(self, folder: Path) -> None:
        with (folder / "documents.jsonl").open("w", encoding="utf-8") as out:
            for doc in self.documents.values():
                out.write(json.dumps(asdict(doc), ensure_ascii=False) + "\n")
        with (folder / "chunks.jsonl").open("w", encoding="utf-8") as out:
            for chunk in self.chunks:
                out.write(json.dumps(asdict(chunk), ensure_ascii=False) + "\n")
        np.save(folder / "embeddings.npy", self.embeddings, allow_pickle=False)
        self.segments.save(folder)
        self.bm25.save(folder / "bm25")
        if self.bm25_folded is not None:
            self.bm25_folded.save(folder / "bm25_folded")
        self.dense.save(folder / "dense.faiss")
        with (folder / FACTS_FILE).open("w", encoding="utf-8") as out:
            for fact in self.facts:
                out.write(json.dumps(fact.to_dict(), ensure_ascii=False) + "\n")
        self.manifest.write(folder)
        for path in folder.rglob("*"):
            if path.is_file():
                with path.open("rb") as handle:
                    os.fsync(handle.fileno())

    @classmethod
    def load(cls, index_dir: Path, settings: IndexSettings | None = None,
             model_id: str | None = None) -> CorpusIndex:
        """Load the current version; raise a clear error if it is missing, corrupt, or was
        built with other settings or another model than `model_id`."""
        folder = current_version(index_dir)
        manifest = IndexManifest.read(folder)
        settings = settings or IndexSettings(
            dense_kind=manifest.dense_kind,  # type: ignore[arg-type]
            folded_field=manifest.folded_field,
            chunk_target_words=int(manifest.chunking.get("target_words", 0)),
            chunk_max_words=int(manifest.chunking.get("max_words", 0)),
        )
        expected = settings.expected_manifest(model_id or manifest.model)
        manifest.check_compatible(expected)
        manifest.verify_files(folder)
        try:
            documents = read_records(folder / "documents.jsonl", Document)
            chunks = read_records(folder / "chunks.jsonl", Chunk)
            embeddings = np.load(folder / "embeddings.npy", allow_pickle=False)
        except (OSError, ValueError, TypeError) as exc:
            raise IndexCorruptError(f"cannot read index at {folder}: {exc}") from exc
        bm25 = BM25.load(folder / "bm25")
        folded = BM25.load(folder / "bm25_folded") if manifest.folded_field else None
        dense = DenseIndex.load(folder / "dense.faiss", settings.dense_kind)
        segments = SegmentVectors.load(folder, manifest.dimension, manifest.segment_count)
        if not (len(chunks) == manifest.chunk_count == bm25.num_docs == dense.size
                == embeddings.shape[0]):
            raise IndexCorruptError(f"index at {folder} is inconsistent; rebuild it")
        facts = _read_facts(folder, manifest)
        return cls(manifest, {d.doc_id: d for d in documents}, chunks, embeddings, bm25,
                   folded, dense, settings, segments, facts)


def _grouped(facts: Iterable[Fact], key: Callable[[Fact], str]) -> dict[str, list[Fact]]:
    """Facts by `key`, each group in the facts' order."""
    groups: dict[str, list[Fact]] = {}
    for fact in facts:
        groups.setdefault(key(fact), []).append(fact)
    return groups


def fact_chunk(chunks: Sequence[Chunk], fact: Fact) -> Chunk | None:
    """Of a document's chunks, the one holding `fact`'s sentence whole, else the first
    holding the start of its span (a table row may be cut across chunks)."""
    holding = [c for c in chunks if c.start <= fact.start < c.end]
    whole = [c for c in holding
             if c.start <= fact.sentence_start and fact.sentence_end <= c.end]
    return (whole or holding or [None])[0]


def facts_of(documents: dict[str, Document], hashes: dict[str, str],
             known: dict[str, list[Fact]] | None = None) -> list[Fact]:
    """The ranking facts of `documents` (in their order), reusing those of unchanged
    documents (`known`, by the document hash `hashes` gives)."""
    facts: list[Fact] = []
    for doc_id, document in documents.items():
        hashed = hashes.get(doc_id)
        reused = known.get(hashed) if known and hashed else None
        facts.extend(reused if reused is not None else extract_facts(document))
    return facts


def _hit(fact: Fact, document: Document) -> FactHit:
    return FactHit(fact, document.text[fact.start:fact.end],
                   document.text[fact.sentence_start:fact.sentence_end], document.title,
                   document.published or None)


def _read_facts(folder: Path, manifest: IndexManifest) -> list[Fact] | None:
    """The stored facts, or None (extract them again) when another extractor made them."""
    if manifest.facts_version != FACTS_VERSION:
        logger.info("index at %s has facts of version %s, this hoidap makes %s: extracting "
                    "them again", folder, manifest.facts_version, FACTS_VERSION)
        return None
    try:
        facts = read_records(folder / FACTS_FILE, lambda **row: Fact.from_dict(row))
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise IndexCorruptError(f"cannot read the facts of the index at {folder}: {exc}"
                                ) from exc
    if len(facts) != manifest.fact_count:
        raise IndexCorruptError(f"index at {folder} is inconsistent (facts); rebuild it")
    return facts


def current_version(index_dir: Path) -> Path:
    link = index_dir / CURRENT_LINK
    if not link.exists():
        raise IndexNotFoundError(
            f"no index at {index_dir}; build one with `hoidap index build`"
        )
    return link.resolve()


def index_exists(index_dir: Path) -> bool:
    return (index_dir / CURRENT_LINK).exists()


def _point_current(index_dir: Path, target: Path) -> None:
    temporary = index_dir / f".{CURRENT_LINK}.{os.getpid()}.tmp"
    temporary.unlink(missing_ok=True)
    os.symlink(Path(VERSIONS_DIR) / target.name, temporary)
    os.replace(temporary, index_dir / CURRENT_LINK)


def _prune_versions(index_dir: Path, keep: set[str]) -> None:
    """Remove superseded versions, keeping the newest previous one for readers still on it."""
    versions = sorted(p for p in (index_dir / VERSIONS_DIR).iterdir()
                      if p.is_dir() and not p.name.startswith(".") and p.name not in keep)
    for old in versions[:-1]:
        shutil.rmtree(old, ignore_errors=True)
    # Leftovers of builds that were killed; a build still running is younger than this.
    cutoff = time.time() - STALE_PARTIAL_SECONDS
    for partial in (index_dir / VERSIONS_DIR).glob(".*.partial"):
        if partial.stat().st_mtime < cutoff:
            shutil.rmtree(partial, ignore_errors=True)


def _info(document: Document, chunks: int) -> DocumentInfo:
    return DocumentInfo(document.doc_id, document.title, document.province, document.published,
                        document.author, document.url, chunks)
