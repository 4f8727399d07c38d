"""The ranking constraints of questions, with and without diacritics, and in English."""

from __future__ import annotations

import pytest

from index.facts import Level, Measure, RankingIndex
from index.facts.constraints import Position, question_constraints, split_bridge

DTI, PCI, PAPI = RankingIndex.DTI, RankingIndex.PCI, RankingIndex.PAPI


@pytest.mark.parametrize(("question", "expected"), [
    ("Bình Phước xếp hạng chuyển đổi số thứ mấy?",
     (("Bình Phước",), (DTI,), (), Measure.RANK, None)),
    ("binh phuoc xep hang chuyen doi so thu may nam 2022",
     (("Bình Phước",), (DTI,), (2022,), Measure.RANK, None)),
    ("What was Binh Phuoc's DTI rank in 2022?",
     (("Bình Phước",), (DTI,), (2022,), Measure.RANK, None)),
    ("Tỉnh nào đứng đầu PCI 2023?", ((), (PCI,), (2023,), Measure.RANK, Position.FIRST)),
    ("tinh nao dung cuoi PAPI 2023", ((), (PAPI,), (2023,), Measure.RANK, Position.LAST)),
    ("Which province came last in PAPI 2023?",
     ((), (PAPI,), (2023,), Measure.RANK, Position.LAST)),
    ("Top 10 tỉnh dẫn đầu DTI 2023 gồm những tỉnh nào?",
     ((), (DTI,), (2023,), Measure.RANK, Position.TOP)),
    ("Quảng Ninh được bao nhiêu điểm PCI năm 2022?",
     (("Quảng Ninh",), (PCI,), (2022,), Measure.SCORE, None)),
    ("Kinh tế số của Trà Vinh năm 2022 xếp thứ mấy?",
     (("Trà Vinh",), (RankingIndex.DTI_ECONOMY,), (2022,), Measure.RANK, None)),
    # A pillar "in the DTI" is the pillar asked.
    ("Về kinh tế số, Thanh Hóa xếp thứ mấy trong DTI 2021?",
     (("Thanh Hóa",), (RankingIndex.DTI_ECONOMY,), (2021,), Measure.RANK, None)),
    ("What was Bac Ninh's digital economy rank in the DTI 2020?",
     (("Bắc Ninh",), (RankingIndex.DTI_ECONOMY,), (2020,), Measure.RANK, None)),
    ("Điểm DTI 2021 của Ninh Bình là bao nhiêu?",
     (("Ninh Bình",), (DTI,), (2021,), Measure.SCORE, None)),
    ("Bộ nào đứng thứ nhất về ICT Index 2018?",
     ((), (RankingIndex.ICT_INDEX,), (2018,), Measure.RANK, Position.FIRST)),
])
def test_constraints(question: str, expected: tuple[object, ...]) -> None:
    found = question_constraints(question)
    assert (found.subjects, found.indices, found.years, found.measure,
            found.position) == expected
    assert found.is_about_rankings


def test_changes_comparisons_levels_and_unknown_indices() -> None:
    change = question_constraints("Quảng Ngãi tăng bao nhiêu bậc về DTI năm 2023?")
    assert change.asks_change and change.measure is Measure.RANK_CHANGE
    both = question_constraints("Quảng Ninh năm 2023 tăng hay giảm so với 2022 về PCI?")
    assert both.asks_change and both.years == (2023, 2022)
    assert question_constraints("Bộ nào dẫn đầu DTI cấp bộ 2022?").level is Level.MINISTRY
    assert question_constraints("Top 5 PCI 2023").top_n == 5
    unknown = question_constraints("Bình Phước xếp thứ mấy về chỉ số XYZ?")
    assert unknown.unknown_index == "XYZ" and not unknown.indices
    plain = question_constraints("Bình Phước có bao nhiêu tổ công nghệ số cộng đồng?")
    assert not plain.is_about_rankings and plain.subjects == ("Bình Phước",)


def test_a_change_says_its_unit_or_leaves_it_to_the_articles() -> None:
    places = question_constraints("Tây Ninh tăng bao nhiêu bậc PAPI năm 2021?")
    assert places.measure == Measure.RANK_CHANGE and places.change_unit_stated
    points = question_constraints("Bắc Giang tăng bao nhiêu điểm PCI 2022?")
    assert points.measure == Measure.SCORE_CHANGE and points.change_unit_stated
    either = question_constraints("PAR INDEX 2024 của Bình Thuận tăng bao nhiêu?")
    assert either.asks_change and not either.change_unit_stated


def test_the_level_of_a_place_and_an_aim() -> None:
    assert question_constraints("Tỉnh nào dẫn đầu DTI 2023?").level == Level.PROVINCE
    assert question_constraints("Tỉnh đứng đầu DTI 2022 đạt bao nhiêu điểm?").level == (
        Level.PROVINCE)
    assert question_constraints("Bộ nào dẫn đầu DTI 2023?").level == Level.MINISTRY
    assert question_constraints("Quảng Ngãi đặt mục tiêu xếp thứ mấy về DTI?").asks_target
    assert not question_constraints("Quảng Ngãi xếp thứ mấy về DTI?").asks_target


@pytest.mark.parametrize(("question", "halves"), [
    ("Tỉnh đứng đầu PCI 2023 xếp thứ mấy về DTI năm 2022?",
     ("Tỉnh đứng đầu PCI 2023", "xếp thứ mấy về DTI năm 2022?")),
    ("Tỉnh dẫn đầu PAPI 2021 xếp thứ mấy về PAPI 2022?",
     ("Tỉnh dẫn đầu PAPI 2021", "xếp thứ mấy về PAPI 2022?")),
    ("tinh dung dau DTI 2022 dat bao nhieu diem ICT Index 2023",
     ("tinh dung dau DTI 2022", "dat bao nhieu diem ICT Index 2023")),
    ("Tỉnh nào đứng đầu PCI 2023?", None),  # one question, no bridge
    ("Tỉnh đứng đầu bảng có bao nhiêu dân?", None),  # no index named for the place
    ("Bình Phước xếp hạng chuyển đổi số thứ mấy?", None),
])
def test_bridges_split_into_the_place_and_what_is_asked_of_its_holder(
        question: str, halves: tuple[str, str] | None) -> None:
    bridge = split_bridge(question)
    assert (None if bridge is None else (bridge.inner, bridge.outer)) == halves


@pytest.mark.parametrize(("question", "subjects", "level", "position"), [
    ("Huyện nào dẫn đầu DTI cấp huyện năm 2023 của Hải Dương?", ("Hải Dương",), Level.DISTRICT,
     Position.FIRST),
    ("huyen nao dung cuoi chuyen doi so cap huyen 2023", (), Level.DISTRICT, Position.LAST),
    ("Which district led the DTI 2023 in Hai Duong?", ("Hải Dương",), Level.DISTRICT,
     Position.FIRST),
    ("Sở nào đứng đầu chuyển đổi số cấp sở năm 2023?", (), Level.DEPARTMENT, Position.FIRST),
    ("Sở Tư pháp Hải Dương xếp thứ mấy về DTI 2023?", ("Hải Dương", "Sở Tư pháp"),
     Level.DEPARTMENT, None),
    ("Huyện Gia Lộc xếp thứ mấy về DTI cấp huyện 2023?", ("huyện Gia Lộc",), Level.DISTRICT,
     None),
    ("Tỉnh nào đứng đầu DTI 2023?", (), Level.PROVINCE, Position.FIRST),
])
def test_districts_and_departments_their_level_and_names(
        question: str, subjects: tuple[str, ...], level: Level, position: Position | None
) -> None:
    c = question_constraints(question)
    assert (c.subjects, c.level, c.position, c.indices) == (subjects, level, position, (DTI,))
