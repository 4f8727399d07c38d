"""GET /api/facts: the ranking facts the index holds, filtered, as JSON or CSV, for staff."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from index.facts import FactHit, FactQuery, Measure, RankingIndex
from service.api.deps import LoadedDep
from service.api.routes.responses import error
from service.api.schemas import FactList, FactOut, FactSubjectOut, FactSubjects

router = APIRouter(prefix="/api", tags=["facts"])

PAGE = 100
MAX_PAGE = 1000
CSV_COLUMNS = list(FactOut.model_fields)


def _out(hit: FactHit) -> FactOut:
    fact = hit.fact
    return FactOut(subject=fact.subject, index=fact.index.value, year=fact.year,
                   measure=fact.measure.value, value=fact.value, out_of=fact.out_of,
                   unit=fact.unit, level=fact.level.value, within=fact.within,
                   doc_id=fact.doc_id, title=hit.title,
                   published=hit.published, span=hit.span, start=fact.start, end=fact.end,
                   sentence=hit.sentence, year_inherited=fact.year_inherited,
                   index_inherited=fact.index_inherited)


# A plain function, run in the thread pool: the postgres backend reads the database.
@router.get("/facts", response_model=FactList,
            responses={200: {"content": {"text/csv": {}}},
                       422: error("a filter or the page out of range")})
def list_facts(
    service: LoadedDep,
    subject: Annotated[str | None, Query(max_length=200, description=(
        "a province in any spelling (\"binh phuoc\", \"TP.HCM\") or a unit's name"))] = None,
    index: Annotated[RankingIndex | None, Query(description="the ranking index")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    measure: Annotated[Measure | None, Query()] = None,
    offset: Annotated[int, Query(ge=0, description="facts to skip")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="facts per page")] = PAGE,
    format_: Annotated[Literal["json", "csv"],
                       Query(alias="format", description="json or csv")] = "json",
) -> FactList | Response:
    """Facts newest article first (then document and text order), each with the words
    that state it, so that contradicting articles are both seen, with their dates."""
    page = service.corpus_index.fact_page(FactQuery(subject, index, year, measure, offset,
                                                    limit))
    rows = [_out(hit) for hit in page.facts]
    if format_ == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row.model_dump())
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"X-Total-Count": str(page.total)})
    return FactList(facts=rows, total=page.total, offset=offset, limit=limit)


@router.get("/facts/subjects", response_model=FactSubjects)
def list_fact_subjects(service: LoadedDep) -> FactSubjects:
    """The provinces and units the facts are about, with how many facts each has (the
    facts page's choice of subject)."""
    return FactSubjects(subjects=[FactSubjectOut(subject=subject, facts=count)
                                  for subject, count in service.corpus_index.fact_subjects()])
