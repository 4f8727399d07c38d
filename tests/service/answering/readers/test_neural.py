from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from retriever.types import Chunk, Passage
from service.answering.question import analyse_question
from service.answering.readers.base import ReaderKind, ReadRequest
from service.answering.readers.neural import NeuralReader, NeuralReaderSettings
from service.answering.readers.training import ReaderTrainer, TrainSettings
from service.answering.readers.weights import ReaderWeightsError
from tests.service.answering.readers.conftest import TINY_BASE_ID, TINY_EXAMPLES, TINY_WINDOWS


@pytest.fixture(scope="module")
def reader(tiny_base: Path, tmp_path_factory: pytest.TempPathFactory) -> NeuralReader:
    out = tmp_path_factory.mktemp("reader")
    settings = TrainSettings(epochs=2.0, batch_size=2, trainable_layers=2, bf16=False,
                             learning_rate=5e-3, head_learning_rate=5e-2,
                             windows=TINY_WINDOWS)
    ReaderTrainer(tiny_base, TINY_BASE_ID, out, settings).train(TINY_EXAMPLES * 4)
    cache = tmp_path_factory.mktemp("cache")
    return NeuralReader.load(out, tiny_base, TINY_BASE_ID, cache,
                             NeuralReaderSettings(max_windows=3, int8=False, threads=1))


def _passage(text: str, n: int = 0) -> Passage:
    return Passage(Chunk(f"c{n}", f"d{n}", text, 0, len(text), "Tiêu đề"), 1.0)


def _request(question: str, *texts: str) -> ReadRequest:
    return ReadRequest(analyse_question(question), [_passage(t, i) for i, t in enumerate(texts)])


def test_candidates_are_spans_of_their_passage_text(reader) -> None:
    text = "Năm 2023, Bình Phước đã vươn lên đứng vị trí thứ 9 cả nước về chuyển đổi số."
    reading = reader.read(_request("Bình Phước xếp hạng chuyển đổi số thứ mấy?", text,
                                   "Tỉnh có 1.506 dịch vụ công trực tuyến toàn trình."))
    assert reading.reader == ReaderKind.NEURAL and reading.candidates
    assert 0.0 <= reading.no_answer <= 1.0
    total = reading.no_answer + sum(c.score for c in reading.candidates)
    assert total <= 1.0 + 1e-6
    scores = [c.score for c in reading.candidates]
    assert scores == sorted(scores, reverse=True)
    for candidate in reading.candidates:
        passage_text = _request("x", text, "Tỉnh có 1.506 dịch vụ công trực tuyến toàn trình."
                                ).passages[candidate.passage_index].chunk.text
        assert candidate.span == passage_text[candidate.start:candidate.end].strip()
        assert candidate.sentence_start <= candidate.start < candidate.end
        assert candidate.end <= candidate.sentence_end


def test_the_window_budget_caps_what_is_read(reader) -> None:
    long_text = " ".join(f"Câu {i} nói về chuyển đổi số của tỉnh." for i in range(200))
    windows = reader.windows("chuyển đổi số?", [_passage(long_text), _passage(long_text, 1)])
    assert len(windows) == 3
    assert {w.passage_index for w in windows} == {0}  # the best passage first


def test_the_window_around_a_chosen_sentence_is_read_first(reader) -> None:
    long_text = " ".join(f"Câu {i} nói về chuyển đổi số của tỉnh." for i in range(200))
    start = long_text.index("Câu 150 ")
    windows = reader.windows("chuyển đổi số?", [_passage("Một câu ngắn."), _passage(long_text, 1)],
                             around=(1, start, start + 30))
    assert len(windows) == 2 and windows[0].passage_index == 1
    assert windows[0].offsets[0][0] <= start < windows[0].offsets[-1][1]
    assert [w.passage_index for w in windows[1:]] == [0]  # then the others, not it again
    request = _request("chuyển đổi số?", "Một câu ngắn.", long_text)
    reading = reader.read(replace(request, around=(1, start, start + 30)))
    assert all(c.passage_index in (0, 1) for c in reading.candidates)


def test_bad_input_is_read_without_error(reader) -> None:
    assert reader.read(_request("Bình Phước thứ mấy?")).candidates == []
    huge = "chuyển đổi số " * 4000  # a 56,000-character passage
    assert len(reader.windows("x", [_passage(huge)])) == 3
    reader.read(_request("chuyển đổi số " * 150, huge))  # a 2,000-character question
    reader.read(_request("Thứ mấy?", "数字化转型排名第九。Цифровая трансформация."))


def test_loading_refuses_another_base_model(tiny_base, tmp_path) -> None:
    out = tmp_path / "r"
    ReaderTrainer(tiny_base, TINY_BASE_ID, out,
                  TrainSettings(epochs=1.0, batch_size=4, trainable_layers=1, bf16=False,
                                windows=TINY_WINDOWS)).train(TINY_EXAMPLES)
    with pytest.raises(ReaderWeightsError, match="retrain"):
        NeuralReader.load(out, tiny_base, "another-base", tmp_path / "cache")
