"""Strip the page furniture that scraped news articles carry around their text.

Seen in the sample corpus: photo captions printed twice, "Ảnh: LÊ MINH" credits, a
timestamp line, the title repeated as the first line, the lead repeated with a "(VLO)"
dateline, ">>" related-article links, a trailing "Có thể bạn quan tâm", author lines
("Chu Tuấn", "A.P", "Bài, ảnh: KHÁNH DUY"), a hotline number, "Phóng sự ảnh" and lines of
dots. Every rule is anchored on a whole line (or a credit at a line's end) so that
ordinary paragraphs mentioning "ảnh hưởng" or quoting ">>" survive.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date

from retriever.text.normalize import fold_diacritics, match_form, normalize

logger = logging.getLogger(__name__)

# Captions and bylines are short; a line this long is a paragraph whatever it ends with.
CAPTION_MAX_WORDS = 40
BYLINE_MAX_WORDS = 8
# Words besides the number on a hotline line ("Đường dây nóng Ban biên tập: 0987...").
HOTLINE_MAX_OTHER_WORDS = 5
RELATED_ITEM_MAX_WORDS = 30

_SEPARATOR_RE = re.compile(r"^[\s.\-_*=~•·…]+$")
_RELATED_LINK_RE = re.compile(
    r"^(?:>\s*>|»|(?:xem thêm|đọc thêm|tin liên quan|bài liên quan)\s*:\s*\S)", re.IGNORECASE
)
_RELATED_HEADINGS = frozenset({
    "có thể bạn quan tâm", "bạn có thể quan tâm", "tin liên quan", "bài liên quan",
    "bài viết liên quan", "tin cùng chuyên mục", "tin khác", "các tin khác", "tin mới nhất",
    "xem thêm", "đọc thêm", "tin đọc nhiều",
})
_CHROME = frozenset({
    "phóng sự ảnh", "video", "infographic", "bình luận", "gửi bình luận", "chia sẻ",
    "in bài", "in bài viết", "lưu bài", "quay lại", "về trang chủ", "tags", "từ khóa",
})
_TAGS_RE = re.compile(r"^(?:tags|từ khóa|chủ đề)\s*:", re.IGNORECASE)
_HOTLINE_RE = re.compile(r"^(?:hotline|đường dây nóng)\b", re.IGNORECASE)
_PHONE_ONLY_RE = re.compile(r"^[\s\d.+()\-]+$")
# A whole line that is a photo credit: "Ảnh: Internet", "Ảnh minh họa", "Nguồn ảnh: X".
# "Ảnh hưởng ..." is not one: "Ảnh" must be followed by a colon or end the phrase.
_CREDIT_LINE_RE = re.compile(
    r"^\(?(?:ảnh minh họa|nguồn ảnh|ảnh|photo)\s*(?::.{0,80})?\.?\)?$", re.IGNORECASE
)
# A credit closing a line: "... (Ảnh: Tuấn Minh)", "... doanh nghiệp. Ảnh: LÊ MINH".
_PAREN_CREDIT_RE = re.compile(
    r"\s*\((?:ảnh minh họa|nguồn ảnh|ảnh|photo)(?:\s*:[^()]{0,80})?\)\.?$", re.IGNORECASE
)
_TRAILING_CREDIT_RE = re.compile(
    r"(?<=[.!?\"')])\s+(?:ảnh|nguồn ảnh|ảnh minh họa|photo)\s*:\s*"
    r"(?:[^.!?:]|\.(?=\S)){1,60}\.?$",
    re.IGNORECASE,
)
_TRAILING_ILLUSTRATION_RE = re.compile(
    r"(?:(?<=[.!?\"'])\s+|\s*-\s*)ảnh minh họa\.?$", re.IGNORECASE
)
# Explicit author lines: "Bài, ảnh: KHÁNH DUY", "Bài và ảnh: X", "Tin: X".
_CREDITED_BYLINE_RE = re.compile(
    r"^(?:bài|tin|bài và ảnh|bài, ảnh|bài - ảnh|tin và ảnh|tin, ảnh|ảnh và bài|ảnh, bài)"
    r"\s*:\s*(?P<name>\S.{0,60})$",
    re.IGNORECASE,
)
# "Theo Chinhphu.vn", "Nguồn: Báo Bình Phước"; not "Theo đó, ..." (a sentence).
_SOURCE_BYLINE_RE = re.compile(r"^(?:[Tt]heo|[Nn]guồn)\s*:?\s+(?P<src>[^,;]+)$")
_STAFF_BYLINE_RE = re.compile(
    r"^(?:pv|p\.v|ctv|nhóm pv|nhóm phóng viên|phóng viên|btv)(?:\s*\(.*\))?\.?$", re.IGNORECASE
)
_BYLINE_SUFFIX_RE = re.compile(r"\s*\((?:tổng hợp|th|t/h|lược dịch|theo [^)]*)\)\.?$", re.I)
_INITIALS_RE = re.compile(r"^(?:[A-ZĐ]\.)*[A-ZĐ]\.?$")

_WEEKDAY_RE = re.compile(r"thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s+nhật|\bcn\b|\bt[2-7]\b")
_DATE_RE = re.compile(r"\b(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\b")
_TIME_RE = re.compile(r"\b\d{1,2}[:h]\d{2}(?::\d{2})?\b")
_TIMESTAMP_NOISE_RE = re.compile(
    r"\(?gmt\s*[+-]\s*\d{1,2}\)?|\bngày\b|\bcập nhật\b|\bđăng\b|\blúc\b|\bsáng\b|\bchiều\b"
    r"|\bam\b|\bpm\b|[,|\-\s]"
)

# Datelines opening the first paragraph: "(Baobinhphuoc) - ", "(VLO) ", "TPO - ",
# "Vĩnh Long, ngày 22/9/2022 - ".
_DATELINE_PAREN_RE = re.compile(r"^\((?P<src>[^()]{2,40})\)\s*(?P<dash>-\s*)?")
_DATELINE_AGENCY_RE = re.compile(r"^(?P<src>[A-ZĐ][A-ZĐ0-9.]{1,15})\s*-\s+(?=\S)")
_DATELINE_PLACE_RE = re.compile(
    r"^(?P<src>(?P<place>[^\W\d_]+(?:\s+[^\W\d_]+){0,3}),\s*"
    r"(?:ngày\s+)?\d{1,2}/\d{1,2}(?:/\d{2,4})?)\s*(?:[-:.,]\s*|$)"
)
# Sentence openers that look like a place before a comma but are not datelines:
# "Tại Hà Nội, ngày 5/3/2024, Bộ ..." is content.
_NOT_A_PLACE = frozenset({"tại", "sáng", "chiều", "tối", "trưa", "ngày", "hôm", "từ", "đến",
                          "trong", "vào", "cũng", "theo"})


@dataclass
class CleanedArticle:
    """An article's text without its page furniture, and what was taken out."""

    text: str  # paragraphs separated by "\n"
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (reason, line)
    dateline: str | None = None
    byline: str | None = None
    published: str | None = None  # ISO date read from a dropped timestamp line


@dataclass
class _Line:
    text: str
    drop: str | None = None  # reason, once dropped


def _key(text: str) -> str:
    """Comparison form: case, quotes, spacing and closing punctuation do not matter."""
    text = match_form(text)
    text = re.sub(r"[\"'`]", "", text)
    text = re.sub(r"\s+", " ", text)
    return text.strip(" .:;,!?-")


def _words(text: str) -> int:
    return len(text.split())


def _timestamp_date(line: str) -> tuple[bool, str | None]:
    """(is the whole line a timestamp, the ISO date it carries)."""
    low = match_form(line)
    dates = list(_DATE_RE.finditer(low))
    times = _TIME_RE.findall(low)
    if not dates and not times:
        return False, None
    residue = _TIME_RE.sub(" ", _DATE_RE.sub(" ", _WEEKDAY_RE.sub(" ", low)))
    if _TIMESTAMP_NOISE_RE.sub("", residue).strip("().:"):
        return False, None
    iso = None
    if dates:
        d, m, y = (int(g) for g in dates[0].groups())
        try:
            iso = date(y, m, d).isoformat()
        except ValueError:
            iso = None
    return True, iso


def _is_hotline(line: str) -> bool:
    """"Đường dây nóng: 0987083838." yes; "Hotline 1022 của tỉnh đã tiếp nhận ..." no."""
    m = _HOTLINE_RE.match(line)
    if not m:
        return False
    rest = line[m.end() :]
    digits = sum(c.isdigit() for c in rest)
    words = [w for w in rest.split() if not any(c.isdigit() for c in w)]
    return digits >= 6 and len(words) <= HOTLINE_MAX_OTHER_WORDS


def _line_reason(line: str) -> str | None:
    """Why a whole line is furniture, looking at the line alone; None if it is content."""
    low = _key(line)
    if _SEPARATOR_RE.match(line):
        return "separator"
    if _RELATED_LINK_RE.match(line):
        return "related link"
    if low in _CHROME or _TAGS_RE.match(line):
        return "page chrome"
    if _is_hotline(line):
        return "hotline"
    if _PHONE_ONLY_RE.match(line) and sum(c.isdigit() for c in line) >= 8:
        return "phone number"
    if _CREDIT_LINE_RE.match(line):
        return "photo credit"
    credited = _CREDITED_BYLINE_RE.match(line)
    if credited and _words(line) <= BYLINE_MAX_WORDS + 3 and _name_like(credited.group("name")):
        return "byline"
    # "Người dân làm thủ tục. Ảnh: H.Vy" is a caption; "... (Ảnh: H.Vy)" closing a line is
    # a credit added to a paragraph, and only the credit goes (see _strip_credit).
    if _words(line) <= CAPTION_MAX_WORDS and _TRAILING_CREDIT_RE.search(line):
        return "caption"
    return None


def _strip_credit(line: str) -> tuple[str, str | None]:
    """Remove a photo credit closing a paragraph; (rest, removed part or None)."""
    for regex in (_PAREN_CREDIT_RE, _TRAILING_CREDIT_RE, _TRAILING_ILLUSTRATION_RE):
        m = regex.search(line)
        if m and m.start() > 0:
            return line[: m.start()].rstrip(), m.group(0).strip()
    return line, None


def _split_dateline(paragraph: str) -> tuple[str | None, str]:
    """(dateline, rest of the paragraph) when the paragraph opens with a dateline."""
    m = _DATELINE_PAREN_RE.match(paragraph)
    if m:
        src = m.group("src").strip()
        rest = paragraph[m.end() :]
        words = src.split()
        looks_like_source = len(words) <= 3 and (
            m.group("dash") is not None or all(w[0].isupper() or "." in w for w in words)
        )
        if looks_like_source and (not rest or rest[0].isupper() or rest[0] == '"'):
            return f"({src})", rest
    m = _DATELINE_AGENCY_RE.match(paragraph)
    if m:
        return m.group("src"), paragraph[m.end() :]
    m = _DATELINE_PLACE_RE.match(paragraph)
    if m:
        place = m.group("place").split()
        if all(w[0].isupper() for w in place) and place[0].casefold() not in _NOT_A_PLACE:
            return m.group("src").strip(), paragraph[m.end() :]
    return None, paragraph


def _name_like(text: str) -> bool:
    """A bare author name: "Chu Tuấn", "KHÁNH DUY", "A.P", "Minh Thư - Hồng Nhung"."""
    text = _BYLINE_SUFFIX_RE.sub("", text).strip()
    if not text or text[-1] in ":?!;," or any(c.isdigit() for c in text):
        return False
    if _INITIALS_RE.match(text):
        return True
    tokens = [t for t in re.split(r"[\s,&]+", text) if t and t not in ("-", "và")]
    if not tokens or len(tokens) > 6:
        return False
    return all(t[0].isupper() and t.replace(".", "").replace("-", "").isalpha() for t in tokens)


def _byline_name(line: str, author: str | None) -> str | None:
    """The author a closing line names, or None when it is not an author line."""
    if _words(line) > BYLINE_MAX_WORDS + 3:
        return None
    m = _CREDITED_BYLINE_RE.match(line)
    if m:
        return m.group("name").strip()
    if author and fold_diacritics(_key(line)) == fold_diacritics(_key(author)):
        return line
    if _words(line) > BYLINE_MAX_WORDS:
        return None
    source = _SOURCE_BYLINE_RE.match(line)
    if (source and source.group("src")[0].isupper()) or _STAFF_BYLINE_RE.match(line) or (
        _name_like(line)
    ):
        return line.rstrip(".") if not _INITIALS_RE.match(line) else line
    return None


def _drop_related_block(lines: list[_Line]) -> None:
    """Drop "Có thể bạn quan tâm" and, when only link titles follow it, all of them."""
    for i, line in enumerate(lines):
        if line.drop or _key(line.text) not in _RELATED_HEADINGS:
            continue
        line.drop = "related heading"
        rest = [ln for ln in lines[i + 1 :] if not ln.drop]
        if all(_words(ln.text) <= RELATED_ITEM_MAX_WORDS for ln in rest):
            for ln in rest:
                ln.drop = "related block"
            return


def _drop_title(lines: list[_Line], title: str | None) -> None:
    if not title or not title.strip():
        return
    want = _key(normalize(title))
    for line in [ln for ln in lines if not ln.drop][:3]:
        if _key(line.text) == want:
            line.drop = "title"
            return


def _drop_duplicates(lines: list[_Line]) -> str | None:
    """Captions (short lines printed twice in a row) and repeated paragraphs.

    Returns a dateline found on a dropped repeat: some sites print the lead, then the
    same lead again opening the body with its "(VLO)" dateline.
    """
    dateline = None
    kept = [ln for ln in lines if not ln.drop]
    seen: dict[str, int] = {}
    for pos, line in enumerate(kept):
        line_dateline, rest = _split_dateline(line.text)
        k = _key(rest)
        if not k:
            continue
        if k not in seen:
            seen[k] = pos
            continue
        first = kept[seen[k]]
        if _words(rest) <= CAPTION_MAX_WORDS and seen[k] == pos - 1:
            first.drop = first.drop or "caption"
            line.drop = "caption"
        else:
            line.drop = "duplicate"
            dateline = dateline or line_dateline
    return dateline


def _drop_bylines(lines: list[_Line], author: str | None) -> str | None:
    """Author lines at the end of the article (the last few kept lines)."""
    byline = None
    for line in reversed([ln for ln in lines if not ln.drop][-3:]):
        name = _byline_name(line.text, author)
        if name is None:
            break
        line.drop = "byline"
        byline = byline or name
    return byline


def clean_article(
    raw: str, title: str | None = None, author: str | None = None
) -> CleanedArticle:
    """Clean one article's raw text; see the module docstring for what goes.

    `title` drops a first line repeating it; `author` (e.g. from a manifest) recognises
    a closing line that is just the author's name even when it does not look like one.
    """
    dropped: list[tuple[str, str]] = []
    published = None
    byline = None
    lines: list[_Line] = []
    for raw_line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        text = normalize(raw_line)
        if not text:
            continue
        line = _Line(text)
        is_stamp, iso = _timestamp_date(text)
        if is_stamp:
            line.drop = "timestamp"
            published = published or iso
        else:
            line.drop = _line_reason(text)
            if line.drop == "byline":
                m = _CREDITED_BYLINE_RE.match(text)
                byline = byline or (m.group("name").strip() if m else text)
        lines.append(line)

    _drop_related_block(lines)
    _drop_title(lines, title)
    dateline = _drop_duplicates(lines)
    byline = _drop_bylines(lines, author) or byline

    kept: list[str] = []
    for line in lines:
        if line.drop:
            dropped.append((line.drop, line.text))
            continue
        text, credit = _strip_credit(line.text)
        if credit:
            dropped.append(("photo credit", credit))
        if not kept:
            found, text = _split_dateline(text)
            if found:
                dropped.append(("dateline", found))
                dateline = found
            if not text.strip():
                continue
        kept.append(text)

    cleaned = normalize("\n".join(kept))
    logger.debug("cleaned article: kept %d lines, dropped %d", len(kept), len(dropped))
    return CleanedArticle(cleaned, dropped, dateline, byline, published)
