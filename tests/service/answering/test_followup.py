from service.answering.followup import MAX_HISTORY_TURNS, resolve_followup
from service.answering.types import Turn

HISTORY = [Turn("user", "Bình Phước xếp hạng chuyển đổi số thứ mấy?"),
           Turn("assistant", "Bình Phước đứng thứ 9 [1].")]


def test_without_history_the_question_stands() -> None:
    assert resolve_followup("Còn kinh tế số thì sao?", []).text == "Còn kinh tế số thì sao?"


def test_new_topic_keeps_the_earlier_question_and_province() -> None:
    resolved = resolve_followup("Còn kinh tế số thì sao?", HISTORY)
    assert resolved.focus == "kinh tế số"
    assert "Bình Phước" in resolved.text and "thứ mấy" in resolved.text


def test_accent_free_followup() -> None:
    assert resolve_followup("con kinh te so thi sao", HISTORY).focus == "kinh te so"


def test_other_province_swaps_it_in() -> None:
    resolved = resolve_followup("Thế còn Tiền Giang?", HISTORY)
    assert resolved.text == "Tiền Giang xếp hạng chuyển đổi số thứ mấy?"


def test_a_sibling_of_a_phrase_takes_its_place() -> None:
    rates = [Turn("user", "Tỷ lệ hồ sơ cấp tỉnh ở Bình Phước xử lý trực tuyến là bao nhiêu?"),
             Turn("assistant", "Cấp tỉnh đạt 100% [1].")]
    resolved = resolve_followup("Còn cấp xã?", rates)
    assert resolved.text == "Tỷ lệ hồ sơ cấp xã ở Bình Phước xử lý trực tuyến là bao nhiêu?"
    assert resolved.focus == "cấp xã"
    # Typed without accents, it keeps the question's own spelling around it.
    assert resolve_followup("con cap huyen thi sao", rates).text == (
        "Tỷ lệ hồ sơ cap huyen ở Bình Phước xử lý trực tuyến là bao nhiêu?")
    # No phrase with the same first word: the topic is put before the question.
    assert resolve_followup("Còn kinh tế số thì sao?", HISTORY).text == (
        "kinh tế số Bình Phước xếp hạng chuyển đổi số thứ mấy?")


def test_deictic_words_name_the_earlier_province() -> None:
    assert resolve_followup("Tỉnh đó có bao nhiêu tổ công nghệ số?", HISTORY).text == (
        "Bình Phước có bao nhiêu tổ công nghệ số?")
    assert "ở Bình Phước" in resolve_followup("Ở đó có mạng 4G không?", HISTORY).text


def test_short_question_without_place_carries_province_and_context() -> None:
    resolved = resolve_followup("Tỷ lệ hồ sơ trực tuyến là bao nhiêu?", HISTORY)
    assert resolved.text.startswith("Bình Phước")
    assert resolved.context == HISTORY[0].content


def test_a_question_naming_its_province_is_new() -> None:
    resolved = resolve_followup("Hà Nội xếp hạng thứ mấy?", HISTORY)
    assert resolved.text == "Hà Nội xếp hạng thứ mấy?" and not resolved.context


def test_chained_followups_and_long_histories() -> None:
    history = [*HISTORY, Turn("user", "Còn kinh tế số thì sao?"), Turn("assistant", "14/63")]
    assert "kinh tế số Tiền Giang" in resolve_followup("Thế còn Tiền Giang?", history).text
    long_history = [Turn("user", "câu hỏi cũ"), Turn("assistant", "...")] * MAX_HISTORY_TURNS
    assert resolve_followup("Còn kinh tế số thì sao?", long_history + HISTORY).focus
