"""The ranking constraints of questions, with and without diacritics, and in English."""

from __future__ import annotations

import pytest

from index.facts import Level, Measure, RankingIndex
from index.facts.constraints import Position, question_constraints

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
