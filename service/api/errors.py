"""The one place hoidap's exceptions become HTTP status codes and JSON errors."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from retriever.errors import (
    BackendUnavailableError,
    DocumentError,
    DocumentNotFoundError,
    HoidapError,
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
    InvalidInputError,
    ModelUnavailableError,
    code_for,
)

logger = logging.getLogger(__name__)

STATUS_CODES: dict[type[HoidapError], int] = {
    InvalidInputError: 422,
    DocumentError: 400,
    DocumentNotFoundError: 404,
    IndexNotFoundError: 503,
    IndexCorruptError: 503,
    IndexMismatchError: 503,
    ModelUnavailableError: 503,
    BackendUnavailableError: 503,
}


def status_code(error: HoidapError) -> int:
    return code_for(error, STATUS_CODES, 500)


def _describe(errors: list[dict[str, object]]) -> str:
    parts = []
    for error in errors:
        location = ".".join(str(p) for p in error.get("loc", ()) if p != "body")  # type: ignore[union-attr]
        message = str(error.get("msg", "invalid value"))
        if error.get("type") == "json_invalid":
            return "malformed JSON in the request body"
        parts.append(f"{location}: {message}" if location else message)
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HoidapError)
    async def hoidap_error(_request: Request, error: HoidapError) -> JSONResponse:
        code = status_code(error)
        if code >= 500:
            logger.error("request failed: %s", error)
        return JSONResponse({"detail": str(error)}, status_code=code)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        errors = list(error.errors())
        code = 400 if any(e.get("type") == "json_invalid" for e in errors) else 422
        return JSONResponse({"detail": _describe(errors)}, status_code=code)
