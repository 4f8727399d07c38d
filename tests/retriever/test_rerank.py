import numpy as np
import pytest

from retriever.coverage import best_window_coverage, coverage, query_weights, text_tokens
from retriever.rerank import SentenceReranker, from_mapping, min_max_scale
from retriever.types import Chunk, Hit

CHUNKS = {
    "a": Chunk("a", "doc-a", "Tỉnh tổ chức hội nghị. Nhiều nội dung được bàn.", 0, 47,
               "Hội nghị chuyển đổi số", "An Giang"),
    "b": Chunk("b", "doc-b", "Năm nay tỉnh có 1.506 dịch vụ công trực tuyến toàn trình.", 0, 57,
               "Dịch vụ công", "Cà Mau"),
    "c": Chunk("c", "doc-c", "Không liên quan.", 0, 16, "Khác", None),
}


class FixedRetriever:
    """A retriever that returns the same ranking for any query (the fused order), with the
    component scores given (equal BM25 scores by default)."""

    name = "hybrid"

    def __init__(self, order: list[str],
                 scores: list[dict[str, float]] | None = None) -> None:
        self.order = order
        self.scores = scores or [{"bm25": 1.0} for _ in order]

    def search(self, query: str, top_k: int, allowed: np.ndarray | None = None) -> list[Hit]:
        return [Hit(cid, 0.03 - 0.001 * i, {name: i + 1 for name in self.scores[i]},
                    self.scores[i]) for i, cid in enumerate(self.order)][:top_k]


def idf(token: str, fold: bool) -> float:
    return 2.0 if "_" in token else 1.0


def test_min_max_scale_treats_missing_scores_as_the_lowest() -> None:
    assert min_max_scale([4.0, None, 2.0, 3.0]) == [1.0, 0.0, 0.0, 0.5]
    assert min_max_scale([None, None]) == [0.0, 0.0]
    assert min_max_scale([0.8, 0.8, None]) == [1.0, 1.0, 0.0]


def test_coverage_counts_context_at_half_and_ignores_question_words() -> None:
    weights = query_weights("Cà Mau có bao nhiêu dịch vụ công?", idf, fold=False)
    assert "bao" not in weights and "nhiêu" not in weights and "dịch_vụ" in weights
    sentence = text_tokens("có 1.506 dịch vụ công", False)
    place = text_tokens("Cà Mau", False)
    full = coverage(weights, sentence | place, frozenset())
    assert full == pytest.approx(1.0)
    assert coverage(weights, sentence, place) < full
    assert best_window_coverage(weights, "Dịch vụ công", CHUNKS["b"].text, False,
                                province="Cà Mau") == pytest.approx(1.0)


def test_question_words_are_matched_in_the_form_the_question_uses() -> None:
    # Folded, "mấy" is "máy", "có" is "cơ", "chứ" is "chủ", "hả" is "Hà": those are content.
    weights = query_weights("Máy chủ của cơ quan tổ chức ở Hà Nội an toàn tới độ nào?", idf,
                            fold=False)
    for word in ("máy", "chủ", "cơ", "quan", "tổ", "hà", "an", "toàn", "độ", "máy_chủ",
                 "cơ_quan", "hà_nội", "an_toàn"):
        assert word in weights, word
    for word in ("của", "ở", "nào", "của_cơ"):
        assert word not in weights, word
    # Accented questions also write real words without marks: "sân bay", "cho vay", "ha".
    accented = query_weights("Sân bay cho vay bao nhiêu ha, con sông may mặc ở The Hague?",
                             idf, fold=False)
    assert {"bay", "vay", "ha", "may", "sân_bay", "sông", "hague"} <= set(accented)
    assert not {"cho", "bao", "con", "the"} & set(accented)  # classifiers, English articles
    # Typed without marks the question words are the folded ones ("may" is "mấy")...
    folded = query_weights("tinh co may dich vu", idf, fold=True)
    assert set(folded) == {"tinh", "dich", "vu", "dich_vu"}
    # ... but not English words that are also syllables: "bí thư", "ít nhất", "đo đạc".
    folded = query_weights("bi thu it nhat do dac", idf, fold=True)
    assert {"bi_thu", "it_nhat", "do_dac"} <= set(folded)


def test_window_coverage_joins_neighbouring_sentences_but_not_distant_ones() -> None:
    weights = query_weights("Cà Mau có bao nhiêu trạm 5G phủ sóng?", idf, fold=False)
    near = "Cà Mau đã lắp trạm 5G. Các trạm phủ sóng toàn bộ trung tâm. Tỉnh họp. Tỉnh bàn."
    far = "Cà Mau đã lắp trạm 5G. Tỉnh họp. Tỉnh bàn. Các trạm phủ sóng toàn bộ trung tâm."
    joined = best_window_coverage(weights, "", near, False, size=2)
    apart = best_window_coverage(weights, "", far, False, size=2)
    assert apart < joined
    assert best_window_coverage(weights, "", far, False, size=4) == pytest.approx(joined)
    assert best_window_coverage(weights, "", "", False) == 0.0


def test_passage_whose_sentences_cover_the_question_moves_up() -> None:
    reranker = SentenceReranker(FixedRetriever(["a", "b", "c"]), from_mapping(CHUNKS), idf)
    hits = reranker.search("Cà Mau có bao nhiêu dịch vụ công trực tuyến?", 3)
    assert [h.chunk_id for h in hits] == ["b", "a", "c"]
    assert hits[0].scores["window"] == pytest.approx(1.0)
    assert hits[0].scores["fused"] == pytest.approx(0.029)
    assert hits[0].ranks == {"bm25": 2}
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_score_margins_count_not_only_ranks() -> None:
    # RRF sees "a" first in both lists; its lead is tiny while "b" leads BM25 by far.
    scores = [{"bm25": 10.1, "dense": 0.861}, {"bm25": 10.0, "dense": 0.860},
              {"bm25": 2.0, "dense": 0.80}]
    base = FixedRetriever(["a", "c", "b"], [scores[0], scores[2], scores[1]])
    rescored = SentenceReranker(base, from_mapping(CHUNKS), idf,
                                weight=0.0001).search("hội nghị", 3)
    assert [h.chunk_id for h in rescored][:2] == ["a", "b"]
    assert rescored[0].score == pytest.approx(1.0, abs=1e-3)


def test_weight_zero_keeps_the_fused_order_and_top_k_holds() -> None:
    base = FixedRetriever(["a", "b", "c"])
    off = SentenceReranker(base, from_mapping(CHUNKS), idf, weight=0.0)
    assert [h.chunk_id for h in off.search("dịch vụ công", 3)] == ["a", "b", "c"]
    on = SentenceReranker(base, from_mapping(CHUNKS), idf, candidates=2)
    assert [h.chunk_id for h in on.search("dịch vụ công", 1)] == ["b"]
    # Asked for more than `candidates`, every returned hit is re-scored: scores stay ordered.
    hits = on.search("dịch vụ công", 3)
    assert len(hits) == 3 and hits[-1].chunk_id == "c"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_accent_free_queries_use_the_folded_form() -> None:
    reranker = SentenceReranker(FixedRetriever(["a", "b"]), from_mapping(CHUNKS), idf)
    assert reranker.search("ca mau co bao nhieu dich vu cong", 2)[0].chunk_id == "b"


def test_candidates_chunks_are_fetched_in_one_call() -> None:
    # A database backend pays a round trip per fetch: the reranker asks once per search.
    calls: list[list[str]] = []

    def fetch(chunk_ids: object) -> dict[str, Chunk]:
        calls.append(list(chunk_ids))  # type: ignore[call-overload]
        return CHUNKS

    SentenceReranker(FixedRetriever(["a", "b", "c"]), fetch, idf).search("hội nghị", 2)
    assert calls == [["a", "b", "c"]]


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError):
        SentenceReranker(FixedRetriever([]), from_mapping(CHUNKS), idf, weight=-1)
    with pytest.raises(ValueError):
        SentenceReranker(FixedRetriever([]), from_mapping(CHUNKS), idf, bm25_share=1.5)
