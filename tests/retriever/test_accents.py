from retriever.accents import AccentRestorer

UNIGRAMS = {"bình": 30, "phước": 20, "xếp": 15, "hạng": 12, "hàng": 80, "chuyển": 40,
            "đổi": 40, "số": 90, "sổ": 3, "thứ": 20, "tổ": 10, "to": 2, "cộng": 12, "đồng": 20}
BIGRAMS = {("bình", "phước"): 20, ("xếp", "hạng"): 12, ("chuyển", "đổi"): 40,
           ("đổi", "số"): 38, ("cộng", "đồng"): 12}


def restorer() -> AccentRestorer:
    return AccentRestorer(UNIGRAMS, BIGRAMS)


def test_restores_domain_words_and_question_words() -> None:
    restored = restorer().restore("binh phuoc xep hang chuyen doi so thu may")
    assert restored == "Bình Phước xếp hạng chuyển đổi số thứ mấy"


def test_word_pairs_decide_between_spellings() -> None:
    # "hang" alone is more often "hàng", but after "xếp" it is "hạng".
    assert restorer().restore("xep hang") == "xếp hạng"
    assert restorer().restore("hang") == "hàng"


def test_question_phrases_and_unknown_provinces_are_known() -> None:
    assert restorer().restore("Ha Noi co bao nhieu to") == "Hà Nội có bao nhiêu tổ"


def test_unknown_words_case_and_punctuation_survive() -> None:
    assert restorer().restore("IOC, xyzw: so!") == "IOC, xyzw: số!"


def test_text_with_diacritics_is_left_alone() -> None:
    assert restorer().restore("Bình Phước xep hang") == "Bình Phước xep hang"
