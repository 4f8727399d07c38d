"""Candidate answer spans in a sentence, by the type of answer a question asks for."""

from __future__ import annotations

import re
from dataclasses import dataclass

from retriever.text.gazetteer import detect_province, find_provinces
from retriever.text.normalize import fold_diacritics, match_form

_NUMBER = r"\d+(?:[.,]\d+)*"
_UPPER = "A-ZĐÀÁẢÃẠÂẦẤẨẪẬĂẰẮẲẴẶÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
_NAME_WORD = rf"[{_UPPER}][\w]*"
# A word of an organisation's name: capitalised, with at most one more syllable of the same
# compound ("Sở Thông tin và Truyền thông", "Học viện Công nghệ Bưu chính Viễn thông").
_ORG_WORD = rf"[{_UPPER}][\w]*(?:\s+(?![{_UPPER}])[^\W\d_]+(?=[\s,.;:)\-–]|$))?"

# Words after a number that say what was counted: "1.506 dịch vụ công", "22.800 giao dịch".
# The unit stops at punctuation or at a word that starts a new phrase.
_UNIT_STOP = {"và", "được", "đã", "đang", "sẽ", "với", "trên", "trong", "của", "cho", "tại",
              "ở", "so", "là", "thì", "mà", "để", "từ", "đến", "theo", "xếp", "đạt", "có",
              "tham", "hoàn", "gồm", "bao", "này", "đó", "nhằm", "góp", "tăng", "giảm"}
_QUALIFIER = r"(?:(?:hơn|gần|khoảng|trên|dưới|tối thiểu|ít nhất|tối đa)\s+)?"
_NUMBER_RE = re.compile(
    rf"{_QUALIFIER}(?<![\w/.,]){_NUMBER}(?:/{_NUMBER}|\s?%)?(?![\w/]|[.,]\d)"
)
# A number after these is a label, not a quantity: "mức độ 3", "Nghị quyết 08", "lần thứ XI".
_LABEL_BEFORE_RE = re.compile(
    r"(?:năm|thứ|hạng|mức độ|mức|cấp|khóa|số|nghị quyết|quyết định|kế hoạch|chỉ thị|"
    r"thông tư|nghị định|đề án|chương trình|giai đoạn|ngày|tháng|quý)\s*$",
    re.IGNORECASE,
)
_ORDINAL_WORDS = r"nhất|nhì|hai|ba|tư|bốn|năm|sáu|bảy|tám|chín|mười"
_RANK_RE = re.compile(
    rf"(?:thứ|hạng)\s+{_NUMBER}(?:/\d+)?"
    rf"|(?:thứ|hạng)\s+(?:{_ORDINAL_WORDS})(?!\w)|(?:thứ|hạng)\s+(?-i:[IVXLC]+)(?!\w)"
    r"|thế\s+k[ỷỉ]\s+(?:thứ\s+)?(?:(?-i:[IVXLC]+)|\d+)(?!\w)"
    r"|\b\d+/\d+(?=\s+(?:tỉnh|địa phương|cả nước|bộ|đơn vị))"
    r"|(?:đứng|xếp)\s+(?:đầu|thứ nhất|nhất)|dẫn đầu|đầu tiên|top\s+\d+",
    re.IGNORECASE,
)
_DATE_RE = re.compile(
    r"(?:ngày\s+)?\d{1,2}\s*[/-]\s*\d{1,2}\s*[/-]\s*\d{4}"
    r"|ngày\s+\d{1,2}\s+tháng\s+\d{1,2}(?:\s+năm\s+\d{4})?"
    r"|(?:tháng|quý)\s+[\dIV]+(?:\s*[/-]\s*\d{4}|\s+năm\s+\d{4})?"
    r"|(?:năm|giai đoạn|nhiệm kỳ)\s+\d{4}(?:\s*[-–]\s*\d{4})?"
    r"|\b(?:19|20)\d\d\b",
    re.IGNORECASE,
)
_PERSON_RE = re.compile(
    r"(?:(?:[Ôô]ng|[Bb]à|[Aa]nh|[Cc]hị|[Đđ]ồng chí|đ/c)\s+)"
    rf"({_NAME_WORD}(?:\s+{_NAME_WORD}){{1,4}})"
    rf"|({_NAME_WORD}(?:\s+{_NAME_WORD}){{2,4}})(?=\s*[-,(]\s*(?:Giám đốc|Phó|Chủ tịch|Bí thư|"
    r"Trưởng|Thứ trưởng|Bộ trưởng|Tổng|Trưởng phòng))"
)
_QUOTED_RE = re.compile(r"[“\"]([^”\"]{2,80})[”\"]")
_PROPER_RE = re.compile(rf"(?<=\s){_NAME_WORD}(?:\s+{_NAME_WORD}){{1,6}}")
_PLACE_PREFIX_RE = re.compile(
    rf"(?:tại|ở|huyện|xã|phường|thị xã|thành phố|TP\.?|thị trấn|khu|ấp)\s+"
    rf"({_NAME_WORD}(?:\s+{_NAME_WORD}){{0,4}})"
)


@dataclass(frozen=True)
class Span:
    text: str
    start: int
    end: int


# Units of measure spelt with capitals, slashes or superscripts: "50 Mb/s", "20 km²".
_MEASURE_RE = re.compile(r"\s*(?:[kKMGT]?[bB](?:ps|it/s|/s)|[kK]m/h|[kKcdm]?m[²³]|°C|[kMG]?Wh?)"
                         r"(?![\w/])")


def _with_unit(sentence: str, start: int, end: int) -> int:
    """End of a number's span after its unit of measure and the words that say what it
    counts, up to punctuation, a word that ends them (`_UNIT_STOP`) or a name."""
    measure = _MEASURE_RE.match(sentence, end)
    if measure:
        end = measure.end()
    position = end
    for match in re.finditer(r"\s*([^\W\d_]+|%)", sentence[end:]):
        if match.start() != position - end:
            break
        word = match.group(1)
        # A capitalised word starts a name; an acronym is a unit ("hơn 1.000 DN nhỏ").
        acronym = len(word) > 1 and word.isupper()
        if word.casefold() in _UNIT_STOP or (word[0].isupper() and not acronym):
            break
        position = end + match.end()
    return position


# Numbers written in words ("bốn phi vụ", "hai triệu người"). "một" and "năm" (also "a"
# and "year") count only with a multiplier after them: "năm trăm", "một nghìn".
_NUMBER_WORD = (r"(?:một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười|mươi|mốt|lăm|trăm|nghìn|ngàn"
                r"|vạn|triệu|tỷ|tỉ|chục|rưỡi|linh|lẻ)")
_MULTIPLIER = r"(?:mươi|trăm|nghìn|ngàn|vạn|triệu|tỷ|tỉ|chục)"
# Amounts in words ("trả lại toàn bộ học bổng") answer "bao nhiêu" as well.
_WORD_NUMBER_RE = re.compile(
    rf"{_QUALIFIER}(?<![\w])(?:hai|ba|bốn|sáu|bảy|tám|chín|mười"
    rf"|(?:một|năm|vài)(?=\s+{_MULTIPLIER}\b))(?:\s+{_NUMBER_WORD}(?!\w))*(?!\w)"
    r"|(?<![\w])(?:toàn bộ|tất cả|một nửa|phân nửa|hầu hết|phần lớn)(?!\w)",
    re.IGNORECASE,
)


def unit_after(sentence: str, span: Span) -> str:
    """What a number counts: its unit words ("1.506 dịch vụ công" -> "dịch vụ công"), or for
    a share the words after it ("80% hồ sơ công việc tại cấp huyện" -> "hồ sơ công việc")."""
    if not span.text.endswith("%"):
        match = (re.search(r"\d(?:[\d.,/]*\d)?", span.text)
                 or _WORD_NUMBER_RE.match(span.text))
        return span.text[match.end():].strip() if match else ""
    return sentence[span.end:_with_unit(sentence, span.end, span.end)].strip()


def number_spans(sentence: str) -> list[Span]:
    spans = []
    for match in _NUMBER_RE.finditer(sentence):
        if _LABEL_BEFORE_RE.search(sentence[max(0, match.start() - 14):match.start()]):
            continue
        end = match.end() if match.group(0).endswith("%") else _with_unit(
            sentence, match.start(), match.end())
        spans.append(Span(sentence[match.start():end].strip(), match.start(), end))
    for match in _WORD_NUMBER_RE.finditer(sentence):
        if _LABEL_BEFORE_RE.search(sentence[max(0, match.start() - 14):match.start()]):
            continue
        end = _with_unit(sentence, match.start(), match.end())
        # A number word without what it counts is too often another word ("ba" the father).
        if end > match.end():
            spans.append(Span(sentence[match.start():end].strip(), match.start(), end))
    return sorted(spans, key=lambda s: s.start)


def _regex_spans(pattern: re.Pattern[str], sentence: str, group: int | None = None) -> list[Span]:
    spans = []
    for match in pattern.finditer(sentence):
        g = group if group is not None else 0
        if group is not None and match.group(group) is None:
            g = next(i for i in range(1, (pattern.groups or 0) + 1) if match.group(i))
        spans.append(Span(match.group(g).strip(), match.start(g), match.end(g)))
    return spans


# "thuộc nhóm 30 tỉnh dẫn đầu" is membership of a group, not a rank.
_GROUP_BEFORE_RE = re.compile(r"\bnhóm\b[^.;:]{0,40}$", re.IGNORECASE)


def rank_spans(sentence: str) -> list[Span]:
    return [s for s in _regex_spans(_RANK_RE, sentence)
            if not (s.text.casefold() == "dẫn đầu"
                    and _GROUP_BEFORE_RE.search(sentence[max(0, s.start - 45):s.start]))]


def date_spans(sentence: str) -> list[Span]:
    spans = _regex_spans(_DATE_RE, sentence)
    # "năm 2022" also matches the bare "2022": keep the longest span at each place.
    return [s for s in spans
            if not any(o is not s and o.start <= s.start and s.end <= o.end
                       and (o.end - o.start) > (s.end - s.start) for o in spans)]


_DAY_RE = re.compile(r"(?<!\d)\d{1,2}\s*[/-]\s*\d{1,2}(?!\d)|ngày\s+\d{1,2}\b",
                     re.IGNORECASE)
_MONTH_RE = re.compile(r"(?:tháng|quý)\s+[\dIV]+|\b\d{1,2}\s*[/-]\s*\d{4}\b", re.IGNORECASE)


def has_date_part(span: str, part: str) -> bool:
    """A date span names the `part` ("day", "month") asked for: "ngày 3/6/2020" names a day,
    "năm 2025" neither; any span does for "" (a year, or "khi nào")."""
    if part == "day":
        return bool(_DAY_RE.search(span))
    if part == "month":
        return bool(_DAY_RE.search(span) or _MONTH_RE.search(span))
    return True


# The commonest Vietnamese family names: a capitalised full name that starts with one is a
# person's even without "ông"/"bà" ("Chủ tịch UBND tỉnh Nguyễn Văn Vĩnh đề nghị ...").
# Family names that are also everyday words or place names ("Văn", "Hà", "Giang") are left
# out; "ông Hà Văn X" is still found by the honorific.
_FAMILY_NAMES = (
    "Nguyễn|Trần|Lê|Phạm|Hoàng|Huỳnh|Phan|Vũ|Võ|Đặng|Bùi|Đỗ|Hồ|Ngô|Dương|Lý|Lữ|Lưu|Trương"
    "|Đinh|Đoàn|Trịnh|Tạ|Quách|Lương|Kiều|Đào|Đàm|Tăng|Thân|Khúc|Lại|Mạc|Nghiêm|Nông|Phùng"
    "|Tôn|Triệu|Từ|Vương|Hứa|Bạch|Diệp|Hầu|Khổng|Lã|Phí|Tiêu|Uông"
)
# Three or four syllables: two ("Lương Hoàng hậu") are too often a title or a place.
_FAMILY_NAME_RE = re.compile(
    rf"(?<![\w-])(?:{_FAMILY_NAMES})(?:\s+{_NAME_WORD}){{2,3}}(?![\w-])"
)


def person_spans(sentence: str) -> list[Span]:
    spans = _regex_spans(_PERSON_RE, sentence, group=1)
    for span in _regex_spans(_FAMILY_NAME_RE, sentence):
        # "Hồ Chí Minh" the city is not a person, nor is the middle of a longer name
        # ("Nhân Vũ Hưng Đạo Đại Vương": "Vũ" is not a family name there).
        before = re.search(r"(\w+)\s+$", sentence[max(0, span.start - 20):span.start])
        inside = before and before.group(1)[0].isupper() and not before.group(1).isupper()
        if (inside or any(o.start <= span.start < o.end for o in spans)
                or detect_province(span.text)):
            continue
        spans.append(span)
    return sorted(spans, key=lambda s: s.start)


# Offices, as written before a name or after it: "Phó Bí thư Tỉnh ủy", "Chủ tịch UBND
# tỉnh", "Giám đốc Sở Thông tin và Truyền thông".
_OFFICE_RE = re.compile(
    r"(?<![\w-])(?:[Pp]hó\s+)?(?:[Tt]ổng\s+)?(?:[Cc]hủ tịch|[Gg]iám đốc|[Bb]í thư"
    r"|[Tt]rưởng(?=\s+(?:[Bb]an|[Pp]hòng))|[Bb]ộ trưởng|[Tt]hứ trưởng|[Tt]hủ tướng"
    r"|[Cc]hủ nhiệm|[Cc]hánh văn phòng|[Hh]iệu trưởng|[Vv]iện trưởng|[Tt]hị trưởng"
    r"|[Tt]ổng thống|[Tt]ổng biên tập)"
    rf"(?:\s+(?:{_ORG_WORD}|và|tỉnh|huyện|xã|thành phố|nhân dân|ban|phòng))*"
)


def role_spans(sentence: str) -> list[Span]:
    """Offices held, one span for offices written together: "Phó Bí thư Tỉnh ủy, Chủ
    tịch UBND tỉnh" is the whole answer to "giữ những chức vụ gì?"."""
    spans: list[Span] = []
    for span in _regex_spans(_OFFICE_RE, sentence):
        # A name after the office ("Chủ tịch UBND tỉnh Nguyễn Văn Vĩnh") is not part of it.
        for person in person_spans(span.text):
            span = Span(span.text[:person.start].rstrip(" -–,"), span.start,
                        span.start + len(span.text[:person.start].rstrip(" -–,")))
            break
        # "tỉnh" alone closes an office ("Chủ tịch UBND tỉnh") but does not open the next.
        if spans and re.fullmatch(r"\s*(?:,|kiêm)\s*", sentence[spans[-1].end:span.start]):
            last = spans.pop()
            span = Span(sentence[last.start:span.end], last.start, span.end)
        if span.text:
            spans.append(span)
    return spans


# Capitalised heads of organisations' names: "tại Trung tâm Phục vụ Hành chính công" names
# no place, and its capitals alone would read as one ("Trung"). Heads that also begin place
# names are left out: "Trường Sa", "Hội An", "Đài Loan", "Ban Mê Thuột".
_ORGANISATION_HEAD_RE = re.compile(
    r"(?:Trung tâm|Sở|Bộ|Ủy ban|Uỷ ban|Cục|Chi cục|Cổng|Công ty|Ngân hàng|Bệnh viện|Viện"
    r"|Học viện|Văn phòng|Tổng cục|Tổng công ty|Tập đoàn|Báo|Phòng|Nhà máy)\b")


def place_spans(sentence: str) -> list[Span]:
    spans = [s for s in _regex_spans(_PLACE_PREFIX_RE, sentence, group=1)
             if not _ORGANISATION_HEAD_RE.match(sentence, s.start)]
    folded = fold_diacritics(sentence).casefold()
    for name, _count in find_provinces(sentence):
        position = folded.find(fold_diacritics(name).casefold())
        if position >= 0:
            spans.append(Span(sentence[position:position + len(name)], position,
                              position + len(name)))
    return spans


_ACRONYM_RE = re.compile(r"(?<![\w-])(?:[A-ZĐ][\w-]*[A-Z]\w*|\d{3,5}(?![.,/]\d))(?![\w-])")


# Document numbers: "01-NQ/TU", "749/QĐ-TTg", "52-NQ/TW".
_DOCUMENT_NUMBER_RE = re.compile(r"(?<![\w/-])\d+[-/][A-ZĐ][\w-]*(?:/[\w-]+)*")


def name_spans(sentence: str) -> list[Span]:
    spans = _regex_spans(_QUOTED_RE, sentence, group=1)
    spans += _regex_spans(_DOCUMENT_NUMBER_RE, sentence)
    spans += [s for s in _regex_spans(_ACRONYM_RE, sentence)
              if not any(o.start <= s.start < o.end for o in spans)]
    spans += [s for s in _regex_spans(_PROPER_RE, sentence)
              if not any(o.start <= s.start < o.end for o in spans)]
    return spans


def headed_name_spans(sentence: str, head: str) -> list[Span]:
    """Names of the thing a question asks for by its head noun ("học viện nào"): the words
    right after that noun in the sentence — "Học viện Công nghệ Bưu chính Viễn thông",
    "Nghị quyết 01-NQ/TU", "ứng dụng (app) “điều hành công việc”" -> "điều hành công việc"."""
    if not head:
        return []
    folded = fold_diacritics(match_form(sentence))
    spans = []
    for match in re.finditer(rf"(?<!\w){re.escape(fold_diacritics(head))}(?!\w)", folded):
        rest = sentence[match.end():]
        gap = re.match(r"\s*(?:\([^)]{1,20}\)\s*)?(?:số\s+|là\s+|như\s+|:\s*)?", rest)
        start = match.end() + (gap.end() if gap else 0)
        after = sentence[start:]
        named = (re.match(r"[“\"]([^”\"]{2,80})[”\"]", after)
                 or re.match(r"\d[\w/.-]*", after)
                 or re.match(rf"{_ORG_WORD}(?:\s+(?:{_ORG_WORD}|và\s+(?={_NAME_WORD}))){{0,8}}",
                             after))
        if named is None:
            continue
        group = 1 if named.re.groups else 0
        begin, end = start + named.start(group), start + named.end(group)
        # A capitalised head is part of the name: "Học viện Công nghệ ...", "Nghị quyết 08".
        if sentence[match.start()].isupper() or named.group(0)[0].isdigit():
            begin = match.start()
        spans.append(Span(sentence[begin:end].strip(), begin, end))
    return spans


def _initials(words: list[str]) -> str:
    return "".join(fold_diacritics(w[0]).casefold() for w in words)


def expansion_spans(sentence: str, abbreviation: str) -> list[Span]:
    """Where a sentence spells an abbreviation out: "chuyển đổi số (CĐS)" or "CĐS (chuyển
    đổi số)" for "CĐS" — words whose initials are the abbreviation's capitals."""
    letters = "".join(fold_diacritics(c).casefold() for c in abbreviation if c.isupper())
    if len(letters) < 2:
        return []
    spans = []
    folded_sentence = fold_diacritics(sentence)
    folded_abbr = fold_diacritics(abbreviation)
    for match in re.finditer(rf"\(\s*{re.escape(folded_abbr)}\s*\)", folded_sentence):
        words = list(re.finditer(r"[^\W\d_]+", sentence[:match.start()]))[-len(letters):]
        if len(words) == len(letters) and _initials([w.group(0) for w in words]) == letters:
            spans.append(Span(sentence[words[0].start():words[-1].end()], words[0].start(),
                              words[-1].end()))
    for match in re.finditer(rf"(?<!\w){re.escape(folded_abbr)}\s*\(([^)]{{3,80}})\)",
                             folded_sentence):
        words = re.findall(r"[^\W\d_]+", match.group(1))
        if _initials(words) == letters:
            spans.append(Span(sentence[match.start(1):match.end(1)], match.start(1),
                              match.end(1)))
    return spans


SPAN_FINDERS = {
    "number": number_spans,
    "rank": rank_spans,
    "date": date_spans,
    "person": person_spans,
    "place": place_spans,
    "name": name_spans,
    "role": role_spans,
}


def candidate_spans(sentence: str, kind: str) -> list[Span]:
    finder = SPAN_FINDERS.get(kind)
    return finder(sentence) if finder else []
