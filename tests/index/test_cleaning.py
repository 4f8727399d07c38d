from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.cleaning import clean_article
from retriever.text.normalize import normalize

SAMPLE = Path(__file__).resolve().parents[2] / "index" / "sample_corpus"


def _manifest() -> dict[str, dict[str, str | None]]:
    entries = json.loads((SAMPLE / "manifest.json").read_text("utf-8"))
    return {e["doc_id"]: e for e in entries}


def _clean_sample(doc_id: str):
    entry = _manifest()[doc_id]
    raw = (SAMPLE / entry["file"]).read_text("utf-8")
    return clean_article(raw, title=entry["title"], author=entry["author"])


# What the cleaner takes out of each sample article: (reason, start of the line), in order.
EXPECTED_DROPS = {
    "ben-tre": [
        ("title", "Đẩy mạnh thực hiện 3 trụ cột chính về chuyển đổi số"),
        ("byline", "Tuấn Minh"),
    ],
    "binh-phuoc": [
        ("title", 'Định vị Bình Phước trên "bản đồ" chuyển đổi số'),
        ("related link", ">>Bình Phước tập trung đẩy mạnh đầu tư công"),
        ("related heading", "Có thể bạn quan tâm"),
    ],
    "tien-giang": [
        ("timestamp", "Thứ Sáu, 20/05/2022, 10:29 (GMT+7)"),
        ("separator", "."),
        ("caption", "Hiệp hội Doanh nghiệp tỉnh Tiền Giang và VNPT Tiền Giang ký kết"),
        ("caption", "Hiệp hội Doanh nghiệp tỉnh Tiền Giang và VNPT Tiền Giang ký kết"),
        ("caption", "Đại biểu thực hiện nghi thức khai trương nền tảng Chính quyền số"),
        ("caption", "Đại biểu thực hiện nghi thức khai trương nền tảng Chính quyền số"),
        ("byline", "A.P"),
        ("separator", "."),
        ("separator", "."),
        ("separator", "."),
    ],
    "vinh-long": [
        ("title", "Triển khai hiệu quả chuyển đổi số"),
        ("timestamp", "01:09, 22/09/2022"),
        ("caption", "Viettel Vĩnh Long hướng dẫn người dân sử dụng dịch vụ không dùng"),
        ("caption", "Viettel Vĩnh Long hướng dẫn người dân sử dụng dịch vụ không dùng"),
        ("duplicate", "(VLO) Cùng với cả nước, Vĩnh Long đã và đang bước vào"),
        ("byline", "Bài, ảnh: KHÁNH DUY"),
        ("hotline", "Đường dây nóng: 0987083838."),
        ("page chrome", "Phóng sự ảnh"),
    ],
    "ba-ria-vung-tau": [
        ("byline", "Chu Tuấn"),
    ],
}


@pytest.mark.parametrize("doc_id", sorted(EXPECTED_DROPS))
def test_sample_articles_drop_exactly_their_furniture(doc_id: str) -> None:
    cleaned = _clean_sample(doc_id)
    expected = EXPECTED_DROPS[doc_id]
    assert [reason for reason, _ in cleaned.dropped] == [reason for reason, _ in expected]
    for (_, line), (_, start) in zip(cleaned.dropped, expected, strict=True):
        assert line.startswith(start), (line, start)


def test_sample_metadata_found_in_the_text() -> None:
    assert _clean_sample("vinh-long").dateline == "(VLO)"
    assert _clean_sample("vinh-long").byline == "KHÁNH DUY"
    assert _clean_sample("vinh-long").published == "2022-09-22"
    assert _clean_sample("tien-giang").published == "2022-05-20"
    assert _clean_sample("tien-giang").byline == "A.P"
    assert _clean_sample("ba-ria-vung-tau").byline == "Chu Tuấn"
    assert _clean_sample("binh-phuoc").byline is None


@pytest.mark.parametrize("doc_id", sorted(EXPECTED_DROPS))
def test_sample_text_keeps_every_other_paragraph(doc_id: str) -> None:
    entry = _manifest()[doc_id]
    raw = (SAMPLE / entry["file"]).read_text("utf-8")
    cleaned = _clean_sample(doc_id)
    raw_lines = [normalize(line) for line in raw.splitlines() if normalize(line)]
    kept = cleaned.text.split("\n")
    # Every kept paragraph comes from the raw text; nothing else is lost.
    assert len(kept) + len([d for d in cleaned.dropped if d[0] != "dateline"]) == len(raw_lines)
    assert all(p in normalize(raw) for p in kept)
    assert normalize(cleaned.text) == cleaned.text
    for noise in ("Ảnh:", "Có thể bạn quan tâm", ">>", "Đường dây nóng", "GMT+7"):
        assert noise not in cleaned.text


def test_sample_subheadings_are_kept() -> None:
    assert "Nền tảng là CNTT" in _clean_sample("binh-phuoc").text.split("\n")
    assert "Đi trước, đón đầu" in _clean_sample("binh-phuoc").text.split("\n")
    assert "Thay đổi tổng thể và toàn diện" in _clean_sample("tien-giang").text.split("\n")
    ben_tre = _clean_sample("ben-tre").text.split("\n")
    assert "Người dân- nhân tố tích cực tham gia vào quá trình chuyển đổi số" in ben_tre


def test_vinh_long_lead_kept_once() -> None:
    text = _clean_sample("vinh-long").text
    lead = "Cùng với cả nước, Vĩnh Long đã và đang bước vào công cuộc chuyển đổi số (CĐS)."
    assert text.startswith(lead)
    assert text.count(lead) == 1
    assert "(VLO)" not in text


# --- one synthetic case per rule -------------------------------------------------------

PARA = (
    "Năm 2023, tỉnh đã triển khai nhiều giải pháp nâng cao chất lượng dịch vụ công trực "
    "tuyến, góp phần cải thiện chỉ số cải cách hành chính và sự hài lòng của người dân."
)


def _drops(raw: str, **kw: str) -> list[str]:
    return [reason for reason, _ in clean_article(raw, **kw).dropped]


def test_repeated_caption_both_copies_dropped() -> None:
    caption = "Lãnh đạo tỉnh thăm gian hàng chuyển đổi số."
    cleaned = clean_article(f"{PARA}\n{caption}\n{caption}\n{PARA} Thêm.")
    assert caption not in cleaned.text
    assert [r for r, _ in cleaned.dropped] == ["caption", "caption"]


def test_repeated_long_paragraph_keeps_first() -> None:
    cleaned = clean_article(f"{PARA}\nĐoạn giữa.\n{PARA}")
    assert cleaned.text == f"{PARA}\nĐoạn giữa."
    assert cleaned.dropped == [("duplicate", PARA)]


def test_photo_credits() -> None:
    assert _drops(f"{PARA}\nẢnh: Internet") == ["photo credit"]
    assert _drops(f"{PARA}\nẢnh minh họa") == ["photo credit"]
    assert _drops(f"{PARA}\nNguồn ảnh: Báo Bình Phước") == ["photo credit"]
    cleaned = clean_article(f"{PARA} (Ảnh: Tuấn Minh)")
    assert cleaned.text == PARA
    assert cleaned.dropped == [("photo credit", "(Ảnh: Tuấn Minh)")]
    short = clean_article(f"{PARA}\nNgười dân làm thủ tục tại bộ phận một cửa. Ảnh: H.Vy")
    assert short.text == PARA
    assert short.dropped[0][0] == "caption"


def test_related_links_and_trailing_block() -> None:
    raw = f"{PARA}\n>>Tin khác về chuyển đổi số\n{PARA} Hai.\nCó thể bạn quan tâm\nBài một\nBài hai"
    cleaned = clean_article(raw)
    assert cleaned.text == f"{PARA}\n{PARA} Hai."
    assert [r for r, _ in cleaned.dropped] == [
        "related link", "related heading", "related block", "related block"]


def test_related_heading_followed_by_real_paragraphs_keeps_them() -> None:
    cleaned = clean_article(f"{PARA}\nXem thêm\n{PARA} Và tiếp tục phát triển hạ tầng số.")
    assert cleaned.text == f"{PARA}\n{PARA} Và tiếp tục phát triển hạ tầng số."


def test_hotline_phone_chrome_separators() -> None:
    raw = f"{PARA}\nHotline: 0912 345 678\n0987.083.838\nPhóng sự ảnh\n* * *\n-----"
    assert _drops(raw) == ["hotline", "phone number", "page chrome", "separator", "separator"]


def test_bylines() -> None:
    assert clean_article(f"{PARA}\nTheo Chinhphu.vn").byline == "Theo Chinhphu.vn"
    assert clean_article(f"{PARA}\nNguồn: Báo Bình Phước").byline == "Nguồn: Báo Bình Phước"
    assert clean_article(f"{PARA}\nPV").byline == "PV"
    assert clean_article(f"{PARA}\nMinh Thư (tổng hợp)").byline == "Minh Thư (tổng hợp)"
    assert clean_article(f"{PARA}\nBài và ảnh: Hồng Nhung").byline == "Hồng Nhung"
    # A name that does not look like one is recognised through the manifest's author.
    with_author = clean_article(f"{PARA}\nthuy.tran", author="thuy.tran")
    assert with_author.text == PARA and with_author.byline == "thuy.tran"


def test_title_repeated_as_first_line() -> None:
    cleaned = clean_article(f"Tỉnh X đẩy mạnh “chuyển đổi số”\n{PARA}",
                            title='Tỉnh X đẩy mạnh "chuyển đổi số"')
    assert cleaned.text == PARA
    assert cleaned.dropped[0][0] == "title"


@pytest.mark.parametrize(
    ("opening", "dateline"),
    [
        ("(Baobinhphuoc) - ", "(Baobinhphuoc)"),
        ("(Chinhphu.vn) - ", "(Chinhphu.vn)"),
        ("TPO - ", "TPO"),
        ("Vĩnh Long, ngày 22/9/2022 - ", "Vĩnh Long, ngày 22/9/2022"),
    ],
)
def test_dateline_removed_from_first_paragraph(opening: str, dateline: str) -> None:
    cleaned = clean_article(opening + PARA)
    assert cleaned.dateline == dateline
    assert cleaned.text == PARA


def test_timestamp_line() -> None:
    cleaned = clean_article(f"Thứ Hai, 03/07/2023 08:15 (GMT+7)\n{PARA}")
    assert cleaned.text == PARA
    assert cleaned.published == "2023-07-03"


# --- ordinary paragraphs survive -------------------------------------------------------


@pytest.mark.parametrize(
    "paragraph",
    [
        "Ảnh hưởng của dịch COVID-19 khiến nhiều doanh nghiệp chậm chuyển đổi số.",
        "Ông cho biết: kết quả năm nay >> kết quả năm ngoái, nhờ chính quyền số.",
        "Tỉnh sử dụng ảnh vệ tinh để quản lý đất đai.",
        "Theo đó, tỉnh sẽ đẩy mạnh chuyển đổi số.",
        "Tại Hà Nội, ngày 5/3/2024, Bộ Thông tin và Truyền thông tổ chức hội nghị.",
        "Sáng ngày 27/1/2024, UBND tỉnh BR-VT đã tổ chức Hội nghị.",
        "Đi trước, đón đầu",
        "Tin: tỉnh sẽ tổ chức hội nghị vào tuần sau.",
        "Hotline 1022 của tỉnh đã tiếp nhận 5.000 cuộc gọi, giải đáp kịp thời cho người dân.",
    ],
)
def test_ordinary_paragraph_is_not_dropped(paragraph: str) -> None:
    cleaned = clean_article(f"{PARA}\n{paragraph}\n{PARA} Cuối.")
    assert paragraph in cleaned.text.split("\n")
    assert cleaned.dropped == []


@pytest.mark.parametrize("last", ["Đây là bước đi đúng đắn.", "Theo đó tỉnh sẽ tiếp tục."])
def test_ordinary_short_final_line_is_not_a_byline(last: str) -> None:
    cleaned = clean_article(f"{PARA}\n{last}")
    assert cleaned.byline is None
    assert cleaned.text.endswith(last)


def test_empty_input() -> None:
    cleaned = clean_article("\n \n")
    assert cleaned.text == ""
    assert cleaned.dropped == []
