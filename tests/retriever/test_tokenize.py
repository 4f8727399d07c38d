from retriever.text.tokenize import tokenize


def test_one_letter_words_are_kept() -> None:
    tokens = tokenize("Ở ý kiến người dân", bigrams=False)
    assert tokens == ["ở", "ý", "kiến", "người", "dân"]


def test_bigrams_join_adjacent_syllables_but_not_across_punctuation() -> None:
    tokens = tokenize("chuyển đổi số, dữ liệu")
    assert "chuyển_đổi" in tokens and "đổi_số" in tokens and "dữ_liệu" in tokens
    assert "số_dữ" not in tokens


def test_numbers_written_two_ways_match() -> None:
    assert tokenize("1.506 dịch vụ", bigrams=False)[0] == tokenize("1506", bigrams=False)[0]
    assert "78,9" in tokenize("đạt 78,9%", bigrams=False)


def test_folded_tokens_have_no_diacritics() -> None:
    assert tokenize("Bình Phước", fold=True, bigrams=False) == ["binh", "phuoc"]
    assert tokenize("binh phuoc", fold=True) == tokenize("Bình Phước", fold=True)


def test_tone_convention_does_not_change_tokens() -> None:
    assert tokenize("Hoà Bình") == tokenize("Hòa Bình")
