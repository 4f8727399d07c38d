import numpy as np

from retriever.analyzer import Analyzer
from retriever.bm25 import BM25
from retriever.retrievers import BM25Retriever, HybridRetriever
from retriever.types import Hit

TEXTS = ["Bình Phước đứng thứ 9 cả nước về chuyển đổi số",
         "Bến Tre có 151 tổ chuyển đổi số cộng đồng cấp xã",
         "Tiền Giang đặt mục tiêu kinh tế số chiếm 15% GRDP",
         "Vĩnh Long có hơn 3.200 trạm thu phát sóng di động"]


def bm25_retriever() -> BM25Retriever:
    analyzer = Analyzer()
    return BM25Retriever(["a", "b", "c", "d"], BM25().index([analyzer.tokens(t) for t in TEXTS]),
                         BM25().index([analyzer.tokens(t, fold=True) for t in TEXTS]), analyzer)


def test_query_without_diacritics_uses_the_folded_field() -> None:
    retriever = bm25_retriever()
    assert retriever.search("ben tre co bao nhieu to", 1)[0].chunk_id == "b"
    assert retriever.search("Bến Tre có bao nhiêu tổ", 1)[0].chunk_id == "b"


def test_query_weight_is_the_share_of_known_words() -> None:
    retriever = bm25_retriever()
    assert retriever.query_weight("Bình Phước chuyển đổi số") == 1.0
    assert retriever.query_weight("How many services does Binh Phuoc have?") < 0.3
    assert retriever.query_weight("???") == 0.0


class Fixed:
    def __init__(self, name: str, ids: list[str], weight: float = 1.0) -> None:
        self.name, self.ids, self.weight = name, ids, weight

    def search(self, query: str, top_k: int, allowed: np.ndarray | None = None) -> list[Hit]:
        return [Hit(i, 1.0) for i in self.ids[:top_k]]

    def query_weight(self, query: str) -> float:
        return self.weight


def test_hybrid_scales_each_ranking_by_its_query_weight() -> None:
    lexical, semantic = Fixed("bm25", ["x", "y"], 0.2), Fixed("dense", ["y", "x"])
    assert HybridRetriever([lexical, semantic]).search("q", 2)[0].chunk_id == "y"
    lexical.weight = 1.0
    hits = HybridRetriever([lexical, semantic], weights={"bm25": 2.0}).search("q", 2)
    assert hits[0].chunk_id == "x" and hits[0].ranks == {"bm25": 1, "dense": 2}
