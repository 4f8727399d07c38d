"""The pipeline's read -> verify -> decide stages with a trained reader in the slot (a
scripted reader here: what the trained one returns is tested in readers/)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from retriever.search import Searcher
from service.answering import QAPipeline
from service.answering.question import analyse_question
from service.answering.readers.base import Candidate, ReaderKind, Reading, ReadRequest
from service.answering.readers.choice import auto_choice
from service.answering.reasons import DeclineReason


@dataclass
class ScriptedReader:
    """Returns, for each passage it is given, the span `find` at the given probability."""

    find: str
    probability: float = 0.8
    no_answer: float = 0.1
    kind: ReaderKind = ReaderKind.NEURAL
    requests: list[ReadRequest] = field(default_factory=list)

    def read(self, request: ReadRequest) -> Reading:
        self.requests.append(request)
        candidates = []
        for index, passage in enumerate(request.passages):
            start = passage.chunk.text.find(self.find)
            if start >= 0:
                end = start + len(self.find)
                candidates.append(Candidate(index, start, end, self.find, max(0, start - 20),
                                            end, passage.chunk.text[max(0, start - 20):end],
                                            self.probability))
        return Reading(self.kind, candidates, self.no_answer)


def _pipeline(searcher: Searcher, reader: ScriptedReader,
              kind: ReaderKind = ReaderKind.NEURAL) -> QAPipeline:
    return QAPipeline(searcher, neural=reader, reader=kind, cache_size=0)  # type: ignore[arg-type]


def test_the_trained_reader_answers_and_its_passage_is_cited_first(
        sample_searcher: Searcher) -> None:
    reader = ScriptedReader("thứ 14/63")
    answer = _pipeline(sample_searcher, reader).answer(
        "Kinh tế số của Bình Phước xếp thứ mấy?")
    assert not answer.abstained and answer.span == "thứ 14/63"
    assert answer.reader == ReaderKind.NEURAL
    assert "thứ 14/63" in answer.citations[0].text and answer.text.endswith("[1].")
    # Only passages about the province asked reach the reader.
    assert all(p.chunk.province == "Bình Phước" for p in reader.requests[-1].passages)


def test_it_declines_when_no_answer_wins_or_the_span_is_unlikely(
        sample_searcher: Searcher) -> None:
    question = "Kinh tế số của Bình Phước xếp thứ mấy?"
    unsure = _pipeline(sample_searcher, ScriptedReader("thứ 14/63", probability=0.2,
                                                       no_answer=0.05)).answer(question)
    assert unsure.abstained and unsure.reason == DeclineReason.NO_ANSWER
    null_wins = _pipeline(sample_searcher, ScriptedReader("thứ 14/63", probability=0.4,
                                                          no_answer=0.5)).answer(question)
    assert null_wins.abstained and null_wins.reason == DeclineReason.NO_ANSWER
    nothing = _pipeline(sample_searcher, ScriptedReader("không có chuỗi này")).answer(question)
    assert nothing.abstained and nothing.reason == DeclineReason.NO_ANSWER


def test_a_year_the_passage_does_not_state_is_not_the_answer(
        sample_searcher: Searcher) -> None:
    answer = _pipeline(sample_searcher, ScriptedReader("thứ 14/63")).answer(
        "Kinh tế số của Bình Phước năm 2019 xếp thứ mấy?")
    assert answer.abstained and answer.reason == DeclineReason.YEAR


def test_a_province_the_corpus_lacks_is_declined_before_reading(
        sample_searcher: Searcher) -> None:
    reader = ScriptedReader("thứ 9")
    answer = _pipeline(sample_searcher, reader).answer("Hà Nội xếp hạng thứ mấy?")
    assert answer.abstained and answer.reason == DeclineReason.PROVINCE
    assert reader.requests == []


def test_auto_sends_typed_province_questions_to_the_rules() -> None:
    typed = analyse_question("Bình Phước xếp hạng chuyển đổi số thứ mấy?")
    open_question = analyse_question("Đế quốc Parthia thất bại vì sao?")
    assert auto_choice(typed, province_corpus=True) == ReaderKind.RULES
    assert auto_choice(typed, province_corpus=False) == ReaderKind.NEURAL
    assert auto_choice(open_question, province_corpus=True) == ReaderKind.NEURAL


def test_auto_uses_both_readers(sample_searcher: Searcher) -> None:
    reader = ScriptedReader("Mỹ Tho")
    pipeline = _pipeline(sample_searcher, reader, ReaderKind.AUTO)
    ranked = pipeline.answer("Bình Phước xếp hạng chuyển đổi số thứ mấy?")
    assert ranked.span == "thứ 9" and ranked.reader == ReaderKind.RULES
    assert reader.requests == []
    city = pipeline.answer("Tiền Giang phấn đấu xây dựng đô thị thông minh cho thành phố nào?")
    assert city.reader == ReaderKind.NEURAL and city.span == "Mỹ Tho"


def test_a_reader_kind_needs_its_reader(sample_searcher: Searcher) -> None:
    with pytest.raises(ValueError, match="needs the trained reader"):
        QAPipeline(sample_searcher, reader=ReaderKind.NEURAL)
