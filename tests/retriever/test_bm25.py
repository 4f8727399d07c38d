from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retriever.bm25 import BM25
from retriever.errors import IndexCorruptError
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
