"""Sentence similarity re-scoring embeds only candidates that can still win, with the same
result as embedding them all."""

import numpy as np
import pytest

from retriever.text.sentences import Sentence
from service.answering.extractive import (
    SEMANTIC_BASELINE,
    SEMANTIC_WEIGHT,
    Extraction,
    _semantic_best,
)


def candidates(scores: list[float]) -> list[Extraction]:
    return [Extraction(i, Sentence(f"câu {i}", 0, 5), None, f"câu {i}", s)
            for i, s in enumerate(scores)]


def fake_similarity(cosines: dict[str, float], embedded: list[str]):  # noqa: ANN201
    def similarity(texts: list[str]) -> np.ndarray:
        embedded.extend(texts)
        return np.array([cosines[t] for t in texts])
    return similarity


def full_best(ranked: list[Extraction], cosines: dict[str, float]) -> Extraction:
    return max(ranked, key=lambda e: e.score + SEMANTIC_WEIGHT * (
        cosines[e.sentence.text] - SEMANTIC_BASELINE))


@pytest.mark.parametrize(("scores", "cosines", "expected_embedded"), [
    # The leader is far ahead: the two hopeless candidates are never embedded.
    ([2.0, 1.9, 0.5, 0.2], [0.85, 0.80, 0.99, 0.99], 2),
    # The leader's own similarity is so low that a far candidate could win: all embedded.
    ([2.0, 0.9, 0.3], [0.10, 0.99, 0.80], 3),
    # Everyone is close: all embedded.
    ([1.0, 0.9, 0.8], [0.80, 0.90, 0.85], 3),
])
def test_same_winner_as_embedding_everything(scores: list[float], cosines: list[float],
                                             expected_embedded: int) -> None:
    ranked = candidates(scores)
    by_text = {e.sentence.text: c for e, c in zip(ranked, cosines, strict=True)}
    embedded: list[str] = []
    best = _semantic_best(ranked, fake_similarity(by_text, embedded))
    expected = full_best(ranked, by_text)
    assert best.passage_index == expected.passage_index
    winner = best.passage_index
    assert best.score == pytest.approx(
        scores[winner] + SEMANTIC_WEIGHT * (cosines[winner] - SEMANTIC_BASELINE))
    assert len(embedded) == expected_embedded
    assert len(set(embedded)) == len(embedded)
