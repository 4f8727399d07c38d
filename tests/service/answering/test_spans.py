from service.answering.spans import (
    candidate_spans,
    expansion_spans,
    has_date_part,
    headed_name_spans,
    unit_after,
)

SENTENCE = ("Đến nay, Bình Phước có 1.506 dịch vụ công trực tuyến, xếp thứ 3/63 tỉnh, thành; "
            "thanh toán đạt hơn 22.800 giao dịch; tỷ lệ đạt 78,9% theo mức độ 3.")


def texts(sentence: str, kind: str) -> list[str]:
    return [s.text for s in candidate_spans(sentence, kind)]


def test_numbers_with_units_and_vietnamese_formats() -> None:
    assert texts(SENTENCE, "number") == [
        "1.506 dịch vụ công trực tuyến", "hơn 22.800 giao dịch", "78,9%"]
    assert texts("Đã có 82/82 xã, phường", "number") == ["82/82 xã"]


def test_units_of_measure_in_capitals_or_with_slashes() -> None:
    assert texts("Tốc độ trung bình đạt 50 Mb/s, gấp đôi.", "number") == ["50 Mb/s"]
    assert texts("Diện tích 20 km² đất và 100 Mbps trở lên.", "number") == [
        "20 km² đất", "100 Mbps trở lên"]
    # Not a unit: a capitalised word after a number starts a name.
    assert texts("Có 3 Bộ trưởng dự họp.", "number") == ["3"]


def test_labels_are_not_quantities() -> None:
    assert texts("Nghị quyết 08 và mức độ 4 năm 2025", "number") == []


def test_ranks() -> None:
    assert texts(SENTENCE, "rank") == ["thứ 3/63"]
    assert texts("Tỉnh đứng vị trí thứ 9 cả nước", "rank") == ["thứ 9"]
    assert texts("Huyện dẫn đầu cả nước", "rank") == ["dẫn đầu"]


def test_dates_keep_the_longest_form() -> None:
    assert texts("Ngày 20/5/2022, tỉnh ban hành; quý II năm 2023 và năm 2024", "date") == [
        "Ngày 20/5/2022", "quý II năm 2023", "năm 2024"]


def test_the_parts_a_date_names() -> None:
    days = ["ngày 3/6/2020", "3-6-2020", "27/1", "Ngày 5 tháng 6 năm 2020"]
    months = ["tháng 6/2020", "tháng 6 năm 2020", "6/2020", "quý II năm 2023"]
    years = ["năm 2025", "2025", "giai đoạn 2021-2025"]
    assert [has_date_part(d, "day") for d in days + months + years] == [True] * 4 + [False] * 7
    assert [has_date_part(d, "month") for d in days + months + years] == [True] * 8 + [False] * 3
    assert all(has_date_part(d, "") for d in days + months + years)


def test_persons_places_names() -> None:
    sentence = "Ông Nguyễn Minh Quang - Giám đốc Sở cho biết tại huyện Côn Đảo có “bộ não số” IOC"
    assert texts(sentence, "person") == ["Nguyễn Minh Quang"]
    assert "Côn Đảo" in texts(sentence, "place")
    assert {"bộ não số", "IOC"} <= set(texts(sentence, "name"))


def test_an_organisation_is_no_place() -> None:
    assert texts("Hồ sơ được nhận tại Trung tâm Phục vụ Hành chính công, ở Sở Tài chính và tại "
                 "Phú Quốc.", "place") == ["Phú Quốc"]
    # Names of places that begin like an organisation's.
    assert texts("Tàu ra tại Trường Sa, khách ở Hội An.", "place") == ["Trường Sa", "Hội An"]


def test_group_membership_is_not_a_rank() -> None:
    assert texts("Sóc Trăng thuộc nhóm 20 tỉnh dẫn đầu về CNTT", "rank") == []
    assert texts("Sóc Trăng thuộc nhóm 20 tỉnh, thành dẫn đầu cả nước", "rank") == []
    assert texts("Về thanh toán đất đai, Sóc Trăng dẫn đầu cả nước", "rank") == ["dẫn đầu"]


def test_ranks_in_words_and_roman_numerals() -> None:
    assert texts("Ấn bản thứ ba chưa được công bố", "rank") == ["thứ ba"]
    assert texts("Vương triều nổi lên vào thế kỷ XV", "rank") == ["thế kỷ XV"]
    assert texts("Tín hiệu được thu lần đầu tiên năm 2015", "rank") == ["đầu tiên"]


def test_numbers_in_words_need_what_they_count() -> None:
    assert texts("Có thêm bốn phi vụ đổ bộ", "number") == ["bốn phi vụ đổ bộ"]
    assert texts("Dân số tăng lên hai triệu người", "number") == ["hai triệu người"]
    assert texts("Phải trả lại toàn bộ học bổng", "number") == ["toàn bộ học bổng"]
    # "năm" and "một" are numbers only before a multiplier; a bare number word is not one.
    assert texts("Năm nay một số xã làm tốt", "number") == []
    assert texts("Năm trăm hộ dân", "number") == ["Năm trăm hộ dân"]
    assert texts("Tỉnh đạt mức ba", "number") == []


def test_acronyms_are_units() -> None:
    assert texts("Tỉnh có hơn 1.200 DN nhỏ và vừa", "number") == ["hơn 1.200 DN nhỏ"]


def test_what_a_number_counts() -> None:
    sentence = "80% hồ sơ công việc tại cấp huyện và 1.200 DN nhỏ, bốn phi vụ"
    spans = candidate_spans(sentence, "number")
    assert [unit_after(sentence, s) for s in spans] == ["hồ sơ công việc", "DN nhỏ", "phi vụ"]


def test_persons_by_family_name() -> None:
    sentence = "Chủ tịch UBND tỉnh Trần Văn Hai đề nghị các sở, còn Lương Hoàng hậu thì không"
    assert texts(sentence, "person") == ["Trần Văn Hai"]
    # Inside a longer name a family name is not one: "Nhân Vũ Hưng Đạo Đại Vương".
    assert texts("Ông được gọi là Nhân Vũ Hưng Đạo Đại Vương", "person") == []


def test_offices_written_together_are_one_span() -> None:
    sentence = "Theo Phó Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh- Trần Văn Hai, tỉnh tăng trưởng tốt"
    assert texts(sentence, "role") == ["Phó Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh"]
    sentence = "Ông Lê Văn Ba - Giám đốc Sở Thông tin và Truyền thông, Phó trưởng Ban Chỉ đạo"
    assert texts(sentence, "role") == [
        "Giám đốc Sở Thông tin và Truyền thông, Phó trưởng Ban Chỉ đạo"]
    assert texts("Chủ tịch UBND tỉnh Trần Văn Hai đề nghị", "role") == ["Chủ tịch UBND tỉnh"]
    assert texts("Kinh tế tăng trưởng nhanh", "role") == []


def test_document_numbers_and_names_after_their_head_noun() -> None:
    sentence = "Tỉnh quán triệt Nghị quyết 01-NQ/TU của Tỉnh ủy"
    assert "01-NQ/TU" in texts(sentence, "name")
    assert [s.text for s in headed_name_spans(sentence, "nghị quyết")] == [
        "Nghị quyết 01-NQ/TU"]
    sentence = ("Tỉnh phối hợp với Vụ Kinh tế số; Học viện Công nghệ Bưu chính Viễn thông đặt "
                "hàng nhiệm vụ")
    assert [s.text for s in headed_name_spans(sentence, "học viện")] == [
        "Học viện Công nghệ Bưu chính Viễn thông"]
    sentence = "Tỉnh xây dựng ứng dụng (app) “điều hành công việc” cho lãnh đạo"
    assert [s.text for s in headed_name_spans(sentence, "ứng dụng")] == ["điều hành công việc"]
    assert headed_name_spans(sentence, "") == []


def test_abbreviations_spelt_out() -> None:
    sentence = "Tỉnh bước vào công cuộc chuyển đổi số (CĐS) từ năm 2020"
    assert [s.text for s in expansion_spans(sentence, "CĐS")] == ["chuyển đổi số"]
    sentence = "Tỷ lệ DVCTT (dịch vụ công trực tuyến) đạt 90%"
    assert [s.text for s in expansion_spans(sentence, "DVCTT")] == ["dịch vụ công trực tuyến"]
    # Words whose initials are not the abbreviation's do not spell it out.
    assert expansion_spans("Tỉnh có kết nối băng rộng cố định (FTTH)", "FTTH") == []
