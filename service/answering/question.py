"""What a question asks for: its answer type, language, named places and must-have terms."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from index.facts.constraints import FactConstraints, question_constraints
from retriever.text.gazetteer import canonical_province, find_provinces
from retriever.text.normalize import fold_diacritics, has_diacritics, match_form, normalize


class QuestionKind(StrEnum):
    """What a question asks for: the answer's type."""

    ROLE = "role"  # an office ("giữ chức vụ gì")
    RANK = "rank"
    DATE = "date"
    PERSON = "person"
    PLACE = "place"
    NUMBER = "number"
    NAME = "name"  # the name of a thing ("nền tảng nào")
    SENTENCE = "sentence"  # a description or explanation: answered by a sentence


# Answer types, from the most specific phrasing to the most general. Patterns run on the
# accent-folded, case-folded question so "thu may" is read like "thứ mấy".
_VI_TYPES: tuple[tuple[str, str], ...] = (
    # "giữ chức vụ gì" asks for a title, not a person or a description.
    ("role", r"\b(chuc vu|chuc danh|cuong vi) (gi|nao)\b|\bgiu (nhung )?chuc (gi|nao)\b"),
    ("rank", r"\b(thu|hang|vi tri) (may|bao nhieu|nao)\b|\bxep thu\b|\bdung thu\b"
             r"|\bdung o (dau|vi tri nao)\b"),
    ("date", r"\b(khi nao|bao gio|luc nao|thoi diem nao|thoi gian nao)\b"
             r"|\b(ngay|thang|nam|quy) (nao|may|bao nhieu)\b"),
    ("person", r"\b(nguoi nao|vi nao|ong nao|ba nao|ai)\b"),
    ("place", r"\b(o dau|tai dau|noi nao|cho nao|dau)\b"
              r"|\b(tinh|thanh pho|huyen|xa|dia phuong|dia diem|noi) nao\b"),
    ("number", r"\b(bao nhieu|so luong|ty le|ti le|phan tram)\b|\bmay\b(?! (tinh|moc|bay))"
               r"|\b(la|co) so (nao|gi|may)\b"),
    ("sentence", r"\b(the nao|ra sao|tai sao|vi sao|the sao|bang cach nao|lam gi de)\b"),
    # "xếp hạng" alone is a weaker cue than "bao nhiêu" or "bằng cách nào": "thuộc nhóm bao
    # nhiêu tỉnh dẫn đầu trong xếp hạng" asks for a number.
    ("rank", r"\bxep hang\b"),
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
    ("place", r"\b(where|which (province|district|commune|ward|town|city|locality|"
              r"island|village))\b"),
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
    kind: QuestionKind
    language: str  # "vi" | "en"
    accented: bool
    provinces: list[str] = field(default_factory=list)
    required_terms: list[str] = field(default_factory=list)
    # For "bao nhiêu" questions: what is counted ("thành viên", "xã, phường") or "%".
    counted: str = ""
    subject: str = ""  # for "X là gì?": X
    # Constraints an answer must meet (see verify.py): years the question is about, the
    # office a person must hold ("chủ tịch"), the abbreviation to spell out, and the head
    # noun a name must be the name of ("học viện nào" -> "học viện").
    years: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    abbreviation: str = ""
    head: str = ""
    # "tỉnh nào ... cao hơn / thấp nhất": "more" or "less" across the provinces named.
    compare: str = ""
    # "bao nhiêu", "mấy": the answer must be an amount ("tỷ lệ ... là gì?" need not be).
    asks_amount: bool = False
    # A place in a ranking ("xếp hạng", "đứng thứ"), not just an ordinal ("giải thứ mấy",
    # "vị trí nào" on a football pitch): only such a rank must be stated as one.
    ranking: bool = False
    # "ngày nào" asks for a day, "tháng mấy" for a month: a year alone does not answer them.
    date_part: str = ""  # "day" | "month" | ""
    # "tỉnh Bắc Hải": a province by its title that no gazetteer entry knows (invented, or
    # outside Vietnam); an answer must come from a passage that names it.
    unknown_province: str = ""
    # The ranking constraints (index, year, measure, position) facts must match
    # (index/facts/constraints.py): read by the facts stage, the readers' verify stage and
    # the retrieval order by facts.
    facts: FactConstraints = field(default_factory=FactConstraints)


# "chiếm bao nhiêu GRDP" asks for a share too.
_PERCENT_RE = re.compile(r"\b(phan tram|ty le|ti le|ty trong|ti trong|percentage|percent|"
                         r"share|proportion|rate|chiem (?:khoang )?(?:bao nhieu|may))\b|%")
_COUNTED_RE = re.compile(r"\b(?:bao nhieu|may|how many)\s+((?:[^\W\d_]+[ ,]*){1,4})")
_DEFINITION_RE = re.compile(r"^(.{2,60}?)\s+(?:la gi|nghia la gi|la viet tat cua gi)\b")
_ENGLISH_VERBS = "do does did are is have has in of were was will"
# Words that end (or, first, rule out) the counted phrase: verbs and prepositions after
# "bao nhiêu" mean the counted noun came before it ("vĩ tuyến bao nhiêu làm giới hạn").
_COUNTED_STOP = frozenset(
    f"la co duoc da dang se cua o tai trong nam den va thi moi mot lam de cho khi vao ra len "
    f"xuong tang giam dat so sau truoc tu {_ENGLISH_VERBS}".split(" ")
)


_COUNTED_STOP_ACCENTED = frozenset(
    f"là có được đã đang sẽ của ở tại trong năm đến và thì mỗi mọi mới một làm để cho khi "
    f"vào ra lên xuống tăng giảm đạt so sau trước từ {_ENGLISH_VERBS}".split(" ")
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
        # A capitalised word starts a name ("bao nhiêu tổ Bến Tre"), not what is counted;
        # an acronym is a noun like any other ("bao nhiêu DN nhỏ").
        original = text[match.start(1) + word.start():match.start(1) + word.end()]
        if word.group(0) in stop or (original[0].isupper() and not original.isupper()):
            break
        end = match.start(1) + word.end()
    # Folding keeps one character per character, so folded offsets index the text.
    return text[match.start(1):end].strip(" ,")


def definition_subject(text: str) -> str:
    match = _DEFINITION_RE.search(fold_diacritics(match_form(text)))
    return text[match.start(1):match.end(1)].strip() if match else ""


# Question words that fold to the same letters as common content words: "đâu" (where) and
# "đầu" (head: "dẫn đầu"), "nào" and "não" ("bộ não số"), "mấy" and "máy" ("máy tính").
# In an accented question only the question word itself may match the folded patterns.
# "hạng" (rank) and "hàng" ("ngân hàng nào" asks for a name) likewise, except where a name's
# head noun is read: there "hàng" must stay.
_AMBIGUOUS_QUESTION_WORDS = {"dau": "đâu", "nao": "nào", "may": "mấy", "hang": "hạng"}
_AMBIGUOUS_IN_NAMES = {"dau": "đâu", "nao": "nào", "may": "mấy"}


def pattern_form(text: str, ambiguous: dict[str, str] = _AMBIGUOUS_QUESTION_WORDS) -> str:
    """The folded, lower-cased text the type patterns run on; in an accented question a
    word that only folds to a question word ("đầu" -> "dau") is masked."""
    lowered = match_form(text)
    folded = fold_diacritics(lowered)
    if not has_diacritics(text) or len(folded) != len(lowered):
        return folded

    def mask(match: re.Match[str]) -> str:
        word = match.group(0)
        if lowered[match.start():match.end()] == ambiguous[word]:
            return word
        return "_" * len(word)
    return re.sub(r"\b(?:" + "|".join(ambiguous) + r")\b", mask, folded)


_QUESTION_WORD_RE = re.compile(r"\b(?:bao nhieu|may|nao|gi|ai|dau|bao gio|the nao|ra sao)\b")


def around_question_word(text: str) -> tuple[str, str]:
    """The (lower-cased) question before and after its first question word ("bao nhiêu",
    "nào", "gì", ...): the answer sits between the same words in the passage. ("", "") when
    there is none."""
    lowered = match_form(text)
    form = pattern_form(text)
    match = _QUESTION_WORD_RE.search(form) if len(form) == len(lowered) else None
    if match is None:
        return "", ""
    return lowered[:match.start()], lowered[match.end():]


def question_kind(text: str, language: str) -> QuestionKind:
    folded = pattern_form(text)
    named = pattern_form(text, _AMBIGUOUS_IN_NAMES)
    for kind, pattern in _EN_TYPES if language == "en" else _VI_TYPES:
        if kind == QuestionKind.NAME:
            folded = named
        if re.search(pattern, folded):
            if kind == QuestionKind.PERSON and re.search(r"\bAI\b", text) and not re.search(
                    r"\bai\b", text):
                continue
            return QuestionKind(kind)
    return QuestionKind.SENTENCE


# A Vietnamese syllable written without accents: onset, one to three vowels, coda.
_SYLLABLE_RE = re.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?"
                          r"[aeiouy]{1,3}(?:ng|nh|ch|[cmnpt])?")
ENGLISH_SHARE = 0.4  # of a question's words that cannot be Vietnamese syllables


def detect_language(text: str) -> str:
    """ "en" or "vi". An unaccented question is English when it has English function words,
    enough of them or among words most of which no Vietnamese syllable spells ("When did Ba
    Ria - Vung Tau hold its review conference?")."""
    if has_diacritics(text):
        return "vi"
    words = [w.casefold() for w in re.findall(r"[A-Za-z]+", text)
             if not (len(w) > 1 and w.isupper())]  # acronyms: "CDS", "IOC"
    english = sum(w in _EN_WORDS for w in words)
    if not words or not english:
        return "vi"
    foreign = sum(not _SYLLABLE_RE.fullmatch(w) for w in words)
    return "en" if english >= max(2, len(words) // 4) or foreign >= ENGLISH_SHARE * len(
        words) else "vi"


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


# Shorthand for offices that officials' titles use and the articles never do: "CT UBND tỉnh"
# is "Chủ tịch UBND tỉnh". Only before the body the office belongs to, where the letters
# cannot mean anything else.
_TITLE_SHORTHANDS = {"PCT": "Phó Chủ tịch", "CT": "Chủ tịch", "PGĐ": "Phó Giám đốc",
                     "PGD": "Phó Giám đốc", "GĐ": "Giám đốc", "GD": "Giám đốc",
                     "PBT": "Phó Bí thư"}
_TITLE_SHORTHAND_RE = re.compile(
    r"(?<![\w&/-])(" + "|".join(sorted(_TITLE_SHORTHANDS, key=len, reverse=True)) + r")"
    r"(?=\s+(?i:UBND|HĐND|HDND|Sở|So|Ban|Tỉnh ủy|Tinh uy|Thành ủy|Huyện ủy|MTTQ|Hội đồng|"
    r"Ủy ban|Công ty|Tập đoàn|Ngân hàng|Bệnh viện|Trung tâm)\b)"
)


def expand_title_shorthands(text: str) -> str:
    """ "CT UBND tỉnh Vĩnh Long là ai?" -> "Chủ tịch UBND tỉnh Vĩnh Long là ai?"."""
    accented = has_diacritics(text)

    def spelled(match: re.Match[str]) -> str:
        full = _TITLE_SHORTHANDS[match.group(1)]
        return full if accented else fold_diacritics(full)
    return _TITLE_SHORTHAND_RE.sub(spelled, text)


# Offices a "who is" question may name; the person answering must hold that office.
ROLE_WORDS = ("tổng giám đốc", "giám đốc", "chủ tịch", "bí thư", "bộ trưởng", "thứ trưởng",
              "thủ tướng", "chủ nhiệm", "trưởng ban", "trưởng phòng", "chánh văn phòng",
              "hiệu trưởng", "viện trưởng", "tổng thống", "thị trưởng", "tổng biên tập")
_EN_ROLES = {"chairman": "chủ tịch", "chairwoman": "chủ tịch", "chairperson": "chủ tịch",
             "chair": "chủ tịch", "director": "giám đốc", "secretary": "bí thư",
             "minister": "bộ trưởng", "prime minister": "thủ tướng", "mayor": "thị trưởng",
             "president": "chủ tịch"}
_ROLE_ALTERNATIVES = "|".join(fold_diacritics(r) for r in ROLE_WORDS)
# The office is what "who" asks about only in these shapes: "Ai là (người giữ chức) giám
# đốc ...?", "Chủ tịch UBND tỉnh X là ai?". "Ai được chọn làm ứng cử viên tổng thống?" asks
# for someone who is not (yet) president.
_WHO_HOLDS_RE = re.compile(
    r"^(?:ai|nguoi nao|vi nao)\s+(?:la\s+|lam\s+)?(?:nguoi\s+)?(?:hien\s+)?(?:nay\s+)?"
    r"(?:dang\s+)?(?:giu\s+)?(?:chuc\s+)?(?:vu\s+)?(?:(pho)\s+)?(" + _ROLE_ALTERNATIVES
    + r")\b"
    r"|^(?:(?!pho\b)\w+\s+)?(?:(pho)\s+)?(" + _ROLE_ALTERNATIVES + r")\b.*\b(?:la ai|la nguoi nao|"
    r"la vi nao|ten (?:la )?gi|ten la)\W*$"
)
_EN_WHO_HOLDS_RE = re.compile(
    r"^who\s+(?:is|was|are|were)\s+(?:the\s+)?(?:current\s+)?(?:(vice|deputy)\s+)?("
    + "|".join(sorted(_EN_ROLES, key=len, reverse=True)) + r")\b"
)


def question_roles(text: str, language: str) -> list[str]:
    """The office a "who" question asks the holder of, folded, "phó" kept: "Chủ tịch UBND
    tỉnh X là ai?" -> ["chu tich"]; "Who is the vice chairman of ...?" -> ["pho chu tich"]."""
    folded = fold_diacritics(match_form(text)).strip()
    if language == "en":
        match = _EN_WHO_HOLDS_RE.search(folded)
        if not match:
            return []
        role = fold_diacritics(_EN_ROLES[match.group(2)])
        return [f"pho {role}" if match.group(1) else role]
    match = _WHO_HOLDS_RE.search(folded)
    if not match:
        return []
    deputy, role = (match.group(1), match.group(2)) if match.group(2) else (
        match.group(3), match.group(4))
    return [f"pho {role}" if deputy else role]


_ACRONYM_RE = re.compile(r"^[A-ZĐ][A-Za-zĐđ&-]*[A-ZĐ][A-Za-zĐđ]*$")


def abbreviation_asked(text: str, subject: str) -> str:
    """The acronym a question asks to spell out: "CĐS là viết tắt của gì?" -> "CĐS"."""
    if subject and _ACRONYM_RE.match(subject) and "viet tat" in fold_diacritics(
            match_form(text)):
        return subject
    return ""


# "nền tảng nào", "học viện nào": what the asked name must be the name of.
_HEAD_RE = re.compile(
    r"\b(nen tang|ung dung|he thong|san thuong mai dien tu|san|cong|chuong trinh|ngan hang|"
    r"doanh nghiep|cong ty|nha mang|don vi|co quan|to chuc|hoc vien|truong|du an|phan mem|"
    r"trang|mo hinh|giai thuong|nghi quyet|quyet dinh|de an|ke hoach|chi thi|nghi dinh|"
    r"thong tu|tap doan|benh vien|tinh|huyen|xa|thanh pho)(?:\s+\w+){0,4}\s+nao\b")


def name_head(text: str) -> str:
    folded = pattern_form(text, _AMBIGUOUS_IN_NAMES)
    match = _HEAD_RE.search(folded)
    if not match:
        return ""
    lowered = match_form(text)
    # Folding keeps one character per character, so the folded offsets index the text.
    if len(lowered) == len(folded):
        return lowered[match.start(1):match.end(1)]
    return match.group(1)


_MORE_RE = re.compile(r"\b(?:cao|nhieu|lon|tot|manh|nhanh|som|dan dau)\s+(?:hon|nhat)\b"
                      r"|\b(?:higher|more|larger|better|highest|most|largest|best)\b")
_LESS_RE = re.compile(r"\b(?:thap|it|nho|kem|cham|muon)\s+(?:hon|nhat)\b"
                      r"|\b(?:lower|fewer|less|smaller|worse|lowest|fewest|least|smallest)\b")
_WHICH_RE = re.compile(r"\b(?:tinh|thanh pho|dia phuong|noi|ben) nao\b|\bwhich province\b")


def comparison(text: str, provinces: list[str]) -> str:
    """ "more" or "less" for a question that compares provinces ("Giữa A và B, tỉnh nào có
    thứ hạng tốt hơn?"), else ""."""
    folded = pattern_form(text)
    if len(provinces) < 2 or not _WHICH_RE.search(folded):
        return ""
    if _MORE_RE.search(folded):
        return "more"
    if _LESS_RE.search(folded):
        return "less"
    return ""


_DATE_PART_RES = (
    ("day", re.compile(r"\bngay (?:nao|may|bao nhieu)\b|\b(?:what|which) (?:date|day)\b")),
    ("month", re.compile(r"\bthang (?:nao|may|bao nhieu)\b|\b(?:what|which) month\b")),
)


def date_part(text: str) -> str:
    """The part of a date a date question asks for ("day", "month"), "" when a year will do."""
    folded = pattern_form(text)
    return next((part for part, pattern in _DATE_PART_RES if pattern.search(folded)), "")


ORDINAL_RE = re.compile(r"(\d+)(?:st|nd|rd|th)\b", re.IGNORECASE)


_AMOUNT_RE = re.compile(r"\b(?:bao nhieu|may|how many|how much)\b")
_RANKING_RE = re.compile(r"\b(?:xep hang|xep thu|dung thu|dung o|hang (?:may|bao nhieu|nao)|"
                         r"rank|ranked|ranking)\b")


# "tỉnh" and the words after it; the name is its capitalised ones (not "Tỉnh ủy", "tỉnh này").
_PROVINCE_TITLE_RE = re.compile(r"\b(?:[Tt]ỉnh|[Tt]inh)((?:\s+[^\W\d_]+){1,4})")


def unknown_province(text: str, provinces: list[str]) -> str:
    """The name after "tỉnh" when it is not a province the gazetteer knows; "" else."""
    if provinces:
        return ""
    for match in _PROVINCE_TITLE_RE.finditer(text):
        words = []
        for word in match.group(1).split():
            if not word[0].isupper():
                break
            words.append(word)
        name = " ".join(words)
        if name and canonical_province(name) is None:
            return name
    return ""


def analyse_question(text: str) -> QuestionInfo:
    text = expand_title_shorthands(normalize(text))
    language = detect_language(text)
    provinces = [name for name, _count in find_provinces(text)]
    kind = question_kind(text, language)
    terms = required_terms(text, provinces)
    if language == "en":
        # "5G" and "2030" must be in the passage; "9th" is said "thứ 9" there.
        terms = [t for t in terms if any(c.isdigit() for c in t) and not ORDINAL_RE.fullmatch(t)]
    roles = (question_roles(text, language)
             if kind in (QuestionKind.PERSON, QuestionKind.NAME) else [])
    if roles:
        kind = QuestionKind.PERSON  # "Chủ tịch UBND tỉnh X tên gì?" asks for a person's name
    subject = definition_subject(text) if language == "vi" else ""
    years = re.findall(r"(?<![\d/.,-])(?:19|20)\d\d(?![\d/.,-]\d)", text)
    return QuestionInfo(text, kind, language, has_diacritics(text), provinces, terms,
                        counted_thing(text) if kind == QuestionKind.NUMBER else "", subject,
                        years=list(dict.fromkeys(years)) if kind != QuestionKind.DATE else [],
                        roles=roles,
                        abbreviation=abbreviation_asked(text, subject),
                        head=name_head(text) if kind == QuestionKind.NAME else "",
                        compare=comparison(text, provinces),
                        asks_amount=bool(_AMOUNT_RE.search(pattern_form(text))),
                        ranking=kind == QuestionKind.RANK
                        and bool(_RANKING_RE.search(pattern_form(text))),
                        date_part=date_part(text) if kind == QuestionKind.DATE else "",
                        unknown_province=unknown_province(text, provinces),
                        facts=question_constraints(text))
