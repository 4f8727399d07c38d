"""Benchmark corpora of 1k to 100k chunks, made of real Vietnamese text.

Every benchmark document is one ~100-word passage (so one chunk), recombined at the
sentence level from the sample articles and the external corpora in ../shared/external/:
two or three runs of consecutive sentences from different source documents. Document `i`
depends only on the seed and `i`, so the 1k corpus is the start of the 10k corpus, which is
the start of the 100k one, and their embeddings are shared.

Embedding 100k chunks takes most of an hour on two cores, so `bench_index` embeds at most
`embed_limit` chunks for real and gives every later chunk the vector of an embedded chunk
(chunk i reuses chunk i mod embed_limit, with a little noise so that no two vectors are
equal). Benchmarks that use such an index say so in their output. The answer segments'
vectors are all real: the corpora recombine a bounded set of source sentences (9,470
distinct segments at 100k chunks), embedded once and cached across sizes.
"""

from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.chunking import chunk_document
from index.ingest import load_sample_corpus, read_corpus
from index.store import (
    CorpusIndex,
    IndexSettings,
    embed_segments,
    embedding_key,
    index_exists,
)
from retriever.encoder import Encoder
from retriever.errors import HoidapError
from retriever.segments import SegmentVectors
from retriever.text.sentences import split_sentences
from retriever.types import Chunk, Document

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
EXTERNAL_DIR = ROOT.parent / "shared" / "external"
CACHE_ROOT = ROOT / ".hoidap" / "bench"
SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000}


def size_of(name: str) -> int:
    """Chunks of a named size ("10k") or a plain number ("250")."""
    return SIZES[name] if name in SIZES else int(name)
TARGET_WORDS = 100
EMBED_LIMIT = 10_000
NOISE = 0.01
BUILD_FILE = "bench_build.json"
SEGMENTS_FILE = "segment_vectors.npz"


@dataclass(frozen=True)
class SourceDocument:
    title: str
    province: str | None
    sentences: tuple[str, ...]


@lru_cache(maxsize=2)
def source_documents(external_dir: Path = EXTERNAL_DIR) -> tuple[SourceDocument, ...]:
    """The sample articles plus every external corpus found, split into sentences."""
    documents = list(load_sample_corpus().documents)
    for corpus in sorted(external_dir.glob("*/corpus.jsonl")):
        documents.extend(read_corpus(corpus).documents)
    sources = []
    for doc in documents:
        sentences = tuple(s.text for s in split_sentences(doc.text) if len(s.text.split()) >= 4)
        if sentences:
            sources.append(SourceDocument(doc.title, doc.province, sentences))
    if not sources:
        raise HoidapError("no source text for the benchmark corpus")
    return tuple(sources)


def bench_document(i: int, sources: tuple[SourceDocument, ...], seed: int = 0) -> Document:
    """Benchmark document `i`: about TARGET_WORDS words from 2-3 source documents."""
    rng = random.Random(seed * 1_000_003 + i)
    first = rng.choice(sources)
    parts: list[str] = []
    words = 0
    source = first
    while words < TARGET_WORDS:
        run = rng.randint(1, 3)
        start = rng.randrange(len(source.sentences))
        for sentence in source.sentences[start:start + run]:
            parts.append(sentence)
            words += len(sentence.split())
            if words >= TARGET_WORDS:
                break
        source = rng.choice(sources)
    return Document(doc_id=f"bench-{i:06d}", title=first.title, text=" ".join(parts),
                    province=first.province)


def bench_documents(n_chunks: int, seed: int = 0,
                    external_dir: Path = EXTERNAL_DIR) -> list[Document]:
    sources = source_documents(external_dir)
    return [bench_document(i, sources, seed) for i in range(n_chunks)]


@dataclass
class BenchIndex:
    corpus_index: CorpusIndex
    embedded: int  # chunks whose vectors the encoder computed
    reused: int  # chunks given another chunk's vector (see the module docstring)
    embed_seconds: float  # encoder time for the chunks embedded in this call (0: cached)
    build_seconds: float  # chunking, segments, BM25 and FAISS without the encoder
    segment_seconds: float = 0.0  # encoder time for segments embedded in this call


def _settings() -> IndexSettings:
    # One chunk per benchmark document: its ~100 words stay below the chunk target.
    return IndexSettings(chunk_target_words=200, chunk_max_words=330)


def _vectors_path(cache_root: Path) -> Path:
    return cache_root / "vectors.npz"


def embedded_vectors(documents: list[Document], encoder: Encoder, cache_root: Path,
                     ) -> tuple[np.ndarray, float]:
    """Vectors of `documents`' chunks (one each), cached across runs and sizes by prefix."""
    path = _vectors_path(cache_root)
    cached = np.zeros((0, encoder.dimension), dtype=np.float32)
    if path.exists():
        stored = np.load(path, allow_pickle=False)
        if str(stored["model"]) == encoder.model_id:
            cached = stored["vectors"]
    seconds = 0.0
    if len(documents) > len(cached):
        texts = [_only_chunk(d).search_text for d in documents[len(cached):]]
        started = time.perf_counter()
        fresh = encoder.encode_passages(texts, show_progress=True)
        seconds = time.perf_counter() - started
        cached = np.concatenate([cached, fresh])
        cache_root.mkdir(parents=True, exist_ok=True)
        np.savez(path, vectors=cached, model=np.array(encoder.model_id))
    return cached[:len(documents)], seconds


def embedded_segments(chunks: list[Chunk], encoder: Encoder, cache_root: Path,
                      ) -> tuple[SegmentVectors, float]:
    """Vectors of every segment of `chunks`, cached across runs and sizes by text."""
    path = cache_root / SEGMENTS_FILE
    cached = SegmentVectors.empty(encoder.dimension)
    if path.exists():
        stored = np.load(path, allow_pickle=False)
        if str(stored["model"]) == encoder.model_id:
            cached = SegmentVectors(stored["keys"], stored["vectors"])
    started = time.perf_counter()
    vectors = embed_segments(chunks, encoder, cached, show_progress=True)
    seconds = time.perf_counter() - started
    new_keys = [k for k in vectors.keys.tolist() if k not in cached]
    if new_keys:
        union = SegmentVectors(np.concatenate([cached.keys, np.array(new_keys, dtype=np.uint64)]),
                               np.concatenate([cached.vectors, vectors.by_keys(new_keys)]))
        cache_root.mkdir(parents=True, exist_ok=True)
        np.savez(path, keys=union.keys, vectors=union.vectors, model=np.array(encoder.model_id))
    return vectors, seconds


def _only_chunk(doc: Document) -> Chunk:
    chunks = chunk_document(doc, 200, 330)
    if len(chunks) != 1:
        raise HoidapError(f"benchmark document {doc.doc_id} made {len(chunks)} chunks")
    return chunks[0]


def cache_root_for(backend: str) -> Path:
    """Where a backend's benchmark indexes and cached vectors live: the int8 model's vectors
    differ from the float model's, so they are kept apart (torch and onnx share theirs)."""
    return CACHE_ROOT / "int8" if backend == "onnx-int8" else CACHE_ROOT


def bench_index(n_chunks: int, encoder: Encoder, cache_root: Path = CACHE_ROOT,
                embed_limit: int = EMBED_LIMIT, seed: int = 0) -> BenchIndex:
    """A CorpusIndex of `n_chunks` benchmark chunks, cached under `cache_root`/<n_chunks>."""
    index_dir = cache_root / f"chunks-{n_chunks}"
    documents = bench_documents(n_chunks, seed)
    embedded = min(n_chunks, embed_limit)
    vectors, embed_seconds = embedded_vectors(documents[:embedded], encoder, cache_root)
    if index_exists(index_dir):
        try:
            corpus_index = CorpusIndex.load(index_dir, _settings(), encoder.model_id)
            if len(corpus_index.chunks) == n_chunks:
                build_seconds = float(json.loads((index_dir / BUILD_FILE).read_text())
                                      .get("build_seconds", 0.0))
                return BenchIndex(corpus_index, embedded, n_chunks - embedded, embed_seconds,
                                  build_seconds)
        except (HoidapError, OSError, ValueError) as error:
            logger.warning("rebuilding the benchmark index at %s: %s", index_dir, error)
    rng = np.random.default_rng(seed)
    all_vectors = vectors[np.arange(n_chunks) % embedded]
    if n_chunks > embedded:
        noise = rng.normal(0, NOISE, size=(n_chunks - embedded, vectors.shape[1]))
        reused = all_vectors[embedded:] + noise.astype(np.float32)
        all_vectors[embedded:] = reused / np.linalg.norm(reused, axis=1, keepdims=True)
    chunks = [_only_chunk(d) for d in documents]
    known = {embedding_key(encoder.model_id, c.search_text): all_vectors[i]
             for i, c in enumerate(chunks)}
    segments, segment_seconds = embedded_segments(chunks, encoder, cache_root)
    started = time.perf_counter()
    corpus_index = CorpusIndex.build(documents, encoder, _settings(), known_vectors=known,
                                     known_segments=segments)
    build_seconds = time.perf_counter() - started
    corpus_index.save(index_dir)
    (index_dir / BUILD_FILE).write_text(json.dumps({"build_seconds": build_seconds}))
    return BenchIndex(corpus_index, embedded, n_chunks - embedded, embed_seconds, build_seconds,
                      segment_seconds)


def corpus_stats(documents: list[Document]) -> dict[str, float]:
    words = [len(d.text.split()) for d in documents]
    return {"documents": len(documents), "mean_words": float(np.mean(words)),
            "distinct_texts": len({d.text for d in documents})}


if __name__ == "__main__":
    import sys

    size = size_of(sys.argv[1]) if len(sys.argv) > 1 else 1_000
    print(json.dumps(corpus_stats(bench_documents(size)), indent=1))
