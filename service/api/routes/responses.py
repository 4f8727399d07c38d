"""The error responses the routes declare for the OpenAPI schema (each body an `ErrorOut`)."""

from __future__ import annotations

from service.api.schemas import ErrorOut

Responses = dict[int | str, dict[str, object]]


def error(description: str) -> dict[str, object]:
    return {"model": ErrorOut, "description": description}


# What every rate-limited public route can answer before its own checks.
PUBLIC_ERRORS: Responses = {
    400: error("malformed JSON"),
    413: error("request body too large"),
    429: error("too many requests from this client; see Retry-After"),
}
