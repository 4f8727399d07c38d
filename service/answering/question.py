"""What a question asks for: its answer type, language, named places and must-have terms."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from retriever.text.gazetteer import canonical_province, find_provinces
from retriever.text.normalize import fold_diacritics, has_diacritics, match_form, normalize

# Answer types, from the most specific phrasing to the most general. Patterns run on the
# accent-folded, case-folded question so "thu may" is read like "thứ mấy".
_VI_TYPES: tuple[tuple[str, str], ...] = (
    ("rank", r"\b(thu|hang|vi tri) (may|bao nhieu|nao)\b|\bxep (hang|thu)\b|\bdung thu\b"
             r"|\bxep hang\b"),
    ("date", r"\b(khi nao|bao gio|luc nao|thoi diem nao|thoi gian nao)\b"
             r"|\b(ngay|thang|nam|quy) (nao|may|bao nhieu)\b"),
    ("person", r"\b(nguoi nao|vi nao|ong nao|ba nao|ai)\b"),
    ("place", r"\b(o dau|tai dau|noi nao|cho nao|dau)\b"
              r"|\b(tinh|thanh pho|huyen|xa|dia phuong|dia diem|noi) nao\b"),
    ("number", r"\b(bao nhieu|so luong|ty le|ti le|phan tram)\b|\bmay\b(?! (tinh|moc|bay))"
               r"|\b(la|co) so (nao|gi|may)\b"),
    ("sentence", r"\b(the nao|ra sao|tai sao|vi sao|the sao|bang cach nao|lam gi de)\b"),
    # A name only when the question asks for one; "X là gì?" asks for a description.
    ("name", r"\bten (la )?(gi|nao)\b|\b(nen tang|ung dung|he thong|san|cong|chuong trinh|"
             r"ngan hang|doanh nghiep|cong ty|nha mang|don vi|co quan|to chuc|hoc vien|"
             r"truong|du an|phan mem|trang|mo hinh|giai thuong|nghi quyet|de an|ke hoach)"
             r"(?: \w+){0,4} nao\b"),
)
_EN_TYPES: tuple[tuple[str, str], ...] = (
    ("rank", r"\b(rank|ranked|ranking|position|place)\b"),
    ("date", r"\b(when|what year|which year|what date|which month)\b"),
    ("person", r"\b(who|whom)\b"),
    ("place", r"\b(where|which province|which district)\b"),
    ("number", r"\b(how many|how much|what percentage|what share|what proportion|number of)\b"),
    ("sentence", r"\b(how|why)\b"),
    ("name", r"\b(what|which)\b"),
)
_EN_WORD_LIST = (
    "the what which who when where how many much is are was were does did do of in to for "
    "and with has have rank province number"
)
_EN_WORDS = frozenset(_EN_WORD_LIST.split(" "))
# Terms a passage must contain to answer: "5G", "2030", "IOC", "VNeID". A question about
# 5G is not answered by an article that has only 4G.
_REQUIRED_RE = re.compile(
    r"\b(?:\d+[A-Za-z]+\w*|[A-Za-z]+\d+\w*|[A-ZĐ][A-Za-zĐđ]*[A-Z][A-Za-z]*)\b"
)
_PERSON_RE = re.compile(r"\b(?i:ông|bà|anh|chị|đồng chí)\s+((?:[A-ZĐ]\w*\s?){2,5})")


@dataclass(frozen=True)
class QuestionInfo:
    text: str
    kind: str  # rank | date | person | place | number | name | sentence
    language: str  # "vi" | "en"
    accented: bool
    provinces: list[str] = field(default_factory=list)
    required_terms: list[str] = field(default_factory=list)
    # For "bao nhiêu" questions: what is counted ("thành viên", "xã, phường") or "%".
    counted: str = ""
    subject: str = ""  # for "X là gì?": X


_PERCENT_RE = re.compile(r"\b(phan tram|ty le|ti le|ty trong|ti trong|percentage|percent|"
                         r"share|proportion|rate)\b|%")
_COUNTED_RE = re.compile(r"\b(?:bao nhieu|may|how many)\s+((?:[^\W\d_]+[ ,]*){1,4})")
_DEFINITION_RE = re.compile(r"^(.{2,60}?)\s+(?:la gi|nghia la gi|la viet tat cua gi)\b")
_ENGLISH_VERBS = "do does did are is have has in of were was will"
_COUNTED_STOP = frozenset(
    f"la co duoc da dang se cua o tai trong nam den va thi {_ENGLISH_VERBS}".split(" ")
)


_COUNTED_STOP_ACCENTED = frozenset(
    f"là có được đã đang sẽ của ở tại trong năm đến và thì {_ENGLISH_VERBS}".split(" ")
)


def counted_thing(text: str) -> str:
    """What a number question counts, in the question's own words ("%" for shares)."""
    folded = fold_diacritics(match_form(text))
    if _PERCENT_RE.search(folded):
        return "%"
    match = _COUNTED_RE.search(folded)
    if not match:
        return ""
    end = match.start(1)
    lowered = match_form(text)
    stop = _COUNTED_STOP_ACCENTED if has_diacritics(text) else _COUNTED_STOP
    for word in re.finditer(r"[^\W\d_]+", lowered[match.start(1):match.end(1)]):
        if word.group(0) in stop:
            break
        end = match.start(1) + word.end()
    # Folding keeps one character per character, so folded offsets index the text.
    return text[match.start(1):end].strip(" ,")


def definition_subject(text: str) -> str:
    match = _DEFINITION_RE.search(fold_diacritics(match_form(text)))
    return text[match.start(1):match.end(1)].strip() if match else ""


def question_kind(text: str, language: str) -> str:
    folded = fold_diacritics(match_form(text))
    for kind, pattern in _EN_TYPES if language == "en" else _VI_TYPES:
        if re.search(pattern, folded):
            if kind == "person" and re.search(r"\bAI\b", text) and not re.search(
                    r"\bai\b", text):
                continue
            return kind
    return "sentence"


def detect_language(text: str) -> str:
    if has_diacritics(text):
        return "vi"
    words = re.findall(r"[a-z]+", text.casefold())
    english = sum(w in _EN_WORDS for w in words)
    return "en" if words and english >= max(2, len(words) // 4) else "vi"


def required_terms(text: str, provinces: list[str]) -> list[str]:
    """Names and codes the answer's passage must contain (provinces are checked apart)."""
    terms = []
    for word in text.split():
        word = word.strip("?!.,;:()\"'“”")
        if not word or canonical_province(word):
            continue
        for match in _REQUIRED_RE.finditer(word):
            # Two-letter capitals ("CT", "TP") are too often an ad-hoc abbreviation.
            if match.group(0) == word and (len(word) > 2 or any(c.isdigit() for c in word)):
                terms.append(word)
    for match in _PERSON_RE.finditer(text):
        terms.append(match.group(1).strip())
    return list(dict.fromkeys(terms))


def analyse_question(text: str) -> QuestionInfo:
    text = normalize(text)
    language = detect_language(text)
    provinces = [name for name, _count in find_provinces(text)]
    kind = question_kind(text, language)
    terms = required_terms(text, provinces)
    if language == "en":
        terms = [t for t in terms if any(c.isdigit() for c in t)]
    return QuestionInfo(text, kind, language, has_diacritics(text), provinces, terms,
                        counted_thing(text) if kind == "number" else "",
                        definition_subject(text) if language == "vi" else "")
