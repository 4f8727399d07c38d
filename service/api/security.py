"""The admin API key check and the security headers on every response."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from retriever.errors import AdminDisabledError, AuthenticationError
from service.api.deps import StateDep
from service.api.limits import ASGIApp, Message, Receive, Scope, Send

_bearer = HTTPBearer(auto_error=False, description="the admin API key (HOIDAP_ADMIN_API_KEY)")

# The API documentation pages (Swagger UI, ReDoc; their files served by hoidap itself) start
# from inline set-up code and inject styles, and Swagger UI's icons are data: URIs; only
# they get a policy that allows it. Still no other origin: the servers may be air-gapped.
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
_DOCS_SOURCES = ("script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
                 "img-src 'self' data:; worker-src 'self' blob:")


def require_admin(
    state: StateDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    key = state.settings.admin_api_key
    if key is None:
        raise AdminDisabledError("the admin API is disabled: set HOIDAP_ADMIN_API_KEY to "
                                 "enable it")
    given = credentials.credentials.encode("utf-8") if credentials else b""
    # Constant time, on bytes: the time taken says nothing about how much of the key matched.
    if not hmac.compare_digest(given, key.get_secret_value().encode("utf-8")):
        raise AuthenticationError("a valid admin API key is required "
                                  "(Authorization: Bearer <key>)")


AdminOnly = Depends(require_admin)


def content_security_policy(frame_ancestors: Sequence[str], docs: bool = False) -> str:
    # The pages and the widget load scripts and styles only from this server, set text
    # only as text, and style the widget through a constructed style sheet: no inline code.
    sources = _DOCS_SOURCES if docs else "script-src 'self'; style-src 'self'"
    ancestors = " ".join(["'self'", *frame_ancestors])
    return (f"default-src 'self'; {sources}; object-src 'none'; base-uri 'none'; "
            f"form-action 'self'; frame-ancestors {ancestors}")


class SecurityHeadersMiddleware:
    """Adds CSP, nosniff, frame and referrer policies to every response."""

    def __init__(self, app: ASGIApp, frame_ancestors: Sequence[str]) -> None:
        self.app = app
        common = [(b"x-content-type-options", b"nosniff"),
                  (b"referrer-policy", b"same-origin")]
        if not frame_ancestors:
            # For browsers that predate CSP frame-ancestors; it cannot list other sites.
            common.append((b"x-frame-options", b"SAMEORIGIN"))
        self.pages = [*common, (b"content-security-policy",
                                content_security_policy(frame_ancestors).encode())]
        self.docs = [*common, (b"content-security-policy",
                               content_security_policy(frame_ancestors, docs=True).encode())]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.docs if scope["path"] in DOCS_PATHS else self.pages
        names = {name for name, _ in extra}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in names]
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)
