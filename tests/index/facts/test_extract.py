"""The fact extractor on sentences written for these tests (the shapes real news uses)."""

from __future__ import annotations

import time

import pytest

from index.facts import Fact, Level, Measure, RankingIndex, extract_facts
from retriever.text.normalize import normalize
from retriever.types import Document


def facts(text: str, title: str = "") -> list[Fact]:
    return extract_facts(Document("doc", normalize(title), normalize(text)))


def keys(found: list[Fact]) -> set[tuple[object, ...]]:
    return {(f.subject, f.index.value, f.year, f.measure.value, f.value) for f in found}


def test_a_rank_with_its_index_year_and_exact_span() -> None:
    text = "Năm 2023, tỉnh Bình Phước xếp thứ 12/63 về chỉ số chuyển đổi số (DTI)."
    [fact] = facts(text)
    assert (fact.subject, fact.index, fact.year, fact.measure, fact.value, fact.out_of) == (
        "Bình Phước", RankingIndex.DTI, 2023, Measure.RANK, 12.0, 63)
    assert text[fact.start:fact.end] == "xếp thứ 12/63"
    assert text[fact.sentence_start:fact.sentence_end] == text
    assert fact.level is Level.PROVINCE and not fact.year_inherited


def test_year_and_index_are_inherited_only_when_the_sentence_omits_them() -> None:
    found = facts("Bộ chỉ số DTI năm 2022 vừa được công bố. Cà Mau xếp thứ 40. "
                  "Năm 2021, Cà Mau xếp thứ 45 về PCI.")
    assert keys(found) == {("Cà Mau", "DTI", 2022, "rank", 40.0),
                           ("Cà Mau", "PCI", 2021, "rank", 45.0)}
    inherited = {f.value: (f.year_inherited, f.index_inherited) for f in found}
    assert inherited == {40.0: (True, True), 45.0: (False, False)}


def test_a_span_of_years_is_no_facts_year() -> None:
    # "nhiệm kỳ 2020-2025" frames a term of office, not the year of the rank that follows.
    for heading in ("Nghị quyết nhiệm kỳ 2020-2025 về chuyển đổi số.",
                    "Giai đoạn 2021 – 2025, tỉnh đầu tư hạ tầng số."):
        [fact] = facts(f"{heading} Theo DTI, Bình Phước xếp thứ 9 cả nước.")
        assert fact.year is None and fact.value == 9.0


def test_a_change_keeps_the_facts_year_not_its_base_year() -> None:
    found = facts("Theo DTI 2023, Phú Yên tăng 7 bậc so với năm 2022, xếp vị trí thứ 30.")
    assert keys(found) == {("Phú Yên", "DTI", 2023, "rank_change", 7.0),
                           ("Phú Yên", "DTI", 2023, "rank", 30.0)}
    assert keys(facts("Chỉ số PCI 2022 của Hà Giang giảm 4 bậc.")) == {
        ("Hà Giang", "PCI", 2022, "rank_change", -4.0)}


def test_pillars_are_indices_of_their_own_and_are_not_inherited() -> None:
    found = facts("Năm 2022, Kon Tum xếp thứ 33 về DTI. Trong đó, chính quyền số xếp thứ 20, "
                  "kinh tế số xếp thứ 41. Tỉnh này tăng 2 bậc.")
    assert keys(found) == {("Kon Tum", "DTI", 2022, "rank", 33.0),
                           ("Kon Tum", "DTI/chính quyền số", 2022, "rank", 20.0),
                           ("Kon Tum", "DTI/kinh tế số", 2022, "rank", 41.0),
                           ("Kon Tum", "DTI", 2022, "rank_change", 2.0)}
    together = facts("DTI 2023: kinh tế số và xã hội số của Tây Ninh đều xếp thứ 9.")
    assert keys(together) == {("Tây Ninh", "DTI/kinh tế số", 2023, "rank", 9.0),
                              ("Tây Ninh", "DTI/xã hội số", 2023, "rank", 9.0)}


def test_lists_pair_subjects_and_numbers_in_order() -> None:
    found = facts("Về PAPI 2021, Sơn La và Lai Châu lần lượt xếp thứ 7 và 9; "
                  "Yên Bái, Hòa Bình, Phú Thọ giữ vị trí thứ 10, 11, 12.")
    assert keys(found) == {("Sơn La", "PAPI", 2021, "rank", 7.0),
                           ("Lai Châu", "PAPI", 2021, "rank", 9.0),
                           ("Yên Bái", "PAPI", 2021, "rank", 10.0),
                           ("Hòa Bình", "PAPI", 2021, "rank", 11.0),
                           ("Phú Thọ", "PAPI", 2021, "rank", 12.0)}


def test_a_list_goes_on_from_the_rank_just_said() -> None:
    found = facts("Trong PCI 2020, Đồng Nai dẫn đầu với 70,1 điểm, tiếp theo là "
                  "Bình Dương (69,5), Long An (69,2) và Tây Ninh.")
    assert keys(found) == {("Đồng Nai", "PCI", 2020, "rank", 1.0),
                           ("Đồng Nai", "PCI", 2020, "score", 70.1),
                           ("Bình Dương", "PCI", 2020, "rank", 2.0),
                           ("Bình Dương", "PCI", 2020, "score", 69.5),
                           ("Long An", "PCI", 2020, "rank", 3.0),
                           ("Long An", "PCI", 2020, "score", 69.2),
                           ("Tây Ninh", "PCI", 2020, "rank", 4.0)}


def test_the_subject_may_follow_its_rank() -> None:
    found = facts("Kết quả SIPAS 2022: dẫn đầu là Hưng Yên đạt 91,2%; đứng thứ hai tỉnh "
                  "Nam Định đạt 90,8%; thứ 3 là Thái Bình.")
    assert keys(found) == {("Hưng Yên", "SIPAS", 2022, "rank", 1.0),
                           ("Hưng Yên", "SIPAS", 2022, "score", 91.2),
                           ("Nam Định", "SIPAS", 2022, "rank", 2.0),
                           ("Nam Định", "SIPAS", 2022, "score", 90.8),
                           ("Thái Bình", "SIPAS", 2022, "rank", 3.0)}
    assert {f.unit for f in found if f.measure is Measure.SCORE} == {"%"}


def test_top_n_lists_and_ministries() -> None:
    found = facts("Top 3 tỉnh có DTI 2021 cao nhất gồm: Đà Nẵng, Thừa Thiên Huế, Quảng Ninh. "
                  "Ở cấp bộ, Bộ Tư pháp xếp thứ 4 và Bộ Y tế đứng cuối bảng.")
    assert keys(found) == {("Đà Nẵng", "DTI", 2021, "top_n", 3.0),
                           ("Thừa Thiên Huế", "DTI", 2021, "top_n", 3.0),
                           ("Quảng Ninh", "DTI", 2021, "top_n", 3.0),
                           ("Bộ Tư pháp", "DTI", 2021, "rank", 4.0),
                           ("Bộ Y tế", "DTI", 2021, "rank", None)}
    assert {f.level for f in found if f.subject.startswith("Bộ")} == {Level.MINISTRY}


def test_english_sentences() -> None:
    found = facts("In the 2022 PCI, Dong Thap ranked 3rd out of 63 provinces with 70.5 points.")
    assert keys(found) == {("Đồng Tháp", "PCI", 2022, "rank", 3.0),
                           ("Đồng Tháp", "PCI", 2022, "score", 70.5)}


@pytest.mark.parametrize("text", [
    # a component's rank, not the index's
    "Năm 2023, Cao Bằng có chỉ số thành phần chi phí thời gian xếp thứ 5 trong PCI.",
    "Theo PCI 2023, Gia Lai xếp thứ 3 cả nước về chi phí không chính thức.",
    # a region's rank, the national average, a count of provinces, the publisher
    "Theo DTI 2022, so với các tỉnh thuộc khu vực Tây Nguyên, Đắk Lắk xếp thứ 2.",
    "Giá trị DTI trung bình của các tỉnh năm 2022 đạt 0,5.",
    "Bộ Thông tin và Truyền thông công bố xếp hạng 63 tỉnh năm 2022 về DTI.",
    # no index named anywhere: nothing is invented
    "Năm 2023, Vĩnh Long xếp thứ 8 về sản lượng lúa.",
    # a hypothetical
    "Nếu tính theo DTI 2024 trước sáp nhập, Bắc Ninh xếp thứ 2.",
    # "1.506" is a count with a thousands separator, not a score
    "Năm 2023, Long An đạt 1.506 dịch vụ công trực tuyến, theo DTI.",
    # aims are not rankings (targets are not extracted yet)
    "Theo DTI 2023, Bạc Liêu phấn đấu đến năm 2025 xếp thứ 20.",
    # a group, and a count's rank
    "Theo DTI 2022, Bình Định nằm trong nhóm địa phương dẫn đầu.",
    "Bộ chỉ số DTI 2022 đã được công bố. Bình Định có 1.200 dịch vụ công trực tuyến, "
    "xếp thứ 3/63.",
])
def test_what_is_not_a_ranking_fact(text: str) -> None:
    assert facts(text) == []


def test_a_table_written_as_text_takes_its_heading() -> None:
    text = ("Bảng xếp hạng PAR INDEX năm 2023\n1 Quảng Ninh 92,18\n2 TP. Hải Phòng 91,87\n"
            "3 Hà Nội 91,43\nNguồn: Bộ Nội vụ")
    found = facts(text)
    assert keys(found) == {("Quảng Ninh", "PAR INDEX", 2023, "rank", 1.0),
                           ("Quảng Ninh", "PAR INDEX", 2023, "score", 92.18),
                           ("Hải Phòng", "PAR INDEX", 2023, "rank", 2.0),
                           ("Hải Phòng", "PAR INDEX", 2023, "score", 91.87),
                           ("Hà Nội", "PAR INDEX", 2023, "rank", 1.0 + 2),
                           ("Hà Nội", "PAR INDEX", 2023, "score", 91.43)}
    row = next(f for f in found if f.subject == "Hà Nội" and f.measure is Measure.SCORE)
    assert text[row.start:row.end] == "91,43"
    # Two rows are a numbered list, not a table; several numbers in a row: no score.
    assert facts("Kết quả DTI 2022\n1 Quảng Ninh\n2 Hà Nội") == []
    wide = facts("Xếp hạng DTI 2022\n1 Đà Nẵng 0.9 0.8 0.7\n2 Hà Nội 0.8 0.7 0.6\n"
                 "3 Huế 0.7 0.6 0.5")
    assert {f.measure for f in wide} == {Measure.RANK}


def test_bad_input_is_bounded_and_invents_nothing() -> None:
    noisy = " ".join(f"{n},{n % 97} điểm" for n in range(3000))  # a page of numbers
    started = time.perf_counter()
    assert facts("Theo PCI 2023, " + noisy) == []  # numbers with no subject
    assert time.perf_counter() - started < 5
    malformed = "Xếp hạng DTI 2022\n1 Đà Nẵng |\n| 2 | \n3 ||| 0,5\nabc 4 Huế"
    assert all(f.subject for f in facts(malformed))
    assert facts("Tỉnh Lào Cai xếp thứ 5 về chỉ số XYZ năm 2023.") == []  # unknown index
    raw = "Theo  DTI 2023,   Phú Yên   xếp thứ 30."  # not normalised: read as it is
    [fact] = extract_facts(Document("raw", "", raw))
    assert (fact.subject, fact.value, raw[fact.start:fact.end]) == ("Phú Yên", 30.0, "xếp thứ 30")


def test_contradicting_articles_both_keep_their_facts() -> None:
    first = facts("Theo DTI 2023, Bình Định xếp thứ 14.")
    second = facts("Theo DTI 2023, Bình Định xếp thứ 15.")
    assert [f.value for f in first + second] == [14.0, 15.0]


def test_facts_round_trip_as_dicts() -> None:
    [fact] = facts("Năm 2023, Bạc Liêu đạt 45,57 điểm PAPI.")
    assert Fact.from_dict(fact.to_dict()) == fact


def test_a_province_s_districts_and_departments_with_the_province_that_ranked_them() -> None:
    found = extract_facts(Document("hd", normalize("Hải Dương công bố DTI cấp sở, cấp huyện"),
                                   normalize(
        "Năm 2023, Sở Thông tin và Truyền thông dẫn đầu chuyển đổi số cấp sở với 0,8123 "
        "điểm; Sở Tư pháp xếp thứ 2. Ở cấp huyện, huyện Gia Lộc xếp thứ nhất, TP. Chí Linh "
        "xếp thứ 2/12 và thị xã Kinh Môn đứng cuối bảng. Chỉ số DTI năm 2022 của huyện Yên "
        "Lạc, tỉnh Vĩnh Phúc xếp thứ 1/9.")))
    got = {(f.subject, f.level, f.within, f.year, f.measure.value, f.value) for f in found}
    assert got == {
        ("Sở Thông tin và Truyền thông", Level.DEPARTMENT, "Hải Dương", 2023, "rank", 1.0),
        ("Sở Thông tin và Truyền thông", Level.DEPARTMENT, "Hải Dương", 2023, "score", 0.8123),
        ("Sở Tư pháp", Level.DEPARTMENT, "Hải Dương", 2023, "rank", 2.0),
        ("huyện Gia Lộc", Level.DISTRICT, "Hải Dương", 2023, "rank", 1.0),
        ("thành phố Chí Linh", Level.DISTRICT, "Hải Dương", 2023, "rank", 2.0),
        ("thị xã Kinh Môn", Level.DISTRICT, "Hải Dương", 2023, "rank", None),
        # The province named with the district is whose ranking it is, and no subject.
        ("huyện Yên Lạc", Level.DISTRICT, "Vĩnh Phúc", 2022, "rank", 1.0)}
    assert all(f.index is RankingIndex.DTI for f in found)


def test_a_city_that_is_a_province_is_the_province_and_a_district_name_ends_at_one() -> None:
    found = facts("Năm 2023, thành phố Đà Nẵng dẫn đầu DTI, TP. Hồ Chí Minh xếp thứ 2. "
                  "Huyện Gia Lộc Hải Dương xếp thứ 1 về DTI cấp huyện năm 2023.")
    got = {(f.subject, f.level, f.within) for f in found}
    assert got == {("Đà Nẵng", Level.PROVINCE, ""), ("TP. Hồ Chí Minh", Level.PROVINCE, ""),
                   ("huyện Gia Lộc", Level.DISTRICT, "Hải Dương")}


def test_a_ministry_level_body_is_not_a_department_named_inside_it() -> None:
    found = facts("Năm 2023, Ủy ban Dân tộc xếp thứ 5 về DTI cấp bộ; Ban Dân tộc tỉnh Sơn La "
                  "xếp thứ 3 về chuyển đổi số cấp sở.")
    assert {(f.subject, f.level, f.value) for f in found} == {
        ("Ủy ban Dân tộc", Level.MINISTRY, 5.0), ("Ban Dân tộc", Level.DEPARTMENT, 3.0)}


def test_criteria_are_components_and_a_rank_named_after_its_index_is_its_holder_s() -> None:
    found = facts("Quảng Ninh thăng hạng 2 bậc trở thành tỉnh dẫn đầu bảng xếp hạng PAPI 2020 "
                  "với tổng điểm 48,811. Tỉnh này dẫn đầu cả nước ở 3 tiêu chí: Công khai, minh "
                  "bạch (6,499 điểm) và Kiểm soát tham nhũng (8,286 điểm). Xếp thứ hai trong "
                  "PAPI 2020 là Đồng Tháp với số điểm 46,961 điểm.")
    assert keys(found) == {("Quảng Ninh", "PAPI", 2020, "rank_change", 2.0),
                           ("Quảng Ninh", "PAPI", 2020, "rank", 1.0),
                           ("Quảng Ninh", "PAPI", 2020, "score", 48.811),
                           ("Đồng Tháp", "PAPI", 2020, "rank", 2.0),
                           ("Đồng Tháp", "PAPI", 2020, "score", 46.961)}


def test_a_year_after_so_voi_and_an_index_is_the_base_year() -> None:
    found = facts("Hà Nội xếp ở vị trí thứ 28 (tụt đến 8 bậc so với PCI 2022).", "PCI 2023")
    assert keys(found) == {("Hà Nội", "PCI", 2023, "rank", 28.0),
                           ("Hà Nội", "PCI", 2023, "rank_change", -8.0)}


def test_a_group_of_the_first_n_is_a_top_n_never_ranks() -> None:
    found = facts("Quảng Ninh, Long An và Đồng Tháp là 3 địa phương đứng đầu bảng xếp hạng PCI "
                  "2023. Nhóm 30 tỉnh, thành phố có chất lượng điều hành tốt nhất trong PCI 2023 "
                  "có một số gương mặt mới, gồm: Hải Dương, Bình Thuận. Vùng cũng có 3 tỉnh đứng "
                  "tốp cuối. Vậy 2 tỉnh nào có chỉ số PCI cao nhất năm 2023?")
    assert keys(found) == {(s, "PCI", 2023, "top_n", 3.0)
                           for s in ("Quảng Ninh", "Long An", "Đồng Tháp")} | {
        (s, "PCI", 2023, "top_n", 30.0) for s in ("Hải Dương", "Bình Thuận")}


def test_english_places_changes_in_words_ministries_and_lists_followed() -> None:
    found = facts("Thua Thien-Hue came in second place with 0.5872 points, and Ho Chi Minh City "
                  "climbed two spots to rank third. The top ten also included Bac Ninh and Lang "
                  "Son. The Ministry of Finance led the rankings of ministries. With 90.1 points, "
                  "Quang Ninh ranked first in the PAR Index, followed by the northern port city "
                  "of Hai Phong, Hanoi and central Da Nang city.",
                  "Digital Transformation Index 2021")
    assert {("Thừa Thiên Huế", "DTI", 2021, "rank", 2.0),
            ("Thừa Thiên Huế", "DTI", 2021, "score", 0.5872),
            ("TP. Hồ Chí Minh", "DTI", 2021, "rank_change", 2.0),
            ("TP. Hồ Chí Minh", "DTI", 2021, "rank", 3.0),
            ("Bắc Ninh", "DTI", 2021, "top_n", 10.0), ("Lạng Sơn", "DTI", 2021, "top_n", 10.0),
            ("Bộ Tài chính", "DTI", 2021, "rank", 1.0),
            ("Quảng Ninh", "PAR INDEX", 2021, "rank", 1.0),
            ("Hải Phòng", "PAR INDEX", 2021, "rank", 2.0),
            ("Hà Nội", "PAR INDEX", 2021, "rank", 3.0),
            ("Đà Nẵng", "PAR INDEX", 2021, "rank", 4.0)} <= keys(found)


def test_a_table_with_a_line_per_cell_of_ministries() -> None:
    text = ("Bảng xếp hạng PAR INDEX 2023 của các bộ\n\nXếp hạng\n\nCác bộ\n\nĐiểm\n\n"
            "1\nBộ Tư pháp\n61.86\n89.95\n2\nNgân hàng Nhà nước Việt Nam\n62.67\n89.89\n"
            "3\nBộ Tài chính\n61.52\n89.18\nTrung bình\n84.38")
    found = facts(text)
    assert keys(found) == {("Bộ Tư pháp", "PAR INDEX", 2023, "rank", 1.0),
                           ("Ngân hàng Nhà nước Việt Nam", "PAR INDEX", 2023, "rank", 2.0),
                           ("Bộ Tài chính", "PAR INDEX", 2023, "rank", 3.0)}
    assert all(f.level is Level.MINISTRY for f in found)
    second = next(f for f in found if f.value == 2.0)
    assert text[second.start:second.end] == "2"


def test_followed_scores_out_of_one_components_quoted_titles_and_pillar_counts() -> None:
    found = facts("Năm 2019, TP Đà Nẵng dẫn đầu ICT Index, đạt 0,8654/1 điểm, theo sau là tỉnh "
                  "Thừa Thiên Huế (0,8046/1 điểm) và Quảng Ninh. Ở chỉ số “hạ tầng nhân lực”, Đà "
                  "Nẵng xếp thứ 2. Giám đốc Sở TT&TT Trần Minh Chiêu cho biết thêm. Xếp hạng 3 "
                  "trụ cột của Đà Nẵng đều cao.")
    assert keys(found) == {("Đà Nẵng", "ICT Index", 2019, "rank", 1.0),
                           ("Đà Nẵng", "ICT Index", 2019, "score", 0.8654),
                           ("Thừa Thiên Huế", "ICT Index", 2019, "rank", 2.0),
                           ("Thừa Thiên Huế", "ICT Index", 2019, "score", 0.8046),
                           ("Quảng Ninh", "ICT Index", 2019, "rank", 3.0)}


def test_bracketed_lists_from_to_and_regional_places() -> None:
    found = facts("Theo bảng xếp hạng PCI năm 2020, Đồng Tháp giữ vị trí thứ 2 (đứng đầu ĐBSCL). "
                  "Các tỉnh, thành phố vùng ĐBSCL có thứ hạng tiếp theo, là: Long An (70,37 "
                  "điểm, hạng 3), Bạc Liêu (59,61 điểm, hạng 63). Năm 2020, Sơn La tăng 2 bậc, "
                  "từ vị trí 15 lên 13 trong cả nước và từ vị trí thứ 5 lên thứ 4 trong vùng.")
    assert keys(found) == {("Đồng Tháp", "PCI", 2020, "rank", 2.0),
                           ("Long An", "PCI", 2020, "score", 70.37),
                           ("Long An", "PCI", 2020, "rank", 3.0),
                           ("Bạc Liêu", "PCI", 2020, "score", 59.61),
                           ("Bạc Liêu", "PCI", 2020, "rank", 63.0),
                           ("Sơn La", "PCI", 2020, "rank_change", 2.0),
                           ("Sơn La", "PCI", 2020, "rank", 13.0)}


def test_the_rank_and_value_now_of_the_province_in_the_heading_not_the_base_year() -> None:
    found = facts("Chỉ số CCHC và Chỉ số Hài lòng SIPAS 2022 của tỉnh Sơn La\n"
                  "Chỉ số SIPAS giảm khá sâu, từ 90,30% (2021) xuống 82,18%. Nhưng thứ hạng đã "
                  "giảm 11 bậc, từ vị trí thứ 6 xuống 17 trong cả nước, và giảm 4 bậc, từ vị "
                  "trí thứ 1 xuống thứ 5 trong vùng.")
    assert keys(found) == {("Sơn La", "SIPAS", 2022, "score", 82.18),
                           ("Sơn La", "SIPAS", 2022, "rank_change", -11.0),
                           ("Sơn La", "SIPAS", 2022, "rank", 17.0)}


def test_first_in_other_words_and_a_from_to_with_its_years() -> None:
    found = facts("Năm 2021, Quảng Ninh giữ nguyên vị trí số một bảng xếp hạng PCI. Thái Bình "
                  "giảm 22 bậc, từ vị trí 25 trong năm 2020 xuống vị trí 47 trong năm 2021. "
                  "Quang Ninh maintained first position on the PAR Index in 2020.")
    assert keys(found) == {("Quảng Ninh", "PCI", 2021, "rank", 1.0),
                           ("Thái Bình", "PCI", 2021, "rank_change", -22.0),
                           ("Thái Bình", "PCI", 2021, "rank", 47.0),
                           ("Quảng Ninh", "PAR INDEX", 2020, "rank", 1.0)}
