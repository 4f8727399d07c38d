"""The one place hoidap's exceptions become HTTP status codes and JSON errors."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from retriever.errors import (
    AdminDisabledError,
    AnswerNotFoundError,
    AnswerTimeoutError,
    AuthenticationError,
    BackendUnavailableError,
    DocumentError,
    DocumentNotFoundError,
    FeedbackStorageError,
    HoidapError,
    IndexBusyError,
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
    IndexUpdateError,
    InvalidInputError,
    JobNotFoundError,
    ModelUnavailableError,
    RateLimitedError,
    RequestTooLargeError,
    ServiceNotReadyError,
    code_for,
)

logger = logging.getLogger(__name__)

STATUS_CODES: dict[type[HoidapError], int] = {
    InvalidInputError: 422,
    DocumentError: 400,
    DocumentNotFoundError: 404,
    AnswerNotFoundError: 404,
    JobNotFoundError: 404,
    IndexNotFoundError: 503,
    IndexCorruptError: 503,
    IndexMismatchError: 503,
    ModelUnavailableError: 503,
    BackendUnavailableError: 503,
    ServiceNotReadyError: 503,
    IndexBusyError: 409,
    IndexUpdateError: 503,
    FeedbackStorageError: 503,
    AnswerTimeoutError: 504,
    RateLimitedError: 429,
    RequestTooLargeError: 413,
    AuthenticationError: 401,
    # Not 404: an operator who forgot the key should be told how to turn the API on.
    AdminDisabledError: 403,
}
# Seconds a client should wait before trying again, for errors that pass.
RETRY_AFTER: dict[type[HoidapError], int] = {
    ServiceNotReadyError: 5,
    IndexBusyError: 5,
    IndexUpdateError: 30,
    AnswerTimeoutError: 5,
    BackendUnavailableError: 5,
    FeedbackStorageError: 30,
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


def _headers(error: HoidapError) -> dict[str, str]:
    if isinstance(error, RateLimitedError):
        return {"Retry-After": str(error.retry_after)}
    if isinstance(error, AuthenticationError):
        return {"WWW-Authenticate": 'Bearer realm="hoidap admin"'}
    retry = code_for(error, RETRY_AFTER, 0)
    return {"Retry-After": str(retry)} if retry else {}


def error_response(error: HoidapError) -> JSONResponse:
    """The JSON answer for `error`; middleware that refuses a request uses it too."""
    return JSONResponse({"detail": str(error)}, status_code=status_code(error),
                        headers=_headers(error))


# What `invalid_request` answers, in place of FastAPI's list of errors: one line.
VALIDATION_ERROR_SCHEMA = {"title": "HTTPValidationError", "type": "object",
                           "required": ["detail"],
                           "properties": {"detail": {"type": "string", "title": "Detail"}}}


def _describe_validation_errors(app: FastAPI) -> None:
    """Make the OpenAPI schema's 422 (added by FastAPI to every route with parameters) say
    what the handler below answers, so no route has to restate it."""
    generate = app.openapi

    def openapi() -> dict[str, object]:
        if app.openapi_schema is None:
            schema = generate()
            components = schema.get("components", {}).get("schemas", {})
            if "HTTPValidationError" in components:
                components["HTTPValidationError"] = VALIDATION_ERROR_SCHEMA
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def install_error_handlers(app: FastAPI) -> None:
    _describe_validation_errors(app)

    @app.exception_handler(HoidapError)
    async def hoidap_error(request: Request, error: HoidapError) -> JSONResponse:
        response = error_response(error)
        if response.status_code >= 500:
            logger.error("request %s failed: %s",
                         getattr(request.state, "request_id", "-"), error)
            metrics = getattr(request.app.state, "metrics", None)
            if metrics is not None:
                metrics.errors.labels(kind=type(error).__name__).inc()
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        errors = list(error.errors())
        code = 400 if any(e.get("type") == "json_invalid" for e in errors) else 422
        return JSONResponse({"detail": _describe(errors)}, status_code=code)
