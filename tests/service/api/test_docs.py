"""The API documentation (/docs, /redoc) works with no internet: every script, style sheet
and icon comes from hoidap itself, and the pages' policy allows no other origin."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings

JAVASCRIPT = ("text/javascript", "application/javascript")
# What each page needs, by URL ending: the content types a browser accepts under nosniff, the
# least size a real bundle has, and a name the bundle defines (an empty or wrong file fails).
ASSETS = {
    "swagger-ui-bundle.js": (JAVASCRIPT, 1_000_000, "SwaggerUIBundle"),
    "swagger-ui.css": (("text/css",), 100_000, ".swagger-ui"),
    "redoc.standalone.js": (JAVASCRIPT, 1_000_000, "Redoc"),
    "favicon.png": (("image/png",), 1_000, "PNG"),
}


class _AssetLinks(HTMLParser):
    """The URLs a page loads: script sources and linked style sheets and icons."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        url = values.get("src") if tag == "script" else values.get("href") if tag == "link" \
            else None
        if url is not None:
            self.urls.append(url)


def asset_urls(html: str) -> list[str]:
    parser = _AssetLinks()
    parser.feed(html)
    return parser.urls


@pytest.fixture(scope="module")
def docs_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    # Not started: the documentation needs neither the model nor the index.
    folder: Path = tmp_path_factory.mktemp("docs")
    settings = Settings(index_dir=folder / "index", model_cache_dir=folder / "models")
    yield TestClient(create_app(settings))


@pytest.mark.parametrize(("page", "wanted"), [
    ("/docs", {"swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"}),
    ("/redoc", {"redoc.standalone.js", "favicon.png"}),
])
def test_documentation_loads_only_its_own_files(docs_client: TestClient, page: str,
                                                wanted: set[str]) -> None:
    response = docs_client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    urls = asset_urls(response.text)
    assert {url.rsplit("/", 1)[-1] for url in urls} == wanted
    for url in urls:
        # Same origin: a path on this server, not "//host/..." nor "https://...".
        assert url.startswith("/") and not url.startswith("//"), url
    # Nor anywhere else on the page (a font, an inline import): no CDN at all.
    assert "cdn" not in response.text.lower() and "http" not in response.text.lower()


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_documentation_files_are_served(docs_client: TestClient, page: str) -> None:
    for url in asset_urls(docs_client.get(page).text):
        response = docs_client.get(url)
        assert response.status_code == 200, url
        types, least_size, marker = ASSETS[url.rsplit("/", 1)[-1]]
        assert response.headers["content-type"].split(";")[0] in types, url
        assert len(response.content) >= least_size, url
        assert marker.encode() in response.content[:2_000_000], url


def test_swagger_ui_reads_this_servers_schema(docs_client: TestClient) -> None:
    html = docs_client.get("/docs").text
    assert "url: '/openapi.json'" in html
    assert docs_client.get("/openapi.json").json()["info"]["title"] == "hoidap"
    redirect = docs_client.get("/docs/oauth2-redirect")
    assert redirect.status_code == 200 and "http" not in redirect.text.lower()


@pytest.mark.parametrize("page", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_documentation_policy_names_no_other_origin(docs_client: TestClient, page: str) -> None:
    csp = docs_client.get(page).headers["content-security-policy"]
    assert "script-src 'self' 'unsafe-inline';" in csp
    assert "default-src 'self'" in csp and "object-src 'none'" in csp
    # Only keywords and schemes ('self', data:, blob:): no host at all.
    for directive in csp.split(";"):
        for source in directive.split()[1:]:
            assert source.startswith("'") or source in {"data:", "blob:"}, (page, source)
