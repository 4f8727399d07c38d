"""What a ranking fact is: closed sets as enums, a fact as a frozen record."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from retriever.text.gazetteer import canonical_province
from retriever.text.normalize import fold_diacritics

if TYPE_CHECKING:
    from collections.abc import Sequence

    from retriever.types import Chunk

# Bumped whenever the extractor's output changes: indexes record it, and facts built by
# another version are extracted again (files) or rebuilt (PostgreSQL) rather than served.
FACTS_VERSION = "4"


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
    # A province's own rankings of its districts and of its departments: a fact of these
    # levels says which province ranked them (Fact.within).
    DISTRICT = "cấp huyện"
    DEPARTMENT = "cấp sở, ngành"

    @property
    def is_local(self) -> bool:
        return self in (Level.DISTRICT, Level.DEPARTMENT)


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
    within: str = ""  # a district's or department's province (whose ranking it is), else ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fact:
        values = dict(data)
        values["index"] = RankingIndex(values["index"])
        values["measure"] = Measure(values["measure"])
        values["level"] = Level(values["level"])
        return cls(**values)


@dataclass(frozen=True)
class FactQuery:
    """Which facts to list (every filter optional), a page at a time."""

    subject: str | None = None  # a province name in any spelling, or a unit's name
    index: RankingIndex | None = None
    year: int | None = None
    measure: Measure | None = None
    offset: int = 0
    limit: int = 100

    def __post_init__(self) -> None:
        if self.offset < 0 or not 1 <= self.limit <= 1000:
            raise ValueError(f"a page needs offset >= 0 and 1 <= limit <= 1000, got "
                             f"{self.offset} and {self.limit}")

    def matches(self, fact: Fact, subject: str | None) -> bool:
        """`subject`: the query's subject in the facts' spelling (see FactQuery.subject)."""
        return ((subject is None or fact.subject == subject)
                and (self.index is None or fact.index is self.index)
                and (self.year is None or fact.year == self.year)
                and (self.measure is None or fact.measure is self.measure))


@dataclass(frozen=True)
class FactHit:
    """A fact with what a reader needs to check it: its words and its article."""

    fact: Fact
    span: str  # the document's text at fact.start:fact.end
    sentence: str
    title: str
    published: str | None


@dataclass(frozen=True)
class FactPage:
    facts: list[FactHit]
    total: int  # facts matching the query, on every page


def subject_key(subject: str | None) -> str | None:
    """The facts' spelling of a subject: the canonical province name, else as given."""
    if subject is None or not subject.strip():
        return None
    return canonical_province(subject) or " ".join(subject.split())


class FactSource(Protocol):
    """An index's facts as the answering pipeline reads them (both backends)."""

    def fact_page(self, query: FactQuery) -> FactPage: ...

    def fact_chunks(self, facts: Sequence[Fact]) -> list[Chunk | None]:
        """The passage holding each fact's sentence (else its span), to cite it by."""
        ...

    def facts_in(self, chunks: Sequence[Chunk]) -> list[list[Fact]]:
        """The facts each passage states (their span starting inside it), as extracted from
        the whole document: with the year and index inherited from its title and before."""
        ...


def subject_order(subject: str) -> tuple[str, str]:
    """A sort key putting subjects in Vietnamese alphabetical order, near enough: by the
    accent-folded name ("Đà Nẵng" with the D's), then the name itself."""
    return (fold_diacritics(subject).casefold(), subject)
