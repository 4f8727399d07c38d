"""Ranking facts from an article's sentences and from tables written as text.

One pass over the document, line by line (a run of three or more rows "N <province>
[value]" is a table; other lines are split into sentences). In a sentence every mention is
found first (subjects, index names, years, and the measures: "xếp thứ 21/63", "dẫn đầu",
"tăng 5 bậc", "đạt 0,6077 điểm", "top 10"), then each measure takes:

- the subject named last before it in the sentence, else the first one after it ("Ở vị trí
  thứ 2 là TP.HCM"), else the subject of the previous sentence's facts ("Trong đó, kinh tế
  số xếp thứ 13"); "A và B lần lượt xếp thứ 2 và 3" pairs them in order;
- the index named last before it in the sentence (a pillar, "kinh tế số", is an index of
  its own), else the first one after it, else the one the title, a heading or an earlier
  sentence named (inherited, and marked so);
- the year likewise, except a year after "so với" (a change's base year) or inside a date;
- no fact at all when a part is missing: nothing is invented.

Word lists (index names, cues) are data: index/facts/data/vi/*.tsv.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

from index.facts.types import Fact, Level, Measure, RankingIndex
from retriever.text.gazetteer import find_provinces, province_mentions
from retriever.text.normalize import CharacterMap, fold_diacritics, normalize
from retriever.text.sentences import split_sentences
from retriever.types import Document

logger = logging.getLogger(__name__)

# The years an index can be about (DTI since 2020, PCI since 2005, PAPI since 2009).
FIRST_YEAR, LAST_YEAR = 2005, 2039
# A table is at least this many consecutive rows "N <subject> [value]".
MIN_TABLE_ROWS = 3
# Lines this long are prose, never a heading above a table.
MAX_HEADING_CHARS = 120
# A document yields at most this many facts (a page of a thousand numbers stays bounded).
MAX_FACTS = 5000
# An index named after a measure is its index only this close ("xếp thứ 6 về DTI").
INDEX_AFTER_CHARS = 50

_ENGLISH_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
                     "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10}
# Accent-folded, said after "thứ": "xếp thứ nhất", "đứng thứ hai".
_VIETNAMESE_ORDINALS = {"nhat": 1, "nhi": 2, "hai": 2, "ba": 3, "tu": 4, "nam": 5, "sau": 6,
                        "bay": 7, "tam": 8, "chin": 9, "muoi": 10}


def _fold_one(ch: str) -> str:
    low = ch.lower()
    folded = fold_diacritics(low) if len(low) == 1 else ch
    return folded if len(folded) == 1 else ch


# One character to one, so offsets in the folded text are the text's.
_FOLD_TABLE = CharacterMap(_fold_one)


def _fold(text: str) -> str:
    """Lower-cased and accent-folded, character for character (offsets carry over)."""
    return text.translate(_FOLD_TABLE)


def _rows(name: str) -> list[tuple[str, str]]:
    path = resources.files("index.facts").joinpath("data", "vi", name)
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, phrase = line.partition("\t")
        rows.append((key.strip(), phrase.strip()))
    return rows


def _alternation(phrases: Iterable[str]) -> str:
    ordered = sorted({re.escape(_fold(p)).replace(r"\ ", r"\s+") for p in phrases},
                     key=len, reverse=True)
    return "|".join(ordered)


def _word(pattern: str) -> str:
    return rf"(?<![\w&]){pattern}(?![\w&])"


@dataclass(frozen=True)
class _Patterns:
    index: re.Pattern[str]
    index_of: dict[str, RankingIndex]
    rank: re.Pattern[str]
    first: re.Pattern[str]
    second: re.Pattern[str]
    last: re.Pattern[str]
    component: re.Pattern[str]
    topic: re.Pattern[str]
    region: re.Pattern[str]
    average: re.Pattern[str]
    target: re.Pattern[str]
    change: re.Pattern[str]
    score: re.Pattern[str]
    top: re.Pattern[str]
    compared: re.Pattern[str]
    respectively: re.Pattern[str]
    national: re.Pattern[str]
    unit: re.Pattern[str]
    unit_of: dict[str, str]
    department: re.Pattern[str]
    department_of: dict[str, str]
    title: re.Pattern[str]
    up: frozenset[str]
    places: frozenset[str]


_NUMBER = r"\d{1,3}"
# Places gained or lost said in words (accent-folded): "tăng hai bậc", "climbed two spots".
_COUNTS = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "nam": 5, "sau": 6, "bay": 7, "tam": 8,
           "chin": 9, "muoi": 10, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
           "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twenty": 20, "thirty": 30}
_COUNT_WORDS = "|".join(_COUNTS)
_DECIMAL = r"\d+[.,]\d+"
_ORDINAL = (rf"(?:{_NUMBER})(?:st|nd|rd|th)?|" + "|".join(_ENGLISH_ORDINALS)
            + r"|(?<=thu )(?:" + "|".join(_VIETNAMESE_ORDINALS) + r")(?!\s*\d)")


@lru_cache(maxsize=1)
def _patterns() -> _Patterns:
    indices = _rows("indices.tsv")
    cues: dict[str, list[str]] = {}
    for role, phrase in _rows("cues.tsv"):
        cues.setdefault(role, []).append(phrase)
    index_of = {_fold(phrase): RankingIndex(key) for key, phrase in indices}
    index = re.compile(_word(f"(?:{_alternation(p for _, p in indices)})"))
    rank = re.compile(
        _word(f"(?:{_alternation(cues['rank'])})")
        + rf"\s*(?:(?P<thu>thu|so|the|at|position)\s+)?(?P<n>{_ORDINAL})(?![\w.,]\d)"
        + rf"(?:\s*/\s*(?P<of>{_NUMBER})(?!\d)|\s+(?:out\s+of|of|trong|tren)\s+(?P<of2>{_NUMBER})"
        + r"(?!\d))?")
    first = re.compile(_word(f"(?:{_alternation(cues['first'])})"))
    last = re.compile(_word(f"(?:{_alternation(cues['last'])})"))
    second = re.compile(_word(f"(?:{_alternation(cues['second'])})"))
    component = re.compile(_word(f"(?:{_alternation(cues['component'])})"))
    topic = re.compile(_word(f"(?:{_alternation(cues['topic'])})"))
    region = re.compile(r"\s*" + _word(f"(?:{_alternation(cues['region'])})"))
    average = re.compile(_word(f"(?:{_alternation(cues['average'])})"))
    target = re.compile(_word(f"(?:{_alternation(cues['target'])})"))
    change = re.compile(
        _word(f"(?P<dir>{_alternation(cues['up'] + cues['down'])})")
        + r"\s+(?:them\s+|toi\s+|den\s+|nhe\s+|manh\s+|dang\s+ke\s+)?\(?\s*"
        + rf"(?:(?P<v>{_DECIMAL}|{_NUMBER}|{_COUNT_WORDS})\s+"
        + _word(f"(?P<what>{_alternation(cues['places'] + cues['points'])})")
        # "tăng 0,13 so với": a decimal without a unit is the index's value
        + rf"|(?P<d>{_DECIMAL})(?![\d%])(?!\s*%))")
    score = re.compile(
        rf"(?<![\w.,/])(?P<v>{_DECIMAL}|\d{{1,3}}(?=\s*%))(?:/1(?!\d))?(?![\w/]|[.,]\d)"
        r"(?P<pct>\s*%)?"
        r"(?P<pts>\s+(?:diem|points)(?!\w))?")
    top = re.compile(_word(f"(?:{_alternation(cues['top'])})")
                     + rf"\s*(?P<n>{_NUMBER}(?!\d)|(?:three|five|ten|twenty|thirty)(?!\w))")
    compared = re.compile(_word(f"(?:{_alternation(cues['compared'] + cues['since'])})")
                          # "so với năm 2022", "so với PCI 2022", "so với cùng kỳ 2022"
                          + r"\s*(?:[a-z&]{2,9}\s+){0,2}$")
    units = _rows("units.tsv")
    departments = _rows("departments.tsv")
    return _Patterns(
        index=index, index_of=index_of, rank=rank, first=first, second=second, last=last,
        component=component, topic=topic, region=region, average=average, target=target,
        change=change,
        score=score, top=top, compared=compared,
        respectively=re.compile(_word(r"(?:lan\s+luot|respectively)")),
        national=re.compile(_word(r"(?:cap\s+quoc\s+gia|dti\s+quoc\s+gia|ca\s+nuoc\s+dat"
                                  r"|national\s+level|viet\s+nam\s+(?:da\s+)?(?:xep|tang|giam"
                                  r"|dung|dat)|doi\s+voi\s+cap\s+tinh)")),
        unit=re.compile(_word(f"(?:{_alternation(p for _, p in units)})")),
        unit_of={re.sub(r"\s+", " ", _fold(phrase)): unit for unit, phrase in units},
        department=re.compile(_word(f"(?:{_alternation(p for _, p in departments)})")),
        title=re.compile(_word(f"(?:{_alternation(cues['title'])})") + r"\s*$"),
        department_of={re.sub(r"\s+", " ", _fold(phrase)): unit
                       for unit, phrase in departments},
        up=frozenset(_fold(p) for p in cues["up"]),
        places=frozenset(_fold(p) for p in cues["places"]),
    )


@dataclass(frozen=True)
class _Mention:
    kind: str  # subject, index, year, measure
    start: int  # offsets in the sentence
    end: int
    subject: str = ""
    level: Level = Level.PROVINCE
    index: RankingIndex | None = None
    year: int | None = None
    comparison: bool = False  # a year after "so với": a change's base
    measure: Measure | None = None
    value: float | None = None
    out_of: int | None = None
    unit: str = ""
    list_of: int | None = None  # a number after a rank ("thứ 5, 6, 7"): that rank's start
    bracketed: bool = False  # "(0,7951)": a score only right after its subject
    list_ends: int = -1  # "A, B và C là 3 địa phương dẫn đầu": its members end here
    base_from: int = -1  # "từ 90,30% (2021) xuống 82,18%": a year from here on is the base's


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _count(text: str) -> float:
    """A number, or a count said in words ("hai bậc", "two spots")."""
    return float(_COUNTS[text]) if text in _COUNTS else _number(text)


def _ordinal(text: str) -> int:
    word = text.lower()
    if word in _ENGLISH_ORDINALS:
        return _ENGLISH_ORDINALS[word]
    if word in _VIETNAMESE_ORDINALS:
        return _VIETNAMESE_ORDINALS[word]
    return int(re.sub(r"\D", "", word))


def _subjects(text: str, folded: str, patterns: _Patterns) -> list[_Mention]:
    found = [_Mention("subject", s, e, subject=name)
             for name, s, e in province_mentions(text)]
    for pattern, names, level in ((patterns.unit, patterns.unit_of, Level.MINISTRY),
                                  (patterns.department, patterns.department_of,
                                   Level.DEPARTMENT)):
        for match in pattern.finditer(folded):
            unit = names.get(re.sub(r"\s+", " ", match.group(0)))
            # "Theo Bộ TT&TT", "của Bộ TT&TT": the source of the ranking, not a ranked
            # unit. "Bộ KH&CN (...) đã công bố": the publisher, not a ranked unit.
            publishes = re.match(r"\s*(?:\([^)]{0,20}\)\s*)?(?:\w+\s+){0,2}(?:cong\s+bo"
                                 r"|ban\s+hanh|to\s+chuc|thuc\s+hien\s+danh\s+gia|cho\s+biet)",
                                 folded[match.end():])
            inside = any(m.start <= match.start() and match.end() <= m.end for m in found
                         if m.level is Level.MINISTRY)  # "Ủy ban Dân tộc" is no "Ban Dân tộc"
            # "Giám đốc Sở TT&TT Trần Minh Chiêu", "Bộ trưởng Bộ Nội vụ": a person's title
            inside = inside or bool(patterns.title.search(folded, max(0, match.start() - 24),
                                                          match.start()))
            if unit is not None and not publishes and not inside and not re.search(
                    r"(?:theo|cua|nguon:?|boi|do|according to)\s*$",
                    folded[max(0, match.start() - 16):match.start()]):
                found.append(_Mention("subject", match.start(), match.end(), subject=unit,
                                      level=level))
    found.extend(_districts(text))
    # A province inside a unit's name ("... Việt Nam"), or named as a district's or a
    # department's ("Sở TT&TT tỉnh Hải Dương", "huyện Gia Lộc, tỉnh Hải Dương"), is not a
    # subject of its own.
    units = [m for m in found if m.level is not Level.PROVINCE]
    owned = {owner.end() for u in units if u.level.is_local
             and (owner := _OWNER_RE.match(folded, u.end)) is not None}
    return sorted((m for m in found if m.level is not Level.PROVINCE or not any(
        u.start <= m.start and m.end <= u.end for u in units) and m.start not in owned),
        key=lambda m: m.start)


# A district, town or provincial city, by its kind and its capitalised name ("huyện Gia
# Lộc", "thị xã Kinh Môn", "TP. Chí Linh", "Quận 3"); a province's name is the province's.
_DISTRICT_RE = re.compile(r"(?<![\w&])(?P<kind>huyện|thị\s+xã|thành\s+phố|quận|TP\.|TX\.)"
                          r"\s*(?P<name>(?:\w+\s*){1,4})", re.IGNORECASE)
_DISTRICT_KINDS = {"huyện": "huyện", "thị xã": "thị xã", "thành phố": "thành phố",
                   "quận": "quận", "tp.": "thành phố", "tx.": "thị xã"}
# What follows a district or department to name its province.
_OWNER_RE = re.compile(r"\s*,?\s*(?:cua\s+|thuoc\s+)?(?:(?:tinh|thanh\s+pho|tp\.?)\s*)?")


def _districts(text: str) -> list[_Mention]:
    found = []
    provinces = [(s, e) for _, s, e in province_mentions(text)]

    def in_province(position: int) -> bool:
        return any(s <= position < e for s, e in provinces)

    for match in _DISTRICT_RE.finditer(text):
        words = []
        for word in re.finditer(r"\w+", match.group("name")):
            first = word.group(0)
            at = match.start("name") + word.start()
            if in_province(at) or not (first[0].isupper() or (
                    not words and first.isdigit() and match.group("kind").lower() == "quận")):
                break  # "huyện Gia Lộc Hải Dương": the province is not the district's name
            words.append(word)
            if len(words) == 3 or first.isdigit():
                break
        if not words:
            continue  # "thành phố Đà Nẵng", "TP. Hồ Chí Minh": a province
        start, end = match.start(), match.start("name") + words[-1].end()
        kind = _DISTRICT_KINDS[re.sub(r"\s+", " ", match.group("kind").lower())]
        name = " ".join(w.group(0) for w in words)
        found.append(_Mention("subject", start, end, subject=f"{kind} {name}",
                              level=Level.DISTRICT))
    return found


def _owner(text: str, patterns: _Patterns) -> str:
    """The province a sentence names as its districts' or departments' ("Sở TT&TT tỉnh
    Hải Dương"), or ""."""
    folded = _fold(text)
    starts = {s: name for name, s, _ in province_mentions(text)}
    for unit in _subjects(text, folded, patterns):
        owner = _OWNER_RE.match(folded, unit.end) if unit.level.is_local else None
        if owner is not None and owner.end() in starts:
            return starts[owner.end()]
    return ""


def _home_province(document: Document) -> str:
    """Whose districts and departments an article ranks when a sentence does not say: the
    document's province, else the one its title names, else the one it names most."""
    if document.province:
        return document.province
    for text in (document.title, document.text):
        named = find_provinces(text)
        if named:
            return named[0][0]
    return ""


# A place as a from-to says it: "vị trí 15", "thứ hạng 15", "hạng 15", "thứ 15", "15".
_PLACE_WORDS = r"(?:(?:vi\s+tri|thu\s+hang|hang)\s+)?(?:thu\s+)?"


def _years(text: str, folded: str, patterns: _Patterns) -> list[_Mention]:
    found = []
    # "nhiệm kỳ 2020-2025", "giai đoạn 2021 – 2025": a span of years, no fact's year.
    for match in re.finditer(r"(?<![\d/.,\-–])(20\d\d)(?![\d/]|\.\d|,\d|\s*[-–]\s*20\d\d)",
                             text):
        year = int(match.group(1))
        if not FIRST_YEAR <= year <= LAST_YEAR or re.search(
                r"20\d\d\s*[-–]\s*$", text[max(0, match.start() - 8):match.start()]):
            continue
        before = folded[max(0, match.start() - 30):match.start()]
        # "từ 90,30% (2021) xuống 82,18%": the year of the value before
        base = re.search(rf"(?<!\w)tu\s+{_PLACE_WORDS}\d+(?:[.,]\d+)?\s*%?\s*"
                         r"(?:\(|(?:trong\s+)?nam)\s*$", before)
        found.append(_Mention("year", match.start(), match.end(), year=year,
                              comparison=bool(patterns.compared.search(before) or base)))
    return found


def _indices(folded: str, patterns: _Patterns) -> list[_Mention]:
    found = []
    for match in patterns.index.finditer(folded):
        key = re.sub(r"\s+", " ", match.group(0))
        index = patterns.index_of.get(key)
        if index is not None:
            found.append(_Mention("index", match.start(), match.end(), index=index))
    return found


_GROUP_TOP_RE = re.compile(
    r"(?<!\w)(?:nhom\s+)?(?P<n>\d{1,2})\s+(?:dia\s+phuong|tinh(?:,?\s*thanh(?:\s+pho)?)?|don\s+vi"
    r"|bo,?\s*nganh|provinces|localities)(?:(?!\s(?:do|la|thi|nao|tiep\s+tuc)\s)[^.;:,?]){0,60}?"
    r"\s(?:dan\s+dau|dung\s+dau|cao\s+nhat"
    r"|tot\s+nhat|xuat\s+sac\s+nhat|leading)(?!\w)")
_FROM_TO_RE = re.compile(
    rf"(?<!\w)tu\s+(?:{_PLACE_WORDS}\d{{1,2}}(?:\s+(?:trong\s+)?nam\s+20\d\d)?\s+(?:len|xuong)\s+"
    rf"{_PLACE_WORDS}(?P<rank>\d{{1,2}})"
    rf"|{_DECIMAL}\s*%?\s*(?:\(\s*20\d\d\s*\)\s*)?(?:len|xuong)\s+(?P<score>{_DECIMAL})"
    r"(?P<pct>\s*%)?)(?![\d.,])")
# After a measure: of a region's ranking ("lên thứ 4 trong vùng TD&MNPB").
_REGION_AFTER_RE = re.compile(r"\s*,?\s*(?:tu\s+[^,;.]{0,40}?\s+)?(?:trong|cua|o|tai)\s+"
                              r"(?:khu\s+vuc|vung|mien)(?!\w)")


def _measures(folded: str, patterns: _Patterns) -> list[_Mention]:
    found: list[_Mention] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for match in patterns.change.finditer(folded):
        what = match.group("what") or ""
        places = re.sub(r"\s+", " ", what) in patterns.places
        sign = 1.0 if re.sub(r"\s+", " ", match.group("dir")) in patterns.up else -1.0
        measure = Measure.RANK_CHANGE if places else Measure.SCORE_CHANGE
        found.append(_Mention("measure", match.start(), match.end(), measure=measure,
                              value=sign * _count(match.group("v") or match.group("d"))))
        taken.append(match.span())
    # "từ vị trí 15 lên 13", "từ 90,30% (2021) xuống 82,18%": the place or value now (the
    # one before is of a year the sentence rarely names)
    for match in _FROM_TO_RE.finditer(folded):
        if free(*match.span()):
            rank = match.group("rank") is not None
            start, end = match.span("rank" if rank else "score")
            found.append(_Mention("measure", start, end,
                                  measure=Measure.RANK if rank else Measure.SCORE,
                                  value=float(match.group("rank")) if rank
                                  else _number(match.group("score")),
                                  unit="" if rank or not match.group("pct") else "%",
                                  base_from=match.start()))
            taken.append(match.span())
    for match in patterns.rank.finditer(folded):
        if not free(*match.span()):
            continue
        out_of = match.group("of") or match.group("of2")
        said_thu = re.search(r"(?<!\w)(?:thu|so)(?!\w)", folded[match.start():match.start("n")])
        if not out_of and not said_thu and re.match(
                r"\s+(?:tinh|dia\s+phuong|don\s+vi|bo|quoc\s+gia|provinces|countries|tru\s+cot"
                r"|chi\s+so|tieu\s+chi|linh\s+vuc|pillars|indicators)(?!\w)",
                folded[match.end():]):
            continue  # "bảng xếp hạng 63 tỉnh": how many are ranked, not a rank
        if re.search(r"(?:^|\s)tu\s+$", folded[max(0, match.start() - 4):match.start()]) and \
                re.match(r"\s+(?:len|xuong|to)\s", folded[match.end():]):
            continue  # "từ thứ hạng 51 lên thứ hạng 31": the rank it had before
        position = _ordinal(match.group("n"))
        if position < 1 or (out_of and position > int(out_of)):
            continue
        found.append(_Mention("measure", match.start(), match.end(), measure=Measure.RANK,
                              value=float(position), out_of=int(out_of) if out_of else None))
        taken.append(match.span())
    # "..., thứ 2 là TP Huế", "; thứ 3 tỉnh Hải Dương": a bare "thứ N" starting a clause.
    bare = (r"(?:^|(?<=[;,:] ))(?:va\s+)?thu\s+(?P<n>\d{1,2}|" + "|".join(_VIETNAMESE_ORDINALS)
            + r")(?=\s+(?:la|thuoc\s+ve|tinh|thanh\s+pho)\s)")
    for match in re.finditer(bare, folded):
        if free(*match.span()):
            found.append(_Mention("measure", match.start(), match.end(), measure=Measure.RANK,
                                  value=float(_ordinal(match.group("n")))))
            taken.append(match.span())
    # "A, B và C là 3 địa phương dẫn đầu", "Nhóm 30 tỉnh ... tốt nhất ... gồm: A, B": the
    # first N as a group, each member in the top N (never a rank: no order is said).
    for match in _GROUP_TOP_RE.finditer(folded):
        if free(*match.span()) and not patterns.region.match(folded, match.end()):
            said = re.search(r"(?<!\w)(?:la|are|were)\s+$", folded[:match.start()])
            found.append(_Mention("measure", match.start(), match.end(),
                                  measure=Measure.TOP_N, value=float(match.group("n")),
                                  list_ends=said.start() if said else -1))
            taken.append(match.span())
    for pattern, position in ((patterns.first, 1.0), (patterns.second, 2.0)):
        for match in pattern.finditer(folded):
            if patterns.region.match(folded, match.end()):
                continue
            if free(*match.span()):
                found.append(_Mention("measure", match.start(), match.end(),
                                      measure=Measure.RANK, value=position))
                taken.append(match.span())
    for match in patterns.last.finditer(folded):
        if free(*match.span()):
            found.append(_Mention("measure", match.start(), match.end(),
                                  measure=Measure.RANK, value=None))
            taken.append(match.span())
    for match in patterns.top.finditer(folded):
        if free(*match.span()):
            found.append(_Mention("measure", match.start(), match.end(),
                                  measure=Measure.TOP_N, value=_count(match.group("n"))))
            taken.append(match.span())
    for match in patterns.score.finditer(folded):
        if not free(*match.span()):
            continue
        before = folded[max(0, match.start() - 12):match.start()]
        if re.fullmatch(r"[1-9]\d{0,2}\.\d{3}", match.group("v")):
            continue  # "1.506": a thousands separator, not a decimal score
        # A score is said as one: "đạt 0,6077 (điểm)", "với 0,6077", "0,6077 điểm",
        # "đạt 91,43%" (PAR INDEX and SIPAS are percentages).
        before = folded[max(0, match.start() - 40):match.start()]
        said = re.search(r"(?:dat|voi|la|value of|score of|of|scoring|at)"
                         r"(?:\s+(?:gia\s+tri|diem\s+so|muc\s+diem|ket\s+qua|tong\s+diem)"
                         r"(?:\s+(?:dti|pci|papi|dat|la))?)?\s*\(?$", before)
        if re.search(r"(?:binh\s+quan|trung\s+binh)\s+(?:cua\s+)?ca\s+nuoc\s*\(?$", before):
            continue  # the national average, not a subject's score
        bracketed = bool(re.search(r"\(\s*$", before)) and folded[match.end():].lstrip(
            ).startswith(")")
        if match.group("pts") or said or bracketed:
            found.append(_Mention("measure", match.start(), match.end(),
                                  measure=Measure.SCORE, value=_number(match.group("v")),
                                  unit="%" if match.group("pct") else "",
                                  bracketed=bracketed and not (match.group("pts") or said)))
            taken.append(match.span())
    # "tăng 29 bậc và 8,06 điểm": the points are a change too.
    changes = [m for m in found if m.measure in (Measure.RANK_CHANGE, Measure.SCORE_CHANGE)]
    for n, m in enumerate(found):
        if m.measure is Measure.SCORE and m.value is not None:
            for c in changes:
                if re.fullmatch(r"\s*(?:va|and|,)\s*", folded[c.end:m.start]):
                    sign = 1.0 if (c.value or 0) >= 0 else -1.0
                    found[n] = replace(m, measure=Measure.SCORE_CHANGE, value=sign * m.value)
    # "có 5 đơn vị dẫn đầu, gồm", "3 địa phương đứng cuối bảng": a group, not one rank.
    grouped = []
    for m in found:
        group = re.search(r"(?<!\w)(\d{1,2})\s+(?:dia\s+phuong|tinh(?:,\s*thanh(?:\s+pho)?)?|"
                          r"don\s+vi|bo(?:,\s*nganh)?|co\s+quan|vi\s+tri)\s+(?:\w+\s+){0,2}$",
                          folded[max(0, m.start - 40):m.start])
        if m.measure is Measure.RANK and m.out_of is None and group and group.group(1) != "1" and (
                m.value == 1.0 or m.value is None) and folded[m.start:m.end] != "":
            if m.value == 1.0:
                grouped.append(replace(m, measure=Measure.TOP_N, value=float(group.group(1))))
            continue
        grouped.append(m)
    found = grouped
    # "trong nhóm (các) địa phương dẫn đầu": a group's words, not a first place.
    found = [m for m in found if not (
        m.measure is Measure.RANK and m.value == 1.0 and m.out_of is None
        and re.search(r"(?:nhom|top|top)\s+(?:\d+\s+)?(?:cac\s+|nhung\s+)?(?:\w+\s+){0,2}$",
                      folded[max(0, m.start - 30):m.start]))]
    # "top 10 tỉnh đứng đầu ... gồm": the list's words, not a first place.
    tops = [m for m in found if m.measure is Measure.TOP_N]
    found = [m for m in found if not (
        m.measure is Measure.RANK and m.value == 1.0 and m.out_of is None
        and any(0 <= m.start - t.end <= 40 for t in tops))]
    return sorted(found, key=lambda m: m.start)


def _listed_subjects(subjects: list[_Mention], folded: str, before: int) -> list[_Mention]:
    """The run of subjects that ends right before `before`, joined by commas, "và" or
    "and" ("Bộ KH&ĐT và Bảo hiểm xã hội Việt Nam", "Thanh Hóa, Điện Biên, Hà Tĩnh")."""
    run: list[_Mention] = []
    for subject in reversed([s for s in subjects if s.end <= before]):
        gap = folded[subject.end:(run[0].start if run else subject.end)]
        if run and not re.fullmatch(r"\s*(?:,|va|and|&)?\s*(?:,\s*)?(?:va\s+|and\s+)?", gap):
            break
        run.insert(0, subject)
    return run


def _pairs(folded: str, subjects: list[_Mention], measures: list[_Mention],
           patterns: _Patterns) -> tuple[list[_Mention], dict[int, list[_Mention]]]:
    """Measures said of several subjects at once, by each measure's start:
    "A và B lần lượt xếp thứ 2 và 3", "Với 0,50 điểm và 0,48 điểm, A và B lần lượt ...",
    "A, B, C giữ vị trí thứ 5, 6, 7" (one per number, in order), "A và B cùng tăng 1 bậc"
    (the same measure for each)."""
    extra: list[_Mention] = []
    for head in [m for m in measures if m.measure is Measure.RANK and m.value is not None]:
        listed = re.match(r"(?:\s*,\s*(?:thu\s+)?\d{1,3}(?!\d))*\s*(?:,\s*)?"
                          r"(?:va|and)\s+(?:thu\s+)?\d{1,3}(?!\d)"
                          r"|(?:\s*,\s*(?:thu\s+)?\d{1,3}(?![\d/]))+", folded[head.end:])
        if listed:
            for number in re.finditer(r"\d{1,3}", listed.group(0)):
                extra.append(_Mention("measure", head.end + number.start(),
                                      head.end + number.end(), measure=Measure.RANK,
                                      value=float(number.group(0)), out_of=head.out_of,
                                      list_of=head.start))
    measures = sorted(measures + extra, key=lambda m: m.start)
    pairs: dict[int, list[_Mention]] = {}
    # A rank and the numbers after it: as many subjects right before it, in order.
    for head in measures:
        group = [head] + [m for m in measures if m.list_of == head.start]
        if len(group) < 2:
            continue
        named = _listed_subjects(subjects, folded, head.start)
        respectively = patterns.respectively.search(folded)
        if respectively and respectively.end() <= head.start and re.fullmatch(
                r"[^;]{0,20}", folded[respectively.end():head.start]):
            named = _listed_subjects(subjects, folded, respectively.start())
        if len(named) == len(group):
            pairs.update({m.start: [s] for m, s in zip(group, named, strict=True)})
    # "Với X điểm và Y điểm, A và B lần lượt ...": measures of one kind before the subjects.
    respectively = patterns.respectively.search(folded)
    if respectively:
        named = _listed_subjects(subjects, folded, respectively.start())
        if len(named) >= 2:
            for kind in (Measure.SCORE, Measure.RANK, Measure.RANK_CHANGE):
                same = [m for m in measures if m.measure is kind and m.start not in pairs]
                if len(same) == len(named):
                    pairs.update({m.start: [s] for m, s in zip(same, named, strict=True)})
    # "A và B mỗi cơ quan cùng tăng 1 bậc", "A và B đều xếp thứ 5": each of them.
    for measure in measures:
        if measure.start in pairs:
            continue
        shared = re.search(r"(?:deu|cung|moi\s+\w+(?:\s+quan)?(?:\s+cung)?|both)\s+"
                           r"(?:\w+\s+){0,2}$", folded[max(0, measure.start - 30):measure.start])
        if shared:
            named = _listed_subjects(subjects, folded, measure.start - len(shared.group(0)))
            if len(named) >= 2:
                pairs[measure.start] = named
    return measures, pairs


def _all_pillars(folded: str, position: int, index: _Mention | None) -> bool:
    """Whether "the pillars" (not one of them) are named after the nearest index name."""
    since = index.end if index is not None and index.end <= position else 0
    return bool(re.search(r"(?<!\w)(?:tru\s+cot|pillars)(?!\w)", folded[since:position]))


def _of_something_else(folded: str, measure: _Mention, index: _Mention | None,
                       patterns: _Patterns) -> bool:
    """Whether the measure is of a component ("chỉ số thành phần ... đứng thứ 2") or of
    something "về" names that is not an index."""
    since = index.end if index is not None and index.end <= measure.start else 0
    if patterns.component.search(folded[since:measure.start]):
        return True
    # "dẫn đầu cả nước ở 3 tiêu chí", "led in two indicators": ranks of components
    of = re.match(r"\s*(?:ca\s+nuoc\s+|toan\s+quoc\s+)?(?:o|ve|tai|in)\s+(?:ca\s+)?"
                  r"(?:\d+\s+|cac\s+|two\s+|three\s+)?", folded[measure.end:])
    if of is not None and patterns.component.match(folded, measure.end + of.end()):
        return True
    cues = list(patterns.component.finditer(folded, 0, measure.start))
    cue = cues[-1] if cues else None
    if cue is not None and not (index is not None and index.index is not None
                                and index.index.is_pillar and index.start > cue.end()):
        return True  # "Các chỉ số thành phần trong ICT Index của Đà Nẵng gồm: ..."
    # "chỉ số <a name that is not an index>", "<words> index": a component named
    # (in the measure's own clause: "Giám đốc Dự án Chỉ số Xanh ... cho biết: X đứng đầu")
    clause = max(since, folded.rfind(":", 0, measure.start) + 1)
    named = list(_GENERIC_INDEX_RE.finditer(folded, clause, measure.start))
    named += [m for m in _GENERIC_INDEX_RE.finditer(folded, measure.end, measure.end + 40)
              if m.start() - measure.end < 12]
    # ("in the PAR Index" names ours: an index name ending the match is no component)
    if any(patterns.index.match(folded, m.start()) is None
           and patterns.index.match(folded, m.start() + len(m.group("lead"))) is None
           and not any(i.end() == m.end() for i in patterns.index.finditer(folded, m.start(),
                                                                           m.end()))
           for m in named):
        return True
    after = re.match(r"\s*(?:/\s*\d+\s*)?(?:tinh,?\s*(?:thanh\s*pho|thanh)?\s*)?"
                     r"(?:ca\s+nuoc\s*|toan\s+quoc\s*)?ve\s+", folded[measure.end:])
    if after is None:
        return False
    rest = folded[measure.end + after.end():]
    return patterns.index.match(rest) is None and patterns.topic.match(rest) is None


def _subject_for(measure: _Mention, subjects: list[_Mention], folded: str) -> _Mention | None:
    """The subject a measure is said of: named right after it as "là X", "thuộc về X",
    "tỉnh X" ("Ở vị trí thứ 2 là TP.HCM", "đứng thứ 2 tỉnh Thái Nguyên"), else the last one
    before it in its clause (clauses end at ";"), else the last one before it."""
    after = [s for s in subjects if s.start >= measure.end]
    if after:
        gap = folded[measure.end:after[0].start]
        if re.fullmatch(r"(?:\s*/\s*\d+)?(?:(?:(?!\d)[^,;.]|20\d\d){0,40}?\s)?\s*"
                        r"(?:la|thuoc\s+ve|gianh\s+cho)\s+(?:tinh\s+|thanh\s+pho\s+|tp\.?\s*)?",
                        gap) or re.fullmatch(r"\s+(?:tinh|thanh\s+pho|tp\.?)\s*", gap):
            return after[0]
    if after and re.fullmatch(r"\s*(?:diem\s*)?\(\s*(?:tinh\s+|tp\.?\s*)?", folded[
            measure.end:after[0].start]) and folded[after[0].end:].lstrip().startswith(")"):
        return after[0]  # "Điểm PCI cao nhất là 72,95 (Quảng Ninh)"
    before = [s for s in subjects if s.end <= measure.start]
    if not before and after and re.fullmatch(r"[^;.]{0,30},\s*(?:tinh\s+|tp\.?\s*)?",
                                             folded[measure.end:after[0].start]):
        return after[0]  # "với 71,25 điểm, Quảng Ninh tiếp tục ...": said before its subject
    clause = folded.rfind(";", 0, measure.start) + 1
    within = [s for s in before if s.start >= clause]
    if within:
        return within[-1]
    if clause and [s for s in after if folded.find(";", measure.end, s.start) < 0]:
        return None  # this clause names its own subject after the measure: not one before
    return before[-1] if before else None


def _indices_together(indices: list[_Mention], folded: str,
                      measure: _Mention) -> list[_Mention]:
    """"Chính quyền số, kinh tế số và xã hội số đều xếp thứ 2", "“Chính quyền số” và “Kinh
    tế số” của TPHCM đều ở vị trí thứ 3": the indices a measure is said of together."""
    run: list[_Mention] = []
    for index in reversed([m for m in indices if m.end <= measure.start]):
        gap = folded[index.end:(run[0].start if run else measure.start)]
        if run:
            if not re.fullmatch(r"[\s\"“”'‘’]*(?:,|va|and)?[\s\"“”'‘’]*(?:va\s+|and\s+)?[\s\"“”]*",
                                gap):
                break
        elif not re.fullmatch(r"[\s\"“”'‘’]*(?:cua\s+[^,;]{1,40}?\s+)?(?:deu|cung|both)\s+"
                              r"(?:\w+\s+){0,2}", gap):
            return []
        run.insert(0, index)
    return run if len(run) >= 2 else []


_CONNECTORS = re.compile(
    r"\W*(?:trong\s+do|cu\s+the|theo\s+do|ket\s+qua|ngoai\s+ra|dong\s+thoi|ve|voi|rieng"
    r"|dia\s+phuong\s+nay|tinh\s+nay|thanh\s+pho\s+nay|nam\s+nay|in\s+which|of\s+which"
    r"|tong\s+diem|diem\s+so|nhung(?:\s+thu\s+hang)?|thu\s+hang)(?!\w)")


def _may_inherit(folded: str, measure: _Mention, indices: list[_Mention]) -> bool:
    """Whether a sentence naming no subject is about the previous sentence's: it says so
    ("Trong đó, ...", "Địa phương này ..."), names the index its measure is of, or says
    little before the measure. "Chỉ số tính cạnh tranh bình đẳng xếp thứ 2" is of a
    component, not of the province before."""
    clause = folded.rfind(";", 0, measure.start) + 1
    head = folded[clause:measure.start]
    if _CONNECTORS.match(head) or any(clause <= m.start < measure.start for m in indices):
        return True
    return len(re.findall(r"\w+", head)) <= 2


_REGIONAL = re.compile(r"(?<!\w)(?:so\s+voi|trong|cua|o)\s+(?:cac\s+tinh\s+)?(?:thuoc\s+)?"
                       r"(?:khu\s+vuc|vung|mien)(?!\w)")


def _counts_something(folded: str, measure: _Mention) -> bool:
    """Whether the clause before a measure counts something ("có 1.506 dịch vụ", "đạt hơn
    22.800 giao dịch"): the measure ranks that count, not an index named elsewhere."""
    clause = folded[folded.rfind(";", 0, measure.start) + 1:measure.start]
    return bool(re.search(r"(?:co|dat|voi)\s+(?:hon\s+|gan\s+|khoang\s+)?\d[\d.,]*\s+"
                          r"(?!diem|bac|hang|don\s+vi|tinh|dia\s+phuong|bo\W|vi\s+tri|co\s+quan"
                          r"|dai\s+dien)[a-z]", clause))


def _of_all(folded: str, measure: _Mention, patterns: _Patterns) -> bool:
    window = folded[max(0, measure.start - 40):measure.start]
    return bool(patterns.average.search(window)) and not re.search(
        r"(?:dia\s+phuong|tinh|thanh\s+pho|don\s+vi|co\s+quan)\s+nay", window)


_GENERIC_INDEX_RE = re.compile(
    r"(?P<lead>)(?<!\w)(?:chi\s+so\s+[\"“”']?(?!thanh\s+phan)(?:[a-z]+\s+){1,4}"
    r"|(?:[a-z]+\s+){1,3}(?:index|indexes)(?!\w))")


def _nearest(mentions: list[_Mention], kind: str, position: int,
             accept: Callable[[_Mention], bool] = lambda m: True) -> _Mention | None:
    """The accepted mention of `kind` named last before `position`, else first after it."""
    candidates = [m for m in mentions if m.kind == kind and accept(m)]
    before = [m for m in candidates if m.end <= position]
    if before:
        return before[-1]
    return next((m for m in candidates if m.start >= position), None)


@dataclass
class _Context:
    """What the title, headings and sentences so far said: inherited by a later sentence
    that omits it."""

    index: RankingIndex | None = None
    year: int | None = None
    subject: _Mention | None = None  # the previous sentence's facts' subject
    last_rank: dict[tuple[RankingIndex, int | None], float] | None = None  # highest said
    target: bool = False  # this paragraph states aims ("Mục tiêu đến năm 2025: ...")


class FactExtractor:
    """Ranking facts of one document (`run`), in text order."""

    def run(self, document: Document) -> list[Fact]:
        patterns = _patterns()
        context = _Context()
        if normalize(document.text) != document.text:
            # Ingest stores normalised text; other text (NFD, runs of spaces) is read as it
            # is: measure spans stay exact, a subject's span may be off by what normalising
            # would change.
            logger.debug("document %s: facts from text that was not normalised",
                         document.doc_id)
        # The title sets the context; its facts are restated in the text.
        self._update_from(document.title, context, patterns)
        facts: list[Fact] = []
        lines = list(_lines(document.text))
        position = 0
        while position < len(lines):
            table = _table_at(lines, position)
            spanned = len(table)
            if not table:
                table, spanned = _vertical_table_at(lines, position, document.text)
            if table:
                heading = _heading_before(lines, position)
                table_context = _Context(context.index, context.year)
                # Headings name the table's index first ("XẾP HẠNG DTI ... XẾP HẠNG
                # CHÍNH QUYỀN SỐ ..." above a DTI table).
                self._update_from("\n".join(text for text, _ in heading), table_context,
                                  patterns, first_index=True)
                for text, start in table:
                    facts.extend(self._row(text, start, document, table_context))
                position += spanned
                continue
            text, start = lines[position]
            context.target = False  # a paragraph of aims ends with its line
            for sentence in split_sentences(text):
                facts.extend(self._sentence(sentence.text, start + sentence.start, document,
                                            context, patterns))
            position += 1
            if len(facts) >= MAX_FACTS:
                break
        return self._owned(facts[:MAX_FACTS], document, patterns)

    @staticmethod
    def _owned(facts: list[Fact], document: Document, patterns: _Patterns) -> list[Fact]:
        """Districts' and departments' facts with the province that ranked them."""
        if not any(f.level.is_local for f in facts):
            return facts
        home = _home_province(document)
        owners: dict[int, str] = {}
        for i, fact in enumerate(facts):
            if fact.level.is_local:
                if fact.sentence_start not in owners:
                    owners[fact.sentence_start] = _owner(
                        document.text[fact.sentence_start:fact.sentence_end], patterns)
                facts[i] = replace(fact, within=owners[fact.sentence_start] or home)
        return facts

    # ---- sentences ----------------------------------------------------------------------
    def _sentence(self, text: str, offset: int, document: Document, context: _Context,
                  patterns: _Patterns) -> Iterator[Fact]:
        folded = _fold(text)
        subjects = _subjects(text, folded, patterns)
        indices = _indices(folded, patterns)
        years = _years(text, folded, patterns)
        mentions = sorted(subjects + indices + years, key=lambda m: m.start)
        national = bool(patterns.national.search(folded))
        if patterns.target.search(folded):
            context.target = True
        if context.target or re.match(r"\W*(?:neu|if)\s", folded):
            self._update_from(text, context, patterns)
            return  # aims, or "Nếu xét chỉ số trước khi sáp nhập, ...": not rankings
        measures, pairs = _pairs(folded, subjects, _measures(folded, patterns), patterns)
        emitted: list[_Mention] = []
        ranks = context.last_rank if context.last_rank is not None else {}
        context.last_rank = ranks
        said: list[tuple[int, RankingIndex, int | None, float]] = []  # this sentence's ranks
        for measure in measures:
            if measure.measure is Measure.TOP_N:
                named: list[_Mention] = []
            elif measure.start in pairs:
                named = pairs[measure.start]
            else:
                subject = _subject_for(measure, subjects, folded)
                # "dẫn đầu" with no subject named is a list's ("... đứng đầu ... gồm:").
                worded = measure.measure is Measure.RANK and not re.search(
                    r"\d", folded[measure.start:measure.end]) and not re.search(
                    r"(?:dia\s+phuong|tinh|thanh\s+pho|don\s+vi)(?:\s+nay)?\s+(?:\w+\s+){0,3}$",
                    folded[max(0, measure.start - 40):measure.start])
                if subject is None and not national and not worded and _may_inherit(
                        folded, measure, indices):
                    subject = context.subject
                named = [subject] if subject is not None else []
                if measure.bracketed and (subject is None or subject not in subjects
                                          or not re.fullmatch(r"\s*\(\s*",
                                                              folded[subject.end:measure.start])):
                    continue
                if named and measure.measure is not Measure.TOP_N and not named[0].subject:
                    continue
                if not named:
                    continue
            index_mention = _nearest(mentions, "index", measure.start)
            if index_mention is not None and index_mention.start > measure.end and (
                    index_mention.start - measure.end > INDEX_AFTER_CHARS
                    or re.search(r"[;(]|trong\s+do|in\s+which|of\s+which",
                                 folded[measure.end:index_mention.start])
                    or any(measure.end <= s.start < index_mention.start for s in subjects)):
                index_mention = None  # named after, in another clause: not this measure's
            if _REGIONAL.search(folded, 0, measure.start) or _REGION_AFTER_RE.match(
                    folded, measure.end):
                continue  # "So với các tỉnh thuộc khu vực ..., X xếp thứ 2": a region's rank
            if measure.measure in (Measure.SCORE, Measure.SCORE_CHANGE) and _of_all(
                    folded, measure, patterns):
                continue  # "giá trị trung bình ... đạt 86,98%": of every province together
            together = _indices_together(indices, folded, measure)
            if not together and _all_pillars(folded, measure.start, index_mention):
                continue  # "cả 3 trụ cột đều xếp thứ 2" with the pillars unnamed
            if _of_something_else(folded, measure, index_mention, patterns):
                continue  # a component's rank ("xếp thứ 3 về chi phí không chính thức")
            if index_mention is None and _counts_something(folded, measure):
                continue  # "có 1.506 dịch vụ công ..., xếp thứ 3/63": that count's rank
            index = index_mention.index if index_mention else context.index
            if together:
                index = None  # one fact per index named, below
            year_mention = _nearest(mentions, "year", measure.start,
                                    lambda m, said=measure: not m.comparison and not (
                                        0 <= said.base_from <= m.start < said.start))
            base = [m for m in mentions if m.kind == "year" and m.comparison
                    and re.fullmatch(r"\s*\(\s*(?:\w+\s+){0,2}", folded[m.end:measure.start])]
            if base:
                year_mention = base[-1]  # "so với năm 2020 (xếp thứ 63)": that year's rank
            year = year_mention.year if year_mention else context.year
            if index is None and not together:
                continue
            if measure.measure is Measure.TOP_N and index is not None:
                yield from self._top_members(measure, subjects, text, offset, document,
                                             index, year, index_mention is None,
                                             year_mention is None)
                continue
            if measure.measure is Measure.TOP_N:
                continue
            for subject in named:
                emitted.append(subject)
                for each in ([m.index for m in together] if together else [index]):
                    if measure.measure is Measure.RANK and measure.value is not None:
                        said.append((measure.start, each, year, measure.value))  # type: ignore[arg-type]
                    yield Fact(document.doc_id, subject.subject, each,  # type: ignore[arg-type]
                               year, measure.measure, measure.value, subject.level,
                               offset + measure.start, offset + measure.end, offset,
                               offset + len(text), out_of=measure.out_of, unit=measure.unit,
                               year_inherited=year_mention is None,
                               index_inherited=index_mention is None and not together)
        yield from self._continued(text, folded, offset, document, subjects, mentions,
                                   context, ranks, said)
        for _start, each, year, value in said:
            ranks[(each, year)] = value
        self._update_from(text, context, patterns)
        if emitted:
            context.subject = emitted[-1]
        elif len({m.subject for m in subjects}) == 1:
            context.subject = subjects[-1]  # "... là Long An. Theo đó, địa phương này ..."
        elif subjects:
            context.subject = None  # new subjects without a fact: do not carry the old one

    @staticmethod
    def _continued(text: str, folded: str, offset: int, document: Document,
                   subjects: list[_Mention], mentions: list[_Mention], context: _Context,
                   ranks: dict[tuple[RankingIndex, int | None], float],
                   said: list[tuple[int, RankingIndex, int | None, float]]) -> Iterator[Fact]:
        """"Tiếp theo là A (0,79), B và C", "Hai vị trí tiếp theo lần lượt thuộc về A và B":
        the ranks after the one just said, in order."""
        ordered = _ORDERED_RE.search(folded)
        if ordered is not None:
            # "A, B và C lần lượt là các địa phương ... cao nhất": ranks 1, 2, 3.
            named = _listed_subjects(subjects, folded, ordered.start())
            index_mention = _nearest(mentions, "index", ordered.end())
            index = index_mention.index if index_mention else context.index
            years = [m for m in mentions if m.kind == "year" and not m.comparison]
            year = years[0].year if years else context.year
            if len(named) >= 2 and index is not None:
                for n, subject in enumerate(named, start=1):
                    ranks[(index, year)] = float(n)
                    yield Fact(document.doc_id, subject.subject, index, year, Measure.RANK,
                               float(n), subject.level, offset + subject.start,
                               offset + subject.end, offset, offset + len(text),
                               year_inherited=not years, index_inherited=index_mention is None)
        match = _CONTINUED_RE.search(folded)
        if match is None:
            return
        index_mention = _nearest(mentions, "index", match.start())
        if index_mention is not None and index_mention.start > match.start():
            index_mention = None
        index = index_mention.index if index_mention else context.index
        years = [m for m in mentions if m.kind == "year" and not m.comparison
                 and m.end <= match.start()]
        year = years[-1].year if years else context.year
        earlier = [value for start, each, y, value in said
                   if start < match.start() and (each, y) == (index, year)]
        if earlier:
            ranks = {**ranks, (index, year): earlier[-1]}
        if index is None or (index, year) not in ranks:
            return
        run: list[_Mention] = []
        position = match.end()
        for subject in [s for s in subjects if s.start >= match.end()]:
            if not re.fullmatch(r"\s*(?:\([^)]{0,20}\)\s*)?(?:,|va|and)?\s*(?:va\s+)?"
                                r"(?:cac\s+)?(?:tinh\s+|thanh\s+pho\s+|tp\.?\s*)?"
                                # "followed by the northern port city of Hai Phong, Hanoi"
                                r"(?:the\s+(?:[a-z-]+\s+){0,4}?of\s+|the\s+|central\s+)?",
                                folded[position:subject.start]):
                break
            run.append(subject)
            position = subject.end
        after = ranks[(index, year)]
        for n, subject in enumerate(run, start=1):
            ranks[(index, year)] = after + n
            yield Fact(document.doc_id, subject.subject, index, year, Measure.RANK, after + n,
                       subject.level, offset + subject.start, offset + subject.end, offset,
                       offset + len(text), year_inherited=not years,
                       index_inherited=index_mention is None)

    def _top_members(self, measure: _Mention, subjects: list[_Mention], text: str,
                     offset: int, document: Document, index: RankingIndex,
                     year: int | None, index_inherited: bool,
                     year_inherited: bool) -> Iterator[Fact]:
        """"Top 10 tỉnh ... gồm: A, B, C": each listed subject is in the top N; "A lọt vào
        top 10": the subject before it."""
        listed = [s for s in subjects if s.start > measure.end]
        before = [s for s in subjects if s.end <= measure.start]
        if measure.list_ends >= 0:
            members = _listed_subjects(subjects, _fold(text), measure.list_ends)
        else:
            members = listed if listed else before[-1:]
        if not members or len(members) > (measure.value or 0):
            return
        for subject in members:
            yield Fact(document.doc_id, subject.subject, index, year, Measure.TOP_N,
                       measure.value, subject.level, offset + subject.start,
                       offset + subject.end, offset, offset + len(text),
                       year_inherited=year_inherited, index_inherited=index_inherited)

    @staticmethod
    def _update_from(text: str, context: _Context, patterns: _Patterns,
                     first_index: bool = False) -> None:
        folded = _fold(text)
        indices = _indices(folded, patterns)
        if first_index and indices:
            # A table's heading names its index first, or the pillars after the index.
            whole = [m for m in indices if m.index is not None and not m.index.is_pillar]
            context.index = (whole or indices)[0].index
        else:
            # A pillar named in a sentence is that sentence's ("kinh tế số xếp thứ 8"); the
            # next sentence is about the index again.
            whole = [m for m in indices if m.index is not None and not m.index.is_pillar]
            if whole:
                context.index = whole[-1].index
        years = [m for m in _years(text, folded, patterns) if not m.comparison]
        if years:
            context.year = years[-1].year

    # ---- tables -------------------------------------------------------------------------
    @staticmethod
    def _row(text: str, start: int, document: Document, context: _Context) -> Iterator[Fact]:
        match = _ROW_RE.match(text)
        if match is None or context.index is None:
            return
        rank = int(match.group("rank"))
        values = re.findall(r"\d+[.,]\d+", match.group("rest") or "")
        subject = _row_subject(match.group("name"))
        if subject is None:
            return
        name, level = subject
        s, e = match.span("rank")
        yield Fact(document.doc_id, name, context.index, context.year, Measure.RANK,
                   float(rank), level, start + s, start + e, start,
                   start + len(text), year_inherited=True, index_inherited=True)
        if len(values) == 1:  # several numbers: which column is the index is not known
            vs = match.start("rest") + match.group("rest").index(values[0])
            yield Fact(document.doc_id, name, context.index, context.year, Measure.SCORE,
                       _number(values[0]), level, start + vs,
                       start + vs + len(values[0]), start, start + len(text),
                       year_inherited=True, index_inherited=True)


# A list that goes on from the rank just said.
_CONTINUED_RE = re.compile(
    r"(?:^|[\s,;:])(?:tiep\s+theo(?:\s+sau)?\s+(?:la|thuoc\s+ve)|ke\s+den(?:\s+la)?"
    r"|theo\s+sau\s+(?:do\s+)?la"
    r"|(?:cac\s+)?vi\s+tri\s+ke\s+tiep\s+(?:lan\s+luot\s+)?la"
    r"|xep\s+sau\s+[^.;]{0,80}?\s+la|following\s+(?:were|was|are)|followed\s+by"
    r"|(?:vi\s+tri|tinh,?\s*thanh(?:\s+pho)?)\s+(?:tiep\s+theo|sau\s+do)[^.;]{0,60}?"
    r"lan\s+luot\s+(?:la|thuoc\s+ve)|xep\s+sau\s+do\s+lan\s+luot\s+la)"
    r"(?:\s+cac\s+[^:]{0,40}:)?\s")

_ORDERED_RE = re.compile(
    r"\s*lan\s+luot\s+la\s+(?:cac|nhung)\s+(?:dia\s+phuong|tinh|don\s+vi|bo)[^.;]{0,100}?"
    r"(?:cao\s+nhat|dan\s+dau|dung\s+dau|tot\s+nhat)(?!\w)")

_ROW_RE = re.compile(
    r"^\s*\|?\s*(?P<rank>\d{1,2})[.)]?\s*\|?\s*(?P<name>(?:TP\.?\s*)?[A-ZĐÀ-Ỹ][^\d|]{1,40}?)"
    r"\s*(?P<rest>(?:\|?\s*\d+[.,]\d+\s*)*)\|?\s*$")


def _lines(text: str) -> Iterator[tuple[str, int]]:
    position = 0
    for line in text.split("\n"):
        if line.strip():
            yield line, position
        position += len(line) + 1


def _row_subject(name: str) -> tuple[str, Level] | None:
    """A table row's subject: a province, else a ministry or department named whole."""
    provinces = province_mentions(name)
    if provinces:
        return provinces[0][0], Level.PROVINCE
    patterns = _patterns()
    folded = re.sub(r"\s+", " ", _fold(name).strip())
    for units, level in ((patterns.unit_of, Level.MINISTRY),
                         (patterns.department_of, Level.DEPARTMENT)):
        if folded in units:
            return units[folded], level
    return None


def _is_row(line: str) -> bool:
    match = _ROW_RE.match(line)
    return bool(match and _row_subject(match.group("name")))


_RANK_LINE_RE = re.compile(r"\s*\d{1,2}\s*")
_NUMBER_LINE_RE = re.compile(r"\s*\d+(?:[.,]\d+)?\s*")


def _vertical_table_at(lines: list[tuple[str, int]], position: int, text: str
                       ) -> tuple[list[tuple[str, int]], int]:
    """A table whose cells are lines of their own (a web page's table as text: "1", "Bộ Tư
    pháp", "61.86", "89.95", then "2", ...): its rows as the text from each rank to its last
    number, and how many lines it spans."""
    def row_starts(at: int) -> bool:  # a rank line, then a subject's line
        return (at + 1 < len(lines) and _RANK_LINE_RE.fullmatch(lines[at][0]) is not None
                and _row_subject(lines[at + 1][0]) is not None)

    rows: list[tuple[str, int]] = []
    at = position
    while row_starts(at):
        end = at + 2
        while end < len(lines) and _NUMBER_LINE_RE.fullmatch(lines[end][0]) and not row_starts(
                end):
            end += 1
        start = lines[at][1]
        last, last_start = lines[end - 1]
        rows.append((text[start:last_start + len(last)], start))
        at = end
    if len(rows) < MIN_TABLE_ROWS:
        return [], 0
    return rows, at - position


def _table_at(lines: list[tuple[str, int]], position: int) -> list[tuple[str, int]]:
    rows = []
    for line in lines[position:]:
        if not _is_row(line[0]):
            break
        rows.append(line)
    return rows if len(rows) >= MIN_TABLE_ROWS else []


def _heading_before(lines: list[tuple[str, int]], position: int) -> list[tuple[str, int]]:
    """The short lines right above a table, nearest last."""
    heading = []
    for line in reversed(lines[max(0, position - 8):position]):
        if len(line[0]) > MAX_HEADING_CHARS or _is_row(line[0]):
            break
        heading.append(line)
    return list(reversed(heading))


def extract_facts(document: Document) -> list[Fact]:
    return FactExtractor().run(document)
