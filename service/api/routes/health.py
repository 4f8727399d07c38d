"""GET /healthz (the process is up), /readyz (the index is loaded and answers) and /metrics
(Prometheus text format)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from service.api.deps import MetricsDep, StateDep
from service.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    return Health(status="ok")


# A plain function, run in the thread pool: on postgres the counts are a database query.
@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
def readyz(state: StateDep) -> Health | JSONResponse:
    if state.loaded is None:
        body = Health(status="error" if state.error else "loading", detail=state.error)
        return JSONResponse(body.model_dump(), status_code=503)
    reader = state.reader
    return Health(status="ready", documents=len(state.loaded.corpus_index.documents),
                  chunks=len(state.loaded.corpus_index.chunks),
                  reader=reader.active if reader else None,
                  reader_requested=reader.requested if reader else None,
                  reader_detail=reader.detail if reader else None)


# A plain function too: the index-size gauges read the index (a query on postgres).
@router.get("/metrics", include_in_schema=False)
def metrics(counters: MetricsDep) -> Response:
    return Response(counters.render(), media_type=CONTENT_TYPE_LATEST)
