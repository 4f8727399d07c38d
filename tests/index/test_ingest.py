from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.ingest import IngestError, load_sample_corpus, parse_date, read_corpus, slugify
from retriever.text.normalize import normalize

SAMPLE = Path(__file__).resolve().parents[2] / "index" / "sample_corpus"

BODY = (
    "Năm 2023, tỉnh đã triển khai nhiều giải pháp nâng cao chất lượng dịch vụ công trực "
    "tuyến, góp phần cải thiện chỉ số cải cách hành chính và sự hài lòng của người dân."
)


def _errors_for(result, name: str) -> list[IngestError]:
    return [e for e in result.errors if Path(e.path).name == name]


# --- the sample corpus -----------------------------------------------------------------


def test_sample_corpus_has_manifest_metadata() -> None:
    result = load_sample_corpus()
    assert result.errors == []
    manifest = json.loads((SAMPLE / "manifest.json").read_text("utf-8"))
    assert [d.doc_id for d in result.documents] == [e["doc_id"] for e in manifest]
    for doc, entry in zip(result.documents, manifest, strict=True):
        assert doc.title == normalize(entry["title"])
        assert doc.province == entry["province"]
        assert doc.published == entry["published"]
        assert doc.author == entry["author"]
        assert doc.source is not None and doc.source.endswith(entry["file"])
        assert doc.text == normalize(doc.text)
        assert doc.text and "Ảnh:" not in doc.text


def test_sample_corpus_documents() -> None:
    docs = {d.doc_id: d for d in load_sample_corpus().documents}
    assert docs["vinh-long"].dateline == "(VLO)"
    assert not docs["ben-tre"].text.startswith("Đẩy mạnh thực hiện 3 trụ cột")
    assert "Có thể bạn quan tâm" not in docs["binh-phuoc"].text
    assert "1.506 dịch vụ công trực tuyến" in docs["binh-phuoc"].text
    assert not docs["ba-ria-vung-tau"].text.endswith("Chu Tuấn")


def test_shared_corpus_copy_reads_the_same() -> None:
    shared = Path("/work/shared/corpus")
    if not shared.is_dir():
        pytest.skip("no shared corpus on this machine")
    assert read_corpus(shared).documents == [
        d.__class__(**{**d.__dict__, "source": str(shared / Path(d.source).name)})
        for d in load_sample_corpus().documents
    ]


def test_folder_without_manifest_detects_metadata(tmp_path: Path) -> None:
    for f in SAMPLE.glob("*.txt"):
        (tmp_path / f.name).write_bytes(f.read_bytes())
    result = read_corpus(tmp_path)
    assert result.errors == []
    docs = {d.doc_id: d for d in result.documents}
    assert set(docs) == {"ba-ria-vung-tau", "ben-tre", "binh-phuoc", "tien-giang", "vinh-long"}
    assert docs["ben-tre"].title == "Đẩy mạnh thực hiện 3 trụ cột chính về chuyển đổi số"
    assert docs["vinh-long"].title == "Triển khai hiệu quả chuyển đổi số"
    # Province from the text: BR-VT only ever writes "BR-VT" and "TP Bà Rịa".
    assert docs["ba-ria-vung-tau"].province == "Bà Rịa - Vũng Tàu"
    assert docs["tien-giang"].province == "Tiền Giang"
    # Dates from the articles' own timestamp lines.
    assert docs["tien-giang"].published == "2022-05-20"
    assert docs["vinh-long"].published == "2022-09-22"
    # A first line that is a paragraph is not taken as the title (nor removed).
    assert docs["ba-ria-vung-tau"].text.startswith("Sáng ngày 27/1/2024")
    assert docs["ba-ria-vung-tau"].title.startswith("Sáng ngày 27/1/2024, UBND tỉnh BR-VT")


def test_province_detection_when_manifest_lacks_it(tmp_path: Path) -> None:
    (tmp_path / "brvt.txt").write_text(
        "Tổng kết chuyển đổi số\nUBND tỉnh BR-VT cho biết, tỉnh Bà Rịa - Vũng Tàu đã "
        f"đạt nhiều kết quả. {BODY}\nTại TP Hồ Chí Minh cũng vậy.",
        encoding="utf-8",
    )
    (tmp_path / "manifest.json").write_text(
        json.dumps([{"file": "brvt.txt", "doc_id": "brvt", "title": "Tổng kết chuyển đổi số"}]),
        encoding="utf-8",
    )
    doc = read_corpus(tmp_path).documents[0]
    assert doc.province == "Bà Rịa - Vũng Tàu"
    assert doc.title == "Tổng kết chuyển đổi số"
    assert doc.text.startswith("UBND tỉnh BR-VT")


def test_manifest_province_alias_is_canonicalised(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "manifest.json").write_text(json.dumps([
        {"file": "a.txt", "doc_id": "a", "title": "T", "province": "TP.HCM",
         "published": "20/5/2022"},
    ]), encoding="utf-8")
    doc = read_corpus(tmp_path).documents[0]
    assert doc.province == "TP. Hồ Chí Minh"
    assert doc.published == "2022-05-20"


# --- bad input -------------------------------------------------------------------------


def test_jsonl_with_a_broken_line(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    lines = [
        json.dumps({"doc_id": "a", "title": "Cần Thơ chuyển đổi số", "text": BODY,
                    "published": "2023-01-02"}, ensure_ascii=False),
        '{"doc_id": "b", "title": "hỏng", "text": ',
        json.dumps({"doc_id": "c", "title": "Thiếu text"}),
        "",
        json.dumps({"doc_id": "d", "title": "Đà Nẵng", "text": f"{BODY} Đà Nẵng dẫn đầu.",
                    "province": "Da Nang", "author": "PV", "url": "https://x.vn/d"}),
        json.dumps({"doc_id": "a", "title": "Trùng", "text": BODY}),
        json.dumps(["not", "an", "object"]),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = read_corpus(path)
    assert [d.doc_id for d in result.documents] == ["a", "d"]
    assert result.documents[0].province == "Cần Thơ"
    assert result.documents[0].published == "2023-01-02"
    assert result.documents[1].province == "Đà Nẵng"
    assert result.documents[1].url == "https://x.vn/d"
    by_line = {e.line: e for e in result.errors}
    assert set(by_line) == {2, 3, 6, 7}
    assert all(e.path == str(path) for e in result.errors)
    assert "invalid JSON" in by_line[2].message
    assert "text" in by_line[3].message and "missing" in by_line[3].message
    assert "duplicate doc_id 'a'" in by_line[6].message
    assert "object" in by_line[7].message
    assert str(by_line[2]).startswith(f"{path}:2: ")


def test_folder_with_bad_files(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(f"Bạc Liêu chuyển đổi số\n{BODY}", encoding="utf-8")
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"abc\x00\x01\x02def")
    (tmp_path / "latin1.txt").write_bytes("Bình Phước".encode("latin-1", errors="replace"))
    (tmp_path / ".hidden.txt").write_text("ignored", encoding="utf-8")
    result = read_corpus(tmp_path)
    assert [d.doc_id for d in result.documents] == ["good"]
    assert result.documents[0].province == "Bạc Liêu"
    assert len(result.errors) == 4
    assert "unsupported file type '.docx'" in _errors_for(result, "notes.docx")[0].message
    assert "empty" in _errors_for(result, "empty.txt")[0].message
    assert "binary" in _errors_for(result, "binary.txt")[0].message
    assert "UTF-8" in _errors_for(result, "latin1.txt")[0].message
    assert all(e.line is None for e in result.errors)


def test_duplicate_doc_id_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "b.txt").write_text(BODY + " Hai.", encoding="utf-8")
    (tmp_path / "manifest.json").write_text(json.dumps([
        {"file": "a.txt", "doc_id": "same", "title": "A"},
        {"file": "b.txt", "doc_id": "same", "title": "B"},
        {"file": "gone.txt", "doc_id": "gone", "title": "C"},
    ]), encoding="utf-8")
    result = read_corpus(tmp_path)
    assert [d.title for d in result.documents] == ["A"]
    assert {Path(e.path).name for e in result.errors} == {"b.txt", "gone.txt"}
    assert "duplicate doc_id 'same'" in _errors_for(result, "b.txt")[0].message
    assert "missing" in _errors_for(result, "gone.txt")[0].message


def test_missing_path() -> None:
    result = read_corpus(Path("/nonexistent/corpus"))
    assert result.documents == []
    assert result.errors[0].message == "no such file or folder"


def test_broken_manifest_is_reported_and_files_still_read(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "manifest.json").write_text("[{", encoding="utf-8")
    result = read_corpus(tmp_path)
    assert len(result.documents) == 1
    assert "manifest" in result.errors[0].message


# --- formats ---------------------------------------------------------------------------

HTML = """<!doctype html>
<html><head><title>Cà Mau đẩy mạnh chuyển đổi số | Báo Cà Mau</title>
<meta property="article:published_time" content="2023-03-05T08:00:00+07:00">
<script>var province = "Bình Dương"; document.write("<p>quảng cáo</p>");</script>
<style>p { color: red }</style></head>
<body>
<header><nav><a href="/">Trang chủ</a> <a href="/ts">Thời sự</a></nav></header>
<nav class="breadcrumb">Tin tức &gt; Chuyển đổi số</nav>
<aside>Tin nóng: Hà Nội mưa lớn</aside>
<article>
  <h1>Cà Mau đẩy mạnh chuyển đổi số</h1>
  <p>(Baocamau) - Tỉnh Cà Mau đã triển khai <b>nhiều</b> giải pháp &amp; đạt kết quả tốt.
  <p>Tỷ lệ DVCTT toàn trình đạt 60%.<br>Năm 2024 tỉnh phấn đấu đạt 80%.</p>
  <figure><img src="a.jpg"><figcaption>Hội nghị tổng kết. Ảnh: T.L</figcaption></figure>
  <div class="related-news"><a href="/x">Bạc Liêu cũng chuyển đổi số</a></div>
  <ul><li>Hạ tầng số<li>Dữ liệu số</ul>
  <script>trackView();</script>
</article>
<footer>Bản quyền © Báo Cà Mau. Đường dây nóng: 0290 1234 567</footer>
</body></html>
"""


def test_html_keeps_only_the_main_text(tmp_path: Path) -> None:
    (tmp_path / "ca-mau.html").write_text(HTML, encoding="utf-8")
    result = read_corpus(tmp_path / "ca-mau.html")
    assert result.errors == []
    doc = result.documents[0]
    assert doc.title == "Cà Mau đẩy mạnh chuyển đổi số"
    assert doc.text == (
        "Tỉnh Cà Mau đã triển khai nhiều giải pháp & đạt kết quả tốt.\n"
        "Tỷ lệ DVCTT toàn trình đạt 60%.\nNăm 2024 tỉnh phấn đấu đạt 80%.\n"
        "Hạ tầng số\nDữ liệu số"
    )
    assert doc.dateline == "(Baocamau)"
    assert doc.province == "Cà Mau"
    assert doc.published == "2023-03-05"
    for junk in ("<", "var province", "trackView", "Trang chủ", "Hà Nội", "Bản quyền",
                 "Bạc Liêu", "color", "quảng cáo"):
        assert junk not in doc.text


def test_html_without_article_uses_the_densest_block(tmp_path: Path) -> None:
    html = (
        "<html><head><title>Sóc Trăng</title></head><body><div id='menu'><p>Menu</p></div>"
        f"<div class='content'><p>{BODY}</p><p>Sóc Trăng tiếp tục phát triển.</p></div>"
        "<div><p>Liên kết</p></div></body></html>"
    )
    (tmp_path / "st.htm").write_text(html, encoding="utf-8")
    doc = read_corpus(tmp_path / "st.htm").documents[0]
    assert doc.text == f"{BODY}\nSóc Trăng tiếp tục phát triển."
    assert doc.title == "Sóc Trăng"


def test_html_without_text_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "blank.html").write_text(
        "<html><body><script>x()</script></body></html>", encoding="utf-8")
    result = read_corpus(tmp_path)
    assert result.documents == []
    assert Path(result.errors[0].path).name == "blank.html"


def test_markdown_file(tmp_path: Path) -> None:
    (tmp_path / "an-giang.md").write_text(
        "# An Giang phát triển kinh tế số\n\n"
        f"**An Giang** đã triển khai [nền tảng số](https://x.vn) rộng khắp. {BODY}\n\n"
        "![ảnh](a.jpg)\n\n## Kết quả\n\n- Hạ tầng số phủ khắp\n- Dữ liệu số dùng chung\n",
        encoding="utf-8",
    )
    doc = read_corpus(tmp_path).documents[0]
    assert doc.doc_id == "an-giang"
    assert doc.title == "An Giang phát triển kinh tế số"
    assert doc.province == "An Giang"
    assert doc.text.split("\n") == [
        f"An Giang đã triển khai nền tảng số rộng khắp. {BODY}",
        "Kết quả", "Hạ tầng số phủ khắp", "Dữ liệu số dùng chung",
    ]


def test_single_file_uses_its_folders_manifest() -> None:
    doc = read_corpus(SAMPLE / "tien-giang.txt").documents[0]
    assert doc.doc_id == "tien-giang"
    assert doc.author == "A.P"


# --- helpers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-05-20", "2022-05-20"),
        ("20/5/2022", "2022-05-20"),
        ("20-05-2022", "2022-05-20"),
        ("20.5.2022", "2022-05-20"),
        ("2022-05-20T10:29:00+07:00", "2022-05-20"),
        ("31/2/2022", None),
        ("tháng 5", None),
        (None, None),
        (20220520, None),
    ],
)
def test_parse_date(value: object, expected: str | None) -> None:
    assert parse_date(value) == expected


def test_slugify() -> None:
    assert slugify("Bà Rịa - Vũng Tàu") == "ba-ria-vung-tau"
    assert slugify("Đắk Lắk 2023") == "dak-lak-2023"
    assert slugify("???") == "doc"


def test_jsonl_document_without_title_gets_one_from_its_text(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps({"doc_id": "q1", "text": "Quy chế đào tạo áp dụng cho "
                                "sinh viên hệ chính quy từ khóa 2020 trở đi."},
                               ensure_ascii=False) + "\n", encoding="utf-8")
    result = read_corpus(path)
    assert not result.errors
    doc = result.documents[0]
    assert doc.title.startswith("Quy chế đào tạo") and "khóa 2020" in doc.text
