"""The README and docs/: links that resolve, a short README, the pages the docs promise, and
facts checked against the code (settings, endpoints, commands, dated measurements)."""

from __future__ import annotations

import importlib
import pkgutil
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
HEADING = re.compile(r"^#{1,6} +(.+?) *$", re.M)
ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")
COMMIT = re.compile(r"\b[0-9a-f]{7,12}\b")
README_MAX_LINES = 150
# The pages issue 20 asks for, beside docs/reader.md.
PAGES = ("api.md", "operations.md", "postgres.md", "evaluation.md", "performance.md",
         "architecture.md", "reader.md")


def _pages() -> list[Path]:
    return [README, *sorted(DOCS.rglob("*.md")),
            *sorted((ROOT / "service").rglob("MODEL_CARD.md"))]


def _text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def _without_code(text: str) -> str:
    return FENCE.sub("", text)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    anchors: set[str] = set()
    for heading in HEADING.findall(_without_code(_text(page))):
        slug, n = _slug(heading), 1
        while slug in anchors:
            slug = f"{_slug(heading)}-{n}"
            n += 1
        anchors.add(slug)
    return anchors


def test_relative_links_point_at_files_and_headings_that_exist() -> None:
    broken = []
    for page in _pages():
        for target in LINK.findall(_without_code(_text(page))):
            if re.match(r"^[a-z]+:", target):
                continue
            path_part, _, anchor = target.partition("#")
            path = (page.parent / path_part).resolve() if path_part else page
            if not path.exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
            elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
                broken.append(f"{page.relative_to(ROOT)} -> {target} (no such heading)")
    assert not broken, broken


def test_the_reader_page_is_linked_from_the_readme() -> None:
    assert "(docs/reader.md)" in _text(README)


def test_every_docs_page_exists_and_the_readme_links_it() -> None:
    readme = _text(README)
    for name in PAGES:
        assert (DOCS / name).is_file(), f"docs/{name} is missing"
        assert f"(docs/{name})" in readme, f"the README does not link docs/{name}"
    assert "(docs/widget.png)" in readme, "the README's screenshot"


def test_the_readme_is_short_and_holds_no_measurement_log() -> None:
    text = _text(README)
    lines = text.splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines"
    dated = [line for line in lines if ISO_DATE.search(line)]
    assert not dated, f"dated lines belong in docs/performance.md: {dated}"
    logged = [line for line in lines if re.search(r"\bcommit\s+[0-9a-f]{7}", line)
              or re.match(r"\s*measured\b", line, re.I)]
    assert not logged, f"measurements belong in docs/performance.md: {logged}"
    rows = [line for line in lines if line.startswith("|")
            and re.search(r"\d+(\.\d+)?\s*(ms|s|MB|GB|chunks/s|req/s)\b", line)]
    assert not rows, f"measured table rows belong in docs/performance.md: {rows}"


def test_every_measured_table_has_its_date_and_commit() -> None:
    """Each section of docs/performance.md with a table says when and at which commit."""
    text = _without_code(_text(DOCS / "performance.md"))
    sections = re.split(r"^#{2,4} .*$", text, flags=re.M)
    undated = []
    for section in sections:
        if not re.search(r"^\|.*\|$", section, re.M):
            continue
        if not (ISO_DATE.search(section) and COMMIT.search(section)):
            undated.append(section.strip()[:120])
    assert not undated, undated


def test_every_setting_is_documented() -> None:
    from service.config import Settings

    operations = _text(DOCS / "operations.md")
    missing = [f"HOIDAP_{name.upper()}" for name in Settings.model_fields
               if f"HOIDAP_{name.upper()}" not in operations]
    assert not missing, f"settings missing from docs/operations.md: {missing}"


def _route_paths() -> set[str]:
    import service.api.routes as routes

    paths: set[str] = set()
    for module in pkgutil.iter_modules(routes.__path__):
        router = getattr(importlib.import_module(f"{routes.__name__}.{module.name}"),
                         "router", None)
        paths.update(route.path for route in getattr(router, "routes", ()))
    return paths


def test_every_endpoint_is_documented() -> None:
    api = _text(DOCS / "api.md")
    paths = _route_paths()
    assert "/api/chat" in paths
    missing = sorted(p for p in paths if f"`{p}" not in api and f"{p}`" not in api
                     and f" {p}" not in api)
    assert not missing, f"endpoints missing from docs/api.md: {missing}"


def _shell_commands(text: str) -> list[str]:
    from tests.test_newcomer import shell_commands

    return [command for language, body in FENCE.findall(text)
            if language in ("bash", "sh", "shell") for command in shell_commands(body)]


@pytest.mark.parametrize("page", [README, *sorted(DOCS.glob("*.md"))],
                         ids=lambda p: p.name)
def test_every_hoidap_command_in_the_docs_parses(page: Path) -> None:
    """`./hoidap.sh ...` as written: the command and its options exist (nothing runs)."""
    from service.cli import _parser

    parser = _parser()
    wrong = []
    for command in _shell_commands(_text(page)):
        words = shlex.split(command.replace("\\\n", " "), comments=True)
        if not words or words[0] not in ("./hoidap.sh", ".venv/bin/hoidap", "hoidap"):
            continue
        arguments = words[1:] or ["serve"]
        if arguments in (["--help"], ["-h"]):
            continue
        try:
            parser.parse_args(arguments)
        except SystemExit:
            wrong.append(command)
    assert not wrong, f"{page.name}: commands the CLI refuses: {wrong}"
