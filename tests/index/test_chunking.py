from __future__ import annotations

import dataclasses

import pytest

from index.chunking import CHUNKER_VERSION, chunk_document, split_sentences
from index.ingest import load_sample_corpus
from retriever.types import Document


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


@pytest.fixture(scope="module")
def sample_docs() -> list[Document]:
    result = load_sample_corpus()
    assert not result.errors
    return result.documents


# --- sentences -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Bình Phước có 1.506 dịch vụ công trực tuyến được tích hợp.",
        "Tỷ lệ hồ sơ trực tuyến đạt 78,9% so với năm 2022.",
        "Doanh nghiệp tại TP.HCM và Tp. Hồ Chí Minh đều tham gia.",
        "Hội thảo có ThS. Nguyễn Văn An và TS. Lê Bình phát biểu.",
        "PGS.TS. Trần Minh cho biết như vậy.",
        "Nhà thờ St. Joseph nằm ở trung tâm.",
        'Ông nói: "Chuyển đổi số..." là việc của cả hệ thống chính trị.',
        "Các lĩnh vực giáo dục, y tế, du lịch v.v. đều chuyển đổi số.",
        "Hội nghị ngày 20.5.2022 đã thống nhất nội dung.",
        "Có các hãng Motorola, Nokia, BlackBerry… nhưng nay đã khác.",
        "Truy cập binhphuoc.gov.vn để biết thêm.",
        "Giá trị đạt 3.5 điểm trong năm.",
    ],
)
def test_not_split_inside(text: str) -> None:
    assert _sentences(text) == [text]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tỉnh đạt 100%. Năm 2024 tiếp tục.", ["Tỉnh đạt 100%.", "Năm 2024 tiếp tục."]),
        ("Có làm được không? Được!", ["Có làm được không?", "Được!"]),
        ('Ông nói: "Xong." "Tốt" là lời đáp.', ['Ông nói: "Xong."', '"Tốt" là lời đáp.']),
        ("Năm 2023 đạt kết quả. 100% xã có cáp quang.",
         ["Năm 2023 đạt kết quả.", "100% xã có cáp quang."]),
        ("Kết nối các cấp... Đây là nền tảng.", ["Kết nối các cấp...", "Đây là nền tảng."]),
        ("Dòng một\nDòng hai. Câu ba", ["Dòng một", "Dòng hai.", "Câu ba"]),
        ("1. Tăng cường CĐS. 2. Đẩy mạnh KTS.", ["1. Tăng cường CĐS.", "2. Đẩy mạnh KTS."]),
        ("Ở TP.HCM. Còn Hà Nội thì sao?", ["Ở TP.HCM.", "Còn Hà Nội thì sao?"]),
    ],
)
def test_split_between_sentences(text: str, expected: list[str]) -> None:
    assert _sentences(text) == expected


def test_sentence_offsets_are_trimmed_and_ordered() -> None:
    text = "  Câu một.   Câu hai.  \n\n  Câu ba.  "
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["Câu một.", "Câu hai.", "Câu ba."]
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))


def test_empty_text() -> None:
    assert split_sentences("") == []
    assert chunk_document(Document("d", "T", "")) == []


# --- chunks ----------------------------------------------------------------------------


def test_offsets_point_into_the_document(sample_docs: list[Document]) -> None:
    for doc in sample_docs:
        chunks = chunk_document(doc)
        assert chunks, doc.doc_id
        for chunk in chunks:
            assert doc.text[chunk.start : chunk.end] == chunk.text
            assert chunk.doc_id == doc.doc_id
            assert chunk.title == doc.title
            assert chunk.province == doc.province
            assert chunk.published == doc.published
        # In order, not overlapping, and together covering every non-blank character.
        assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:], strict=False))
        covered = "".join(c.text for c in chunks)
        assert "".join(covered.split()) == "".join(doc.text.split())


def test_no_sentence_is_cut(sample_docs: list[Document]) -> None:
    for doc in sample_docs:
        chunks = chunk_document(doc)
        for s, e in split_sentences(doc.text):
            assert any(c.start <= s and e <= c.end for c in chunks), doc.text[s:e]


def test_sample_chunk_sizes(sample_docs: list[Document]) -> None:
    for doc in sample_docs:
        for chunk in chunk_document(doc):
            assert len(chunk.text.split()) <= 220
            assert len(chunk.text.split()) >= 20


def test_subheading_joins_the_paragraph_it_introduces(sample_docs: list[Document]) -> None:
    doc = next(d for d in sample_docs if d.doc_id == "binh-phuoc")
    chunks = chunk_document(doc)
    heading = next(c for c in chunks if "Nền tảng là CNTT" in c.text)
    assert heading.text.startswith("Nền tảng là CNTT\nTrong thời gian qua, Bình Phước")


def test_deterministic_and_unique_ids(sample_docs: list[Document]) -> None:
    for doc in sample_docs:
        first = chunk_document(doc)
        assert first == chunk_document(doc)
        ids = [c.chunk_id for c in first]
        assert len(set(ids)) == len(ids)
        assert all(i.startswith(f"{doc.doc_id}#") for i in ids)


def test_ids_survive_an_edit_elsewhere(sample_docs: list[Document]) -> None:
    doc = sample_docs[0]
    before = chunk_document(doc)
    edited = dataclasses.replace(doc, text=doc.text + "\n" + "Đoạn bổ sung mới. " * 30)
    after = chunk_document(edited)
    assert [c.chunk_id for c in before[:-1]] == [c.chunk_id for c in after[: len(before) - 1]]


def test_duplicate_passages_get_suffixed_ids() -> None:
    para = "Tỉnh tiếp tục đẩy mạnh chuyển đổi số trong mọi lĩnh vực của đời sống. " * 5
    doc = Document("dup", "T", f"{para.strip()}\n{para.strip()}")
    ids = [c.chunk_id for c in chunk_document(doc)]
    assert len(ids) == 2
    assert ids[1] == ids[0] + "-2"


def test_thousand_word_paragraph_splits_between_sentences() -> None:
    sentences = [
        f"Trong giai đoạn {i}, tỉnh đã hoàn thành nhiều nhiệm vụ chuyển đổi số quan trọng."
        for i in range(62)
    ]
    text = " ".join(sentences)
    assert 950 <= len(text.split()) <= 1050
    chunks = chunk_document(Document("long", "T", text), target_words=120, max_words=220)
    assert len(chunks) >= 6
    for chunk in chunks:
        words = len(chunk.text.split())
        assert 60 <= words <= 220
        assert chunk.text.startswith("Trong giai đoạn")
        assert chunk.text.endswith("quan trọng.")
        assert text[chunk.start : chunk.end] == chunk.text


def test_run_on_text_without_punctuation_is_still_bounded() -> None:
    text = " ".join(f"từ{i}" for i in range(1000))
    chunks = chunk_document(Document("runon", "T", text))
    assert all(len(c.text.split()) <= 220 for c in chunks)
    assert sum(len(c.text.split()) for c in chunks) == 1000


def test_short_paragraphs_are_merged() -> None:
    body = "Nội dung đoạn văn dài về chuyển đổi số của tỉnh trong năm nay. " * 6
    doc = Document("m", "T", f"Tiêu đề phụ\n{body.strip()}\nKết thúc ngắn.")
    chunks = chunk_document(doc)
    assert len(chunks) == 1
    assert chunks[0].text == doc.text


def test_bad_parameters() -> None:
    with pytest.raises(ValueError):
        chunk_document(Document("x", "T", "Câu."), target_words=200, max_words=100)


def test_version_is_a_string() -> None:
    assert isinstance(CHUNKER_VERSION, str) and CHUNKER_VERSION
