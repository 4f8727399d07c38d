"""GET /api/search: ranked passages for staff, with province and date filters."""

from __future__ import annotations

import time
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from retriever.search import MAX_QUERY_CHARS, MAX_TOP_K
from retriever.types import SearchFilter
from service.answering import Citation
from service.api.deps import LoadedDep, RateLimited, StateDep
from service.api.limits import within
from service.api.routes.chat import ERRORS
from service.api.schemas import CitationOut, SearchResponse

router = APIRouter(prefix="/api", tags=["search"], dependencies=[RateLimited])


@router.get("/search", response_model=SearchResponse, responses=ERRORS)
async def search(
    service: LoadedDep,
    state: StateDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS, description="query")],
    top_k: Annotated[int, Query(ge=1, le=MAX_TOP_K)] = 10,
    province: Annotated[str | None, Query(max_length=100)] = None,
    # Dates, not patterns: 2023-13-45 is a 422, not an empty result.
    published_from: Annotated[date | None, Query(alias="from")] = None,
    published_to: Annotated[date | None, Query(alias="to")] = None,
    retriever: Literal["hybrid", "bm25", "dense"] = "hybrid",
) -> SearchResponse:
    """Passages ranked by relevance (same fields as a chat citation; `n` is the rank)."""
    started = time.perf_counter()
    search_filter = SearchFilter(province or None,
                                 published_from.isoformat() if published_from else None,
                                 published_to.isoformat() if published_to else None)
    passages = await within(state.settings.answer_timeout_s, "searching",
                            service.searcher.search, q, top_k, search_filter, retriever)
    hits = [CitationOut.of(Citation.from_passage(n, p)) for n, p in enumerate(passages, 1)]
    return SearchResponse(hits=hits,
                          timings_ms={"total": round((time.perf_counter() - started) * 1000, 2)})
