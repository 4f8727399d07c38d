"""GET /api/documents and /api/documents/{doc_id}: articles, to read a citation in context."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.api.deps import LoadedDep
from service.api.routes.responses import error
from service.api.schemas import DocumentList, DocumentOut, DocumentSummary

router = APIRouter(prefix="/api", tags=["documents"])

PAGE = 100
MAX_PAGE = 1000


# Plain functions, run in the thread pool: on the postgres backend the index is read from
# the database, and a blocking query must not hold up the event loop's other requests.
@router.get("/documents", response_model=DocumentList,
            responses={422: error("offset or limit out of range")})
def list_documents(
    service: LoadedDep,
    offset: Annotated[int, Query(ge=0, description="documents to skip, in doc_id order")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="documents per page")] = PAGE,
) -> DocumentList:
    """Documents sorted by id, a page at a time: metadata and chunk counts, not the texts."""
    page = service.corpus_index.document_page(offset, limit)
    return DocumentList(
        documents=[DocumentSummary.model_validate(info, from_attributes=True)
                   for info in page.documents],
        total=page.total, offset=offset, limit=limit)


@router.get("/documents/{doc_id}", response_model=DocumentOut,
            responses={404: error("no such document")})
def get_document(doc_id: str, service: LoadedDep) -> DocumentOut:
    """The full cleaned text (citation offsets point into it) and the metadata."""
    document = service.corpus_index.document(doc_id)
    return DocumentOut(doc_id=document.doc_id, title=document.title, text=document.text,
                       province=document.province, published=document.published,
                       author=document.author, url=document.url, dateline=document.dateline)
