"""The checks that hold a candidate answer to the question's own constraints."""

from service.answering.question import analyse_question
from service.answering.spans import Span
from service.answering.verify import (
    holds_role,
    missing_years,
    named_near,
    names_other_province,
    unmet_message,
)


def span_of(sentence: str, text: str) -> Span:
    start = sentence.index(text)
    return Span(text, start, start + len(text))


def test_missing_years() -> None:
    passage = "Năm 2020, chỉ số chuyển đổi số của tỉnh xếp hạng 52."
    assert missing_years(["2021"], passage) == ["2021"]
    assert missing_years(["2020"], passage) == []
    # Found in any of the texts (the passage, its title, the text before it).
    assert missing_years(["2021", "2020"], passage, "Kế hoạch năm 2021") == []
    # A year inside a longer number is not that year.
    assert missing_years(["2021"], "Mã hồ sơ 120215") == ["2021"]


def test_a_sentence_about_another_province() -> None:
    asked = ["Sóc Trăng"]
    assert names_other_province("Cà Mau có 1.200 trạm phát sóng.", asked)
    assert not names_other_province("Sóc Trăng và Cà Mau cùng có 5G.", asked)
    # A sentence that names no province is about its article's province.
    assert not names_other_province("Toàn tỉnh có 1.200 trạm phát sóng.", asked)
    assert not names_other_province("Cà Mau có 1.200 trạm.", [])


def test_the_person_must_hold_the_office_asked() -> None:
    sentence = "Ông Trần Văn Hai - Giám đốc Sở Nội vụ cho biết, tỉnh đã xong đề án"
    person = span_of(sentence, "Trần Văn Hai")
    assert holds_role(sentence, person, ["giam doc"])
    assert not holds_role(sentence, person, ["chu tich"])
    assert holds_role(sentence, person, [])
    # A deputy is not the office itself, and the reverse.
    deputy = "Phó Chủ tịch UBND tỉnh Lê Thị Ba dự hội nghị"
    assert not holds_role(deputy, span_of(deputy, "Lê Thị Ba"), ["chu tich"])
    assert holds_role(deputy, span_of(deputy, "Lê Thị Ba"), ["pho chu tich"])
    plain = "Chủ tịch UBND tỉnh Lê Thị Ba dự hội nghị"
    assert not holds_role(plain, span_of(plain, "Lê Thị Ba"), ["pho chu tich"])
    # Too far from the office to be its holder.
    far = ("Chủ tịch UBND tỉnh chủ trì hội nghị với các sở, ban, ngành và các huyện, "
           "trong đó ông Trần Văn Hai phát biểu")
    assert not holds_role(far, span_of(far, "Trần Văn Hai"), ["chu tich"])


def test_the_named_person_next_to_an_office() -> None:
    sentence = "Theo Phó Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh- Trần Văn Hai, tỉnh phát triển"
    office = span_of(sentence, "Phó Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh")
    found = named_near(sentence, office, "Trần Văn Hai")
    assert found is not None and sentence[found.start:found.end] == found.text == "Trần Văn Hai"
    assert named_near(sentence, office, "tran van hai") == found
    assert named_near(sentence, office, "Lê Thị Ba") is None


def test_the_mention_of_a_person_nearest_the_office() -> None:
    sentence = ("Ông Trần Văn Hai dự hội nghị của các sở, ban, ngành và các huyện; Chủ tịch UBND "
                "tỉnh Trần Văn Hai phát biểu")
    office = span_of(sentence, "Chủ tịch UBND tỉnh")
    found = named_near(sentence, office, "Trần Văn Hai")
    assert found is not None and found.start == sentence.rindex("Trần Văn Hai")


def test_abstentions_say_which_constraint_is_unmet() -> None:
    year = analyse_question("Sóc Trăng xếp hạng chuyển đổi số năm 2021 thứ mấy?")
    assert "năm 2021" in unmet_message(year, "year")
    assert "thứ hạng" in unmet_message(year, "type")
    count = analyse_question("Sóc Trăng có bao nhiêu trạm thu phát sóng?")
    assert "số trạm thu phát sóng" in unmet_message(count, "count")
    role = analyse_question("Phó Chủ tịch UBND tỉnh Sóc Trăng là ai?")
    assert "phó chủ tịch" in unmet_message(role, "role")
