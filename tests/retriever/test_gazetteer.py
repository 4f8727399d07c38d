from __future__ import annotations

import json
from pathlib import Path

import pytest

from retriever.text.gazetteer import (
    all_provinces,
    canonical_province,
    detect_province,
    find_provinces,
    province_after_2025,
)
from retriever.text.normalize import fold_diacritics

SAMPLE = Path(__file__).resolve().parents[2] / "index" / "sample_corpus"


def test_all_63_provinces() -> None:
    names = all_provinces()
    assert len(names) == 63
    assert len(set(names)) == 63
    assert len({fold_diacritics(n).casefold() for n in names}) == 63
    for name in ("Bà Rịa - Vũng Tàu", "TP. Hồ Chí Minh", "Hà Nội", "Đà Nẵng", "Cần Thơ",
                 "Thừa Thiên Huế", "Đắk Lắk", "Bình Phước", "Tiền Giang", "Vĩnh Long"):
        assert name in names
    assert "ĐBSCL" not in names


def test_after_2025_has_34_units() -> None:
    after = {province_after_2025(n) for n in all_provinces()}
    assert len(after) == 34
    assert province_after_2025("Bình Phước") == "Đồng Nai"
    assert province_after_2025("BR-VT") == "TP. Hồ Chí Minh"
    assert province_after_2025("Bến Tre") == "Vĩnh Long"
    assert province_after_2025("Hà Nội") == "Hà Nội"
    assert province_after_2025("Bình") is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Bà Rịa - Vũng Tàu", "Bà Rịa - Vũng Tàu"),
        ("Bà Rịa-Vũng Tàu", "Bà Rịa - Vũng Tàu"),
        ("Bà Rịa – Vũng Tàu", "Bà Rịa - Vũng Tàu"),
        ("BR-VT", "Bà Rịa - Vũng Tàu"),
        ("BRVT", "Bà Rịa - Vũng Tàu"),
        ("ba ria vung tau", "Bà Rịa - Vũng Tàu"),
        ("tỉnh Bà Rịa - Vũng Tàu", "Bà Rịa - Vũng Tàu"),
        ("TP.HCM", "TP. Hồ Chí Minh"),
        ("TPHCM", "TP. Hồ Chí Minh"),
        ("tp hcm", "TP. Hồ Chí Minh"),
        ("HCM", "TP. Hồ Chí Minh"),
        ("Thành phố Hồ Chí Minh", "TP. Hồ Chí Minh"),
        ("Hồ Chí Minh", "TP. Hồ Chí Minh"),
        ("Sài Gòn", "TP. Hồ Chí Minh"),
        ("Ho Chi Minh City", "TP. Hồ Chí Minh"),
        ("HN", "Hà Nội"),
        ("Ha Noi", "Hà Nội"),
        ("thành phố Hà Nội", "Hà Nội"),
        ("Tp. Cần Thơ", "Cần Thơ"),
        ("da nang", "Đà Nẵng"),
        ("Huế", "Thừa Thiên Huế"),
        ("TT-Huế", "Thừa Thiên Huế"),
        ("Thanh Hoá", "Thanh Hóa"),
        ("Khánh Hoà", "Khánh Hòa"),
        ("Đăk Lăk", "Đắk Lắk"),
        ("Daklak", "Đắk Lắk"),
        ("Bắc Cạn", "Bắc Kạn"),
        ("tinh ben tre", "Bến Tre"),
        ("BÌNH PHƯỚC", "Bình Phước"),
        ("Bình", None),
        ("ĐBSCL", None),
        ("Tây Nguyên", None),
        ("", None),
        ("   ", None),
        ("Vũng Tàu", None),  # a city, not a province
    ],
)
def test_canonical_province(name: str, expected: str | None) -> None:
    assert canonical_province(name) == expected


def test_every_canonical_name_resolves_to_itself() -> None:
    for name in all_provinces():
        assert canonical_province(name) == name
        assert canonical_province(fold_diacritics(name).lower()) == name


def test_find_provinces_counts_and_orders() -> None:
    text = (
        "UBND tỉnh BR-VT và tỉnh Bà Rịa-Vũng Tàu cùng Bình Dương. Bà Rịa – Vũng Tàu dẫn đầu; "
        "Bình Dương theo sau, còn Cà Mau thứ ba."
    )
    assert find_provinces(text) == [
        ("Bà Rịa - Vũng Tàu", 3), ("Bình Dương", 2), ("Cà Mau", 1)]


def test_find_provinces_without_diacritics() -> None:
    assert find_provinces("dich vu cong truc tuyen o binh phuoc va ben tre") == [
        ("Bình Phước", 1), ("Bến Tre", 1)]
    assert find_provinces("ty le o tphcm") == [("TP. Hồ Chí Minh", 1)]


@pytest.mark.parametrize(
    "text",
    [
        "Vì hòa bình và phát triển bền vững.",  # peace, not Hòa Bình province
        "Chính quyền bình định vùng này.",  # pacify, not Bình Định
        "Cột cao bằng tòa nhà.",  # "as high as", not Cao Bằng
        "Đại dương và hải dương học.",
        "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh.",
        "Đoàn TNCS Hồ Chí Minh tổ chức ra quân.",
        "Nhà Bình và nhà An ở gần nhau.",
        "Các tỉnh ĐBSCL và Tây Nguyên.",
        "hn là viết tắt thường.",  # only upper-case HN is Hà Nội
        "Bên tre có con cò.",  # wrong diacritics: not Bến Tre
        "The hue of the sky.",
        "Thành phố thông minh HNX.",
    ],
)
def test_find_provinces_ignores_lookalikes(text: str) -> None:
    assert find_provinces(text) == []


def test_cased_names_found_when_capitalised() -> None:
    assert find_provinces("Tỉnh Hòa Bình và tỉnh Bình Định") == [
        ("Hòa Bình", 1), ("Bình Định", 1)]
    assert find_provinces("Hoa Binh province") == [("Hòa Bình", 1)]
    assert find_provinces("Hội nghị tại HN") == [("Hà Nội", 1)]
    assert find_provinces("Về Huế, thăm Thừa Thiên Huế") == [("Thừa Thiên Huế", 2)]


def test_whole_words_only() -> None:
    assert find_provinces("Kiên Giang") == [("Kiên Giang", 1)]  # not also An Giang
    assert find_provinces("HCMC and HCM") == [("TP. Hồ Chí Minh", 2)]
    assert find_provinces("ABCHNX") == []


def test_cities_are_not_mentions_but_help_detection() -> None:
    assert find_provinces("TP Bà Rịa và Vũng Tàu") == []
    assert detect_province("TP Bà Rịa và Vũng Tàu") == "Bà Rịa - Vũng Tàu"


def test_detect_province_title_weighs_more() -> None:
    text = "Hà Nội hỗ trợ. Hà Nội cử chuyên gia. Cà Mau tiếp nhận."
    assert detect_province(text) == "Hà Nội"
    assert detect_province(text, title="Cà Mau đẩy mạnh chuyển đổi số") == "Cà Mau"
    assert detect_province("Không nhắc tỉnh nào.") is None
    assert detect_province("") is None


def test_detect_province_on_the_sample_articles() -> None:
    for entry in json.loads((SAMPLE / "manifest.json").read_text("utf-8")):
        text = (SAMPLE / entry["file"]).read_text("utf-8")
        assert detect_province(text) == entry["province"], entry["file"]
        assert detect_province(text, entry["title"]) == entry["province"], entry["file"]


def _aligned_by_loop(text: str) -> tuple[str, str, str]:
    """_aligned_forms as it was written first, one character at a time."""
    from retriever.text.normalize import normalize

    norm = normalize(text)
    low_chars, fold_chars = [], []
    for ch in norm:
        low = ch.casefold()
        if len(low) != 1:
            low = ch.lower() if len(ch.lower()) == 1 else ch
        folded = fold_diacritics(low)
        low_chars.append(low)
        fold_chars.append(folded if len(folded) == 1 else low)
    return norm, "".join(low_chars), "".join(fold_chars)


@pytest.mark.parametrize("text", [
    "Tỉnh BÌNH PHƯỚC và TP.HCM, Bà Rịa - Vũng Tàu; ẞtraße İstanbul ǅ ﬁ Ω",
    "".join(chr(c) for c in range(0x20, 0x2000)),
])
def test_aligned_forms_keep_one_character_for_one(text: str) -> None:
    from retriever.text.gazetteer import _aligned_forms

    forms = _aligned_forms(text)
    assert forms == _aligned_by_loop(text)
    assert len({len(f) for f in forms}) == 1
