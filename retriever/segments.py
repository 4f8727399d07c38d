"""Stored vectors of the passages' answer segments (sentences and their ";"-parts).

The answerer compares the question with the segments of the passages it retrieved
(service/answering/semantic.py). Embedding them while a citizen waits was most of a new
question's cost (at 100k chunks almost every retrieved passage is new), so the index embeds
every segment once, when it is built, and answering looks them up by text.

A segment is keyed by a 64-bit BLAKE2b hash of its text: a dict from key to row is an O(1)
lookup that costs ~100 bytes a segment in memory where the texts themselves would cost
several times that; with a million segments the chance that two texts share a key is
about 3e-8. Vectors are stored as float16: half the disk and memory, and a question's
cosine with a stored vector differs from the float32 one by < 1e-3 (measured: see
tests/retriever/test_segments.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from retriever.errors import IndexCorruptError

KEYS_FILE = "segment_keys.npy"
VECTORS_FILE = "segment_vectors.npy"
FILES = (KEYS_FILE, VECTORS_FILE)
STORED_DTYPE = np.float16


def segment_key(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(),
                          "little")


class SegmentVectors:
    """An immutable map from segment text (by key) to its passage embedding."""

    def __init__(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        if keys.ndim != 1 or vectors.ndim != 2 or len(keys) != len(vectors):
            raise ValueError(f"segment keys {keys.shape} and vectors {vectors.shape} differ")
        self.keys = np.ascontiguousarray(keys, dtype=np.uint64)
        self.vectors = np.ascontiguousarray(vectors, dtype=STORED_DTYPE)
        self._rows = dict(zip(self.keys.tolist(), range(len(self.keys)), strict=True))
        if len(self._rows) != len(self.keys):
            raise ValueError("segment keys are not unique")

    @classmethod
    def empty(cls, dimension: int) -> SegmentVectors:
        return cls(np.zeros(0, dtype=np.uint64), np.zeros((0, dimension), dtype=STORED_DTYPE))

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def dimension(self) -> int:
        return int(self.vectors.shape[1])

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def get(self, text: str) -> np.ndarray | None:
        """The float32 vector of `text`, or None when it was not stored."""
        row = self._rows.get(segment_key(text))
        return None if row is None else self.vectors[row].astype(np.float32)

    def by_keys(self, keys: Sequence[int]) -> np.ndarray:
        """Stored rows of `keys` (all present), as stored (float16)."""
        return self.vectors[[self._rows[k] for k in keys]]

    def merged(self, texts: Sequence[str], vectors: np.ndarray,
               keep: Iterable[int] | None = None) -> SegmentVectors:
        """These vectors (only those of `keep`'s keys, when given) plus `texts`' new ones."""
        kept = self.keys if keep is None else np.array(
            [k for k in dict.fromkeys(keep) if k in self._rows], dtype=np.uint64)
        new_keys = np.array([segment_key(t) for t in texts], dtype=np.uint64)
        return SegmentVectors(
            np.concatenate([kept, new_keys]),
            np.concatenate([self.by_keys(kept.tolist()),
                            np.asarray(vectors, dtype=np.float32).astype(STORED_DTYPE)]))

    def subset(self, keys: Iterable[int]) -> SegmentVectors:
        """Only the vectors of `keys` (those stored)."""
        return self.merged([], np.zeros((0, self.dimension), dtype=np.float32), keep=keys)

    # ---- disk -----------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        np.save(folder / KEYS_FILE, self.keys, allow_pickle=False)
        np.save(folder / VECTORS_FILE, self.vectors, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path, dimension: int, count: int) -> SegmentVectors:
        """The segment vectors saved in `folder`; IndexCorruptError unless they are `count`
        vectors of `dimension` floats with unique keys."""
        try:
            keys = np.load(folder / KEYS_FILE, allow_pickle=False)
            vectors = np.load(folder / VECTORS_FILE, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise IndexCorruptError(f"cannot read the segment vectors in {folder}: {exc}; "
                                    "rebuild the index") from exc
        if (keys.dtype != np.uint64 or vectors.dtype != STORED_DTYPE
                or vectors.shape != (count, dimension) or keys.shape != (count,)):
            raise IndexCorruptError(
                f"the segment vectors in {folder} are inconsistent (keys {keys.dtype} "
                f"{keys.shape}, vectors {vectors.dtype} {vectors.shape}, expected {count} "
                f"of {dimension}); rebuild the index")
        try:
            return cls(keys, vectors)
        except ValueError as exc:
            raise IndexCorruptError(f"the segment vectors in {folder} are inconsistent: "
                                    f"{exc}; rebuild the index") from exc
