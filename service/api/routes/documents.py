"""GET /api/documents and /api/documents/{doc_id}: articles, to read a citation in context."""

from __future__ import annotations

from fastapi import APIRouter

from service.api.deps import LoadedDep
from service.api.schemas import DocumentList, DocumentOut, DocumentSummary, ErrorOut

router = APIRouter(prefix="/api", tags=["documents"])


# Plain functions, run in the thread pool: on the postgres backend the index is read from
# the database, and a blocking query must not hold up the event loop's other requests.
@router.get("/documents", response_model=DocumentList)
def list_documents(service: LoadedDep) -> DocumentList:
    counts = service.corpus_index.chunk_counts()
    documents = sorted(service.corpus_index.documents.values(), key=lambda d: d.doc_id)
    return DocumentList(documents=[
        DocumentSummary(doc_id=d.doc_id, title=d.title, province=d.province,
                        published=d.published, author=d.author, url=d.url,
                        chunks=counts.get(d.doc_id, 0))
        for d in documents
    ])


@router.get("/documents/{doc_id}", response_model=DocumentOut,
            responses={404: {"model": ErrorOut, "description": "no such document"}})
def get_document(doc_id: str, service: LoadedDep) -> DocumentOut:
    """The full cleaned text (citation offsets point into it) and the metadata."""
    document = service.corpus_index.document(doc_id)
    return DocumentOut(doc_id=document.doc_id, title=document.title, text=document.text,
                       province=document.province, published=document.published,
                       author=document.author, url=document.url, dateline=document.dateline)
