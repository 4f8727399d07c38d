"""What a question asks of the ranking facts: its subject, index, year, measure, position
("đứng đầu", "đứng cuối", "top 10") and whether it asks for a change ("tăng bao nhiêu
bậc"), in Vietnamese with or without diacritics and in English.

The index names, units and cues are the extractor's (index/facts/data/vi/*.tsv), read on
the accent-folded question, so "chi so chuyen doi so" and "DTI" are the same index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from index.facts.extract import _fold, _indices, _patterns, _years
from index.facts.types import Level, Measure, RankingIndex
from retriever.text.gazetteer import find_provinces


class Position(StrEnum):
    """A place asked for without naming a subject ("tỉnh nào đứng đầu PCI 2023?")."""

    FIRST = "first"
    LAST = "last"
    TOP = "top"  # "top 10": top_n says how many


@dataclass(frozen=True)
class FactConstraints:
    """What an answer from a fact must match; empty fields constrain nothing."""

    subjects: tuple[str, ...] = ()
    indices: tuple[RankingIndex, ...] = ()
    years: tuple[int, ...] = ()
    measure: Measure | None = None
    position: Position | None = None
    top_n: int | None = None
    level: Level | None = None
    asks_change: bool = False  # "tăng/giảm bao nhiêu bậc", "up or down", "so với"
    unknown_index: str = ""  # an index-like name none of ours ("chỉ số XYZ")

    @property
    def is_about_rankings(self) -> bool:
        return bool(self.indices or self.position or self.measure is not None
                    or self.unknown_index)


_RANK_RE = re.compile(r"(?<!\w)(?:thu\s+(?:may|bao\s+nhieu)|xep\s+(?:hang|thu|vi\s+tri)|hang\s+may"
                      r"|vi\s+tri\s+(?:thu\s+)?(?:may|nao|bao\s+nhieu)|dung\s+thu|what\s+rank"
                      r"|which\s+(?:place|position)|rank(?:ed|ing)?|place[ds]?)(?!\w)")
_SCORE_RE = re.compile(r"(?<!\w)(?:bao\s+nhieu\s+diem|diem\s+so|may\s+diem|dat\s+bao\s+nhieu"
                       r"|gia\s+tri|score[ds]?|points?|how\s+many\s+points)(?!\w)")
_CHANGE_RE = re.compile(r"(?<!\w)(?:(?:tang|giam|len|xuong)\s+(?:hay\s+(?:tang|giam)\s+)?"
                        r"(?:bao\s+nhieu|may)\s+(?:bac|hang|diem)|tang\s+hay\s+giam"
                        r"|how\s+many\s+places|up\s+or\s+down|(?:rise|fall|climb|drop)\b)")
_FIRST_RE = re.compile(r"(?<!\w)(?:dung\s+dau|dan\s+dau|cao\s+nhat|hang\s+nhat|so\s+1"
                       r"|top\s+1(?!\d)|first|highest|led|leads|top(?:ped)?(?!\s*\d))(?!\w)")
_LAST_RE = re.compile(r"(?<!\w)(?:dung\s+cuoi|xep\s+cuoi|cuoi\s+bang|thap\s+nhat|bet\s+bang"
                      r"|last|lowest|bottom)(?!\w)")
_TOP_RE = re.compile(r"(?<!\w)(?:top|nhom)\s+(\d{1,2})(?!\d)")  # "tốp" folds to "top"
_WHICH_RE = re.compile(r"(?<!\w)(?:tinh\s+nao|dia\s+phuong\s+nao|thanh\s+pho\s+nao|bo\s+nao"
                       r"|which\s+(?:province|city|ministry)|who)(?!\w)")
_MINISTRY_RE = re.compile(r"(?<!\w)(?:cap\s+bo|bo\s+nao|bo,\s*nganh|ministr(?:y|ies))(?!\w)")
_INDEX_LIKE_RE = re.compile(r"(?<!\w)(?:chi\s+so|index)\s+([a-z][a-z0-9-]{1,15})(?!\w)")


def question_constraints(question: str) -> FactConstraints:
    """The ranking constraints a question states (nothing when it states none)."""
    patterns = _patterns()
    folded = _fold(question)
    indices = tuple(dict.fromkeys(m.index for m in _indices(folded, patterns)
                                  if m.index is not None))
    years = tuple(dict.fromkeys(m.year for m in _years(question, folded, patterns)
                                if m.year is not None))
    subjects = [name for name, _count in find_provinces(question)]
    for match in patterns.unit.finditer(folded):
        unit = patterns.unit_of.get(re.sub(r"\s+", " ", match.group(0)))
        if unit is not None and unit not in subjects:
            subjects.append(unit)
    top = _TOP_RE.search(folded)
    which = bool(_WHICH_RE.search(folded))
    position = None
    if top and int(top.group(1)) > 1:
        position = Position.TOP
    elif _LAST_RE.search(folded):
        position = Position.LAST
    elif _FIRST_RE.search(folded) and (which or not subjects):
        position = Position.FIRST
    asks_change = bool(_CHANGE_RE.search(folded))
    if asks_change:
        measure: Measure | None = Measure.RANK_CHANGE
        if re.search(r"(?<!\w)diem|points?(?!\w)", folded) and not re.search(
                r"(?<!\w)(?:bac|hang|places?)(?!\w)", folded):
            measure = Measure.SCORE_CHANGE
    elif _SCORE_RE.search(folded):
        measure = Measure.SCORE
    elif _RANK_RE.search(folded) or position is not None or (
            subjects and _FIRST_RE.search(folded)):
        measure = Measure.RANK
    else:
        measure = None
    unknown = ""
    if not indices:
        named = _INDEX_LIKE_RE.search(folded)
        if named and named.group(1) not in {"nao", "gi", "the", "of", "cua", "nay", "do"}:
            unknown = named.group(1).upper()
    level = Level.MINISTRY if _MINISTRY_RE.search(folded) else None
    return FactConstraints(tuple(subjects), indices, years, measure, position,
                           int(top.group(1)) if top else None, level, asks_change, unknown)
