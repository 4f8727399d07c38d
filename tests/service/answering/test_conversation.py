"""A conversation's context only where a question needs it; small talk; English replies;
declines that fit the corpus."""

from __future__ import annotations

import pytest

from index.store import CorpusIndex
from retriever.encoder import Encoder
from retriever.types import Chunk, Document
from service.answering import QAPipeline, Turn
from service.answering.followup import resolve_followup
from service.answering.reasons import DeclineReason
from service.answering.scope import CorpusScope
from service.answering.small_talk import SmallTalk, small_talk

BINH_PHUOC = [Turn("user", "Bình Phước xếp hạng chuyển đổi số thứ mấy?"),
              Turn("assistant", "Bình Phước đứng thứ 9 [1].")]
OFF_TOPIC = ["Giá vàng hôm nay bao nhiêu?", "Ai là tổng thống Mỹ?",
             "Thời tiết ngày mai thế nào?"]


@pytest.mark.parametrize("message", OFF_TOPIC)
def test_an_off_topic_question_is_declined_with_or_without_history(
        pipeline: QAPipeline, message: str) -> None:
    for history in ([], BINH_PHUOC):
        answer = pipeline.answer(message, history)
        assert answer.abstained, (history, answer.text)
        assert answer.citations == [] and answer.sources == []
        assert "Bình Phước đã" not in answer.text


def test_the_conversations_province_narrows_a_question_that_needs_it(
        pipeline: QAPipeline) -> None:
    resolved = resolve_followup("Giá vàng hôm nay bao nhiêu?", BINH_PHUOC)
    assert resolved.within == "Bình Phước" and resolved.own == "Giá vàng hôm nay bao nhiêu?"
    five_g = [Turn("user", "BR-VT có bao nhiêu trạm 5G?"), Turn("assistant", "10 trạm [1].")]
    answer = pipeline.answer("Do doanh nghiệp nào triển khai?", five_g)
    assert not answer.abstained and "Viettel" in answer.text
    assert {c.doc_id for c in answer.citations} == {"ba-ria-vung-tau"}
    assert answer.resolved_question.startswith("Bà Rịa - Vũng Tàu")
    # A short question about the same province keeps working.
    goal = pipeline.answer("Mục tiêu đến năm 2025 là gì?", BINH_PHUOC)
    assert "20% GRDP" in goal.text and goal.citations[0].doc_id == "binh-phuoc"


@pytest.mark.parametrize(("message", "kind", "language"), [
    ("Xin chào", SmallTalk.GREETING, "vi"), ("Chào bạn ạ!", SmallTalk.GREETING, "vi"),
    ("xin chao", SmallTalk.GREETING, "vi"), ("Cảm ơn nhé", SmallTalk.THANKS, "vi"),
    ("Bạn làm được gì?", SmallTalk.HELP, "vi"), ("Tạm biệt", SmallTalk.BYE, "vi"),
    ("Hello!", SmallTalk.GREETING, "en"), ("What can you do?", SmallTalk.HELP, "en"),
    ("thank you so much", SmallTalk.THANKS, "en"),
])
def test_small_talk_is_recognised(message: str, kind: SmallTalk, language: str) -> None:
    assert small_talk(message) == (kind, language)


@pytest.mark.parametrize("message", ["Xin chào, Bình Phước xếp hạng thứ mấy?", "chào mừng",
                                     "Cảm ơn ai?", "cháo lòng bao nhiêu tiền"])
def test_questions_are_not_small_talk(message: str) -> None:
    assert small_talk(message) is None


def test_greetings_and_help_get_a_short_reply_of_our_own(pipeline: QAPipeline) -> None:
    for history in ([], BINH_PHUOC):
        hello = pipeline.answer("Xin chào", history)
        assert hello.abstained and hello.reason == DeclineReason.SMALL_TALK
        assert hello.citations == [] and hello.text.startswith("Xin chào!")
        assert "Bình Phước" in hello.text and "Ví dụ:" in hello.text
        assert "không tìm thấy" not in hello.text
    helping = pipeline.answer("Bạn làm được gì?")
    assert helping.reason == DeclineReason.SMALL_TALK and "dẫn đoạn văn" in helping.text
    assert pipeline.answer("Cảm ơn").text.startswith("Rất vui")
    english = pipeline.answer("What can you do?")
    assert english.text.startswith("I answer questions") and "Xin" not in english.text


def test_an_english_question_gets_an_english_reply_around_the_evidence(
        pipeline: QAPipeline) -> None:
    answer = pipeline.answer("What is the digital transformation rank of Binh Phuoc?")
    assert not answer.abstained
    assert answer.text.startswith("The articles say (in Vietnamese): “")
    assert "thứ 9" in answer.text and "[1]" in answer.text
    declined = pipeline.answer("What is the digital transformation rank of Hanoi?")
    assert declined.abstained and declined.text.startswith("Sorry")
    assert "Xin lỗi" not in declined.text and "Bình Phước" in declined.text


def test_an_invented_province_is_declined_by_its_name(pipeline: QAPipeline) -> None:
    answer = pipeline.answer("Tỉnh Bắc Hải xếp hạng chuyển đổi số thứ mấy?")
    assert answer.abstained and answer.reason == DeclineReason.PROVINCE
    assert "không nói về Bắc Hải" in answer.text


def test_citations_are_what_the_text_cites_and_sources_the_rest(
        pipeline: QAPipeline) -> None:
    answer = pipeline.answer("Bình Phước xếp hạng chuyển đổi số thứ mấy?")
    assert [c.n for c in answer.citations] == [1] and answer.citations[0].doc_id == (
        "binh-phuoc")
    assert [c.n for c in answer.sources] == list(range(2, len(answer.sources) + 2))
    assert [c.n for c in answer.passages] == list(range(1, len(answer.sources) + 2))


def _chunk(doc_id: str, title: str, province: str | None, text: str = "Nội dung.") -> Chunk:
    return Chunk(f"{doc_id}#0", doc_id, text, 0, len(text), title, province=province)


def test_the_scope_of_a_corpus_about_provinces_or_not() -> None:
    provinces = CorpusScope.of([_chunk("a", "A", "An Giang", "Chuyển đổi số ở An Giang."),
                                _chunk("b", "B", "Cà Mau", "Chuyển đổi số ở Cà Mau.")])
    assert provinces.provinces == ("An Giang", "Cà Mau") and provinces.digital
    assert provinces.offer().startswith("Tôi có thể trả lời về chuyển đổi số của: An Giang")
    wiki = CorpusScope.of([_chunk("x", "Sông Mê Kông", None), _chunk("y", "Hà Nội", None),
                           _chunk("z", "Quy chế học vụ", "Hà Nội")])
    assert wiki.provinces == () and not wiki.digital
    assert wiki.topics == ("Sông Mê Kông", "Hà Nội", "Quy chế học vụ")
    assert "chuyển đổi số" not in wiki.offer() and "Sông Mê Kông" in wiki.offer()
    assert CorpusScope.of([]).offer().startswith("Bạn hãy thử hỏi")


def test_a_decline_over_a_corpus_not_about_provinces_offers_its_titles(
        encoder: Encoder) -> None:
    documents = [Document("song", "Sông Mê Kông", "Sông Mê Kông dài khoảng 4.350 km và chảy "
                          "qua sáu quốc gia."),
                 Document("quy-che", "Quy chế đào tạo đại học", "Sinh viên phải tích lũy "
                          "tối thiểu 120 tín chỉ để tốt nghiệp.")]
    pipeline = QAPipeline(CorpusIndex.build(documents, encoder).searcher(encoder))
    answer = pipeline.answer("Cách nấu phở bò ngon?")
    assert answer.abstained
    assert "Sông Mê Kông" in answer.text and "chuyển đổi số" not in answer.text
    assert pipeline.answer("Xin chào").text.count("chuyển đổi số") == 0
