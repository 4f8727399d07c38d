"""Feedback on answers (thumbs up or down, an optional comment) and where it is kept.

What is stored is what the answer was, from the server's own memory of it (`state.recent`),
and what the person said of it: the question (as typed and as answered), the answer, the
ids of the passages it cites, the rating, the comment and the time. Nothing else about the
person: no address, no request id, no browser.

One feedback per answer: a later one on the same answer (a changed mind, a comment added
after the thumb) replaces the earlier one in every listing, the last wins. Every submission
is counted (`hoidap_feedback_total`) and, on the files backend, kept in the file.

Two stores with one interface (`FeedbackStore`), chosen in `open_store` by the backend:

    files     `feedback.jsonl` in the index folder, beside `current` and `versions/`, which
              index saves and rebuilds never touch; append-only, one JSON object a line,
              each write flushed and fsync'ed under a lock
    postgres  the `feedback` table (migration 2, index/postgres/schema.py), at
              HOIDAP_FEEDBACK_DSN, else HOIDAP_PRIMARY_DSN, else HOIDAP_DSN
"""

from __future__ import annotations

import builtins
import csv
import fcntl
import io
import json
import logging
import os
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import psycopg
from psycopg import errors as pg_errors

from index.postgres.db import connect, describe_dsn, translated_errors
from index.postgres.schema import SCHEMA
from retriever.errors import FeedbackStorageError
from retriever.types import check_page
from service.api.recent import GivenAnswer
from service.config import Settings

logger = logging.getLogger(__name__)

Rating = Literal["up", "down"]
RATINGS: tuple[Rating, ...] = ("up", "down")
FEEDBACK_FILE = "feedback.jsonl"
CSV_COLUMNS = ("id", "time", "rating", "comment", "question", "resolved_question", "answer",
               "abstained", "citation_ids", "answer_id")
# A spreadsheet runs a cell that starts with one of these as a formula: text typed by the
# public is exported with a leading apostrophe instead (OWASP, "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Feedback:
    id: str
    time: datetime  # UTC
    answer_id: str
    rating: Rating
    comment: str | None
    question: str  # as typed
    resolved_question: str  # as answered, after follow-up resolution
    answer: str
    abstained: bool
    citation_ids: tuple[str, ...]

    @classmethod
    def on(cls, answer_id: str, given: GivenAnswer, rating: Rating, comment: str | None,
           now: datetime | None = None) -> Feedback:
        """New feedback (a new id) on the answer `given` under `answer_id`."""
        return cls(uuid.uuid4().hex, now or datetime.now(UTC), answer_id, rating, comment,
                   given.question, given.resolved_question, given.answer, given.abstained,
                   tuple(given.citation_ids))

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "time": self.time.isoformat(), "answer_id": self.answer_id,
                "rating": self.rating, "comment": self.comment, "question": self.question,
                "resolved_question": self.resolved_question, "answer": self.answer,
                "abstained": self.abstained, "citation_ids": list(self.citation_ids)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Feedback:
        """Raises ValueError (or KeyError, TypeError) for anything that is not a record."""
        rating = data["rating"]
        if rating not in RATINGS:
            raise ValueError(f"unknown rating {rating!r}")
        time = datetime.fromisoformat(data["time"])
        if time.tzinfo is None:
            raise ValueError("a time without a time zone")
        comment = data.get("comment")
        texts = (data["id"], data["answer_id"], data["question"], data["resolved_question"],
                 data["answer"], *data["citation_ids"])
        if not all(isinstance(t, str) for t in texts) or not isinstance(
                comment, str | None) or not isinstance(data["abstained"], bool):
            raise TypeError("a field of the wrong type")
        return cls(data["id"], time.astimezone(UTC), data["answer_id"], rating, comment,
                   data["question"], data["resolved_question"], data["answer"],
                   data["abstained"], tuple(data["citation_ids"]))


@dataclass(frozen=True)
class FeedbackPage:
    feedback: list[Feedback]  # newest first
    total: int  # answers with feedback, on every page


class FeedbackStore(Protocol):
    def add(self, feedback: Feedback) -> None:
        """Store `feedback` durably; it replaces earlier feedback on the same answer."""

    def list(self, offset: int = 0, limit: int | None = None) -> FeedbackPage:
        """The latest feedback on each answer, newest first; `limit` None: all of it."""


def _page(newest_first: builtins.list[Feedback], offset: int,
          limit: int | None) -> FeedbackPage:
    end = None if limit is None else offset + limit
    return FeedbackPage(newest_first[offset:end], len(newest_first))


def _check_page(offset: int, limit: int | None) -> None:
    check_page(offset, 1 if limit is None else limit)


class FileFeedbackStore:
    """Feedback as JSON lines in one file, appended to and never rewritten.

    Each line is written with one write, then flushed to the disk (fsync) before the request
    is answered, under a lock (threads of this process, and an flock against any other). A
    write cut short (power loss, full disk) leaves a torn last line: reading skips it with a
    warning, and the next write starts on a new line so that it is not glued to it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def add(self, feedback: Feedback) -> None:
        line = (json.dumps(feedback.to_json(), ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            try:
                self._append(line)
            except OSError as error:
                raise FeedbackStorageError(
                    f"could not store the feedback in {self.path}: {error.strerror or error}"
                ) from error

    def _append(self, line: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        # Private: comments are what members of the public typed.
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line  # after a torn write: a line of its own
            view = memoryview(line)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)  # also releases the flock
        if created:  # the file's name in its folder must reach the disk too
            folder = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)

    def list(self, offset: int = 0, limit: int | None = None) -> FeedbackPage:
        _check_page(offset, limit)
        latest: dict[str, Feedback] = {}
        try:
            # Under the lock: a line being written is not mistaken for a torn one.
            with self._lock, self.path.open("rb") as lines:
                for number, raw in enumerate(lines, 1):
                    if not raw.strip():
                        continue
                    try:
                        record = Feedback.from_json(json.loads(raw))
                    except (ValueError, KeyError, TypeError) as error:
                        what = ("a torn last line (a write was interrupted)"
                                if not raw.endswith(b"\n") else "a line that is no feedback")
                        logger.warning("%s, line %d: skipped %s: %s", self.path, number, what,
                                       error)
                        continue
                    latest.pop(record.answer_id, None)  # to the end: ordered by the latest
                    latest[record.answer_id] = record
        except FileNotFoundError:
            pass
        except OSError as error:
            raise FeedbackStorageError(
                f"could not read the feedback in {self.path}: {error.strerror or error}"
            ) from error
        return _page(builtins.list(reversed(latest.values())), offset, limit)


_COLUMNS = ("id, created, answer_id, rating, comment, question, resolved_question, answer, "
            "abstained, citation_ids")


class PostgresFeedbackStore:
    """Feedback in the `feedback` table, one row per answer. A connection per call:
    feedback is a trickle, and each call then finds the database as it is now."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        where = describe_dsn(self.dsn)
        with translated_errors(self.dsn):
            connection = connect(self.dsn, application_name="hoidap-feedback", vectors=False)
            try:
                yield connection
            except pg_errors.ReadOnlySqlTransaction as error:
                raise FeedbackStorageError(
                    f"the database at {where} is read-only (a replica?): set "
                    "HOIDAP_PRIMARY_DSN (or HOIDAP_FEEDBACK_DSN) to the primary's connection "
                    "string") from error
            except pg_errors.UndefinedTable as error:
                raise FeedbackStorageError(
                    f"the database at {where} has no feedback table (its schema is older "
                    "than this hoidap): migrate it with `hoidap index add|remove|build "
                    "--backend postgres` against the primary") from error
            finally:
                connection.close()

    def add(self, feedback: Feedback) -> None:
        with self._connection() as connection:
            connection.execute(
                f"INSERT INTO {SCHEMA}.feedback ({_COLUMNS}) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (answer_id) DO UPDATE SET id = excluded.id, "
                "created = excluded.created, rating = excluded.rating, "
                "comment = excluded.comment",
                (feedback.id, feedback.time, feedback.answer_id, feedback.rating,
                 feedback.comment, feedback.question, feedback.resolved_question,
                 feedback.answer, feedback.abstained, builtins.list(feedback.citation_ids)))

    def list(self, offset: int = 0, limit: int | None = None) -> FeedbackPage:
        _check_page(offset, limit)
        with self._connection() as connection:
            # The count and the page from one snapshot.
            connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            with connection.transaction():
                row = connection.execute(f"SELECT count(*) FROM {SCHEMA}.feedback").fetchone()
                rows = connection.execute(
                    f"SELECT {_COLUMNS} FROM {SCHEMA}.feedback ORDER BY created DESC, id DESC "
                    "OFFSET %s LIMIT %s", (offset, limit)).fetchall()
        records = [Feedback(r[0], r[1].astimezone(UTC), r[2], r[3], r[4], r[5], r[6], r[7],
                            r[8], tuple(r[9])) for r in rows]
        return FeedbackPage(records, int(row[0]) if row else 0)


def open_store(settings: Settings) -> FeedbackStore:
    """The store of the configured backend: the one place that chooses. Opens nothing yet."""
    if settings.backend == "postgres":
        dsn = settings.feedback_dsn or settings.primary_dsn or settings.dsn
        if dsn is None:  # the settings refuse the postgres backend without a DSN
            raise ValueError("the postgres backend needs a DSN")
        return PostgresFeedbackStore(dsn.get_secret_value())
    return FileFeedbackStore(settings.index_dir / FEEDBACK_FILE)


def _cell(text: str | None) -> str:
    if text is None:
        return ""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def to_csv(records: Iterable[Feedback]) -> str:
    """A header row, then one row per feedback (RFC 4180 quoting; time in ISO 8601 UTC,
    citation ids as a JSON array; free text that a spreadsheet would run as a formula
    starts with an apostrophe)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for f in records:
        writer.writerow([f.id, f.time.isoformat(), f.rating, _cell(f.comment),
                         _cell(f.question), _cell(f.resolved_question), _cell(f.answer),
                         "true" if f.abstained else "false",
                         json.dumps(builtins.list(f.citation_ids), ensure_ascii=False),
                         f.answer_id])
    return out.getvalue()
