"""Retrieved passages ordered by the ranking facts they state."""

from __future__ import annotations

from collections.abc import Sequence

from index.facts import Fact, Level, Measure, RankingIndex
from index.facts.ordering import order_by_constraints
from retriever.errors import IndexMismatchError
from retriever.types import Chunk, Passage


def _passage(doc_id: str) -> Passage:
    return Passage(Chunk(doc_id, doc_id, "…", 0, 100, doc_id), 1.0)


def _fact(doc_id: str, index: RankingIndex, year: int | None, subject: str = "Cà Mau") -> Fact:
    return Fact(doc_id, subject, index, year, Measure.RANK, 5.0, Level.PROVINCE, 10, 20, 0, 50)


STATED = {
    "dti-2023": [_fact("dti-2023", RankingIndex.DTI, 2023)],
    "dti-2022": [_fact("dti-2022", RankingIndex.DTI, 2022)],
    "pci-2022": [_fact("pci-2022", RankingIndex.PCI, 2022)],
    "other-province": [_fact("other-province", RankingIndex.DTI, 2022, "Bạc Liêu")],
    "no-facts": [],
}


def facts_in(chunks: Sequence[Chunk]) -> list[list[Fact]]:
    return [STATED[c.doc_id] for c in chunks]


def _order(query: str, ids: list[str]) -> list[str]:
    return [p.chunk.doc_id for p in order_by_constraints(query, [_passage(i) for i in ids],
                                                         facts_in)]


def test_the_ranking_asked_first_the_contradicting_ones_last() -> None:
    retrieved = ["dti-2023", "pci-2022", "no-facts", "other-province", "dti-2022"]
    assert _order("Cà Mau xếp thứ mấy về DTI năm 2022?", retrieved) == [
        "dti-2022", "no-facts", "other-province", "dti-2023", "pci-2022"]
    assert _order("ca mau xep thu may ve PCI 2022", retrieved) == [
        "pci-2022", "no-facts", "other-province", "dti-2023", "dti-2022"]


def test_queries_asking_no_ranking_keep_the_retrievers_order() -> None:
    retrieved = ["dti-2023", "pci-2022", "dti-2022"]
    for query in ("Cà Mau có bao nhiêu dịch vụ công trực tuyến?",  # no index, no year
                  "Cà Mau đặt mục tiêu xếp thứ mấy về DTI năm 2025?",  # an aim
                  "Chuyển đổi số là gì?"):
        assert _order(query, retrieved) == retrieved, query


def test_facts_of_another_version_order_nothing() -> None:
    def stale(chunks: Sequence[Chunk]) -> list[list[Fact]]:
        raise IndexMismatchError("facts of version 1")

    passages = [_passage("dti-2023"), _passage("dti-2022")]
    assert order_by_constraints("Cà Mau xếp thứ mấy về DTI 2022?", passages, stale) == passages
