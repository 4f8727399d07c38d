"""Retrieved passages ordered by the ranking facts they state against a query's constraints.

"Quảng Ngãi xếp thứ mấy về DTI 2022?" retrieves the 2023 article first as often as the 2022
one: the words are the same but the year. Within what a retriever returned, passages that
state a fact of the subject, index and year asked come first, and those whose facts are all
of another index or year last; the rest keep their order. A query naming no ranking
constraint (no index or year, or no rank, score or place asked: an aim, a count) is left as
it is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from index.facts.constraints import FactConstraints, question_constraints
from index.facts.types import Fact
from retriever.errors import IndexMismatchError
from retriever.types import Chunk, Passage

logger = logging.getLogger(__name__)

MATCHING, NEUTRAL, CONTRADICTING = 0, 1, 2


def agreement(constraints: FactConstraints, facts: Sequence[Fact]) -> int:
    """MATCHING: a fact of the subject (when one is asked), index and year asked;
    CONTRADICTING: facts of the subject, none of the index or year asked; else NEUTRAL."""
    c = constraints
    about = [f for f in facts if not c.subjects or f.subject in c.subjects]
    if not about:
        return NEUTRAL
    if any((not c.indices or f.index in c.indices) and (not c.years or f.year in c.years)
           for f in about):
        return MATCHING
    if c.indices and all(f.index not in c.indices for f in about):
        return CONTRADICTING
    if c.years and all(f.year is not None and f.year not in c.years for f in about):
        return CONTRADICTING
    return NEUTRAL


def order_by_constraints(query: str, passages: list[Passage],
                         facts_in: Callable[[Sequence[Chunk]], list[list[Fact]]]
                         ) -> list[Passage]:
    """`passages` with those agreeing with the query's ranking constraints first and those
    contradicting them last, otherwise in the order given. `facts_in`: the index's facts
    of each passage (FactSource.facts_in). Facts another extractor version wrote order
    nothing (logged)."""
    constraints = question_constraints(query)
    asks_ranking = constraints.measure is not None or constraints.position is not None
    if (not (constraints.indices or constraints.years) or not asks_ranking
            or constraints.asks_target):
        return passages
    try:
        stated = facts_in([p.chunk for p in passages])
    except IndexMismatchError as error:
        logger.warning("passages are not ordered by their facts: %s", error)
        return passages
    tiers = [agreement(constraints, facts) for facts in stated]
    if len(set(tiers)) == 1:
        return passages
    return [p for _, p in sorted(zip(tiers, passages, strict=True), key=lambda t: t[0])]
