"""Answering uses the index's segment vectors: no passage text is embedded for indexed
segments, and the answers are those of embedding the segments while answering."""

from pathlib import Path

import numpy as np
import pytest

from eval.dataset import load_questions
from index.store import CorpusIndex
from retriever.encoder import Encoder
from retriever.search import Searcher
from retriever.segments import SegmentVectors
from service.answering import QAPipeline, Turn
from service.answering.semantic import SentenceSimilarity

QUESTIONS = Path(__file__).resolve().parents[3] / "eval" / "data" / "sample_questions.jsonl"


class NoPassageEncoder:
    """The real encoder for queries; embedding passage text fails the test."""

    def __init__(self, inner: Encoder) -> None:
        self.inner, self.model_id, self.dimension = inner, inner.model_id, inner.dimension
        self.queries = 0

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        self.queries += len(texts)
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts: list[str], batch_size: int = 4,
                        show_progress: bool = False) -> np.ndarray:
        raise AssertionError(f"embedded passage text while answering: {texts[:2]}")


Answers = list[tuple[object, ...]]


def _answers(pipeline: QAPipeline) -> tuple[Answers, list[float]]:
    answers, confidences = [], []
    for q in load_questions(QUESTIONS):
        a = pipeline.answer(q.question, [Turn(t["role"], t["content"]) for t in q.history])
        answers.append((q.id, a.text, a.span, a.abstained, [c.chunk_id for c in a.citations]))
        confidences.append(a.confidence)
    return answers, confidences


pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stored_answers(sample_index: CorpusIndex, onnx_encoder: Encoder,
                   ) -> tuple[Answers, list[float]]:
    guarded = NoPassageEncoder(onnx_encoder)
    return _answers(QAPipeline(sample_index.searcher(guarded), cache_size=0))


def test_no_passage_is_embedded_while_answering(
        stored_answers: tuple[Answers, list[float]]) -> None:
    answers, _ = stored_answers
    assert sum(not a[3] for a in answers) > 150  # most questions reach the extractor


def test_answers_equal_those_of_embedding_segments_while_answering(
        stored_answers: tuple[Answers, list[float]], sample_index: CorpusIndex,
        onnx_encoder: Encoder) -> None:
    searcher = sample_index.searcher(onnx_encoder)
    on_the_fly = Searcher(searcher.chunks, searcher.retrievers, segment_vectors=None,
                          facts=searcher.facts, passage_order=searcher.passage_order)
    answers, confidences = _answers(QAPipeline(on_the_fly, cache_size=0))
    assert answers == stored_answers[0]
    # float16 storage and other batches move a confidence by < 1e-4 (measured 6e-5).
    assert np.allclose(confidences, stored_answers[1], atol=1e-3)


@pytest.mark.parametrize("question", [
    "How many online public services has Binh Phuoc integrated into the National Public "
    "Service Portal?",
    "binh phuoc co bao nhieu dich vu cong truc tuyen",
    "Bình Phước xếp hạng chuyển đổi số thứ mấy?",
])
def test_a_question_is_embedded_once(question: str, sample_index: CorpusIndex,
                                     onnx_encoder: Encoder) -> None:
    guarded = NoPassageEncoder(onnx_encoder)
    # The readers: a ranking question would be answered from the facts, embedding nothing.
    answer = QAPipeline(sample_index.searcher(guarded), cache_size=0,
                        facts=False).answer(question)
    assert not answer.abstained
    assert guarded.queries == 1  # retrieval and sentence similarity share the vector


def test_texts_not_in_the_index_are_embedded_once() -> None:
    embedded: list[str] = []

    def encode(texts: list[str]) -> np.ndarray:
        embedded.extend(texts)
        return np.array([[1.0, 0.0], [0.0, 1.0]][:len(texts)], dtype=np.float32)

    stored = SegmentVectors.empty(2).merged(["đã lưu"], np.array([[0.6, 0.8]]))
    similarity = SentenceSimilarity(lambda q: np.array([1.0, 0.0]), encode, stored=stored)
    assert np.allclose(similarity("câu hỏi", ["đã lưu", "mới", "đã lưu"]), [0.6, 1.0, 0.6],
                       atol=1e-3)
    assert embedded == ["mới"]
    similarity("câu hỏi", ["mới", "đã lưu"])
    assert embedded == ["mới"]
