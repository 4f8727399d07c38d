from __future__ import annotations

import pytest

from retriever.text.abbreviations import expand_abbreviations, load_abbreviations


def test_table_has_the_domain_abbreviations() -> None:
    table = load_abbreviations()
    assert table["CĐS"] == "chuyển đổi số"
    assert table["DVCTT"] == "dịch vụ công trực tuyến"
    assert table["UBND"] == "Ủy ban nhân dân"
    assert table["BR-VT"] == "Bà Rịa - Vũng Tàu"
    assert table["DTI"] == "chỉ số chuyển đổi số"
    # Diacritic-free spellings come for free.
    assert table["CDS"] == "chuyển đổi số"
    assert table["BCD"] == "Ban Chỉ đạo"
    assert table["HDND"] == "Hội đồng nhân dân"
    assert load_abbreviations() is load_abbreviations()
    assert all(k.strip() == k and v.strip() == v and v for k, v in table.items())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tỷ lệ DVCTT", "Tỷ lệ DVCTT dịch vụ công trực tuyến"),
        ("Tỷ lệ DVCTT.", "Tỷ lệ DVCTT dịch vụ công trực tuyến."),
        ("DVC và DVCTT", "DVC dịch vụ công và DVCTT dịch vụ công trực tuyến"),
        ("UBND tỉnh BR-VT", "UBND Ủy ban nhân dân tỉnh BR-VT Bà Rịa - Vũng Tàu"),
        ("kết quả CDS năm nay", "kết quả CDS chuyển đổi số năm nay"),
        ("kiện toàn BCĐ", "kiện toàn BCĐ Ban Chỉ đạo"),
        ("phát triển KT-XH", "phát triển KT-XH kinh tế - xã hội"),
        ("tại TP.HCM", "tại TP.HCM Thành phố Hồ Chí Minh"),
        ("TP. Mỹ Tho", "TP. thành phố Mỹ Tho"),
        ("xếp hạng PAR INDEX", "xếp hạng PAR INDEX chỉ số cải cách hành chính"),
        ("các DN, HTX", "các DN doanh nghiệp, HTX hợp tác xã"),
        ("ty le dvctt", "ty le dvctt dịch vụ công trực tuyến"),
    ],
)
def test_expand(text: str, expected: str) -> None:
    assert expand_abbreviations(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "dịch vụ công trực tuyến (DVCTT) mức độ 4",
        "công nghệ thông tin (CNTT)",
        "chuyển đổi số (CĐS)",
        "Ủy ban nhân dân (UBND) tỉnh",
        "DVCTT dịch vụ công trực tuyến",
        "DVCTT (dịch vụ công trực tuyến)",
        "cđs viết thường",  # lower case is not the abbreviation
        "Nghị quyết số 52-NQ/TW và Quyết định 749/QĐ-TTg",  # document numbers
        "Nghị quyết 01-NQ/TU của Tỉnh ủy",
        "CĐSX và XCĐS",  # not whole tokens
        "",
    ],
)
def test_left_alone(text: str) -> None:
    assert expand_abbreviations(text) == text


def test_idempotent() -> None:
    text = "UBND tỉnh BR-VT: tỷ lệ DVCTT đạt 78,9%; CNTT và CĐS tại TP. Vũng Tàu, TP.HCM."
    once = expand_abbreviations(text)
    assert once != text
    assert expand_abbreviations(once) == once
