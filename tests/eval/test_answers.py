import pytest

from eval.answers import (
    citation_hit,
    contains_answer,
    normalize_answer,
    percentile,
    span_exact_match,
    span_f1,
    span_tokens,
)
from eval.dataset import Question
from retriever.types import Chunk, Passage


def passage(doc_id: str, text: str) -> Passage:
    return Passage(Chunk(f"{doc_id}#0", doc_id, text, 0, len(text), doc_id), 1.0)


QUESTION = Question("q1", "Cà Mau có bao nhiêu dịch vụ công?", ["1.506"], "ca-mau",
                    "1.506 dịch vụ công trực tuyến", "factoid")


def test_normal_form() -> None:
    assert normalize_answer("  TỈNH  có\n1.506 dịch vụ [1][2] ") == "tỉnh có 1506 dịch vụ"
    assert normalize_answer("Hoà Bình") == normalize_answer("hòa bình")
    assert normalize_answer("tỷ lệ") == normalize_answer("tỉ lệ")
    assert normalize_answer("12.345.678 người") == "12345678 người"


@pytest.mark.parametrize(("text", "answer"), [
    ("Tỉnh có 1506 dịch vụ công trực tuyến [1].", "1.506"),
    ("Tỉnh có 1.506 dịch vụ công trực tuyến [1].", "1506"),
    ("Tỉnh có 1.506 dịch vụ công trực tuyến [1].", "1.506"),
])
def test_a_number_written_two_ways_is_the_same(text: str, answer: str) -> None:
    assert contains_answer(text, [answer])


def test_number_boundaries() -> None:
    assert not contains_answer("Tỉnh có 1.5067 dịch vụ.", ["1.506"])
    assert not contains_answer("Tỉnh có 15067 dịch vụ.", ["1506"])
    assert not contains_answer("Năm 2019 tỉnh đứng đầu.", ["9"])
    assert not contains_answer("Tỷ lệ đạt 3,78%.", ["78%"])
    assert not contains_answer("Tỷ lệ đạt 78,9%.", ["78"])
    assert contains_answer("xếp thứ 9, tăng 3 bậc", ["thứ 9"])


def test_decimal_comma_percentages_stay_intact() -> None:
    assert normalize_answer("78,9%") == "78,9%"
    assert contains_answer("Tỷ lệ hồ sơ trực tuyến đạt 78,9% [1].", ["78,9%"])
    assert contains_answer("Tỷ lệ đạt 78,9 %.", ["78,9%"])
    assert contains_answer("Tỷ lệ đạt 78,9%.", ["78,9"])
    assert not contains_answer("Tỷ lệ đạt 78,95%.", ["78,9%"])
    assert not contains_answer("Tỷ lệ đạt 789%.", ["78,9%"])


def test_containment_is_case_and_space_insensitive_and_word_bounded() -> None:
    assert contains_answer("Trung tâm IOC đi vào hoạt động năm   2022.", ["Năm 2022."])
    assert not contains_answer("Tỉnh Thanh An ...", ["Thanh A"])
    assert not contains_answer("anything", ["", "  "])
    assert not contains_answer("anything", [])


def test_span_tokens_drop_punctuation_but_keep_decimals() -> None:
    assert span_tokens("“Thứ 9” cả nước, đạt 78,9%!") == ["thứ", "9", "cả", "nước", "đạt",
                                                          "78,9"]
    assert span_tokens("kinh tế-xã hội") == ["kinh", "tế", "xã", "hội"]


def test_span_exact_match_and_f1_on_vietnamese() -> None:
    answers = ["thứ 9 cả nước", "hạng 9"]
    assert span_exact_match("Thứ 9 cả nước.", answers) == 1.0
    assert span_exact_match("thứ 9", answers) == 0.0
    assert span_f1("Thứ 9 cả nước.", answers) == 1.0
    # "đứng thứ 9" vs "thứ 9 cả nước": 2 common of 3 predicted and 4 gold syllables.
    assert span_f1("đứng thứ 9", answers) == pytest.approx(2 * (2 / 3) * (2 / 4) / (2 / 3 + 2 / 4))
    assert span_f1("Hòa Bình", answers) == 0.0
    assert span_exact_match(None, answers) == 0.0 and span_f1(None, answers) == 0.0
    assert span_exact_match("1506", ["1.506"]) == 1.0


def test_citation_hit_looks_at_the_first_three() -> None:
    right = passage("ca-mau", "Tỉnh có 1.506   dịch vụ công trực tuyến toàn trình.")
    other = passage("an-giang", "9 tổ công nghệ số.")
    assert citation_hit([other, other, right], QUESTION)
    assert not citation_hit([other, other, other, right], QUESTION)
    assert not citation_hit([passage("bac-lieu", right.chunk.text)], QUESTION)
    assert not citation_hit([], QUESTION)


def test_latency_percentiles() -> None:
    assert percentile([10, 20, 30, 40], 50) == 25.0
    assert percentile([40, 10, 30, 20], 95) == pytest.approx(38.5)
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile([1.0], 101)
