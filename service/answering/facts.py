"""The facts stage: a ranking question answered, or declined, from the index's facts.

Between analysing the question and retrieving passages. A question that names one subject,
one index and a measure ("Quảng Ngãi xếp thứ mấy về DTI 2022?"), or asks who holds a place
("Tỉnh nào đứng đầu PCI 2023?"), is looked up among the facts extracted at ingest
(index/facts). An exactly matching fact answers it, cited to the span that states it; when
the subject's facts on that index are all of other years, the question is declined with
what the articles do have ("có DTI 2023 ..., không có năm 2022"). Anything else (no such
fact, a fact of unknown year, an aim, a comparison) goes on to retrieval and the readers.

Contradicting facts (two articles, two ranks for one year) are all returned, the newer
article first: the pipeline cites both, with their dates.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from index.facts import (
    Fact,
    FactHit,
    FactQuery,
    FactSource,
    Level,
    Measure,
    RankingIndex,
)
from index.facts.constraints import FactConstraints, Position
from index.facts.extract import _fold, _indices, _patterns
from retriever.errors import IndexMismatchError
from retriever.text.gazetteer import canonical_province
from retriever.text.normalize import fold_diacritics
from retriever.text.sentences import clause_around
from retriever.types import Chunk
from service.answering.reasons import DeclineReason

logger = logging.getLogger(__name__)

# What a fact can answer: the index's own measures (an aim or a top-N membership cannot
# answer "thứ mấy").
_ANSWERABLE = (Measure.RANK, Measure.SCORE, Measure.RANK_CHANGE, Measure.SCORE_CHANGE)
# Vietnam's provinces from the 2008 merger of Hà Tây to the 2025 mergers (34 since): a
# province-level ranking of those years with no "out of" said ranks 63.
PROVINCES, PROVINCES_SINCE, PROVINCES_UNTIL = 63, 2008, 2023
# The facts a question's subject can have on one index: far more than any corpus states.
_LOOKUP_LIMIT = 1000


class FactOutcome(StrEnum):
    ANSWERED = "answered"  # facts of the subject, index, year and measure asked
    YEAR_NOT_COVERED = "year not covered"  # the subject's facts on the index are of other years
    PLACE_HELD = "place held"  # who holds the place asked ("đứng đầu", "đứng cuối")
    YEARS_COMPARED = "years compared"  # a subject's two years: hits newer year first
    TOP_LISTED = "top listed"  # the first N of a ranking, in order


@dataclass(frozen=True)
class FactVerdict:
    """What the facts say. `hits`: answering facts, newest article first (more than one
    value among them means the articles disagree), or, for YEAR_NOT_COVERED, the newest
    fact of each year the articles have."""

    outcome: FactOutcome
    hits: list[FactHit]
    index: RankingIndex
    year: int | None  # the year asked, or the year answered when none was asked
    subject: str = ""
    level: Level | None = None  # a district or department ranking: whose (scope)
    scope: str = ""

    @property
    def ranking(self) -> str:
        """The ranking as an answer names it: "DTI", or "DTI cấp huyện (Hải Dương)"."""
        if self.level is None or not self.level.is_local:
            return self.index.value
        return f"{self.index.value} {self.level.value}" + (f" ({self.scope})" if self.scope
                                                          else "")

    @property
    def values(self) -> list[float | None]:
        return list(dict.fromkeys(h.fact.value for h in self.hits))

    @property
    def contradicted(self) -> bool:
        return self.outcome == FactOutcome.ANSWERED and len(self.values) > 1


class FactAnswerer:
    """Looks a question's constraints up in a FactSource (either backend's index)."""

    def __init__(self, source: FactSource) -> None:
        self.source = source

    def decide(self, constraints: FactConstraints, within: str | None = None
               ) -> FactVerdict | None:
        """The facts' verdict, or None when they do not decide the question.

        `within`: the province a conversation or the widget is about, for a question that
        names none. Facts another extractor version wrote (a database not yet reindexed)
        decide nothing: the readers answer, and the problem is logged."""
        try:
            return self._decide(constraints, within)
        except IndexMismatchError as error:
            logger.warning("the facts stage is skipped: %s", error)
            return None

    def _decide(self, constraints: FactConstraints, within: str | None) -> FactVerdict | None:
        c = constraints
        local = c.level is not None and c.level.is_local
        # A district's or department's question names its province as the ranking's scope
        # ("Huyện nào của Hải Dương dẫn đầu ..."), not as a subject of its own.
        named = [s for s in c.subjects if not local or canonical_province(s) is None]
        scope = next((s for s in c.subjects if local and canonical_province(s)), within or "")
        subjects = tuple(named) or ((within,) if within and not local else ())
        if (c.asks_change and len(c.years) == 2 and len(subjects) == 1 and len(c.indices) <= 1
                and c.position is None and not c.asks_target and not c.unknown_index):
            return self._years_compared(subjects[0], c.indices, c.years,
                                        c.measure == Measure.SCORE_CHANGE)
        if (c.asks_target or c.unknown_index or len(c.indices) != 1 or len(c.years) > 1
                or c.measure not in _ANSWERABLE):
            return None
        index = c.indices[0]
        year = c.years[0] if c.years else None
        if c.position == Position.TOP and c.top_n is not None and not named:
            return _scoped(self._top(index, year, c.top_n, c.level, scope), c.level, scope)
        if c.position in (Position.FIRST, Position.LAST) and not named:
            return _scoped(self._place(index, year, c.position, c.level, scope), c.level,
                           scope)
        if len(subjects) != 1 or c.position is not None:
            return None
        verdict = self._of_subject(subjects[0], index, year, c.measure)
        if verdict is None and not c.change_unit_stated:
            # "tăng bao nhiêu?": no change in places stated, perhaps one in points.
            verdict = self._of_subject(subjects[0], index, year, Measure.SCORE_CHANGE)
        return verdict

    def _lookup(self, query: FactQuery) -> list[FactHit]:
        return self.source.fact_page(query).facts

    def _of_subject(self, subject: str, index: RankingIndex, year: int | None,
                    measure: Measure) -> FactVerdict | None:
        hits = self._lookup(FactQuery(subject, index, None, measure, limit=_LOOKUP_LIMIT))
        if not hits:
            return None
        subject = hits[0].fact.subject
        if year is not None:
            exact = [h for h in hits if h.fact.year == year]
            if exact:
                return FactVerdict(FactOutcome.ANSWERED, _best_stated_first(exact), index,
                                   year, subject)
            if any(h.fact.year is None for h in hits):
                return None  # a fact of unknown year may be of the year asked
            by_year: dict[int, FactHit] = {}
            for hit in hits:  # newest article first: its fact speaks for its year
                assert hit.fact.year is not None
                by_year.setdefault(hit.fact.year, hit)
            offered = [by_year[y] for y in sorted(by_year, reverse=True)]
            return FactVerdict(FactOutcome.YEAR_NOT_COVERED, offered, index, year, subject)
        dated = [h.fact.year for h in hits if h.fact.year is not None]
        newest = max(dated) if dated else None
        chosen = [h for h in hits if h.fact.year == newest]
        return FactVerdict(FactOutcome.ANSWERED, _best_stated_first(chosen), index, newest,
                           subject)

    def _years_compared(self, subject: str, indices: tuple[RankingIndex, ...],
                        years: tuple[int, ...], points: bool) -> FactVerdict | None:
        """ "Hà Nội tăng hay giảm bao nhiêu bậc DTI năm 2023 so với 2022?": the subject's
        rank (or score) in both years. Without an index named, the one index the subject
        has both years of; None when there is none, or more than one."""
        measure = Measure.SCORE if points else Measure.RANK
        hits = self._lookup(FactQuery(subject, indices[0] if indices else None, None, measure,
                                      limit=_LOOKUP_LIMIT))
        found = []
        for index in dict.fromkeys(h.fact.index for h in hits):
            by_year = []
            for year in sorted(years, reverse=True):
                stated = [h for h in hits if h.fact.index == index and h.fact.year == year]
                values = {h.fact.value for h in stated}
                if len(values) != 1 or None in values:
                    break  # not stated that year, or stated two ways
                by_year.append(_best_stated_first(stated)[0])
            if len(by_year) == 2:
                found.append((index, by_year))
        if len(found) != 1:
            return None
        index, pair = found[0]
        return FactVerdict(FactOutcome.YEARS_COMPARED, pair, index, max(years),
                           pair[0].fact.subject)

    def _ranks(self, index: RankingIndex, year: int | None, level: Level | None,
               scope: str) -> list[FactHit] | None:
        """The ranks of one ranking: of the level asked (no level: a province's or a
        ministry's, never a district's or a department's), of the scope asked for a local
        level. None when a local ranking's scope is not known and several provinces'
        rankings are there."""
        ranks = [h for h in self._lookup(FactQuery(None, index, year, Measure.RANK,
                                                   limit=_LOOKUP_LIMIT))
                 if h.fact.year is not None
                 and (h.fact.level == level if level is not None else not h.fact.level.is_local)]
        if level is not None and level.is_local:
            if scope:
                ranks = [h for h in ranks if h.fact.within == canonical_province(scope)]
            elif len({h.fact.within for h in ranks}) > 1:
                return None
        return ranks

    def _top(self, index: RankingIndex, year: int | None, top_n: int, level: Level | None,
             scope: str = "") -> FactVerdict | None:
        """ "Top 10 DTI 2023 gồm những tỉnh nào?": every place from 1 to N stated once
        (of the year asked, else the newest year stated so)."""
        ranks = [h for h in self._ranks(index, year, level, scope) or []
                 if h.fact.value is not None]
        for candidate in sorted({h.fact.year for h in ranks if h.fact.year}, reverse=True):
            by_place: dict[int, list[FactHit]] = {}
            for hit in ranks:
                if hit.fact.year == candidate and hit.fact.value is not None:
                    by_place.setdefault(int(hit.fact.value), []).append(hit)
            places = range(1, top_n + 1)
            if all(len({h.fact.subject for h in by_place.get(p, [])}) == 1 for p in places):
                listed = [_best_stated_first(by_place[p])[0] for p in places]
                return FactVerdict(FactOutcome.TOP_LISTED, listed, index, candidate)
        return None

    def _place(self, index: RankingIndex, year: int | None, position: Position,
               level: Level | None, scope: str = "") -> FactVerdict | None:
        """Who holds the first or last place; of the level asked ("tỉnh nào", "bộ nào",
        "huyện nào"), the year asked or else the newest year with such a place."""
        ranks = self._ranks(index, year, level, scope)
        if ranks is None:
            return None
        if year is None and ranks:
            year = max(h.fact.year for h in ranks if h.fact.year is not None)
            ranks = [h for h in ranks if h.fact.year == year]
        if position == Position.FIRST:
            held = [h for h in ranks if h.fact.value == 1]
        else:
            # "63 Bắc Kạn" in a table is last when another fact says "x/63" of that ranking.
            counts = [h.fact.out_of for h in ranks if h.fact.out_of is not None]
            held = [h for h in ranks if _is_last(h, max(counts) if counts else None)]
        if not held:
            return None
        return FactVerdict(FactOutcome.PLACE_HELD, _best_stated_first(held), index, year)


def _scoped(verdict: FactVerdict | None, level: Level | None, scope: str
            ) -> FactVerdict | None:
    """A place or top list of a district or department ranking, with whose it is."""
    if verdict is None or level is None or not level.is_local:
        return verdict
    owner = canonical_province(scope) if scope else verdict.hits[0].fact.within
    return replace(verdict, level=level, scope=owner or "")


def _best_stated_first(hits: list[FactHit]) -> list[FactHit]:
    """Facts that agree, the best stated first: in an article whose title names the
    subject, in a sentence (not a table row) that says the year and index itself; else in
    the order given (newest article first). Facts that disagree keep that order: the newer
    article comes first, whatever its wording."""
    if len({h.fact.value for h in hits}) > 1:
        return hits

    def stated(hit: FactHit) -> tuple[bool, bool, bool]:
        fact = hit.fact
        in_title = fold_diacritics(fact.subject).lower() in fold_diacritics(hit.title).lower()
        a_sentence = len(hit.sentence) > len(fact.subject) + len(hit.span) + 12
        return (not in_title, not a_sentence, fact.year_inherited or fact.index_inherited)

    return sorted(hits, key=stated)


def _is_last(hit: FactHit, out_of: int | None) -> bool:
    """A last place: said so ("đứng cuối", no number) or the rank that is the ranking's
    "out of" ("63/63"). The largest rank of a list is not: news lists the top 10, not all."""
    fact = hit.fact
    of = fact.out_of or out_of
    if of is None and fact.level is Level.PROVINCE and fact.year is not None and (
            PROVINCES_SINCE <= fact.year <= PROVINCES_UNTIL):
        of = PROVINCES  # "Bạc Liêu (hạng 63)": every province was ranked those years
    return fact.value is None or (of is not None and fact.value == of)


# The short answer inside a fact's span: "đứng vị trí thứ 9" -> "thứ 9", "xếp hạng 52" ->
# "hạng 52", "Đứng thứ hai" -> "thứ hai", "ranked 15th out of 63" -> "15th", "tăng 5 bậc"
# -> "5 bậc", "đạt 0,6812 điểm" -> "0,6812 điểm". Read on the folded span (same length).
_ORDINAL_WORDS = (r"nhat|nhi|hai|ba|tu|nam|sau|bay|tam|chin|muoi|first|second|third|fourth"
                  r"|fifth|sixth|seventh|eighth|ninth|tenth")
_RANK_CORE_RE = re.compile(
    r"(?:thu|hang|vi tri|top)\s+\d+(?:\s*/\s*\d+)?|\d+\s*/\s*\d+|\d+(?:st|nd|rd|th)(?!\w)"
    rf"|thu\s+(?:{_ORDINAL_WORDS})(?!\w)|(?<!\w)(?:{_ORDINAL_WORDS})(?!\w)")
_CHANGE_CORE_RE = re.compile(r"\d+(?:[.,]\d+)?\s*(?:bac|hang|diem|points?|places?|%)")
_SCORE_CORE_RE = re.compile(r"\d+(?:[.,]\d+)*(?:\s*(?:%|diem|points?|bac|places?))?")
_TABLE_ROW_WORDS = 6  # "12 Bình Phước": a row, quoted whole when its rank is a bare number


# A sentence this long is quoted by the clause holding the fact (as the rule reader does).
_LONG_SENTENCE_WORDS = 30


def quoted(hit: FactHit) -> str:
    """What an answer quotes of the fact's sentence: all of it, or the clause holding the
    fact when it is long ("Ông ... cho biết, ... nhưng Bình Phước đã vươn lên đứng vị trí
    thứ 9 ..." -> "Bình Phước đã vươn lên đứng vị trí thứ 9 ...")."""
    sentence = hit.sentence
    start = hit.fact.start - hit.fact.sentence_start
    end = hit.fact.end - hit.fact.sentence_start
    if len(sentence.split()) <= _LONG_SENTENCE_WORDS or not 0 <= start < end <= len(sentence):
        return sentence.strip()
    return clause_around(sentence, start, end)


def short_span(hit: FactHit) -> str:
    """The fact's value as the article words it: the core of its span (a table row's rank
    with its subject: "12 Bình Phước")."""
    span = hit.span.strip()
    measure = hit.fact.measure
    if (measure == Measure.RANK and span.isdigit() and hit.sentence
            and len(hit.sentence.split()) <= _TABLE_ROW_WORDS):
        return hit.sentence.strip()
    folded = fold_diacritics(span).lower()
    patterns = {Measure.RANK: (_RANK_CORE_RE,),
                Measure.RANK_CHANGE: (_CHANGE_CORE_RE, _SCORE_CORE_RE),
                Measure.SCORE_CHANGE: (_CHANGE_CORE_RE, _SCORE_CORE_RE)}.get(
        measure, (_SCORE_CORE_RE,))
    for pattern in patterns:
        match = pattern.search(folded)
        if match:
            return span[match.start():match.end()]
    return span


def asked_ranking(constraints: FactConstraints) -> str:
    """The ranking a question asks about, as a decline names it ("PCI 2023 của Quảng
    Ngãi" in Vietnamese, the subject left to the message)."""
    years = " ".join(str(y) for y in constraints.years)
    return " ".join(p for p in (constraints.indices[0].value if constraints.indices else "",
                                years) if p)


def stated_conflict(constraints: FactConstraints, chunk: Chunk, facts: Sequence[Fact],
                    sentence_start: int, sentence_end: int) -> DeclineReason | None:
    """Verify stage for a reader's sentence (offsets in `chunk`'s text): the ranking facts
    it states (`facts`: the chunk's, as extracted from its whole document, so that an index
    or year said before carries over) are all of another index than the one asked (a PCI
    rank for a DTI question), or all of another year. None when it states none of the
    subject's facts, or one that matches."""
    c = constraints
    if len(c.indices) != 1 or c.measure not in _ANSWERABLE or c.asks_target:
        return None
    stated = [f for f in facts
              if sentence_start <= f.start - chunk.start < sentence_end
              and (not c.subjects or f.subject in c.subjects)]
    if not stated:
        return None
    if all(f.index != c.indices[0] for f in stated):
        return DeclineReason.INDEX
    if c.years and all(f.year is not None and f.year not in c.years for f in stated):
        return DeclineReason.YEAR
    return None


def index_of_term(term: str) -> RankingIndex | None:
    """The ranking index a required term names ("DTI", "chỉ số PCI"), if it names one."""
    found = [m.index for m in _indices(_fold(term), _patterns()) if m.index is not None]
    return found[0] if len(set(found)) == 1 else None


def names_index(text: str, index: RankingIndex) -> bool:
    """`text` names `index` by any of its names ("DTI", "chỉ số chuyển đổi số", "Digital
    Transformation Index"): an article that never writes "DTI" still speaks of it."""
    return any(m.index == index for m in _indices(_fold(text), _patterns()))
