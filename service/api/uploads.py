"""Uploaded files -> documents: each file is checked, written to a scratch folder and read by
the corpus readers of `index/ingest.py`. A file (or JSONL line) that cannot be used becomes
an IngestError naming it as the client did; everything else is kept."""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from index.ingest import MANIFEST, SUPPORTED_SUFFIXES, IngestError, read_corpus
from retriever.types import Document

COPY_CHUNK_BYTES = 1024 * 1024
MAX_DOC_ID_CHARS = 200
# A doc_id is a URL path segment (/api/documents/{doc_id}): no "/" and no control characters.
_DOC_ID_RE = re.compile(r"^[^/\x00-\x1f\x7f]+$")


@dataclass(frozen=True)
class Upload:
    name: str
    data: BinaryIO


@dataclass
class ReadUploads:
    documents: list[Document] = field(default_factory=list)
    problems: list[IngestError] = field(default_factory=list)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _safe_name(name: str) -> str | None:
    # Only the last part of what the client calls the file: never a path of ours.
    base = PurePosixPath(name.replace("\\", "/")).name.strip()
    if not base or base.startswith(".") or any(ord(c) < 32 for c in base):
        return None
    return base


def _copy_limited(source: BinaryIO, target: Path, limit: int) -> int | None:
    """Copies `source` to `target`; None (and no file) once it passes `limit` bytes."""
    size = 0
    with target.open("wb") as out:
        while chunk := source.read(COPY_CHUNK_BYTES):
            size += len(chunk)
            if size > limit:
                break
            out.write(chunk)
    if size > limit:
        target.unlink()
        return None
    return size


def _stage(uploads: list[Upload], folder: Path, max_file_bytes: int) -> tuple[
        dict[str, str], list[IngestError]]:
    """Writes the usable files into `folder`; (their names there -> names given, problems)."""
    names: dict[str, str] = {}
    problems: list[IngestError] = []
    for upload in uploads:
        name = _safe_name(upload.name)
        if name is None:
            problems.append(IngestError(upload.name or "(no name)", None, "unusable file name"))
            continue
        suffix = PurePosixPath(name).suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES and name != MANIFEST:
            problems.append(IngestError(upload.name, None, (
                f"unsupported file type {suffix or '(none)'!r}; expected one of "
                + ", ".join(sorted(SUPPORTED_SUFFIXES)) + f" or {MANIFEST}")))
            continue
        if name in names:
            problems.append(IngestError(upload.name, None, "a file of the same name is already "
                                    "in this upload"))
            continue
        if _copy_limited(upload.data, folder / name, max_file_bytes) is None:
            problems.append(IngestError(upload.name, None, (
                f"file is larger than the limit of {_megabytes(max_file_bytes)} per file")))
            continue
        names[name] = upload.name
    return names, problems


def read_uploads(uploads: list[Upload], max_file_bytes: int) -> ReadUploads:
    result = ReadUploads()
    folder = Path(tempfile.mkdtemp(prefix="hoidap-upload-"))
    try:
        names, result.problems = _stage(uploads, folder, max_file_bytes)
        if not names:
            return result
        ingested = read_corpus(folder)
        for error in ingested.errors:
            given = names.get(Path(error.path).name, Path(error.path).name)
            result.problems.append(IngestError(given, error.line, error.message))
        for document in ingested.documents:
            # The scratch folder is gone after this call: record the name the file was given.
            path, _, line = (document.source or "").rpartition(":")
            if not line.isdigit():
                path, line = document.source or "", ""
            given = names.get(Path(path).name, Path(path).name)
            problem = _doc_id_problem(document.doc_id)
            if problem:
                result.problems.append(IngestError(given, int(line) if line else None, problem))
                continue
            source = f"upload:{given}" + (f":{line}" if line else "")
            result.documents.append(replace(document, source=source))
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _doc_id_problem(doc_id: str) -> str | None:
    if len(doc_id) > MAX_DOC_ID_CHARS:
        return f"doc_id is longer than {MAX_DOC_ID_CHARS} characters"
    if not _DOC_ID_RE.match(doc_id):
        return f"doc_id {doc_id!r} cannot be part of a URL (no '/' or control characters)"
    return None
