from __future__ import annotations

from pathlib import Path

import pytest

from service.answering.readers.features import (
    BOS_ID,
    EOS_ID,
    WindowMaker,
    WindowSettings,
)


@pytest.fixture(scope="module")
def maker(e5_folder: Path) -> WindowMaker:
    return WindowMaker.from_folder(e5_folder, WindowSettings(max_length=64, stride=16,
                                                             max_question_tokens=16))


def test_a_window_is_question_then_passage_with_offsets_into_the_text(maker) -> None:
    text = "Bình Phước đứng thứ 9 cả nước về chuyển đổi số."
    windows = maker.windows(maker.question_ids("thứ mấy?"), maker.encode_passage(text))
    assert len(windows) == 1
    window = windows[0]
    assert window.input_ids[0] == BOS_ID and window.input_ids[-1] == EOS_ID
    assert window.input_ids[window.context_start - 2:window.context_start] == [EOS_ID, EOS_ID]
    pieces = "".join(text[a:b] for a, b in window.offsets)
    assert pieces.replace(" ", "") == text.replace(" ", "")


def test_long_passages_are_read_in_overlapping_windows_up_to_the_cap(maker) -> None:
    text = " ".join(f"câu số {i} nói về chuyển đổi số." for i in range(60))
    encoded = maker.encode_passage(text)
    windows = maker.windows(maker.question_ids("câu nào?"), encoded, max_windows=64)
    assert len(windows) > 3
    for before, after in zip(windows, windows[1:], strict=False):
        assert before.offsets[-16:] == after.offsets[:16]  # the stride is shared
        assert len(before.input_ids) <= 64
    assert windows[-1].offsets[-1] == encoded.offsets[-1]  # the end is read
    assert len(maker.windows(maker.question_ids("câu nào?"), encoded)) == 4  # the default cap


def test_a_pasted_book_and_a_long_question_cost_bounded_windows(maker) -> None:
    question = maker.question_ids("chuyển đổi số " * 300)
    assert len(question) == 16
    book = "chuyển đổi số " * 5000  # 70,000 characters
    encoded = maker.encode_passage(book)
    assert encoded.offsets[-1][1] <= maker.settings.max_passage_chars
    assert len(maker.windows(question, encoded)) == maker.settings.max_windows_per_passage


def test_empty_and_foreign_script_passages(maker) -> None:
    question = maker.question_ids("thứ mấy?")
    empty = maker.windows(question, maker.encode_passage(""))
    assert len(empty) == 1 and empty[0].offsets == []
    foreign = maker.windows(question, maker.encode_passage("数字化转型排名第九。Цифровая"))
    assert foreign and foreign[0].offsets


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError):
        WindowSettings(max_length=16)
    with pytest.raises(ValueError):
        WindowSettings(max_length=64, max_question_tokens=40)
    with pytest.raises(ValueError):
        WindowSettings(max_length=64, max_question_tokens=16, stride=60)


def test_a_window_around_a_sentence_holds_it_centred(maker) -> None:
    text = " ".join(f"câu số {i} nói về chuyển đổi số." for i in range(60))
    encoded = maker.encode_passage(text)
    question = maker.question_ids("câu nào?")
    start = text.index("câu số 30 ")
    end = text.index(".", start) + 1
    window = maker.window_around(question, encoded, start, end)
    assert window.offsets[0][0] < start and end <= window.offsets[-1][1]
    before = start - window.offsets[0][0]
    after = window.offsets[-1][1] - end
    assert abs(before - after) < 40  # centred, give or take a word's tokens
    # Near either end it stays inside the passage; a short passage is read whole.
    first = maker.window_around(question, encoded, 0, 5)
    assert first.offsets[0] == encoded.offsets[0]
    last = maker.window_around(question, encoded, len(text) - 3, len(text))
    assert last.offsets[-1] == encoded.offsets[-1]
    short = maker.encode_passage("Bình Phước đứng thứ 9.")
    assert maker.window_around(question, short, 5, 10).offsets == short.offsets
    assert len(window.input_ids) <= 64
