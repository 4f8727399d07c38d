import json
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retriever.bm25 import BM25
from retriever.errors import IndexCorruptError, IndexMismatchError
from retriever.text.tokenize import tokenize

CORPUS = [
    "Bình Phước đứng thứ 9 cả nước về chỉ số chuyển đổi số.",
    "Kinh tế số của Bình Phước xếp thứ 14/63 tỉnh, thành.",
    "Tiền Giang đặt mục tiêu kinh tế số chiếm 20% GRDP.",
    "Ở ý kiến người dân, dịch vụ công trực tuyến còn ít được dùng.",
    "Vĩnh Long có 1.506 dịch vụ công trực tuyến.",
    "chuyển đổi số chuyển đổi số chuyển đổi số",
    "",
]
QUERIES = ["Bình Phước xếp hạng chuyển đổi số thứ mấy?", "kinh tế số", "ở ý", "1506 dịch vụ",
           "số số", "không có gì khớp xyz"]


@pytest.mark.parametrize("bigrams", [False, True])
def test_scores_equal_rank_bm25_on_the_same_tokens(bigrams: bool) -> None:
    tokens = [tokenize(text, bigrams=bigrams) for text in CORPUS]
    reference = BM25Okapi(tokens)
    ours = BM25().index(tokens)
    for query in QUERIES:
        query_tokens = tokenize(query, bigrams=bigrams)
        np.testing.assert_allclose(ours.get_scores(query_tokens),
                                   reference.get_scores(query_tokens), rtol=1e-12, atol=1e-12)


def test_one_letter_words_are_searchable() -> None:
    bm25 = BM25().index([tokenize(text) for text in CORPUS])
    rows, _ = bm25.retrieve(tokenize("ở ý"), top_k=1)
    assert rows.tolist() == [3]


def test_retrieve_orders_best_first_and_respects_mask() -> None:
    bm25 = BM25().index([tokenize(text) for text in CORPUS])
    rows, scores = bm25.retrieve(tokenize("kinh tế số Bình Phước"), top_k=3)
    assert rows[0] == 1 and list(scores) == sorted(scores, reverse=True)
    mask = np.zeros(len(CORPUS), dtype=bool)
    mask[2] = True
    rows, _ = bm25.retrieve(tokenize("kinh tế số Bình Phước"), top_k=3, allowed=mask)
    assert rows.tolist() == [2]


def test_unknown_terms_give_no_hits() -> None:
    bm25 = BM25().index([tokenize(text) for text in CORPUS])
    rows, _ = bm25.retrieve(tokenize("xyzzy"), top_k=5)
    assert rows.size == 0


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    tokens = [tokenize(text) for text in CORPUS]
    bm25 = BM25(k1=1.2, b=0.7).index(tokens)
    bm25.save(tmp_path)
    loaded = BM25.load(tmp_path)
    query = tokenize("kinh tế số")
    np.testing.assert_array_equal(loaded.get_scores(query), bm25.get_scores(query))
    assert (loaded.k1, loaded.b) == (1.2, 0.7)


def test_truncated_file_is_reported_as_corrupt(tmp_path: Path) -> None:
    BM25().index([tokenize(text) for text in CORPUS]).save(tmp_path)
    (tmp_path / "bm25.npz").write_bytes(b"not a matrix")
    with pytest.raises(IndexCorruptError, match="(?i)bm25"):
        BM25.load(tmp_path)


def test_invalid_parameters_are_rejected() -> None:
    with pytest.raises(ValueError, match="BM25"):
        BM25(b=2.0)


def test_extra_terms_count_with_their_weight() -> None:
    bm25 = BM25().index([tokenize(text, bigrams=False) for text in CORPUS])
    base = bm25.get_scores(["kinh"])
    with_half = bm25.get_scores(["kinh"], {"tế": 0.5})
    np.testing.assert_allclose(with_half - base, 0.5 * bm25.get_scores(["tế"]))


def test_column_pointers_give_document_frequencies() -> None:
    tokens = [tokenize(text, bigrams=False) for text in CORPUS]
    bm25 = BM25().index(tokens)
    doc_freq = np.diff(bm25.column_pointers())
    for term, column in bm25.vocabulary.items():
        assert doc_freq[column] == sum(term in doc for doc in tokens)


def _random_corpus(seed: int, n_docs: int = 400) -> list[list[str]]:
    """Few distinct words and many duplicated documents: scores tie a lot."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(40)]
    docs = [[words[j] for j in rng.zipf(1.3, rng.integers(1, 30)) % len(words)]
            for _ in range(n_docs // 2)]
    return docs + [list(doc) for doc in docs[: n_docs // 4]] + docs[: n_docs // 4]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_retrieve_equals_a_full_sort_by_score_then_index(seed: int) -> None:
    """The top-k is chosen among few candidates; it must be what sorting every document by
    (-score, index) gives, ties at the k-th place included, with or without a mask."""
    corpus = _random_corpus(seed)
    bm25 = BM25().index(corpus)
    rng = np.random.default_rng(seed)
    mask = rng.random(len(corpus)) < 0.5
    for _ in range(30):
        query = [f"w{i}" for i in rng.integers(0, 45, rng.integers(1, 6))]
        extra = {"w3": 0.5} if rng.random() < 0.3 else None
        for allowed in (None, mask):
            scores = bm25.get_scores(query, extra)
            if allowed is not None:
                scores = np.where(allowed, scores, 0.0)
            positive = np.flatnonzero(scores > 0)
            expected = positive[np.lexsort((positive, -scores[positive]))]
            for top_k in (1, 3, 10, 1000):
                rows, got = bm25.retrieve(query, top_k, allowed, extra)
                np.testing.assert_array_equal(rows, expected[:top_k])
                np.testing.assert_array_equal(got, scores[expected[:top_k]])


def test_public_fallback_scores_like_scipy_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without scipy's private csc_matvec the scores come from np.add.at, equal up to
    rounding."""
    import retriever.bm25 as bm25_module

    bm25 = BM25().index(_random_corpus(3))
    queries = [["w1", "w2", "w2"], ["w0", "w7", "w39"], ["w5"]]
    fast = [bm25.get_scores(q, {"w4": 0.5}) for q in queries]
    monkeypatch.setattr(bm25_module, "_csc_matvec", None)
    for query, expected in zip(queries, fast, strict=True):
        np.testing.assert_allclose(bm25.get_scores(query, {"w4": 0.5}), expected,
                                   rtol=1e-12, atol=0)


def test_loaded_index_is_searched_without_converting_its_arrays(tmp_path: Path) -> None:
    BM25().index([tokenize(text) for text in CORPUS]).save(tmp_path)
    weights = BM25.load(tmp_path)._weights
    assert weights.indptr.dtype == weights.indices.dtype
    assert weights.data.dtype == np.float64


def test_an_index_in_the_previous_format_asks_for_a_rebuild(tmp_path: Path) -> None:
    BM25().index([tokenize(text) for text in CORPUS]).save(tmp_path)
    params_path = tmp_path / "bm25_params.json"
    params = json.loads(params_path.read_text(encoding="utf-8"))
    params["format_version"] = 1  # stored tf weights without idf
    params_path.write_text(json.dumps(params), encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="(?i)rebuild"):
        BM25.load(tmp_path)
