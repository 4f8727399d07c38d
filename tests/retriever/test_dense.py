from pathlib import Path

import numpy as np
import pytest

from retriever.dense import DenseIndex
from retriever.errors import IndexCorruptError


def unit_vectors(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_nearest_vector_is_itself(kind: str) -> None:
    vectors = unit_vectors(500)
    index = DenseIndex.build(vectors, kind)  # type: ignore[arg-type]
    rows, scores = index.search(vectors[42], 3)
    assert rows[0] == 42 and scores[0] == pytest.approx(1.0, abs=1e-5)
    assert list(scores) == sorted(scores, reverse=True)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_mask_restricts_results(kind: str) -> None:
    vectors = unit_vectors(300)
    index = DenseIndex.build(vectors, kind)  # type: ignore[arg-type]
    allowed = np.zeros(300, dtype=bool)
    allowed[[3, 9, 27]] = True
    rows, _ = index.search(vectors[9], 10, allowed)
    assert sorted(rows.tolist()) == [3, 9, 27] and rows[0] == 9
    rows, _ = index.search(vectors[9], 10, np.zeros(300, dtype=bool))
    assert rows.size == 0


def test_exact_search_matches_numpy() -> None:
    vectors = unit_vectors(200)
    query = unit_vectors(1, seed=1)[0]
    rows, scores = DenseIndex.build(vectors).search(query, 5)
    expected = np.argsort(-(vectors @ query))[:5]
    assert rows.tolist() == expected.tolist()
    np.testing.assert_allclose(scores, (vectors @ query)[expected], rtol=1e-5)


def test_empty_index_and_save_load(tmp_path: Path) -> None:
    empty = DenseIndex.build(np.zeros((0, 8), dtype=np.float32))
    assert empty.search(np.ones(8, dtype=np.float32), 3)[0].size == 0
    vectors = unit_vectors(50)
    DenseIndex.build(vectors).save(tmp_path / "d.faiss")
    loaded = DenseIndex.load(tmp_path / "d.faiss", "flat")
    assert loaded.size == 50 and loaded.search(vectors[7], 1)[0][0] == 7
    (tmp_path / "bad.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexCorruptError):
        DenseIndex.load(tmp_path / "bad.faiss", "flat")


def test_bad_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="flat or hnsw"):
        DenseIndex.build(unit_vectors(3), "ivf")  # type: ignore[arg-type]


def test_search_threads_must_be_positive() -> None:
    import faiss

    from retriever.dense import set_search_threads

    set_search_threads(1)
    assert faiss.omp_get_max_threads() == 1
    with pytest.raises(ValueError, match="at least 1"):
        set_search_threads(0)
