"""Read a corpus (a folder, a JSONL file, or one article file) into cleaned Documents.

Readers never stop at the first bad file or line: every problem becomes an IngestError
naming the file (and line), and everything readable is still returned.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from index.cleaning import clean_article
from retriever.text.gazetteer import canonical_province, detect_province
from retriever.text.normalize import fold_diacritics, normalize
from retriever.types import Document

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = frozenset({".txt", ".md"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
JSONL_SUFFIXES = frozenset({".jsonl"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
MANIFEST = "manifest.json"
# A first line longer than this, or ending a sentence, is the article's opening, not a title.
TITLE_MAX_WORDS = 30
FALLBACK_TITLE_WORDS = 15

SAMPLE_CORPUS = Path(__file__).parent / "sample_corpus"


@dataclass(frozen=True)
class IngestError:
    """A file (or one line of a JSONL file) that could not be turned into a document."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


@dataclass
class IngestResult:
    documents: list[Document] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)


class _Problem(Exception):
    """One file's or line's reason for being skipped; becomes an IngestError."""


# --- dates and names --------------------------------------------------------------------

_ISO_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T\s].*)?$")
_DMY_RE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[\s,].*)?$")


def parse_date(value: object) -> str | None:
    """ISO "YYYY-MM-DD" for "2022-05-20", "20/5/2022", "20-05-2022", "2022-05-20T10:00";
    None for anything else (including impossible dates)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    m = _ISO_RE.match(text)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _DMY_RE.match(text)
        if not m:
            return None
        d, mo, y = (int(g) for g in m.groups())
    try:
        return date(y, mo, d).isoformat()
    except ValueError:
        return None


def slugify(name: str) -> str:
    """"Bà Rịa - Vũng Tàu" -> "ba-ria-vung-tau": the doc_id of a file without a manifest."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold_diacritics(normalize(name)).lower()).strip("-")
    return slug or "doc"


# --- reading bytes ----------------------------------------------------------------------


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _Problem(f"cannot read file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise _Problem("empty file")
    if b"\x00" in data:
        raise _Problem("binary file (contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Problem(f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8") from exc
    if not text.strip():
        raise _Problem("empty file")
    return text


# --- markdown and HTML ------------------------------------------------------------------

_MD_IMAGE_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK_RE = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_EMPHASIS_RE = re.compile(r"(\*\*|__)(.+?)\1")
_MD_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_MD_BULLET_RE = re.compile(r"^\s*[-*+]\s+(?=\S)")
_MD_QUOTE_RE = re.compile(r"^\s*>\s?(?!>)")


def _markdown_to_text(text: str) -> tuple[str, str | None]:
    """(plain text, the leading "# " heading if any). Keeps ">>" lines for the cleaner."""
    heading = None
    lines: list[str] = []
    in_fence = False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            in_fence = not in_fence
            continue
        m = _MD_HEADING_RE.match(line)
        if m:
            first = not any(ln.strip() for ln in lines)
            if heading is None and first and line.lstrip().startswith("# "):
                heading = m.group(1)
            line = m.group(1)
        line = _MD_IMAGE_RE.sub("", line)
        line = _MD_LINK_RE.sub(r"\1", line)
        line = _MD_EMPHASIS_RE.sub(r"\2", line)
        line = _MD_BULLET_RE.sub("", line)
        line = _MD_QUOTE_RE.sub("", line)
        lines.append(line)
    return "\n".join(lines), heading


_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "param", "source", "track", "wbr"})
# Never text: code, styling, and page furniture around the article.
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "canvas",
                   "object", "nav", "aside", "form", "figure", "figcaption", "button",
                   "select", "footer", "head"})
_BLOCK = frozenset({"p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5",
                    "h6", "li", "ul", "ol", "blockquote", "pre", "table", "tr", "td", "th",
                    "dd", "dt", "dl", "header", "br", "hr", "body", "caption", "center"})
_CLOSES_P = _BLOCK - {"br", "td", "th", "li", "dd", "dt", "tr", "caption"}
_NOISE_CLASS_RE = re.compile(
    r"related|comment|share|social|breadcrumb|advert|\bads?\b|banner|sidebar|menu|popup|"
    r"cookie|newsletter|caption|tags?\b",
    re.IGNORECASE,
)


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str]
    parent: _Node | None
    children: list[_Node | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    """A forgiving DOM: unclosed <p>/<li> close when the next block opens."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {}, None)
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, {k: v or "" for k, v in attrs}, self.current)
        if tag in _CLOSES_P or tag == "p":
            self._close_open("p")
        if tag == "li":
            self._close_open("li")
        node.parent = self.current
        self.current.children.append(node)
        if tag not in _VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)

    def handle_endtag(self, tag: str) -> None:
        node: _Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)

    def _close_open(self, tag: str) -> None:
        if self.current.tag == tag and self.current.parent is not None:
            self.current = self.current.parent


def _iter_nodes(node: _Node) -> list[_Node]:
    out: list[_Node] = []
    stack = [node]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(c for c in reversed(n.children) if isinstance(c, _Node))
    return out


def _is_noise(node: _Node, in_article: bool) -> bool:
    if node.tag in _SKIP:
        return True
    # A page <header> holds the menu; an <article>'s own header holds title and lead.
    if node.tag == "header" and not in_article:
        return True
    marks = f"{node.attrs.get('class', '')} {node.attrs.get('id', '')}"
    return bool(marks.strip()) and bool(_NOISE_CLASS_RE.search(marks))


def _raw_text(node: _Node) -> str:
    parts: list[str] = []
    stack: list[_Node | str] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            parts.append(item)
        elif item.tag not in ("script", "style", "noscript", "template"):
            stack.extend(reversed(item.children))
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _block_lines(node: _Node, in_article: bool = False) -> list[str]:
    """The node's text, one line per block element, furniture left out."""
    lines: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = re.sub(r"\s+", " ", "".join(buffer)).strip()
        if text:
            lines.append(text)
        buffer.clear()

    def walk(n: _Node, inside: bool) -> None:
        for child in n.children:
            if isinstance(child, str):
                buffer.append(child)
                continue
            if _is_noise(child, inside):
                continue
            if child.tag in _BLOCK:
                flush()
                walk(child, inside or child.tag == "article")
                flush()
            else:
                walk(child, inside or child.tag == "article")

    walk(node, in_article or node.tag == "article")
    flush()
    return lines


def _paragraph_weight(node: _Node) -> int:
    return sum(len(_raw_text(n)) for n in _iter_nodes(node) if n.tag == "p")


def _main_node(root: _Node) -> _Node:
    """<article> (the fullest one), else <main>, else the parent of the most <p> text."""
    nodes = _iter_nodes(root)
    for tag in ("article", "main"):
        found = [n for n in nodes if n.tag == tag]
        if found:
            return max(found, key=_paragraph_weight)
    best, best_weight = None, 0
    for n in nodes:
        weight = sum(
            len(_raw_text(c)) for c in n.children if isinstance(c, _Node) and c.tag == "p"
        )
        if weight > best_weight:
            best, best_weight = n, weight
    if best is not None:
        return best
    bodies = [n for n in nodes if n.tag == "body"]
    return bodies[0] if bodies else root


def _html_to_text(html: str) -> tuple[str, str | None, str | None]:
    """(main text, title, published date from meta tags)."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    nodes = _iter_nodes(builder.root)
    title = None
    for tag in ("h1", "title"):
        found = [n for n in nodes if n.tag == tag and _raw_text(n)]
        if found:
            # "<title>Headline | Site name</title>": the site name is not the title.
            title = _raw_text(found[0]).split(" | ")[0].strip()
            break
    if title is None:
        og = [n for n in nodes if n.tag == "meta" and n.attrs.get("property") == "og:title"]
        title = og[0].attrs.get("content") if og else None
    published = None
    for n in nodes:
        if n.tag == "meta" and (
            n.attrs.get("property") == "article:published_time"
            or n.attrs.get("itemprop") == "datePublished"
            or n.attrs.get("name") in ("pubdate", "publishdate", "date")
        ):
            published = parse_date(n.attrs.get("content", ""))
            if published:
                break
    main = _main_node(builder.root)
    return "\n".join(_block_lines(main)), title, published


# --- documents --------------------------------------------------------------------------


def _fallback_title(text: str) -> str:
    words = text.split("\n", 1)[0].split()
    head = " ".join(words[:FALLBACK_TITLE_WORDS])
    return head + ("..." if len(words) > FALLBACK_TITLE_WORDS else "")


def _looks_like_title(line: str) -> bool:
    return 0 < len(line.split()) <= TITLE_MAX_WORDS and not line.rstrip().endswith((".", ";", ","))


def _province(given: object, text: str, title: str) -> str | None:
    if isinstance(given, str) and given.strip():
        canonical = canonical_province(given)
        if canonical is None:
            logger.warning("unknown province %r kept as given", given)
        return canonical or normalize(given)
    return detect_province(text, title)


def _build_document(
    raw: str,
    source: str,
    meta: dict[str, Any],
    default_id: str,
    title_hint: str | None = None,
    published_hint: str | None = None,
) -> Document:
    """Clean `raw` and attach metadata: `meta` (manifest/JSONL) first, then what the text says."""
    author = meta.get("author") if isinstance(meta.get("author"), str) else None
    title = meta.get("title") if isinstance(meta.get("title"), str) else None
    title = normalize(title) if title and title.strip() else None
    if title is None and title_hint and title_hint.strip():
        title = normalize(title_hint)
    if title is not None:
        cleaned = clean_article(raw, title=title, author=author)
    else:
        # No title given: a short first line that does not end a sentence is the title.
        cleaned = clean_article(raw, author=author)
        first, _, rest = cleaned.text.partition("\n")
        if rest.strip() and _looks_like_title(first):
            title = first
            cleaned = clean_article(raw, title=title, author=author)
        else:
            title = _fallback_title(cleaned.text)
    text = normalize(cleaned.text)
    if not text:
        raise _Problem("no article text left after cleaning")
    doc_id = meta.get("doc_id") if isinstance(meta.get("doc_id"), str) else None
    doc_id = doc_id.strip() if doc_id and doc_id.strip() else default_id
    published = parse_date(meta.get("published")) or published_hint or cleaned.published
    if meta.get("published") and not parse_date(meta.get("published")):
        logger.warning("%s: unparseable date %r", source, meta.get("published"))
    url = meta.get("url") if isinstance(meta.get("url"), str) else None
    return Document(
        doc_id=doc_id,
        title=title,
        text=text,
        province=_province(meta.get("province"), text, title),
        published=published,
        author=normalize(author) if author else cleaned.byline,
        url=url,
        source=source,
        dateline=cleaned.dateline,
    )


def _read_article(path: Path, meta: dict[str, Any]) -> Document:
    raw = _read_text(path)
    suffix = path.suffix.lower()
    title_hint = published_hint = None
    if suffix in HTML_SUFFIXES:
        raw, title_hint, published_hint = _html_to_text(raw)
        if not raw.strip():
            raise _Problem("no text found in the HTML")
    elif suffix == ".md":
        raw, title_hint = _markdown_to_text(raw)
    return _build_document(raw, str(path), meta, slugify(path.stem), title_hint, published_hint)


# A missing title is derived from the text (public QA corpora often lack some).
_REQUIRED = ("doc_id", "text")


def _read_jsonl(path: Path, result: IngestResult, seen: dict[str, str]) -> None:
    try:
        raw = _read_text(path)
    except _Problem as exc:
        result.errors.append(IngestError(str(path), None, str(exc)))
        return
    for lineno, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            result.errors.append(IngestError(str(path), lineno, f"invalid JSON: {exc.msg}"))
            continue
        if not isinstance(obj, dict):
            result.errors.append(IngestError(str(path), lineno, "expected a JSON object"))
            continue
        missing = [k for k in _REQUIRED if not isinstance(obj.get(k), str) or not obj[k].strip()]
        if missing:
            result.errors.append(IngestError(
                str(path), lineno, f"missing required field(s): {', '.join(missing)}"
            ))
            continue
        try:
            doc = _build_document(obj["text"], f"{path}:{lineno}", obj, obj["doc_id"])
        except _Problem as exc:
            result.errors.append(IngestError(str(path), lineno, str(exc)))
            continue
        _add(result, doc, seen, str(path), lineno)


def _add(
    result: IngestResult, doc: Document, seen: dict[str, str], path: str, line: int | None
) -> None:
    if doc.doc_id in seen:
        result.errors.append(IngestError(
            path, line, f"duplicate doc_id {doc.doc_id!r} (already read from {seen[doc.doc_id]})"
        ))
        return
    seen[doc.doc_id] = doc.source or path
    result.documents.append(doc)


def _load_manifest(folder: Path, result: IngestResult) -> dict[str, dict[str, Any]]:
    """file name -> its manifest entry; a broken manifest is reported and ignored."""
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    try:
        data = json.loads(_read_text(path))
    except (_Problem, json.JSONDecodeError) as exc:
        result.errors.append(IngestError(str(path), None, f"unusable manifest: {exc}"))
        return {}
    entries = data.get("documents") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        result.errors.append(IngestError(str(path), None, "manifest must be a list of entries"))
        return {}
    manifest: dict[str, dict[str, Any]] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            result.errors.append(IngestError(
                str(path), None, f"manifest entry {i} has no \"file\" name"
            ))
            continue
        manifest[entry["file"]] = entry
    return manifest


def _read_folder(folder: Path) -> IngestResult:
    result = IngestResult()
    manifest = _load_manifest(folder, result)
    seen: dict[str, str] = {}
    files: dict[str, Path] = {}
    for p in folder.iterdir():
        if p.name.startswith("."):
            continue
        if p.is_file():
            files[p.name] = p
        else:
            logger.info("not descending into %s (only the folder's own files are read)", p)
    # Manifest order first (it is the curated order), then the rest by name.
    order = [name for name in manifest if name in files]
    order += sorted(name for name in files if name not in manifest and name != MANIFEST)
    for name in manifest:
        if name not in files:
            result.errors.append(IngestError(
                str(folder / name), None, "listed in manifest.json but missing"
            ))
    for name in order:
        path = files[name]
        suffix = path.suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            result.errors.append(IngestError(
                str(path), None,
                f"unsupported file type {suffix or '(none)'!r}; expected one of "
                + ", ".join(sorted(SUPPORTED_SUFFIXES)),
            ))
            continue
        if path.stem.upper() == "README" and name not in manifest:
            logger.info("skipping %s (documentation, not an article)", path)
            continue
        if suffix in JSONL_SUFFIXES:
            _read_jsonl(path, result, seen)
            continue
        try:
            doc = _read_article(path, manifest.get(name, {}))
        except _Problem as exc:
            result.errors.append(IngestError(str(path), None, str(exc)))
            continue
        _add(result, doc, seen, str(path), None)
    return result


def read_corpus(path: Path) -> IngestResult:
    """Documents from a folder, a .jsonl file, or one .txt/.md/.html file.

    A folder's manifest.json (a list of {"file", "doc_id", "title", "province",
    "published", "author", "url"}) supplies metadata; a single article file uses its
    folder's manifest entry when there is one.
    """
    path = Path(path)
    if path.is_dir():
        result = _read_folder(path)
    elif not path.exists():
        result = IngestResult(errors=[IngestError(str(path), None, "no such file or folder")])
    elif path.suffix.lower() in JSONL_SUFFIXES:
        result = IngestResult()
        _read_jsonl(path, result, {})
    elif path.suffix.lower() in TEXT_SUFFIXES | HTML_SUFFIXES:
        result = IngestResult()
        scratch = IngestResult()
        meta = _load_manifest(path.parent, scratch).get(path.name, {})
        try:
            result.documents.append(_read_article(path, meta))
        except _Problem as exc:
            result.errors.append(IngestError(str(path), None, str(exc)))
    else:
        result = IngestResult(errors=[IngestError(
            str(path), None, f"unsupported file type {path.suffix or '(none)'!r}"
        )])
    for error in result.errors:
        logger.warning("ingest: %s", error)
    logger.info("ingested %d documents from %s (%d errors)",
                len(result.documents), path, len(result.errors))
    return result


def load_sample_corpus() -> IngestResult:
    """The five sample articles shipped with the package (index/sample_corpus/)."""
    return read_corpus(SAMPLE_CORPUS)

