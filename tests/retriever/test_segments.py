"""Stored segment vectors: the segments are exactly the answerer's, looked up by text, saved
and loaded whole or refused as corrupt, and float16 keeps cosines within 1e-3."""

from pathlib import Path

import numpy as np
import pytest

from bench.corpora import bench_documents
from index.chunking import chunk_document
from index.store import CorpusIndex
from retriever.coverage import passage_units, segment_texts
from retriever.encoder import Encoder
from retriever.errors import IndexCorruptError
from retriever.segments import SegmentVectors, segment_key
from retriever.types import Document


def test_segment_texts_are_the_answerers_units_for_both_folds(
        sample_documents: list[Document]) -> None:
    chunks = [c for d in [*sample_documents, *bench_documents(300)]
              for c in chunk_document(d, 200, 330)]
    for chunk in chunks:
        texts = segment_texts(chunk.text)
        assert texts == [u.segment.text for u in passage_units(chunk.text, False)]
        assert texts == [u.segment.text for u in passage_units(chunk.text, True)]


def _vectors(n: int, dimension: int = 4, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(n, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_lookup_merge_and_subset() -> None:
    texts = ["Tỉnh có 1.506 dịch vụ công.", "Tốc độ đạt 50 Mb/s", "Một câu khác."]
    vectors = _vectors(3)
    stored = SegmentVectors.empty(4).merged(texts, vectors)
    assert len(stored) == 3 and stored.dimension == 4
    found = stored.get("Tốc độ đạt 50 Mb/s")
    assert found is not None and found.dtype == np.float32
    assert np.allclose(found, vectors[1], atol=1e-3)
    assert stored.get("Tốc độ đạt 50 Mb/s.") is None
    assert segment_key(texts[0]) in stored
    grown = stored.merged(["Câu mới."], _vectors(1, seed=1))
    assert len(grown) == 4 and grown.get(texts[2]) is not None
    smaller = grown.subset([segment_key(texts[0]), segment_key("không có"),
                            segment_key(texts[0])])
    assert len(smaller) == 1 and smaller.get(texts[0]) is not None
    assert smaller.get(texts[1]) is None
    with pytest.raises(ValueError, match="unique"):
        SegmentVectors(np.array([1, 1], dtype=np.uint64), _vectors(2))


def test_save_load_and_corruption(tmp_path: Path) -> None:
    stored = SegmentVectors.empty(4).merged(["a b", "c d"], _vectors(2))
    stored.save(tmp_path)
    loaded = SegmentVectors.load(tmp_path, 4, 2)
    assert np.array_equal(loaded.keys, stored.keys)
    assert np.array_equal(loaded.vectors, stored.vectors)
    with pytest.raises(IndexCorruptError, match="inconsistent"):
        SegmentVectors.load(tmp_path, 4, 3)
    with pytest.raises(IndexCorruptError, match="inconsistent"):
        SegmentVectors.load(tmp_path, 8, 2)
    np.save(tmp_path / "segment_keys.npy", np.array([7, 7], dtype=np.uint64))
    with pytest.raises(IndexCorruptError, match="unique"):
        SegmentVectors.load(tmp_path, 4, 2)
    (tmp_path / "segment_vectors.npy").write_bytes(b"not numpy")
    with pytest.raises(IndexCorruptError, match="cannot read"):
        SegmentVectors.load(tmp_path, 4, 2)


def test_float16_keeps_cosines_within_1e3(sample_index: CorpusIndex,
                                          onnx_encoder: Encoder) -> None:
    encoder = onnx_encoder
    texts = list(dict.fromkeys(t for c in sample_index.chunks for t in segment_texts(c.text)))
    exact = encoder.encode_passages(texts, batch_size=16)
    stored = np.stack([sample_index.segments.get(t) for t in texts])  # type: ignore[misc]
    questions = encoder.encode_queries(["Bình Phước xếp hạng chuyển đổi số thứ mấy?",
                                        "Tốc độ mạng di động trung bình ở Vĩnh Long?",
                                        "How many online public services does Ben Tre have?"])
    difference = np.abs(stored @ questions.T - exact @ questions.T).max()
    assert difference < 1e-3
