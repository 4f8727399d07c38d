from retriever.analyzer import Analyzer
from retriever.coverage import query_weights
from retriever.text.query_expansion import query_expansion


def test_rank_questions_gain_the_words_answers_use() -> None:
    assert "vị trí thứ" in query_expansion("Bình Phước xếp hạng thứ mấy?")
    assert "vi tri thu" in query_expansion("binh phuoc xep hang thu may")


def test_bounds_are_expanded_both_ways() -> None:
    assert query_expansion("Tỷ lệ hài lòng ít nhất bao nhiêu?") == "tối thiểu"
    assert query_expansion("toi thieu bao nhieu") == "it nhat"
    # The added words count in the reranker's and the answerer's coverage, folded too.
    assert {"it", "nhat", "it_nhat"} <= set(query_weights("it nhat", lambda t, f: 1.0, True))


def test_other_questions_are_not_expanded() -> None:
    assert query_expansion("Bến Tre có bao nhiêu tổ chuyển đổi số?") == ""


def test_expansion_adds_each_new_token_once() -> None:
    analyzer = Analyzer()
    plain = analyzer.tokens("xếp hạng thứ mấy")
    typed, added = analyzer.query_tokens("xếp hạng thứ mấy")
    assert typed == plain
    assert "vị_trí" in added and "thứ" not in added and len(added) == len(set(added))
    assert Analyzer(expand_questions=False).query_tokens("xếp hạng thứ mấy") == (plain, [])
