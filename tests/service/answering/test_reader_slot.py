"""The pipeline's read -> verify -> decide stages with a trained reader in the slot (a
scripted reader here: what the trained one returns is tested in readers/)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from retriever.search import Searcher
from service.answering import QAPipeline
from service.answering.readers.base import Candidate, ReaderKind, Reading, ReadRequest
from service.answering.readers.choice import combine
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
              kind: ReaderKind = ReaderKind.NEURAL, **options: float | bool) -> QAPipeline:
    # The readers alone: ranking questions of the sample would be answered from its facts.
    return QAPipeline(searcher, neural=reader, reader=kind, cache_size=0,  # type: ignore[arg-type]
                      facts=False, **options)


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
                                                       no_answer=0.05),
                       neural_min_probability=0.3).answer(question)
    assert unsure.abstained and unsure.reason == DeclineReason.NO_ANSWER
    null_wins = ScriptedReader("thứ 14/63", probability=0.4, no_answer=0.5)
    declined = _pipeline(sample_searcher, null_wins, decline_on_null=True).answer(question)
    assert declined.abstained and declined.reason == DeclineReason.NO_ANSWER
    # Off by default (measured: it costs more answers than it saves).
    answered = _pipeline(sample_searcher, null_wins).answer(question)
    assert not answered.abstained and answered.span == "thứ 14/63"
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


def _candidate(start: int, end: int, score: float, passage: int = 0,
               sentence: tuple[int, int] = (0, 40), text: str = "") -> Candidate:
    return Candidate(passage, start, end, text or f"span{start}", sentence[0], sentence[1],
                     text or f"the sentence span{start}", score)


def test_combine_takes_the_trained_span_inside_the_rules_sentence() -> None:
    rules = Candidate(0, 0, 0, None, 0, 40, "Tỉnh xếp thứ 9 cả nước", 0.6)
    inside = Candidate(0, 8, 13, "thứ 9", 5, 30, "xếp thứ 9", 0.4)
    elsewhere = Candidate(1, 3, 8, "thứ 7", 0, 20, "thứ 7", 0.5)
    combined = combine(rules, [elsewhere, inside])
    assert combined.reader == ReaderKind.NEURAL and combined.candidate.span == "thứ 9"
    # The rules' sentence, score and passage stay: only the span is the trained reader's.
    assert combined.candidate.answer_text == rules.answer_text
    assert combined.candidate.score == rules.score and combined.candidate.passage_index == 0
    assert combined.candidate.features["span_probability"] == 0.4
    # Very sure elsewhere: its own sentence wins.
    sure = Candidate(1, 3, 8, "thứ 7", 0, 20, "thứ 7", 0.9)
    assert combine(rules, [sure, inside]).candidate is sure
    assert combine(rules, [sure, inside], switch_probability=1.0).candidate.span == "thứ 9"
    # Nothing inside (or a span the shown sentence does not hold): the rules' answer as it is.
    outside_text = Candidate(0, 30, 35, "khác", 25, 40, "khác", 0.3)
    assert combine(rules, [elsewhere, outside_text]).candidate is rules
    assert combine(rules, []).reader == ReaderKind.RULES
    with pytest.raises(ValueError, match="between 0 and 1"):
        combine(rules, [], switch_probability=1.5)


def test_auto_answers_with_the_rules_sentence_and_the_trained_span(
        sample_searcher: Searcher) -> None:
    question = "Bình Phước xếp hạng chuyển đổi số thứ mấy?"
    rules_only = QAPipeline(sample_searcher, cache_size=0, facts=False).answer(question)
    reader = ScriptedReader("thứ 9 cả nước", probability=0.5)
    auto = _pipeline(sample_searcher, reader, ReaderKind.AUTO).answer(question)
    assert auto.reader == ReaderKind.NEURAL and auto.span == "thứ 9 cả nước"
    assert auto.text == rules_only.text and auto.citations == rules_only.citations
    # The rules' passage is read first, then the others.
    assert reader.requests[-1].passages[0].chunk.chunk_id == rules_only.citations[0].chunk_id
    # A reader finding nothing in that sentence leaves the rules' answer untouched.
    nothing = _pipeline(sample_searcher, ScriptedReader("Mỹ Tho", probability=0.5),
                        ReaderKind.AUTO).answer(question)
    assert nothing.reader == ReaderKind.RULES and nothing.span == rules_only.span == "thứ 9"
    # The rules' declines stand: the trained reader is not asked.
    declining = ScriptedReader("thứ 9")
    declined = _pipeline(sample_searcher, declining, ReaderKind.AUTO).answer(
        "Hà Nội xếp hạng thứ mấy?")
    assert declined.abstained and declining.requests == []


def test_a_reader_kind_needs_its_reader(sample_searcher: Searcher) -> None:
    with pytest.raises(ValueError, match="needs the trained reader"):
        QAPipeline(sample_searcher, reader=ReaderKind.NEURAL)
