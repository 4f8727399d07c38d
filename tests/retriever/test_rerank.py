import numpy as np
import pytest

from retriever.coverage import best_coverage, coverage, query_weights, text_tokens
from retriever.rerank import SentenceReranker
from retriever.types import Chunk, Hit

CHUNKS = {
    "a": Chunk("a", "doc-a", "Tỉnh tổ chức hội nghị. Nhiều nội dung được bàn.", 0, 47,
               "Hội nghị chuyển đổi số", "An Giang"),
    "b": Chunk("b", "doc-b", "Năm nay tỉnh có 1.506 dịch vụ công trực tuyến toàn trình.", 0, 57,
               "Dịch vụ công", "Cà Mau"),
    "c": Chunk("c", "doc-c", "Không liên quan.", 0, 16, "Khác", None),
}


class FixedRetriever:
    """A retriever that returns the same ranking for any query (the fused order)."""

    name = "hybrid"

    def __init__(self, order: list[str]) -> None:
        self.order = order

    def search(self, query: str, top_k: int, allowed: np.ndarray | None = None) -> list[Hit]:
        return [Hit(cid, 0.03 - 0.001 * i, {"bm25": i + 1}, {"bm25": 1.0})
                for i, cid in enumerate(self.order)][:top_k]


def idf(token: str, fold: bool) -> float:
    return 2.0 if "_" in token else 1.0


def test_coverage_counts_context_at_half_and_ignores_question_words() -> None:
    weights = query_weights("Cà Mau có bao nhiêu dịch vụ công?", idf, fold=False)
    assert "bao" not in weights and "nhiêu" not in weights and "dịch_vụ" in weights
    sentence = text_tokens("có 1.506 dịch vụ công", False)
    place = text_tokens("Cà Mau", False)
    full = coverage(weights, sentence | place, frozenset())
    assert full == pytest.approx(1.0)
    assert coverage(weights, sentence, place) < full
    assert best_coverage(weights, "Dịch vụ công", CHUNKS["b"].text, False,
                         province="Cà Mau") == pytest.approx(1.0)


def test_passage_whose_sentence_covers_the_question_moves_up() -> None:
    reranker = SentenceReranker(FixedRetriever(["a", "b", "c"]), CHUNKS, idf, weight=0.01)
    hits = reranker.search("Cà Mau có bao nhiêu dịch vụ công trực tuyến?", 3)
    assert [h.chunk_id for h in hits] == ["b", "a", "c"]
    assert hits[0].scores["sentence"] == pytest.approx(1.0)
    assert hits[0].ranks == {"bm25": 2}
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_weight_zero_keeps_the_fused_order_and_top_k_holds() -> None:
    base = FixedRetriever(["a", "b", "c"])
    off = SentenceReranker(base, CHUNKS, idf, weight=0.0)
    assert [h.chunk_id for h in off.search("dịch vụ công", 3)] == ["a", "b", "c"]
    on = SentenceReranker(base, CHUNKS, idf, weight=0.01, candidates=2)
    assert [h.chunk_id for h in on.search("dịch vụ công", 1)] == ["b"]
    assert [h.chunk_id for h in on.search("dịch vụ công", 3)][-1] == "c"


def test_accent_free_queries_use_the_folded_form() -> None:
    reranker = SentenceReranker(FixedRetriever(["a", "b"]), CHUNKS, idf, weight=0.01)
    assert reranker.search("ca mau co bao nhieu dich vu cong", 2)[0].chunk_id == "b"


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError):
        SentenceReranker(FixedRetriever([]), CHUNKS, idf, weight=-1)
