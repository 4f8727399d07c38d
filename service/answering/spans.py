"""Candidate answer spans in a sentence, by the type of answer a question asks for."""

from __future__ import annotations

import re
from dataclasses import dataclass

from retriever.text.gazetteer import find_provinces
from retriever.text.normalize import fold_diacritics

_NUMBER = r"\d+(?:[.,]\d+)*"
_UPPER = "A-ZĐÀÁẢÃẠÂẦẤẨẪẬĂẰẮẲẴẶÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
_NAME_WORD = rf"[{_UPPER}][\w]*"

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
_RANK_RE = re.compile(
    rf"(?:thứ|hạng)\s+{_NUMBER}(?:/\d+)?"
    r"|\b\d+/\d+(?=\s+(?:tỉnh|địa phương|cả nước|bộ|đơn vị))"
    r"|(?:đứng|xếp)\s+(?:đầu|thứ nhất|nhất)|dẫn đầu|top\s+\d+",
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


def _with_unit(sentence: str, start: int, end: int) -> int:
    """End of a number's span after the words that say what it counts (up to six)."""
    position = end
    words = 0
    for match in re.finditer(r"\s*([^\W\d_]+|%)", sentence[end:]):
        if match.start() != position - end or words >= 6:
            break
        word = match.group(1)
        if word.casefold() in _UNIT_STOP or word[0].isupper():
            break
        position = end + match.end()
    return position


def number_spans(sentence: str) -> list[Span]:
    spans = []
    for match in _NUMBER_RE.finditer(sentence):
        if _LABEL_BEFORE_RE.search(sentence[max(0, match.start() - 14):match.start()]):
            continue
        end = match.end() if match.group(0).endswith("%") else _with_unit(
            sentence, match.start(), match.end())
        spans.append(Span(sentence[match.start():end].strip(), match.start(), end))
    return spans


def _regex_spans(pattern: re.Pattern[str], sentence: str, group: int | None = None) -> list[Span]:
    spans = []
    for match in pattern.finditer(sentence):
        g = group if group is not None else 0
        if group is not None and match.group(group) is None:
            g = next(i for i in range(1, (pattern.groups or 0) + 1) if match.group(i))
        spans.append(Span(match.group(g).strip(), match.start(g), match.end(g)))
    return spans


def rank_spans(sentence: str) -> list[Span]:
    return _regex_spans(_RANK_RE, sentence)


def date_spans(sentence: str) -> list[Span]:
    spans = _regex_spans(_DATE_RE, sentence)
    # "năm 2022" also matches the bare "2022": keep the longest span at each place.
    return [s for s in spans
            if not any(o is not s and o.start <= s.start and s.end <= o.end
                       and (o.end - o.start) > (s.end - s.start) for o in spans)]


def person_spans(sentence: str) -> list[Span]:
    return _regex_spans(_PERSON_RE, sentence, group=1)


def place_spans(sentence: str) -> list[Span]:
    spans = _regex_spans(_PLACE_PREFIX_RE, sentence, group=1)
    folded = fold_diacritics(sentence).casefold()
    for name, _count in find_provinces(sentence):
        position = folded.find(fold_diacritics(name).casefold())
        if position >= 0:
            spans.append(Span(sentence[position:position + len(name)], position,
                              position + len(name)))
    return spans


_ACRONYM_RE = re.compile(r"(?<![\w-])(?:[A-ZĐ][\w-]*[A-Z]\w*|\d{3,5}(?![.,/]\d))(?![\w-])")


def name_spans(sentence: str) -> list[Span]:
    spans = _regex_spans(_QUOTED_RE, sentence, group=1)
    spans += _regex_spans(_ACRONYM_RE, sentence)
    spans += [s for s in _regex_spans(_PROPER_RE, sentence)
              if not any(o.start <= s.start < o.end for o in spans)]
    return spans


SPAN_FINDERS = {
    "number": number_spans,
    "rank": rank_spans,
    "date": date_spans,
    "person": person_spans,
    "place": place_spans,
    "name": name_spans,
}


def candidate_spans(sentence: str, kind: str) -> list[Span]:
    finder = SPAN_FINDERS.get(kind)
    return finder(sentence) if finder else []
