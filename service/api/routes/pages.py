"""The chat widget script, the demo page, the staff search and facts pages and the article
page."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"

router = APIRouter(include_in_schema=False)


def _file(name: str, media_type: str) -> FileResponse:
    return FileResponse(STATIC_DIR / name, media_type=media_type,
                        headers={"Cache-Control": "no-cache"})


@router.get("/")
async def demo_page() -> FileResponse:
    return _file("index.html", "text/html; charset=utf-8")


@router.get("/search")
async def search_page() -> FileResponse:
    return _file("search.html", "text/html; charset=utf-8")


@router.get("/facts")
async def facts_page() -> FileResponse:
    return _file("facts.html", "text/html; charset=utf-8")


@router.get("/documents/{doc_id}")
async def document_page(doc_id: str) -> FileResponse:
    return _file("document.html", "text/html; charset=utf-8")


@router.get("/widget.js")
async def widget_script() -> FileResponse:
    return _file("widget.js", "text/javascript; charset=utf-8")
