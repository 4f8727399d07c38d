"""What a ranking fact is: closed sets as enums, a fact as a frozen record."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

# Bumped whenever the extractor's output changes: indexes record it, and facts built by
# another version are extracted again (files) or rebuilt (PostgreSQL) rather than served.
FACTS_VERSION = "1"


class RankingIndex(StrEnum):
    """The published indices (and the DTI's three pillars, ranked on their own)."""

    DTI = "DTI"
    DTI_GOVERNMENT = "DTI/chính quyền số"
    DTI_ECONOMY = "DTI/kinh tế số"
    DTI_SOCIETY = "DTI/xã hội số"
    PCI = "PCI"
    PAPI = "PAPI"
    PAR_INDEX = "PAR INDEX"
    SIPAS = "SIPAS"
    ICT_INDEX = "ICT Index"

    @property
    def is_pillar(self) -> bool:
        return self.value.startswith("DTI/")


class Level(StrEnum):
    """Which kind of unit is ranked."""

    PROVINCE = "cấp tỉnh"
    MINISTRY = "cấp bộ"
    DEPARTMENT = "sở, ban, ngành"
    DISTRICT = "cấp huyện"


class Measure(StrEnum):
    RANK = "rank"  # value: the position (1 = first); out_of: of how many, when said
    SCORE = "score"  # value: the index value or points
    RANK_CHANGE = "rank_change"  # value: places gained (negative: lost)
    SCORE_CHANGE = "score_change"  # value: points gained (negative: lost)
    TOP_N = "top_n"  # value: N, the subject is among the first N
    TARGET = "target"  # value: the aimed-at figure (unit says what), year: the deadline


@dataclass(frozen=True)
class Fact:
    """One measure of one subject on one index, as an article states it."""

    doc_id: str
    subject: str  # a canonical province name, or a unit's name as written
    index: RankingIndex
    year: int | None
    measure: Measure
    value: float | None  # None: stated without a number ("đứng cuối" of an unknown N)
    level: Level
    start: int  # the span in the document text that states the measure
    end: int
    sentence_start: int  # the sentence (or table row) holding it
    sentence_end: int
    out_of: int | None = None  # "21/63": 63
    unit: str = ""  # "%" for a target or share, "" otherwise
    year_inherited: bool = False  # the sentence names no year: from the title or before
    index_inherited: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fact:
        values = dict(data)
        values["index"] = RankingIndex(values["index"])
        values["measure"] = Measure(values["measure"])
        values["level"] = Level(values["level"])
        return cls(**values)
