import pytest

from retriever.fusion import reciprocal_rank_fusion
from retriever.types import Hit


def test_rrf_combines_ranks_and_reports_components() -> None:
    fused = reciprocal_rank_fusion(
        {"bm25": [Hit("a", 9.0), Hit("b", 5.0)], "dense": [Hit("b", 0.9), Hit("c", 0.8)]}, k=60
    )
    assert [h.chunk_id for h in fused] == ["b", "a", "c"]
    assert fused[0].score == pytest.approx(1 / 62 + 1 / 61)
    assert fused[0].ranks == {"bm25": 2, "dense": 1}
    assert fused[0].scores == {"bm25": 5.0, "dense": 0.9}
    assert fused[1].ranks == {"bm25": 1}


def test_weights_shift_the_balance() -> None:
    rankings = {"bm25": [Hit("a", 1.0)], "dense": [Hit("b", 1.0)]}
    assert reciprocal_rank_fusion(rankings, weights={"dense": 2.0})[0].chunk_id == "b"
    assert reciprocal_rank_fusion(rankings, weights={"bm25": 2.0})[0].chunk_id == "a"


def test_ties_are_broken_deterministically() -> None:
    rankings = {"x": [Hit("b", 1.0)], "y": [Hit("a", 1.0)]}
    assert [h.chunk_id for h in reciprocal_rank_fusion(rankings)] == ["a", "b"]


def test_k_must_be_positive() -> None:
    with pytest.raises(ValueError):
        reciprocal_rank_fusion({}, k=0)
