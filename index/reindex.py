"""Rebuilds an index from the documents it holds, even one this hoidap cannot load.

An index written by an older hoidap (another format version), with other settings or by
another model is refused by `CorpusIndex.load`. Rebuilding it from the configured corpus
would lose what was added with `hoidap index add` or the admin API, so this reads only what
every version has written the same way (the manifest's model, `documents.jsonl`, and the
chunk vectors with their chunks) and builds a current index of those documents. Vectors
are reused where the model is the same: a chunk's by its text, a segment's when the old
index stored them; anything else is embedded again.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.manifest import sha256_file
from index.store import (
    CorpusIndex,
    IndexSettings,
    PassageEncoder,
    current_version,
    read_records,
    vectors_by_key,
)
from retriever.errors import IndexCorruptError
from retriever.segments import FILES as SEGMENT_FILES
from retriever.segments import SegmentVectors
from retriever.types import Chunk, Document

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredIndex:
    """What can be read back from an index folder of any version."""

    documents: list[Document]
    model: str | None
    vectors: dict[str, np.ndarray]  # by embedding key (model and chunk text)
    segments: SegmentVectors | None
    built_from: str | None = None  # the manifest's: the corpus it was built from, if any


def read_stored(index_dir: Path) -> StoredIndex:
    """The current version's documents (they must be readable) and whatever vectors can
    still be used (silently none when they cannot: they can be computed again)."""
    folder = current_version(index_dir)
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        manifest = {}
        logger.warning("cannot read the manifest in %s (%s): every passage is embedded again",
                       folder, exc)
    documents_file = folder / "documents.jsonl"
    try:
        documents = read_records(documents_file, Document)
    except (OSError, ValueError, TypeError) as exc:
        raise IndexCorruptError(f"cannot read the documents of the index in {documents_file}: "
                                f"{exc}; rebuild it from the corpus with `hoidap index build`"
                                ) from exc
    manifest = manifest if isinstance(manifest, dict) else {}
    if not _intact(folder, manifest, ("documents.jsonl",)):
        logger.warning("%s does not match its checksum: its documents are used as they read",
                       documents_file)
    model = manifest.get("model")
    model = model if isinstance(model, str) else None
    built_from = manifest.get("built_from")
    return StoredIndex(documents, model, _chunk_vectors(folder, manifest, model),
                       _segment_vectors(folder, manifest),
                       built_from if isinstance(built_from, str) else None)


def _intact(folder: Path, manifest: dict[str, object], names: tuple[str, ...]) -> bool:
    """The files match the checksums the manifest recorded (when it recorded any)."""
    recorded = manifest.get("files")
    if not isinstance(recorded, dict):
        return True
    try:
        return all(name not in recorded or sha256_file(folder / name) == recorded[name]
                   for name in names)
    except OSError:
        return False


# Reusing vectors is best effort: whatever goes wrong reading them (a truncated .npy raises
# EOFError, a stray file anything), they are computed again.
def _chunk_vectors(folder: Path, manifest: dict[str, object],
                   model: str | None) -> dict[str, np.ndarray]:
    if model is None:
        return {}
    if not _intact(folder, manifest, ("chunks.jsonl", "embeddings.npy")):
        logger.warning("the chunk vectors in %s fail their checksums: not reused", folder)
        return {}
    try:
        chunks = read_records(folder / "chunks.jsonl", Chunk)
        embeddings = np.load(folder / "embeddings.npy", allow_pickle=False)
    except Exception as exc:  # see above
        logger.warning("cannot reuse the chunk vectors in %s (%s)", folder, exc)
        return {}
    if embeddings.ndim != 2 or len(embeddings) != len(chunks):
        logger.warning("the chunk vectors in %s do not match its chunks: not reused", folder)
        return {}
    return vectors_by_key(model, chunks, embeddings)


def _segment_vectors(folder: Path, manifest: dict[str, object]) -> SegmentVectors | None:
    if "segment_count" not in manifest:
        return None  # written before segment vectors were stored
    if not _intact(folder, manifest, SEGMENT_FILES):
        logger.warning("the segment vectors in %s fail their checksums: not reused", folder)
        return None
    dimension, count = manifest.get("dimension"), manifest.get("segment_count")
    if not isinstance(dimension, int) or not isinstance(count, int):
        return None
    try:
        return SegmentVectors.load(folder, dimension, count)
    except Exception as exc:  # see above
        logger.warning("cannot reuse the segment vectors in %s (%s)", folder, exc)
        return None


def reindex(index_dir: Path, encoder: PassageEncoder, settings: IndexSettings,
            show_progress: bool = False) -> CorpusIndex:
    """`rebuild_stored`, saved at `index_dir` (a new version, swapped in atomically as every
    save is: if anything fails before, the old version stays current)."""
    rebuilt = rebuild_stored(index_dir, encoder, settings, show_progress)
    rebuilt.save(index_dir)
    return rebuilt


def rebuild_stored(index_dir: Path, encoder: PassageEncoder, settings: IndexSettings,
                   show_progress: bool = False) -> CorpusIndex:
    """A current index of the documents in the index at `index_dir` (not saved)."""
    stored = read_stored(index_dir)
    vectors, segments = reusable_vectors(stored, encoder)
    rebuilt = CorpusIndex.build(stored.documents, encoder, settings, show_progress,
                                known_vectors=vectors, known_segments=segments)
    # The same documents: still what its corpus gave, if they were.
    rebuilt.manifest.built_from = stored.built_from
    return rebuilt


def reusable_vectors(stored: StoredIndex, encoder: PassageEncoder,
                     ) -> tuple[dict[str, np.ndarray], SegmentVectors | None]:
    """The stored chunk and segment vectors `encoder` would compute itself (same model)."""
    if stored.model != encoder.model_id:
        logger.info("the index was built by %s, not %s: every passage is embedded again",
                    stored.model, encoder.model_id)
        return {}, None
    segments = stored.segments
    if segments is not None and segments.dimension != encoder.dimension:
        segments = None
    return stored.vectors, segments
