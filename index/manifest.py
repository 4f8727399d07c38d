"""The manifest beside every index: what built it, from what, and checksums of its files."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from retriever.errors import IndexCorruptError, IndexMismatchError
from retriever.files import sha256_file

# 2: segment vectors (retriever/segments.py) beside the chunk vectors.
INDEX_FORMAT_VERSION = 2
MANIFEST_NAME = "manifest.json"


@dataclass
class IndexManifest:
    model: str
    dimension: int
    normalizer_version: str
    chunking: dict[str, Any]  # chunker version and sizes
    analyzer: dict[str, Any]
    dense_kind: str
    folded_field: bool
    documents: dict[str, str]  # doc_id -> sha256 of the document's content and metadata
    chunk_count: int
    created: str
    segment_count: int = 0  # distinct answer segments with a stored vector
    format_version: int = INDEX_FORMAT_VERSION
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256
    # The corpus the documents came from, as built; None once documents were added or
    # removed one by one (admin API, `index add/remove`), or for an index from before this
    # field: then only its own documents can rebuild it, not the corpus.
    built_from: str | None = None
    # The ranking facts extracted from the documents (index/facts), by this extractor
    # version; None for an index from before facts: they are extracted when it loads.
    facts_version: str | None = None
    fact_count: int = 0

    def write(self, folder: Path) -> None:
        self.files = {
            str(p.relative_to(folder)): sha256_file(p)
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != MANIFEST_NAME
        }
        text = json.dumps(asdict(self), ensure_ascii=False, indent=2)
        (folder / MANIFEST_NAME).write_text(text, encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> IndexManifest:
        path = folder / MANIFEST_NAME
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise IndexCorruptError(f"index at {folder} has no {MANIFEST_NAME}") from exc
        except (OSError, ValueError) as exc:
            raise IndexCorruptError(f"cannot read {path}: {exc}") from exc
        if not isinstance(raw, dict) or raw.get("format_version") != INDEX_FORMAT_VERSION:
            found = raw.get("format_version") if isinstance(raw, dict) else None
            raise IndexMismatchError(
                f"index at {folder} has format version {found}; this hoidap reads "
                f"{INDEX_FORMAT_VERSION}. Rebuild it from its own documents with `hoidap index "
                f"reindex`, or from the corpus with `hoidap index build`."
            )
        try:
            return cls(**raw)
        except TypeError as exc:
            raise IndexCorruptError(f"{path} is malformed: {exc}") from exc

    def verify_files(self, folder: Path) -> None:
        """Raise IndexCorruptError if any file is missing or differs from its checksum."""
        for name, expected in self.files.items():
            path = folder / name
            if not path.is_file():
                raise IndexCorruptError(f"index file {path} is missing; rebuild the index")
            if sha256_file(path) != expected:
                raise IndexCorruptError(
                    f"index file {path} is corrupt (checksum mismatch); rebuild the index"
                )

    def check_compatible(self, expected: dict[str, Any]) -> None:
        """Raise IndexMismatchError naming every setting that differs from `expected`."""
        actual = asdict(self)
        differences = [
            f"{key}: index has {actual.get(key)!r}, expected {value!r}"
            for key, value in expected.items()
            if actual.get(key) != value
        ]
        if differences:
            raise IndexMismatchError(
                "the index was built with other settings ("
                + "; ".join(differences)
                + "). Rebuild it from its own documents with `hoidap index reindex`, or from "
                "the corpus with `hoidap index build`."
            )
