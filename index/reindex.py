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

from index.store import CorpusIndex, IndexSettings, PassageEncoder, current_version, embedding_key
from retriever.errors import HoidapError, IndexCorruptError
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
        documents = [Document(**json.loads(line)) for line in
                     documents_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError, TypeError) as exc:
        raise IndexCorruptError(f"cannot read the documents of the index in {documents_file}: "
                                f"{exc}; rebuild it from the corpus with `hoidap index build`"
                                ) from exc
    model = manifest.get("model") if isinstance(manifest, dict) else None
    model = model if isinstance(model, str) else None
    return StoredIndex(documents, model, _chunk_vectors(folder, model),
                       _segment_vectors(folder, manifest))


def _chunk_vectors(folder: Path, model: str | None) -> dict[str, np.ndarray]:
    if model is None:
        return {}
    try:
        chunks = [Chunk(**json.loads(line)) for line in
                  (folder / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
        embeddings = np.load(folder / "embeddings.npy", allow_pickle=False)
    except (OSError, ValueError, TypeError) as exc:
        logger.warning("cannot reuse the chunk vectors in %s (%s)", folder, exc)
        return {}
    if embeddings.ndim != 2 or len(embeddings) != len(chunks):
        logger.warning("the chunk vectors in %s do not match its chunks: not reused", folder)
        return {}
    return {embedding_key(model, c.search_text): embeddings[i] for i, c in enumerate(chunks)}


def _segment_vectors(folder: Path, manifest: object) -> SegmentVectors | None:
    if not isinstance(manifest, dict) or "segment_count" not in manifest:
        return None  # written before segment vectors were stored
    try:
        return SegmentVectors.load(folder, int(manifest["dimension"]),
                                   int(manifest["segment_count"]))
    except (HoidapError, KeyError, TypeError, ValueError) as exc:
        logger.warning("cannot reuse the segment vectors in %s (%s)", folder, exc)
        return None


def reindex(index_dir: Path, encoder: PassageEncoder, settings: IndexSettings,
            show_progress: bool = False) -> CorpusIndex:
    """A current index of the documents in the index at `index_dir`, saved there (a new
    version, swapped in atomically as every save is)."""
    stored = read_stored(index_dir)
    same_model = stored.model == encoder.model_id
    if not same_model:
        logger.info("the index was built by %s, not %s: every passage is embedded again",
                    stored.model, encoder.model_id)
    segments = stored.segments if same_model and stored.segments is not None and \
        stored.segments.dimension == encoder.dimension else None
    rebuilt = CorpusIndex.build(stored.documents, encoder, settings, show_progress,
                                known_vectors=stored.vectors if same_model else None,
                                known_segments=segments)
    rebuilt.save(index_dir)
    return rebuilt
