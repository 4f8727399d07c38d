import unicodedata

import pytest

from retriever.text.normalize import fold_diacritics, has_diacritics, match_form, normalize


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [("hoà", "hòa"), ("thuý", "thúy"), ("khoẻ", "khỏe"), ("Hoà Bình", "Hòa Bình"),
     ("tuỳ chọn", "tùy chọn"), ("HOÀ", "HÒA"), ("Thuỵ Điển", "Thụy Điển")],
)
def test_one_tone_mark_convention(variant: str, canonical: str) -> None:
    assert normalize(variant) == normalize(canonical) == canonical


@pytest.mark.parametrize("word", ["quý", "Quý", "hoàng", "thuyền", "khuya", "loại", "huấn"])
def test_words_without_ambiguity_are_left_alone(word: str) -> None:
    assert normalize(word) == word


def test_decomposed_input_becomes_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Bình Phước chuyển đổi số")
    assert normalize(decomposed) == "Bình Phước chuyển đổi số"
    assert unicodedata.is_normalized("NFC", normalize(decomposed))


def test_spaces_quotes_and_punctuation_are_tidied() -> None:
    raw = "  Bình\u00a0Phước  ,  “bản đồ”\tchuyển đổi số ( CĐS ) …  "
    assert normalize(raw) == 'Bình Phước, "bản đồ" chuyển đổi số (CĐS)...'


def test_line_breaks_are_kept_for_paragraphs() -> None:
    assert normalize("Đoạn một. \r\n  Đoạn hai.") == "Đoạn một.\nĐoạn hai."


def test_match_form_folds_case() -> None:
    assert match_form("ĐỒNG Nai") == "đồng nai"


def test_fold_diacritics() -> None:
    assert fold_diacritics("Bình Phước Đồng Xoài") == "Binh Phuoc Dong Xoai"
    assert has_diacritics("bình phước")
    assert not has_diacritics("binh phuoc xep hang chuyen doi so thu may")


def test_i_and_y_spellings_match_for_lexical_search() -> None:
    from retriever.text.normalize import unify_i_y

    assert unify_i_y("tỷ lệ kỹ thuật Mỹ quý") == unify_i_y("tỉ lệ kĩ thuật Mĩ quí")
    assert unify_i_y("ý kiến y tế thủy") == "ý kiến y tế thủy"


def _fold_whole_text(text: str) -> str:
    """fold_diacritics as it was written first: NFD of the whole text, marks dropped."""
    import unicodedata

    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("đ", "d").replace("Đ", "D")


def test_folding_by_character_equals_folding_the_whole_text() -> None:
    import random

    characters = [chr(c) for c in range(0x30000) if not 0xD800 <= c < 0xE000]
    assert fold_diacritics("".join(characters)) == _fold_whole_text("".join(characters))
    # Marks in any order and combination, before and after any letter.
    marks = "\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b\u0327\u0345\u05b0\u093c"
    pool = "aăâeêioôơuưyđĐAĂÂEÊIOÔƠUƯYặỡǖ ώǅﬁ한글" + marks
    rng = random.Random(0)
    for _ in range(2000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(1, 12)))
        assert fold_diacritics(text) == _fold_whole_text(text)
