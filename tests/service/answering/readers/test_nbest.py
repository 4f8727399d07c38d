from __future__ import annotations

import numpy as np

from service.answering.readers.features import Window
from service.answering.readers.nbest import best_spans, probabilities


def _window(passage: int, offsets: list[tuple[int, int]]) -> Window:
    return Window(passage, [0, 5, 2, 2] + [7] * len(offsets) + [2], 4, offsets)


def test_the_best_span_is_the_highest_start_plus_end_within_the_passage() -> None:
    window = _window(0, [(0, 4), (5, 9), (10, 14), (15, 19)])
    start = np.full((1, 9), -5.0)
    end = np.full((1, 9), -5.0)
    start[0, 5], end[0, 6] = 3.0, 4.0  # tokens 1..2 of the passage
    start[0, 1], end[0, 1] = 9.0, 9.0  # the question's tokens are never an answer
    spans, null = best_spans([window], start, end)
    assert (spans[0].start_char, spans[0].end_char) == (5, 14)
    assert spans[0].logit == 7.0
    assert null == -10.0


def test_an_end_before_its_start_or_too_long_a_span_is_never_returned() -> None:
    window = _window(0, [(i * 3, i * 3 + 2) for i in range(50)])
    start = np.full((1, 55), -9.0)
    end = np.full((1, 55), -9.0)
    start[0, 20], end[0, 10] = 5.0, 5.0  # end before start
    end[0, 53] = 4.0  # 33 tokens after the start: too long for max_answer_tokens=10
    spans, _ = best_spans([window], start, end, max_answer_tokens=10)
    assert all(s.end_char > s.start_char for s in spans)
    assert all((s.end_char - s.start_char) <= 10 * 3 for s in spans)


def test_overlapping_windows_keep_one_copy_and_null_is_the_surest_window() -> None:
    first = _window(0, [(0, 4), (5, 9)])
    second = _window(0, [(5, 9), (10, 14)])
    start = np.full((2, 7), -5.0)
    end = np.full((2, 7), -5.0)
    start[0, 5], end[0, 5] = 2.0, 2.0
    start[1, 4], end[1, 4] = 3.0, 3.0  # the same characters (5, 9), scored higher
    start[0, 0], end[0, 0] = 1.0, 1.0
    start[1, 0], end[1, 0] = -1.0, -1.0
    spans, null = best_spans([first, second], start, end)
    same = [s for s in spans if (s.start_char, s.end_char) == (5, 9)]
    assert len(same) == 1 and same[0].logit == 6.0
    assert null == -2.0


def test_probabilities_share_one_softmax_with_the_null() -> None:
    window = _window(0, [(0, 4)])
    spans, _ = best_spans([window], np.array([[0, 0, 0, 0, 2.0, 0]]),
                          np.array([[0, 0, 0, 0, 2.0, 0]]))
    probs, null_prob = probabilities(spans, 4.0)
    assert abs(sum(probs) + null_prob - 1.0) < 1e-9
    assert abs(probs[0] - null_prob) < 1e-9  # 2 + 2 against a null of 4
    assert probabilities([], 0.0) == ([], 1.0)
