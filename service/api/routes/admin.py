"""The admin API (bearer key): upload documents, remove one, rebuild the index; read the
feedback on answers.

Each change goes through the backend's `IndexAdmin` (service/api/index_admin.py): on files
a new index is built beside the serving one and swapped in when it is saved; on postgres it
is one transaction on the primary, seen by every app server on the database. Questions asked
meanwhile are answered from the old index; a second change meanwhile is a 409.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from index.ingest import IngestError
from retriever.errors import (
    DocumentError,
    HoidapError,
    IndexBusyError,
    IndexUpdateError,
    InvalidInputError,
)
from service.api.deps import MetricsDep, StateDep
from service.api.errors import status_code
from service.api.feedback import to_csv
from service.api.index_admin import IndexChangeResult
from service.api.jobs import Job, JobStatus
from service.api.observability import Metrics
from service.api.routes.responses import Responses, error
from service.api.schemas import (
    FeedbackList,
    FeedbackOut,
    FileProblem,
    IndexChange,
    JobOut,
)
from service.api.security import AdminOnly
from service.api.state import ServiceState
from service.api.uploads import Upload, read_uploads

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/admin", tags=["admin"], dependencies=[AdminOnly])

MAX_UPLOAD_FILES = 100
ERRORS: Responses = {
    401: error("no or wrong API key; nothing changed"),
    403: error("the admin API is disabled (no key configured)"),
    409: error("another change of the index is in progress"),
    503: error("the new index could not be written; the old one still serves"),
}
# The body is read in the route, after the key check, so an anonymous client cannot make
# the server store a large upload; this describes it for the OpenAPI schema.
UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["files"],
    "properties": {"files": {"type": "array", "minItems": 1, "maxItems": MAX_UPLOAD_FILES,
                             "description": ".txt, .md, .html, .jsonl files (and optionally "
                             "a manifest.json with their metadata)",
                             "items": {"type": "string", "format": "binary"}}},
}}}}}


def _problems(problems: list[IngestError]) -> list[FileProblem]:
    return [FileProblem(file=p.path, line=p.line, message=p.message) for p in problems]


def _counted(counters: Metrics, operation: str,
             change: Callable[[], IndexChangeResult]) -> IndexChangeResult:
    try:
        result = change()
    except IndexBusyError:
        counters.index_updates.labels(operation=operation, result="busy").inc()
        raise
    except HoidapError as error:
        outcome = "rejected" if status_code(error) < 500 else "failed"
        counters.index_updates.labels(operation=operation, result=outcome).inc()
        raise
    counters.index_updates.labels(operation=operation, result="ok").inc()
    return result


async def _apply(counters: Metrics, operation: str,
                 change: Callable[[], IndexChangeResult]) -> IndexChangeResult:
    return await run_in_threadpool(_counted, counters, operation, change)


def _job_out(job: Job) -> JobOut:
    return JobOut(job_id=job.id, operation=job.operation, status=job.status,  # type: ignore[arg-type]
                  href=f"/api/admin/jobs/{job.id}", created=job.created, started=job.started,
                  finished=job.finished, error=job.error, error_status=job.error_status,
                  result=IndexChange(**job.result) if job.result is not None else None)


async def _as_job(state: ServiceState, counters: Metrics, operation: str,
                  change: Callable[[], IndexChangeResult],
                  reply: Callable[[IndexChangeResult], IndexChange],
                  wait: bool) -> IndexChange | JSONResponse:
    """Run `change` as a job: 202 with the job at once, or (`wait`) its outcome as a
    synchronous request would have answered it."""
    try:
        job = state.jobs.submit(
            operation, lambda: reply(_counted(counters, operation, change)).model_dump())
    except IndexBusyError:
        counters.index_updates.labels(operation=operation, result="busy").inc()
        raise
    if not wait:
        out = _job_out(job)
        return JSONResponse(out.model_dump(), status_code=202, headers={"Location": out.href})
    await run_in_threadpool(job.done.wait)
    if job.status == JobStatus.FAILED:
        if job.failure is not None:
            raise job.failure
        raise IndexUpdateError(job.error or "the change failed")
    return IndexChange(**(job.result or {}))


WAIT = Query(description="answer when the change is done (200 with what changed), not at "
             "once with a job (202)")
JOB_RESPONSES: Responses = {202: {"model": JobOut, "description": "the change runs as a job: "
                                  "poll its href (also in Location)"}}


@router.post("/documents", response_model=IndexChange, openapi_extra=UPLOAD_BODY,
             responses={400: error("no file could be read, or a "
                              "malformed multipart body"),
                        413: error("upload too large"),
                        422: error("no file in the request, or wait is not a boolean"),
                        **JOB_RESPONSES, **ERRORS})
async def upload_documents(request: Request, state: StateDep, counters: MetricsDep,
                           wait: Annotated[bool, WAIT] = False) -> IndexChange | JSONResponse:
    """Add or replace documents (same doc_id) from uploaded files, as a job (202) or, with
    `wait=true`, answered when done; each file or line that cannot be read is listed in
    `errors` and the rest is indexed. Files are read (and refused: 400, 413, 422) at once."""
    form = await request.form(max_files=MAX_UPLOAD_FILES, max_fields=MAX_UPLOAD_FILES)
    try:
        uploads = [Upload(value.filename or "", value.file) for _, value in form.multi_items()
                   if isinstance(value, UploadFile)]
        if not uploads:
            raise InvalidInputError("no file in the request: send multipart/form-data with "
                                    "one or more `files` parts")
        read = await run_in_threadpool(read_uploads, uploads,
                                       state.settings.max_upload_file_bytes)
    finally:
        await form.close()
    if not read.documents:
        raise DocumentError("no document could be read from the upload: "
                            + "; ".join(str(p) for p in read.problems))
    problems = _problems(read.problems)

    def reply(result: IndexChangeResult) -> IndexChange:
        return IndexChange(added=result.added, replaced=result.replaced, errors=problems,
                           documents=result.documents, chunks=result.chunks)

    return await _as_job(state, counters, "upload", partial(state.admin.add, read.documents),
                         reply, wait)


@router.delete("/documents/{doc_id}", response_model=IndexChange,
               responses={404: error("no such document"),
                          422: error("the last document"),
                          **ERRORS})
async def remove_document(doc_id: str, state: StateDep, counters: MetricsDep) -> IndexChange:
    """Remove a document; nothing is re-embedded."""
    result = await _apply(counters, "remove", partial(state.admin.remove, doc_id))
    return IndexChange(removed=result.removed, documents=result.documents,
                       chunks=result.chunks)


@router.post("/reindex", response_model=IndexChange, responses={**JOB_RESPONSES, **ERRORS})
async def reindex(state: StateDep, counters: MetricsDep,
                  wait: Annotated[bool, WAIT] = False) -> IndexChange | JSONResponse:
    """Rebuild the index from the documents it holds with the current settings (re-chunked;
    text the model has embedded before is not embedded again), also when it could not be
    loaded (older format, other settings or model, corrupt vectors); from the configured
    corpus (HOIDAP_CORPUS) only when there is no index or its documents cannot be read. A
    job (202), or with `wait=true` answered when done."""

    def reply(result: IndexChangeResult) -> IndexChange:
        return IndexChange(errors=_problems(result.problems), documents=result.documents,
                           chunks=result.chunks)

    return await _as_job(state, counters, "reindex", state.admin.reindex, reply, wait)


@router.get("/jobs/{job_id}", response_model=JobOut,
            responses={404: error("no such job: unknown, or one of many older ones"),
                       401: ERRORS[401], 403: ERRORS[403]})
def get_job(job_id: str, state: StateDep) -> JobOut:
    """An upload's or reindex's progress and outcome."""
    return _job_out(state.jobs.get(job_id))


@router.get("/jobs", response_model=list[JobOut], responses={401: ERRORS[401],
                                                             403: ERRORS[403]})
def list_jobs(state: StateDep) -> list[JobOut]:
    """This server's latest jobs, newest first."""
    return [_job_out(job) for job in state.jobs.recent()]


FEEDBACK_PAGE = 100
MAX_FEEDBACK_PAGE = 1000
CSV_FILE_NAME = "hoidap-feedback.csv"


# A plain function, run in the thread pool: it reads a file (or the database).
@router.get("/feedback", response_model=FeedbackList, responses={
    200: {"content": {"text/csv": {"schema": {"type": "string"}}},
          "description": "JSON, or CSV with `format=csv`"},
    401: ERRORS[401], 403: ERRORS[403],
    422: error("offset, limit or format out of range"),
    503: error("the feedback could not be read")})
def list_feedback(
    state: StateDep,
    output: Annotated[Literal["json", "csv"], Query(
        alias="format", description="json, or csv (UTF-8 with a byte-order mark, for "
        "spreadsheets)")] = "json",
    offset: Annotated[int, Query(ge=0, description="feedback to skip, newest first")] = 0,
    limit: Annotated[int | None, Query(ge=1, le=MAX_FEEDBACK_PAGE, description=(
        f"feedback per page; default {FEEDBACK_PAGE} (JSON), all of it (CSV)"))] = None,
) -> FeedbackList | Response:
    """The feedback on answers, newest first: the latest on each answer (a later feedback
    on an answer replaces the earlier one), with its question, answer and citations' ids."""
    if output == "csv":
        page = state.feedback.list(offset, limit)
        # The BOM makes spreadsheet programs read the file as UTF-8 (Vietnamese text).
        return Response("\ufeff" + to_csv(page.feedback), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition":
                                 f'attachment; filename="{CSV_FILE_NAME}"'})
    size = limit or FEEDBACK_PAGE
    page = state.feedback.list(offset, size)
    return FeedbackList(feedback=[FeedbackOut.model_validate(f, from_attributes=True)
                                  for f in page.feedback],
                        total=page.total, offset=offset, limit=size)
