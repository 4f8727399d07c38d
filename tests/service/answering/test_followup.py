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
