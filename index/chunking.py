"""Vietnamese-aware sentence splitting and paragraph-sized chunks with exact offsets.

A chunk is about one paragraph: the unit a citation points at. Short paragraphs
(subheadings such as "Nền tảng là CNTT") join the paragraph they introduce; long ones are
split between sentences. Every chunk's text is `doc.text[start:end]`, and its id hashes
its text so that editing one paragraph leaves the other chunks' ids alone.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re

from retriever.types import Chunk, Document

logger = logging.getLogger(__name__)

CHUNKER_VERSION = "1"

# A paragraph shorter than this is a subheading or a fragment, not a passage on its own.
MIN_WORDS = 40
# A line this short that does not end a sentence is a subheading. A subheading closes the
# group in progress if that group is already a passage of its own.
HEADING_MAX_WORDS = 15
HEADING_FLUSH_WORDS = 20

# Tokens that end with a dot without ending the sentence ("TP. Hồ Chí Minh", "ThS. Lê A").
# Compared case-folded; for "PGS.TS." each dotted part is checked.
_ABBREVIATIONS = frozenset({
    "tp", "tx", "tt", "q", "p", "h", "x", "ths", "ts", "pgs", "gs", "bs", "bsck", "ks",
    "ls", "cn", "nxb", "tr", "st", "v.v", "vv", "mr", "mrs", "ms", "dr", "prof", "no",
    "vs", "etc", "sđd", "đc", "đ/c", "ng", "nsnd", "nsưt", "ttưt", "ngưt",
})
_TERMINATOR_RE = re.compile(r"(?:\.{3}|[.!?…])+[\"')\]]*")
_OPENERS = "\"'([-"
_ROMAN_RE = re.compile(r"^[IVXLC]+$")


def _token_before(line: str, dot: int) -> str:
    """The word (letters, digits, dots, slashes) that ends right before position `dot`."""
    start = dot
    while start > 0 and (line[start - 1].isalnum() or line[start - 1] in "./"):
        start -= 1
    return line[start:dot]


def _is_boundary(line: str, sent_start: int, term_start: int, term_end: int) -> bool:
    """Whether the terminator at line[term_start:term_end] ends the sentence begun at sent_start."""
    rest = line[term_end:]
    if not rest.strip():
        return True
    if not rest[0].isspace():
        # "1.506", "78,9%", "TP.HCM", "20.5.2022", "binhphuoc.gov.vn": no space, no split.
        return False
    nxt = rest.lstrip()[0]
    if not (nxt.isupper() or nxt.isdigit() or nxt in _OPENERS):
        # Lowercase after "...", "v.v." or an abbreviation: the sentence goes on.
        return False
    if line[term_start] != "." or line[term_start : term_start + 3] == "...":
        return True
    token = _token_before(line, term_start)
    if not token:
        return True
    low = token.casefold().strip(".")
    if low in _ABBREVIATIONS or low.rsplit(".", 1)[-1] in _ABBREVIATIONS:
        return False
    # "1. Tăng cường ..." / "II. Nhiệm vụ" opening a sentence: a list number, not an ending.
    head = line[sent_start : term_start - len(token)].strip()
    return not (not head and (token.isdigit() and len(token) <= 2 or _ROMAN_RE.match(token)))


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of `text`, whitespace trimmed, in order.

    Splits at . ! ? ... followed by a space and an uppercase letter, a digit or an opening
    quote, or by the end of a line; every line break ends a sentence.
    """
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        start = 0
        for m in _TERMINATOR_RE.finditer(line):
            if _is_boundary(line, start, m.start(), m.end()):
                _add_span(spans, line, offset, start, m.end())
                start = m.end()
        _add_span(spans, line, offset, start, len(line))
        offset += len(line) + 1
    return spans


def _add_span(spans: list[tuple[int, int]], line: str, offset: int, start: int, end: int) -> None:
    piece = line[start:end]
    if not piece.strip():
        return
    lead = len(piece) - len(piece.lstrip())
    trail = len(piece) - len(piece.rstrip())
    spans.append((offset + start + lead, offset + end - trail))


def _words(text: str) -> int:
    return len(text.split())


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        if line.strip():
            _add_span(spans, line, offset, 0, len(line))
        offset += len(line) + 1
    return spans


def _opens_section(paragraph: str) -> bool:
    """A subheading, a question heading or a list intro: short, not ending a sentence."""
    return _words(paragraph) <= HEADING_MAX_WORDS and not paragraph.rstrip().endswith(
        (".", "…", ";", ",")
    )


def _group_paragraphs(text: str, max_words: int) -> list[list[tuple[int, int]]]:
    """Paragraphs grouped so that each group (but maybe a lone one) has MIN_WORDS words."""
    groups: list[list[tuple[int, int]]] = []

    def close(group: list[tuple[int, int]], words: int) -> None:
        # A short leftover (the last words of a section) belongs with what precedes it.
        if not group:
            return
        if words < MIN_WORDS and groups and (
            words + sum(_words(text[s:e]) for s, e in groups[-1]) <= max_words
        ):
            groups[-1].extend(group)
        else:
            groups.append(group)

    current: list[tuple[int, int]] = []
    words = 0
    for s, e in _paragraphs(text):
        if words >= HEADING_FLUSH_WORDS and _opens_section(text[s:e]):
            # A subheading introduces what follows; do not glue it to the paragraph before.
            close(current, words)
            current, words = [], 0
        current.append((s, e))
        words += _words(text[s:e])
        if words >= MIN_WORDS:
            groups.append(current)
            current, words = [], 0
    close(current, words)
    return groups


def _split_overlong(text: str, span: tuple[int, int], target: int) -> list[tuple[int, int]]:
    """Pieces of a run-on "sentence" longer than max_words: at ; or : first, else words.

    Only text without sentence punctuation gets here (tables flattened to one line, lists
    without full stops); an encoder would truncate it anyway.
    """
    s, e = span
    cuts = [s + m.end() for m in re.finditer(r"[;:]\s+", text[s:e])]
    pieces: list[tuple[int, int]] = []
    start = s
    for cut in cuts:
        if _words(text[start:cut]) >= target:
            pieces.append((start, cut))
            start = cut
    pieces.append((start, e))
    out: list[tuple[int, int]] = []
    for ps, pe in pieces:
        words = list(re.finditer(r"\S+", text[ps:pe]))
        if len(words) <= target * 2:
            out.append((ps, pe))
            continue
        size = math.ceil(len(words) / math.ceil(len(words) / target))
        for i in range(0, len(words), size):
            chunk = words[i : i + size]
            out.append((ps + chunk[0].start(), ps + chunk[-1].end()))
    return [(a, b) for a, b in ((_trim(text, a, b)) for a, b in out) if a < b]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _pack(
    text: str, sentences: list[tuple[int, int]], target: int, max_words: int
) -> list[tuple[int, int]]:
    """Consecutive sentences packed into pieces of about `target` words (spans)."""
    units: list[tuple[int, int]] = []
    for span in sentences:
        if _words(text[span[0] : span[1]]) > max_words:
            logger.debug("splitting an over-long sentence at %d", span[0])
            units.extend(_split_overlong(text, span, target))
        else:
            units.append(span)
    total = sum(_words(text[s:e]) for s, e in units)
    # Even pieces: 260 words become 2 x 130, not 120 + 120 + 20.
    goal = total / max(1, math.ceil(total / target))
    pieces: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    words = 0
    for s, e in units:
        w = _words(text[s:e])
        if current and (words + w > max_words or words + w / 2 > goal):
            pieces.append(current)
            current, words = [], 0
        current.append((s, e))
        words += w
    if current:
        if (
            pieces
            and words < MIN_WORDS
            and words + sum(_words(text[s:e]) for s, e in pieces[-1]) <= max_words
        ):
            pieces[-1].extend(current)
        else:
            pieces.append(current)
    return [(p[0][0], p[-1][1]) for p in pieces]


def chunk_document(doc: Document, target_words: int = 120, max_words: int = 220) -> list[Chunk]:
    """Split a document into paragraph-sized chunks with offsets into `doc.text`."""
    if target_words <= 0 or max_words < target_words:
        raise ValueError("need 0 < target_words <= max_words")
    text = doc.text
    spans: list[tuple[int, int]] = []
    for group in _group_paragraphs(text, max_words):
        start, end = group[0][0], group[-1][1]
        if _words(text[start:end]) <= max_words:
            spans.append((start, end))
            continue
        sentences = [(start + s, start + e) for s, e in split_sentences(text[start:end])]
        spans.extend(_pack(text, sentences, target_words, max_words))

    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for start, end in spans:
        piece = text[start:end]
        base = f"{doc.doc_id}#{hashlib.sha1(piece.encode('utf-8')).hexdigest()[:10]}"
        n = seen.get(base, 0) + 1
        seen[base] = n
        chunk_id = base if n == 1 else f"{base}-{n}"
        chunks.append(Chunk(
            chunk_id=chunk_id, doc_id=doc.doc_id, text=piece, start=start, end=end,
            title=doc.title, province=doc.province, published=doc.published,
        ))
    return chunks
