"""Questions about each sample article: the passage that answers must come first."""

import pytest

from index.store import CorpusIndex
from retriever.encoder import Encoder
from retriever.errors import InvalidInputError
from retriever.search import MAX_QUERY_CHARS, Searcher
from retriever.types import SearchFilter

QUESTIONS = [
    ("Bình Phước xếp hạng chuyển đổi số thứ mấy?", "binh-phuoc",
     "thứ 9 cả nước về chỉ số đánh giá chuyển đổi số"),
    ("binh phuoc xep hang chuyen doi so thu may", "binh-phuoc",
     "thứ 9 cả nước về chỉ số đánh giá chuyển đổi số"),
    ("Kinh tế số của Bình Phước xếp thứ mấy?", "binh-phuoc", "xếp thứ 14/63"),
    ("Bến Tre đã thành lập bao nhiêu tổ chuyển đổi số cộng đồng cấp xã?", "ben-tre",
     "151 tổ chuyển đổi số cộng đồng cấp xã"),
    ("ben tre co bao nhieu to chuyen doi so cong dong", "ben-tre",
     "151 tổ chuyển đổi số cộng đồng cấp xã"),
    ("Tiền Giang đặt mục tiêu kinh tế số chiếm bao nhiêu phần trăm GRDP?", "tien-giang",
     "kinh tế số chiếm 15% GRDP"),
    ("Vĩnh Long có bao nhiêu trạm thu phát sóng thông tin di động?", "vinh-long",
     "3.200 trạm thu phát sóng"),
    ("BR-VT có bao nhiêu trạm 5G?", "ba-ria-vung-tau", "10 trạm mạng 5G"),
    ("Chỉ số DTI của Vĩnh Long năm 2020 xếp hạng mấy?", "vinh-long", "xếp hạng 52 năm 2020"),
    ("How many online public services does Binh Phuoc have?", "binh-phuoc",
     "1.506 dịch vụ công trực tuyến"),
]


def _rank(searcher: Searcher, question: str, doc_id: str, evidence: str) -> int | None:
    passages = searcher.search(question, top_k=5)
    return next((i for i, p in enumerate(passages, start=1)
                 if p.doc_id == doc_id and evidence in p.chunk.text), None)


@pytest.mark.parametrize(("question", "doc_id", "evidence"), QUESTIONS)
def test_answering_passage_ranks_in_the_top_two(sample_searcher: Searcher, question: str,
                                                doc_id: str, evidence: str) -> None:
    rank = _rank(sample_searcher, question, doc_id, evidence)
    assert rank is not None and rank <= 2


def test_answering_passage_ranks_first(sample_searcher: Searcher) -> None:
    ranks = {case[0]: _rank(sample_searcher, *case) for case in QUESTIONS}
    assert ranks[QUESTIONS[0][0]] == 1 and ranks[QUESTIONS[1][0]] == 1, ranks
    # The default reranking trades one of these ten for +0.6 to +5 points of hit@1 on our
    # whole question set and the external sets: "Kinh tế số của Bình Phước xếp thứ mấy?"
    # ranks second, behind the passage with the province's overall rank.
    assert sum(rank == 1 for rank in ranks.values()) >= 9, ranks


def test_plain_rrf_still_ranks_them_first(sample_index: CorpusIndex,
                                         encoder: Encoder) -> None:
    searcher = sample_index.searcher(encoder, rerank_weight=0.0)
    ranks = {case[0]: _rank(searcher, *case) for case in QUESTIONS}
    assert all(rank == 1 for rank in ranks.values()), ranks


def test_hits_carry_citation_fields_and_component_ranks(sample_searcher: Searcher) -> None:
    passages = sample_searcher.search("Bình Phước xếp hạng chuyển đổi số thứ mấy?", top_k=3)
    best = passages[0]
    document_text = {c.doc_id for c in sample_searcher.chunks}
    assert best.doc_id in document_text
    assert best.chunk.title and best.chunk.province == "Bình Phước"
    assert set(best.ranks) == {"bm25", "dense"}
    assert {"bm25", "dense", "fused", "window"} == set(best.scores)
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)


@pytest.mark.parametrize("retriever", ["bm25", "dense"])
def test_each_component_alone_finds_the_rank_passage(sample_searcher: Searcher,
                                                     retriever: str) -> None:
    passages = sample_searcher.search("Bình Phước xếp hạng chuyển đổi số thứ mấy?", 3,
                                      retriever=retriever)
    assert any("thứ 9 cả nước" in p.chunk.text for p in passages)


def test_province_filter(sample_searcher: Searcher) -> None:
    passages = sample_searcher.search("kinh tế số chiếm bao nhiêu GRDP", 10,
                                      SearchFilter(province="ben tre"))
    assert passages and {p.chunk.province for p in passages} == {"Bến Tre"}


def test_date_filter_excludes_undated_and_out_of_range(sample_searcher: Searcher) -> None:
    passages = sample_searcher.search("chuyển đổi số", 20,
                                      SearchFilter(published_from="2023-01-01"))
    assert passages and {p.doc_id for p in passages} == {"ba-ria-vung-tau"}


def test_filter_with_no_match_returns_nothing(sample_searcher: Searcher) -> None:
    assert sample_searcher.search("chuyển đổi số", 5, SearchFilter(province="Hà Nội")) == []


@pytest.mark.parametrize("query", ["", "   ", "?!...", "x" * (MAX_QUERY_CHARS + 1)])
def test_bad_queries_are_refused_clearly(sample_searcher: Searcher, query: str) -> None:
    with pytest.raises(InvalidInputError):
        sample_searcher.search(query)


@pytest.mark.parametrize("top_k", [0, 101])
def test_top_k_out_of_range(sample_searcher: Searcher, top_k: int) -> None:
    with pytest.raises(InvalidInputError, match="top_k"):
        sample_searcher.search("chuyển đổi số", top_k)


def test_unknown_retriever(sample_searcher: Searcher) -> None:
    with pytest.raises(InvalidInputError, match="retriever"):
        sample_searcher.search("chuyển đổi số", retriever="magic")
