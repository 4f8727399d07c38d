"""Security headers on every response, frame ancestors from the settings, CORS only for the
configured origins."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from service.api.security import content_security_policy

PAGES = ["/", "/search", "/documents/binh-phuoc", "/widget.js", "/static/hoidap.css",
         "/api/documents", "/api/documents/khong-co", "/readyz", "/metrics", "/openapi.json",
         "/khong-co-trang-nay"]


@pytest.mark.parametrize("path", PAGES)
def test_every_response_has_the_security_headers(admin_client: TestClient, path: str) -> None:
    response = admin_client.get(path)
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self';" in csp
    assert "'unsafe-inline'" not in csp and "frame-ancestors 'self'" in csp
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert response.headers["referrer-policy"] == "same-origin"


def test_errors_from_limits_have_them_too(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_request_bytes=1024)
    response = client.post("/api/chat", content=b"x" * 2000)
    assert response.status_code == 413
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in response.headers and response.headers["x-request-id"]


def test_api_documentation_gets_its_own_policy(admin_client: TestClient) -> None:
    # Swagger UI starts from an inline script; no other page may run inline code, and the
    # documentation may load nothing from another origin (tests/service/api/test_docs.py).
    response = admin_client.get("/docs")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self' 'unsafe-inline';" in csp and "https:" not in csp
    assert "'unsafe-inline'" not in admin_client.get("/").headers["content-security-policy"]


def test_configured_sites_may_frame_the_pages(make_client: Callable[..., TestClient]) -> None:
    client = make_client(frame_ancestors=["https://cong.tinh.gov.vn", "https://*.gov.vn"])
    response = client.get("/")
    assert ("frame-ancestors 'self' https://cong.tinh.gov.vn https://*.gov.vn"
            in response.headers["content-security-policy"])
    assert "x-frame-options" not in response.headers


def test_policy_text() -> None:
    assert content_security_policy([]) == (
        "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'self'")


def test_cors_allows_only_configured_origins_and_exposes_retry_after(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(cors_origins=["https://tinh.example.gov.vn"])
    preflight = {"Origin": "https://tinh.example.gov.vn", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"}
    allowed = client.options("/api/chat/stream", headers=preflight)
    assert allowed.headers["access-control-allow-origin"] == "https://tinh.example.gov.vn"
    other = client.options("/api/chat/stream",
                           headers={**preflight, "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    # The admin API cannot be called from a browser on another site: Authorization is not
    # an allowed header.
    admin = client.options("/api/admin/reindex", headers={
        **preflight, "Access-Control-Request-Headers": "authorization"})
    assert admin.status_code == 400
    simple = client.get("/api/documents", headers={"Origin": "https://tinh.example.gov.vn"})
    exposed = simple.headers["access-control-expose-headers"].lower()
    assert "retry-after" in exposed and "x-request-id" in exposed
