"""The facts stage: ranking questions answered and declined from the index's facts, by the
index, year and subject they ask about, cited to the passage that states the fact."""

from __future__ import annotations

import pytest

from index.facts import (
    FactHit,
    FactPage,
    FactQuery,
    Level,
    Measure,
    RankingIndex,
    extract_facts,
)
from index.facts.constraints import question_constraints
from index.facts.types import Fact
from index.store import CorpusIndex
from retriever.encoder import Encoder
from retriever.errors import IndexMismatchError
from retriever.search import Searcher
from retriever.text.normalize import normalize
from retriever.types import Chunk, Document
from service.answering import QAPipeline
from service.answering.facts import (
    FactAnswerer,
    FactOutcome,
    index_of_term,
    names_index,
    short_span,
    stated_conflict,
)
from service.answering.pipeline import FACTS_READER
from service.answering.reasons import DeclineReason


def _doc(doc_id: str, title: str, text: str, published: str, province: str | None = None
         ) -> Document:
    return Document(doc_id, normalize(title), normalize(text), province, published)


RANKINGS = [
    _doc("qn-dti-2023", "Quảng Ngãi và DTI 2023",
         "Bộ Thông tin và Truyền thông công bố chỉ số chuyển đổi số cấp tỉnh (DTI) năm 2023. "
         "Theo đó, Quảng Ngãi xếp thứ 21/63 tỉnh, thành phố. Tỉnh sẽ tiếp tục đầu tư hạ tầng "
         "số và đào tạo nhân lực.", "2024-05-10", "Quảng Ngãi"),
    _doc("qn-pci-2022", "PCI 2022 của Quảng Ngãi",
         "Năm 2022, chỉ số năng lực cạnh tranh cấp tỉnh (PCI) của Quảng Ngãi xếp thứ 30/63. "
         "Doanh nghiệp đánh giá cao cải cách thủ tục.", "2023-04-20", "Quảng Ngãi"),
    # Two articles disagree about one year: both are cited, the newer first.
    _doc("bd-old", "Bình Định: DTI 2023", "Chỉ số DTI 2023 của Bình Định xếp thứ 14/63.",
         "2024-03-01", "Bình Định"),
    _doc("bd-new", "Bình Định và DTI 2023", "Theo DTI 2023, Bình Định xếp thứ 12/63.",
         "2024-06-01", "Bình Định"),
    _doc("pci-2023", "Công bố PCI 2023",
         "Năm 2023, Quảng Ninh đứng đầu bảng xếp hạng PCI. Các tỉnh miền núi còn nhiều khó "
         "khăn.", "2024-05-01"),
    _doc("qninh-dti-2022", "Quảng Ninh và DTI 2022",
         "Năm 2022, chỉ số chuyển đổi số (DTI) của Quảng Ninh xếp thứ 3/63. Tỉnh dẫn đầu về "
         "hạ tầng số.", "2023-07-12", "Quảng Ninh"),
    _doc("qninh-pci-score", "Điểm PCI 2023 của Quảng Ninh",
         "Năm 2023, chỉ số PCI của Quảng Ninh đạt 71,25 điểm.", "2024-05-02", "Quảng Ninh"),
    _doc("kt-papi", "PAPI 2023 của Kon Tum",
         "Năm 2023, chỉ số PAPI của Kon Tum xếp thứ 40/63. Tỉnh đặt mục tiêu cải thiện cả "
         "PCI lẫn PAPI.",
         "2024-04-10", "Kon Tum"),
    _doc("qninh-dti-2023", "Quảng Ninh: DTI 2023", "Năm 2023, Quảng Ninh xếp thứ 11 về DTI.",
         "2024-06-20", "Quảng Ninh"),
    _doc("papi-table", "Bảng xếp hạng",
         "XẾP HẠNG PAPI 2023\n1 Thừa Thiên Huế\n2 Thái Nguyên\n3 Bắc Ninh\n4 Sóc Trăng",
         "2024-04-01"),
    _doc("other", "Hội thảo chuyển đổi số",
         "Hội thảo bàn về chuyển đổi số trong nông nghiệp và du lịch của các tỉnh miền Trung.",
         "2024-01-01"),
]


@pytest.fixture(scope="module")
def rankings(encoder: Encoder) -> QAPipeline:
    index = CorpusIndex.build(RANKINGS, encoder)
    return QAPipeline(index.searcher(encoder), cache_size=0)


def test_an_exactly_matching_fact_answers_cited_to_its_span(rankings: QAPipeline) -> None:
    answer = rankings.answer("Quảng Ngãi xếp thứ mấy về DTI năm 2023?")
    assert not answer.abstained and answer.reader == FACTS_READER
    assert answer.span == "thứ 21/63"
    assert "Quảng Ngãi xếp thứ 21/63" in answer.text and "[1]" in answer.text
    [cited] = answer.citations
    assert cited.doc_id == "qn-dti-2023" and "thứ 21/63" in cited.text


@pytest.mark.parametrize("question", [
    "quang ngai xep thu may ve DTI nam 2023",
    "What was Quang Ngai's DTI rank in 2023?",
])
def test_without_diacritics_and_in_english(rankings: QAPipeline, question: str) -> None:
    answer = rankings.answer(question)
    assert answer.span == "thứ 21/63" and answer.citations[0].doc_id == "qn-dti-2023"


def test_the_year_not_covered_is_declined_with_what_the_articles_have(
        rankings: QAPipeline) -> None:
    answer = rankings.answer("Quảng Ngãi xếp thứ mấy về DTI năm 2022?")
    assert answer.abstained and answer.reason == DeclineReason.YEAR
    assert answer.text == ("Các bài viết có DTI 2023 của Quảng Ngãi (thứ 21/63) [1], "
                           "không có năm 2022.")
    assert [c.doc_id for c in answer.citations] == ["qn-dti-2023"]
    english = rankings.answer("What was Quang Ngai's DTI rank in 2021?")
    assert english.abstained and english.text.startswith("The articles have DTI 2023")


def test_another_index_of_the_year_never_answers(rankings: QAPipeline) -> None:
    # The 2022 fact is a PCI rank: a DTI 2022 question must not get it, nor a PCI 2023 one
    # the DTI 2023 rank.
    dti = rankings.answer("Chỉ số DTI năm 2022 của Quảng Ngãi xếp thứ mấy?")
    assert dti.abstained and "30/63" not in dti.text
    pci = rankings.answer("Quảng Ngãi xếp hạng PCI năm 2023 thứ mấy?")
    assert pci.abstained and "21/63" not in pci.text
    assert "PCI 2022 của Quảng Ngãi (thứ 30/63)" in pci.text
    assert rankings.answer("PCI 2022 của Quảng Ngãi xếp thứ mấy?").span == "thứ 30/63"


def test_contradicting_articles_are_both_cited_newest_first(rankings: QAPipeline) -> None:
    answer = rankings.answer("Bình Định xếp thứ mấy về DTI 2023?")
    assert not answer.abstained and answer.span == "thứ 12/63"
    assert [c.doc_id for c in answer.citations] == ["bd-new", "bd-old"]
    assert "2024-06-01" in answer.text and "2024-03-01" in answer.text
    assert answer.text.index("12/63") < answer.text.index("14/63")


def test_who_holds_a_place(rankings: QAPipeline) -> None:
    answer = rankings.answer("Tỉnh nào đứng đầu PCI 2023?")
    assert not answer.abstained and answer.span == "Quảng Ninh"
    assert answer.text.startswith("Đứng đầu PCI 2023 là Quảng Ninh")
    assert answer.citations[0].doc_id == "pci-2023"
    assert rankings.answer("Which province topped the PCI in 2023?").span == "Quảng Ninh"


def test_questions_the_facts_do_not_decide_go_to_the_readers(rankings: QAPipeline) -> None:
    for question in ("Quảng Ngãi đặt mục tiêu xếp thứ mấy về DTI năm 2025?",  # an aim
                     "Hội thảo bàn về chuyển đổi số trong những lĩnh vực nào?",
                     "Đà Nẵng xếp thứ mấy về DTI 2023?"):  # no fact of that subject
        assert rankings.answer(question).reader != FACTS_READER, question
    readers_only = QAPipeline(rankings.searcher, cache_size=0, facts=False)
    assert readers_only.answer("Quảng Ngãi xếp thứ mấy về DTI năm 2023?").reader != FACTS_READER


def test_a_widget_on_another_province_is_not_answered_from_its_facts(
        rankings: QAPipeline) -> None:
    answer = rankings.answer("Quảng Ngãi xếp thứ mấy về DTI năm 2023?", province="Bình Định")
    assert answer.reader != FACTS_READER
    within = rankings.answer("Xếp thứ mấy về DTI năm 2023?", province="Bình Định")
    assert within.reader == FACTS_READER and within.span == "thứ 12/63"


class _Facts:
    """A FactSource over a list of facts, without passages."""

    def __init__(self, facts: list[Fact]) -> None:
        self.facts = facts

    def fact_page(self, query: FactQuery) -> FactPage:
        subject = query.subject
        found = [FactHit(f, "", "", "", None) for f in self.facts
                 if query.matches(f, subject)]
        return FactPage(found[query.offset:query.offset + query.limit], len(found))

    def fact_chunks(self, facts: list[Fact]) -> list[Chunk | None]:
        return [None for _ in facts]


def _rank(subject: str, value: float | None, year: int | None = 2023,
          out_of: int | None = None) -> Fact:
    return Fact("d", subject, RankingIndex.PAPI, year, Measure.RANK, value, Level.PROVINCE,
                0, 1, 0, 1, out_of)


def test_last_place_from_a_stated_last_or_an_out_of_never_a_list_s_end() -> None:
    last = question_constraints("Tỉnh nào đứng cuối PAPI 2023?")
    stated = FactAnswerer(_Facts([_rank("Hà Nội", 1), _rank("Cà Mau", None)]))
    verdict = stated.decide(last)
    assert verdict is not None and verdict.outcome == FactOutcome.PLACE_HELD
    assert [h.fact.subject for h in verdict.hits] == ["Cà Mau"]
    out_of = FactAnswerer(_Facts([_rank("Hà Nội", 2, out_of=63), _rank("Sơn La", 63, out_of=63)]))
    assert [h.fact.subject for h in out_of.decide(last).hits] == ["Sơn La"]  # type: ignore[union-attr]
    # A top-3 list, and ranks of an unknown number: nobody is known to be last.
    top = FactAnswerer(_Facts([_rank("An Giang", 1), _rank("Bến Tre", 2), _rank("Cần Thơ", 3)]))
    assert top.decide(last) is None
    assert FactAnswerer(_Facts([_rank("Hà Nội", 1), _rank("Cần Thơ", 5)])).decide(last) is None
    # 2008-2023 every province was ranked: a 63rd place is the last one; not in 2024 (34).
    sixty_third = FactAnswerer(_Facts([_rank("Kiên Giang", 62), _rank("Bạc Liêu", 63)]))
    assert [h.fact.subject for h in sixty_third.decide(last).hits] == ["Bạc Liêu"]  # type: ignore[union-attr]
    merged = FactAnswerer(_Facts([_rank("Bạc Liêu", 63, year=2024)]))
    assert merged.decide(question_constraints("Tỉnh nào đứng cuối PAPI 2024?")) is None


def test_no_year_asked_answers_the_newest_and_unknown_years_decline_nothing() -> None:
    asked = question_constraints("Cà Mau xếp thứ mấy về PAPI?")
    answerer = FactAnswerer(_Facts([_rank("Cà Mau", 40, 2021), _rank("Cà Mau", 35, 2023)]))
    verdict = answerer.decide(asked)
    assert verdict is not None and verdict.year == 2023 and verdict.values == [35]
    # A fact whose year the article does not say may be of the year asked: not declined.
    unknown = FactAnswerer(_Facts([_rank("Cà Mau", 40, None)]))
    assert unknown.decide(question_constraints("Cà Mau xếp thứ mấy về PAPI 2022?")) is None


@pytest.mark.parametrize(("span", "measure", "short"), [
    ("đứng vị trí thứ 9", Measure.RANK, "thứ 9"),
    ("xếp hạng 52", Measure.RANK, "hạng 52"),
    ("đứng đầu", Measure.RANK, "đứng đầu"),
    ("đạt 0,6812 điểm", Measure.SCORE, "0,6812 điểm"),
    ("tăng 5 bậc", Measure.RANK_CHANGE, "5 bậc"),
    ("tăng 1 hạng", Measure.RANK_CHANGE, "1 hạng"),
    ("Đứng thứ hai", Measure.RANK, "thứ hai"),
    ("giữ vị trí thứ nhất", Measure.RANK, "thứ nhất"),
    ("ranked 15th out of 63", Measure.RANK, "15th"),
    ("ranked second", Measure.RANK, "second"),
])
def test_the_short_span_is_the_value_as_the_article_words_it(
        span: str, measure: Measure, short: str) -> None:
    fact = Fact("d", "Cà Mau", RankingIndex.DTI, 2023, measure, 1.0, Level.PROVINCE, 0, 1, 0, 1)
    assert short_span(FactHit(fact, span, span, "", None)) == short


def test_the_stage_reads_what_the_extractor_stored() -> None:
    # The extractor and the stage agree on the sample rankings above.
    facts = [f for d in RANKINGS for f in extract_facts(d)]
    assert {(f.subject, f.index, f.year, f.value) for f in facts} >= {
        ("Quảng Ngãi", RankingIndex.DTI, 2023, 21.0), ("Quảng Ngãi", RankingIndex.PCI, 2022, 30.0),
        ("Quảng Ninh", RankingIndex.PCI, 2023, 1.0)}


def test_a_bridge_resolves_the_place_then_answers_about_its_holder(
        rankings: QAPipeline) -> None:
    answer = rankings.answer("Tỉnh đứng đầu PCI 2023 xếp thứ mấy về DTI năm 2022?")
    assert not answer.abstained and answer.span == "thứ 3/63"
    # The answer's passage is [1], the place's [2].
    assert answer.text.startswith("Quảng Ninh đứng đầu PCI 2023 [2]. ")
    assert "Quảng Ninh xếp thứ 3/63 [1]" in answer.text
    assert [c.doc_id for c in answer.citations] == ["qninh-dti-2022", "pci-2023"]
    assert answer.resolved_question == "Quảng Ninh xếp thứ mấy về DTI năm 2022?"
    # What the second half leaves unsaid (index, year) is the first half's.
    score = rankings.answer("Tỉnh đứng đầu PCI 2023 đạt bao nhiêu điểm?")
    assert score.span == "71,25 điểm"
    assert [c.doc_id for c in score.citations] == ["qninh-pci-score", "pci-2023"]
    # A place nobody is known to hold is no bridge: the readers take the question.
    assert rankings.answer("Tỉnh đứng đầu PAPI 2019 xếp thứ mấy về DTI?").reader != FACTS_READER


def test_a_readers_sentence_of_another_index_is_never_the_answer(
        rankings: QAPipeline) -> None:
    # Kon Tum's only ranking is a PAPI one, its article names the PCI too: the PCI
    # question is declined, saying which.
    answer = rankings.answer("Kon Tum xếp thứ mấy về PCI năm 2023?")
    assert answer.abstained and answer.reason == DeclineReason.INDEX
    assert "40/63" not in answer.text and "PCI 2023 của Kon Tum" in answer.text
    english = rankings.answer("What was Kon Tum's PCI rank in 2023?")
    assert english.abstained and "PCI 2023 for Kon Tum" in english.text
    assert rankings.answer("Kon Tum xếp thứ mấy về PAPI năm 2023?").span == "thứ 40/63"


def test_stated_conflict_reads_the_sentence_with_its_passage() -> None:
    text = ("Bộ công bố chỉ số PCI năm 2023. Theo đó, Kon Tum xếp thứ 40/63. "
            "Kon Tum có nhiều tiềm năng.")
    chunk = Chunk("c", "d", text, 0, len(text), "Kết quả công bố")
    # The facts as the index holds them: extracted from the whole document.
    facts = extract_facts(Document("d", chunk.title, text))
    rank = text.index("Theo đó")
    sentence = (rank, text.index("Kon Tum có"))
    dti = question_constraints("Kon Tum xếp thứ mấy về DTI 2023?")
    pci = question_constraints("Kon Tum xếp thứ mấy về PCI 2023?")
    pci_2022 = question_constraints("Kon Tum xếp thứ mấy về PCI 2022?")
    assert stated_conflict(dti, chunk, facts, *sentence) == DeclineReason.INDEX
    assert stated_conflict(pci, chunk, facts, *sentence) is None
    assert stated_conflict(pci_2022, chunk, facts, *sentence) == DeclineReason.YEAR
    # A sentence stating no ranking fact contradicts nothing.
    assert stated_conflict(dti, chunk, facts, sentence[1], len(text)) is None


def test_a_change_without_its_unit_is_either_places_or_points() -> None:
    score_change = Fact("d", "Bình Thuận", RankingIndex.PAR_INDEX, 2024, Measure.SCORE_CHANGE,
                        6.39, Level.PROVINCE, 0, 1, 0, 1, unit="%")
    answerer = FactAnswerer(_Facts([score_change]))
    verdict = answerer.decide(question_constraints(
        "Chỉ số cải cách hành chính của Bình Thuận năm 2024 tăng bao nhiêu?"))
    assert verdict is not None and verdict.values == [6.39]
    assert answerer.decide(question_constraints(
        "Bình Thuận tăng bao nhiêu bậc về PAR INDEX 2024?")) is None


def test_a_place_is_of_the_level_asked() -> None:
    ministry = Fact("d", "Bộ Tài chính", RankingIndex.ICT_INDEX, 2018, Measure.RANK, 1.0,
                    Level.MINISTRY, 0, 1, 0, 1)
    province = Fact("d", "Đà Nẵng", RankingIndex.ICT_INDEX, 2018, Measure.RANK, 1.0,
                    Level.PROVINCE, 0, 1, 0, 1)
    answerer = FactAnswerer(_Facts([ministry, province]))
    for question, holder in (("Bộ nào đứng thứ nhất về ICT Index 2018?", "Bộ Tài chính"),
                             ("Tỉnh nào dẫn đầu ICT Index 2018?", "Đà Nẵng")):
        verdict = answerer.decide(question_constraints(question))
        assert verdict is not None and [h.fact.subject for h in verdict.hits] == [holder]


class _Hits:
    """A FactSource answering with the hits given, as they are."""

    def __init__(self, hits: list[FactHit]) -> None:
        self.hits = hits

    def fact_page(self, query: FactQuery) -> FactPage:
        return FactPage(self.hits, len(self.hits))

    def fact_chunks(self, facts: list[Fact]) -> list[Chunk | None]:
        return [None for _ in facts]


def test_agreeing_articles_are_cited_best_stated_first_disagreeing_ones_newest_first() -> None:
    def hit(value: float, title: str, sentence: str, span: str, inherited: bool = False,
            published: str = "2024-01-01") -> FactHit:
        fact = Fact("d", "Trà Vinh", RankingIndex.DTI, 2022, Measure.RANK, value,
                    Level.PROVINCE, 0, 1, 0, 1, year_inherited=inherited)
        return FactHit(fact, span, sentence, title, published)

    table = hit(25, "Xếp hạng DTI 2022", "25 Trà Vinh", "25", published="2024-02-01")
    later = hit(25, "Các tỉnh miền Tây", "Năm 2022, Trà Vinh xếp thứ 25 về chuyển đổi số.",
                "xếp thứ 25", published="2023-09-01")
    own = hit(25, "Trà Vinh xếp hạng 25/63", "Theo đó, tỉnh xếp hạng 25/63 tỉnh, thành phố.",
              "xếp hạng 25/63", inherited=True, published="2023-07-12")
    asked = question_constraints("Trà Vinh xếp thứ mấy về DTI 2022?")
    verdict = FactAnswerer(_Hits([table, later, own])).decide(asked)
    assert verdict is not None and verdict.hits == [own, later, table]
    other = hit(26, "Trà Vinh tụt hạng", "Trà Vinh xếp thứ 26 về DTI 2022.", "xếp thứ 26",
                published="2022-01-01")
    verdict = FactAnswerer(_Hits([table, other])).decide(asked)
    assert verdict is not None and verdict.contradicted and verdict.hits == [table, other]


def test_a_change_between_two_years_compares_their_facts(rankings: QAPipeline) -> None:
    answer = rankings.answer("Quảng Ninh năm 2023 tăng hay giảm so với 2022?")
    assert not answer.abstained and answer.span == "giảm 8 bậc"
    assert answer.text == ("Quảng Ninh giảm 8 bậc về DTI: thứ 11 năm 2023 [1], "
                           "thứ 3/63 năm 2022 [2].")
    assert [c.doc_id for c in answer.citations] == ["qninh-dti-2023", "qninh-dti-2022"]
    english = rankings.answer("Did Quang Ninh's DTI rank rise or fall in 2023 from 2022?")
    assert english.span == "down 8 places"
    # One year of the two not stated: not compared from the facts.
    assert rankings.answer("Quảng Ninh tăng hay giảm DTI năm 2023 so với 2019?"
                           ).reader != FACTS_READER


def test_the_top_n_of_a_table_every_place_stated(rankings: QAPipeline) -> None:
    answer = rankings.answer("Top 3 PAPI 2023 gồm những tỉnh nào?")
    assert not answer.abstained and answer.span == "Thừa Thiên Huế, Thái Nguyên, Bắc Ninh"
    assert answer.text == "Top 3 PAPI 2023 gồm: Thừa Thiên Huế [1], Thái Nguyên [1], Bắc Ninh [1]."
    assert [c.doc_id for c in answer.citations] == ["papi-table"]  # one passage, cited once
    # Places 5 and on are not stated: the top 5 is not listed from the facts.
    assert rankings.answer("Top 5 PAPI 2023 gồm những tỉnh nào?").reader != FACTS_READER


def test_provinces_compared_from_their_facts(rankings: QAPipeline) -> None:
    answer = rankings.answer("Giữa Quảng Ngãi và Quảng Ninh, tỉnh nào xếp hạng DTI 2023 "
                             "cao hơn?")
    assert not answer.abstained and answer.reader == FACTS_READER
    assert answer.text.startswith("Quảng Ninh (thứ 11). Quảng Ninh: ")
    assert [c.doc_id for c in answer.citations] == ["qninh-dti-2023", "qn-dti-2023"]
    # Bình Định's articles disagree: no comparison from the facts.
    assert rankings.answer("Giữa Quảng Ngãi và Bình Định, tỉnh nào xếp hạng DTI 2023 cao "
                           "hơn?").reader != FACTS_READER


def test_an_index_asked_by_its_abbreviation_is_found_by_its_other_names(
        sample_searcher: Searcher) -> None:
    # Bình Phước's article says "chỉ số đánh giá chuyển đổi số", never "DTI": the readers
    # still read it, where "PCI" (which it never names) is declined as not mentioned.
    readers = QAPipeline(sample_searcher, cache_size=0, facts=False)
    answer = readers.answer("Chỉ số DTI của Bình Phước xếp hạng bao nhiêu?")
    assert not answer.abstained and "thứ 9" in answer.text
    declined = readers.answer("Bình Phước xếp thứ mấy về PCI?")
    assert declined.reason == DeclineReason.TERM and "PCI" in declined.text
    assert index_of_term("DTI") == RankingIndex.DTI and index_of_term("5G") is None
    assert names_index("chỉ số chuyển đổi số cấp tỉnh", RankingIndex.DTI)
    assert not names_index("chỉ số chuyển đổi số cấp tỉnh", RankingIndex.PCI)


def test_an_index_nobody_knows_invents_nothing(rankings: QAPipeline) -> None:
    answer = rankings.answer("Quảng Ngãi xếp thứ mấy về chỉ số XYZ năm 2023?")
    assert answer.abstained and answer.reason == DeclineReason.TERM and "XYZ" in answer.text
    assert "21/63" not in answer.text


class _StaleFacts(_Facts):
    """Facts another extractor version wrote: the store refuses to serve them."""

    def fact_page(self, query: FactQuery) -> FactPage:
        raise IndexMismatchError("the index database's facts were extracted by version 1")


def test_facts_of_another_version_leave_the_question_to_the_readers(
        caplog: pytest.LogCaptureFixture) -> None:
    stale = FactAnswerer(_StaleFacts([_rank("Cà Mau", 3)]))
    with caplog.at_level("WARNING"):
        assert stale.decide(question_constraints("Cà Mau xếp thứ mấy về PAPI 2023?")) is None
    assert "extracted by version 1" in caplog.text


def test_the_searcher_ranks_the_passage_of_the_year_asked_first(rankings: QAPipeline) -> None:
    searcher = rankings.searcher
    for year, doc_id in ((2022, "qninh-dti-2022"), (2023, "qninh-dti-2023")):
        found = searcher.search(f"Quảng Ninh xếp thứ mấy về DTI năm {year}?", 5)
        assert found[0].chunk.doc_id == doc_id, [p.chunk.doc_id for p in found]
    # The index's facts of a passage, as the document states them (year from its title).
    index = searcher.facts
    assert index is not None
    [stated] = index.facts_in([searcher.search("Quảng Ngãi DTI 2023 xếp thứ 21/63", 1)[0].chunk])
    assert [(f.subject, f.year, f.value) for f in stated] == [("Quảng Ngãi", 2023, 21.0)]


def test_a_table_rows_rank_is_quoted_with_its_subject() -> None:
    fact = Fact("d", "Bình Phước", RankingIndex.DTI, 2022, Measure.RANK, 12.0, Level.PROVINCE,
                0, 2, 0, 13)
    assert short_span(FactHit(fact, "12", "12 Bình Phước", "", None)) == "12 Bình Phước"
    long_row = "12 Bình Phước 0.9000 0.8000 0.7233 0.7376 0.7226 0.7325"
    assert short_span(FactHit(fact, "12", long_row, "", None)) == "12"


def test_pages_of_numbers_and_malformed_tables_invent_nothing(encoder: Encoder) -> None:
    numbers = " ".join(f"{n}/63" for n in range(1, 1001))
    noisy = [
        _doc("numbers", "Số liệu PCI 2023", f"Bảng số liệu PCI 2023: {numbers}.", "2024-01-01"),
        _doc("broken-table", "XẾP HẠNG PAPI 2023",
             "XẾP HẠNG PAPI 2023\n| 1 |\n| Cà Mau | | |\n3\nHậu Giang\n|||\n", "2024-01-02"),
    ]
    pipeline = QAPipeline(CorpusIndex.build(noisy, encoder).searcher(encoder), cache_size=0)
    for question in ("Cà Mau xếp thứ mấy về PCI năm 2023?", "Cà Mau xếp thứ mấy về PAPI 2023?",
                     "Tỉnh nào đứng đầu PAPI 2023?", "Hậu Giang xếp thứ mấy về PAPI 2023?"):
        answer = pipeline.answer(question)
        # No subject is named next to any of those numbers: nothing to answer from facts.
        assert answer.reader != FACTS_READER, (question, answer.text)


def _local(subject: str, within: str, level: Level = Level.DISTRICT) -> Fact:
    return Fact("d", subject, RankingIndex.DTI, 2023, Measure.RANK, 1.0, level, 0, 1, 0, 1,
                within=within)


def test_a_district_s_or_department_s_place_is_of_its_province_never_a_province_s() -> None:
    answerer = FactAnswerer(_Facts([
        _local("huyện Gia Lộc", "Hải Dương"), _local("huyện Yên Lạc", "Vĩnh Phúc"),
        _local("Sở Tư pháp", "Hải Dương", Level.DEPARTMENT),
        Fact("d", "Đà Nẵng", RankingIndex.DTI, 2023, Measure.RANK, 1.0, Level.PROVINCE,
             0, 1, 0, 1)]))

    def holders(question: str, within: str | None = None) -> list[str] | None:
        verdict = answerer.decide(question_constraints(question), within)
        return None if verdict is None else [h.fact.subject for h in verdict.hits]

    assert holders("Huyện nào dẫn đầu DTI cấp huyện năm 2023 của Hải Dương?") == [
        "huyện Gia Lộc"]
    assert holders("Huyện nào dẫn đầu DTI cấp huyện năm 2023?", "Vĩnh Phúc") == [
        "huyện Yên Lạc"]
    assert holders("Huyện nào dẫn đầu DTI cấp huyện năm 2023?") is None  # whose ranking?
    assert holders("Sở nào dẫn đầu DTI cấp sở năm 2023?") == ["Sở Tư pháp"]
    assert holders("Ai dẫn đầu DTI 2023?") == ["Đà Nẵng"]
    verdict = answerer.decide(question_constraints("Which district led the DTI 2023 in Hai "
                                                   "Duong?"))
    assert verdict is not None and verdict.ranking == "DTI cấp huyện (Hải Dương)"


def test_a_widget_s_districts_answered_from_its_own_ranking(encoder: Encoder) -> None:
    articles = [
        _doc("hd-huyen", "Hải Dương công bố DTI cấp huyện năm 2023",
             "Năm 2023, huyện Gia Lộc xếp thứ nhất về chuyển đổi số cấp huyện, thành phố Chí "
             "Linh xếp thứ 2/12 và thị xã Kinh Môn đứng cuối bảng.", "2024-03-02", "Hải Dương"),
        _doc("vp-huyen", "Vĩnh Phúc xếp hạng chuyển đổi số cấp huyện 2023",
             "Năm 2023, huyện Yên Lạc dẫn đầu chuyển đổi số cấp huyện của tỉnh, huyện Sông Lô "
             "xếp cuối bảng.", "2024-03-05", "Vĩnh Phúc"),
        _doc("dti-2023", "DTI 2023", "Năm 2023, Đà Nẵng dẫn đầu DTI cấp tỉnh.", "2024-07-01"),
    ]
    pipeline = QAPipeline(CorpusIndex.build(articles, encoder).searcher(encoder), cache_size=0)
    answer = pipeline.answer("Huyện nào dẫn đầu chuyển đổi số cấp huyện năm 2023?",
                             province="Hải Dương")
    assert answer.reader == FACTS_READER and answer.span == "huyện Gia Lộc"
    assert answer.text.startswith("Đứng đầu DTI cấp huyện (Hải Dương) 2023 là huyện Gia Lộc")
    assert [c.doc_id for c in answer.citations] == ["hd-huyen"]
    last = pipeline.answer("Huyện nào đứng cuối DTI cấp huyện 2023 của Vĩnh Phúc?")
    assert last.span == "huyện Sông Lô" and last.citations[0].doc_id == "vp-huyen"
    assert pipeline.answer("Tỉnh nào dẫn đầu DTI 2023?").span == "Đà Nẵng"
    rank = pipeline.answer("Thành phố Chí Linh xếp thứ mấy về DTI cấp huyện năm 2023?")
    assert rank.reader == FACTS_READER and rank.span == "thứ 2/12"
