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

from index.facts.extract import _districts, _fold, _indices, _patterns, _years
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
    asks_target: bool = False  # "đặt mục tiêu", "phấn đấu", "đến năm 2030": an aim, not a fact
    # False for "tăng bao nhiêu?" with neither places nor points said: either may answer.
    change_unit_stated: bool = True

    @property
    def is_about_rankings(self) -> bool:
        return bool(self.indices or self.position or self.measure is not None
                    or self.unknown_index)


_RANK_RE = re.compile(r"(?<!\w)(?:thu\s+(?:may|bao\s+nhieu)|xep\s+(?:hang|thu|vi\s+tri)|hang\s+may"
                      r"|vi\s+tri\s+(?:thu\s+)?(?:may|nao|bao\s+nhieu)|dung\s+thu|what\s+rank"
                      r"|which\s+(?:place|position)|rank(?:ed|ing)?|place[ds]?)(?!\w)")
_SCORE_RE = re.compile(r"(?<!\w)(?:bao\s+nhieu\s+diem|diem\s+so|may\s+diem|dat\s+bao\s+nhieu"
                       r"|gia\s+tri|score[ds]?|points?|how\s+many\s+points"
                       r"|diem(?=.*(?:bao\s+nhieu|may)(?!\w)))(?!\w)")
_CHANGE_RE = re.compile(r"(?<!\w)(?:(?:tang|giam|len|xuong)\s+(?:hay\s+(?:tang|giam)\s+)?"
                        r"(?:bao\s+nhieu|may)(?!\w)|tang\s+hay\s+giam"
                        r"|how\s+many\s+places|up\s+or\s+down|(?:rise|fall|climb|drop)\b)")
# The unit a change is asked in, said just after "tăng/giảm bao nhiêu" ("bậc", "điểm").
_PLACES_RE = re.compile(r"\s*(?:bac|hang|vi\s+tri|places?|ranks?)(?!\w)")
_POINTS_RE = re.compile(r"\s*(?:diem|points?|%|phan\s+tram|percent)")
_FIRST_RE = re.compile(r"(?<!\w)(?:dung\s+dau|dan\s+dau|cao\s+nhat|hang\s+nhat|so\s+1"
                       r"|(?:dung|xep|hang|vi\s+tri)\s+thu\s+nhat|number\s+one|ranked\s+first"
                       r"|top\s+1(?!\d)|first|highest|led|leads|top(?:ped)?(?!\s*\d))(?!\w)")
_LAST_RE = re.compile(r"(?<!\w)(?:dung\s+cuoi|xep\s+cuoi|cuoi\s+bang|thap\s+nhat|bet\s+bang"
                      r"|last|lowest|bottom)(?!\w)")
_TOP_RE = re.compile(r"(?<!\w)(?:top|nhom)\s+(\d{1,2})(?!\d)")  # "tốp" folds to "top"
_WHICH_RE = re.compile(r"(?<!\w)(?:tinh\s+nao|dia\s+phuong\s+nao|thanh\s+pho\s+nao|bo\s+nao"
                       r"|huyen\s+nao|quan\s+nao|thi\s+xa\s+nao|so\s+nao|don\s+vi\s+nao"
                       r"|which\s+(?:province|city|ministry|district|department)|who)(?!\w)")
# A province's own rankings: of its districts, and of its departments ("sở, ban, ngành").
_DISTRICT_RE = re.compile(r"(?<!\w)(?:cap\s+huyen|huyen\s+nao|quan\s+nao|thi\s+xa\s+nao"
                          r"|quan,?\s+huyen|huyen,?\s+(?:thi\s+xa|thanh\s+pho)"
                          r"|which\s+district|district(?:s|-level)?)(?!\w)")
_DEPARTMENT_RE = re.compile(r"(?<!\w)(?:cap\s+so|so\s+nao|so,?\s+ban,?\s+nganh"
                            r"|so,?\s+nganh|which\s+department|department(?:s|-level)?)(?!\w)")
_MINISTRY_RE = re.compile(r"(?<!\w)(?:cap\s+bo|bo\s+nao|bo,\s*nganh|ministr(?:y|ies))(?!\w)"
                          r"|^\s*(?:bo|co\s+quan)\s+(?:dung|dan|xep)(?!\w)")
_PROVINCE_RE = re.compile(r"(?<!\w)(?:cap\s+tinh|tinh\s+nao|dia\s+phuong\s+nao|thanh\s+pho\s+nao"
                          r"|tinh,\s*thanh\s+nao|which\s+(?:province|city)|provinces?)(?!\w)"
                          # "Tỉnh đứng đầu PCI 2023 ...": the place of a province
                          r"|^\s*(?:tinh|dia\s+phuong|thanh\s+pho)\s+(?:dung|dan|xep)(?!\w)")
# Aims the extractor's target cues (cues.tsv) do not name, as a question words them.
_AIM_RE = re.compile(r"(?<!\w)(?:muon|ke\s+hoach|du\s+kien|phan\s+dau|aim(?:s|ed)?|plan(?:s|ned)?"
                     r"|goal)(?!\w)")
_INDEX_LIKE_RE = re.compile(r"(?<!\w)(?:chi\s+so|index)\s+([a-z][a-z0-9-]{1,15})(?!\w)")


def question_constraints(question: str) -> FactConstraints:
    """The ranking constraints a question states (nothing when it states none)."""
    patterns = _patterns()
    folded = _fold(question)
    indices = tuple(dict.fromkeys(m.index for m in _indices(folded, patterns)
                                  if m.index is not None))
    if any(i.is_pillar for i in indices):
        # "kinh tế số ... trong DTI 2021": the pillar of the DTI is what is asked.
        indices = tuple(i for i in indices if i != RankingIndex.DTI)
    years = tuple(dict.fromkeys(m.year for m in _years(question, folded, patterns)
                                if m.year is not None))
    subjects = [name for name, _count in find_provinces(question)]
    for pattern, names in ((patterns.unit, patterns.unit_of),
                           (patterns.department, patterns.department_of)):
        for match in pattern.finditer(folded):
            unit = names.get(re.sub(r"\s+", " ", match.group(0)))
            if unit is not None and unit not in subjects:
                subjects.append(unit)
    # A district named as the articles write it ("huyện Gia Lộc"): its capitals end it.
    districts = [m.subject for m in _districts(question)]
    subjects.extend(d for d in districts if d not in subjects)
    top = _TOP_RE.search(folded)
    which = bool(_WHICH_RE.search(folded))
    position = None
    if top and int(top.group(1)) > 1:
        position = Position.TOP
    elif _LAST_RE.search(folded):
        position = Position.LAST
    elif _FIRST_RE.search(folded) and (which or not subjects):
        position = Position.FIRST
    change = _CHANGE_RE.search(folded)
    asks_change = change is not None
    change_unit_stated = True
    if change is not None:
        measure: Measure | None = Measure.RANK_CHANGE
        places = "place" in change.group(0) or _PLACES_RE.match(folded, change.end())
        points = _POINTS_RE.match(folded, change.end())
        if points and not places:
            measure = Measure.SCORE_CHANGE
        # "tăng bao nhiêu?": places or points, whichever the articles state.
        change_unit_stated = bool(places or points)
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
    departments = any(u in subjects for u in patterns.department_of.values())
    level = (Level.DEPARTMENT if departments or _DEPARTMENT_RE.search(folded)
             else Level.DISTRICT if districts or _DISTRICT_RE.search(folded)
             else Level.MINISTRY if _MINISTRY_RE.search(folded)
             else Level.PROVINCE if _PROVINCE_RE.search(folded) else None)
    target = bool(patterns.target.search(folded) or _AIM_RE.search(folded))
    return FactConstraints(tuple(subjects), indices, years, measure, position,
                           int(top.group(1)) if top else None, level, asks_change, unknown,
                           target, change_unit_stated)


# "Tỉnh đứng đầu PCI 2023 | xếp thứ mấy về DTI 2022?": a place that names a subject, then
# what is asked of it. Read on the folded question (one character per character).
_BRIDGE_INNER_RE = re.compile(
    r"^\s*(?:tinh|thanh\s+pho|dia\s+phuong|bo|co\s+quan|don\s+vi)(?:\s+\w+)?\s+"
    r"(?:dung\s+dau|dan\s+dau|dung\s+cuoi|xep\s+cuoi|dung\s+thu\s+nhat|xep\s+thu\s+nhat)"
    r"(?!\w)")
_BRIDGE_OUTER_RE = re.compile(
    r"(?<!\w)(?:xep|dung|dat|co|nam|o|duoc)\s+(?:hang\s+|o\s+)?(?:thu|hang|vi\s+tri|bao\s+nhieu"
    r"|may|diem|gia\s+tri)(?!\w)")


@dataclass(frozen=True)
class Bridge:
    """A question about the holder of a place: `inner` names the place ("Tỉnh đứng đầu
    PCI 2023"), `outer` asks about its holder ("xếp thứ mấy về DTI năm 2022?")."""

    inner: str
    outer: str


def split_bridge(question: str) -> Bridge | None:
    """The two halves of a bridge question, or None when it is not one."""
    folded = _fold(question)
    inner = _BRIDGE_INNER_RE.match(folded)
    if inner is None:
        return None
    outer = _BRIDGE_OUTER_RE.search(folded, inner.end())
    if outer is None:
        return None
    halves = Bridge(question[:outer.start()].strip(), question[outer.start():].strip())
    if not question_constraints(halves.inner).indices:
        return None
    return halves
