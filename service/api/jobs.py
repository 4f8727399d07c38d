"""Admin changes as jobs: an upload or a reindex returns at once with a job id, and
`GET /api/admin/jobs/{id}` reports its progress and outcome.

One job at a time, in a thread of its own (the index takes one writer at a time: a second
job while one is queued or running is refused with IndexBusyError, 409, as a second change
always was). A job that fails, however (a HoidapError, a crash of the embedding process,
anything), is marked failed with its reason and HTTP status, and the index that was serving
goes on serving. Jobs are kept in memory, the latest `keep` of them: a restart forgets them
(and any job then running never committed: both backends change the index atomically).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from retriever.errors import HoidapError, IndexBusyError, JobNotFoundError

logger = logging.getLogger(__name__)

KEEP_JOBS = 100


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class Job:
    id: str
    operation: str
    status: JobStatus = JobStatus.QUEUED
    created: str = field(default_factory=_now)
    started: str | None = None
    finished: str | None = None
    result: dict[str, Any] | None = None  # the IndexChange of a job that succeeded
    error: str | None = None
    error_status: int | None = None  # the HTTP status the change would have answered
    failure: HoidapError | None = field(default=None, repr=False)
    done: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def active(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)


class Jobs:
    """The admin jobs of this server process."""

    def __init__(self, status_of: Callable[[HoidapError], int], keep: int = KEEP_JOBS) -> None:
        self._status_of = status_of
        self._keep = keep
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def submit(self, operation: str, work: Callable[[], dict[str, Any]]) -> Job:
        """Start `work` (returning the result to report) as a job; IndexBusyError if a job
        is queued or running."""
        with self._lock:
            if any(job.active for job in self._jobs.values()):
                raise IndexBusyError("another change of the index is in progress; try again "
                                     "when it has finished (GET /api/admin/jobs/{id})")
            job = Job(uuid.uuid4().hex, operation)
            self._jobs[job.id] = job
            while len(self._jobs) > self._keep:
                self._jobs.popitem(last=False)
        thread = threading.Thread(target=self._run, args=(job, work),
                                  name=f"hoidap-job-{operation}", daemon=True)
        thread.start()
        return job

    def _run(self, job: Job, work: Callable[[], dict[str, Any]]) -> None:
        job.status, job.started = JobStatus.RUNNING, _now()
        started = time.perf_counter()
        try:
            job.result = work()
            job.status = JobStatus.SUCCEEDED
        except HoidapError as error:
            job.failure, job.error = error, str(error)
            job.error_status = self._status_of(error)
            job.status = JobStatus.FAILED
        except Exception as error:  # a bug: the job says so, the server goes on
            logger.exception("job %s (%s) failed", job.id, job.operation)
            job.error = f"internal error ({type(error).__name__}); see the server log"
            job.error_status = 500
            job.status = JobStatus.FAILED
        finally:
            job.finished = _now()
            job.done.set()
        logger.info("job %s (%s) %s in %.1f s", job.id, job.operation, job.status,
                    time.perf_counter() - started)

    def get(self, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise JobNotFoundError(f"no job {job_id!r} (unknown, or one of more than "
                                   f"{self._keep} older ones)")
        return job

    def recent(self) -> list[Job]:
        return list(reversed(self._jobs.values()))
