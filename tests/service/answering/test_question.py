import pytest

from index.facts import Measure, RankingIndex
from service.answering.extractive import vietnamese_terms_of_english
from service.answering.question import analyse_question, around_question_word


@pytest.mark.parametrize(("question", "kind"), [
    ("Bình Phước xếp hạng chuyển đổi số thứ mấy?", "rank"),
    ("binh phuoc xep hang chuyen doi so thu may", "rank"),
    ("Bình Phước có bao nhiêu dịch vụ công trực tuyến?", "number"),
    ("Tỷ lệ hồ sơ xử lý trực tuyến đạt bao nhiêu?", "number"),
    ("Tổng đài phản ánh của tỉnh là số nào?", "number"),
    ("Ai là Giám đốc Sở Thông tin và Truyền thông?", "person"),
    ("Nghị quyết 08 được ban hành khi nào?", "date"),
    ("Năm nào Tiền Giang ban hành Nghị quyết 08?", "date"),
    ("Mô hình xã số được thí điểm ở đâu?", "place"),
    ("Hệ thống IOC là gì?", "sentence"),
    ("Sàn thương mại điện tử nào được dùng?", "name"),
    ("Ứng dụng tên là gì?", "name"),
    ("Ứng dụng AI ở Bến Tre thế nào?", "sentence"),
    ("How many online public services does Binh Phuoc have?", "number"),
    ("What rank is Binh Phuoc in digital transformation?", "rank"),
    ("Who is the director of the department?", "person"),
    ("When was Resolution 08 issued?", "date"),
    ("Which commune did the province pilot as a digital commune?", "place"),
    ("Which app does the province offer?", "name"),
])
def test_question_kind(question: str, kind: str) -> None:
    assert analyse_question(question).kind == kind


def test_language_and_accents() -> None:
    assert analyse_question("What rank is Binh Phuoc?").language == "en"
    plain = analyse_question("binh phuoc xep hang thu may")
    assert plain.language == "vi" and not plain.accented
    assert analyse_question("Bình Phước xếp thứ mấy?").accented


@pytest.mark.parametrize(("question", "language"), [
    # Few English function words, but most words are no Vietnamese syllable.
    ("When did Ba Ria - Vung Tau hold its digital transformation review conference?", "en"),
    ("Which commune did Ba Ria - Vung Tau pilot?", "en"),
    # Unaccented Vietnamese with a loanword or an acronym, and no English function word.
    ("tinh co bao nhieu camera giam sat", "vi"),
    ("ung dung app TienGiangS cua tinh la gi", "vi"),
    ("CDS o BR-VT dat DVCTT toan trinh bao nhieu", "vi"),
])
def test_english_by_words_no_vietnamese_syllable_spells(question: str, language: str) -> None:
    assert analyse_question(question).language == language


def test_an_english_ordinal_is_no_required_term() -> None:
    info = analyse_question("Which province ranks 9th in digital transformation and has 5G?")
    assert info.required_terms == ["5G"]
    assert "thứ 9" in vietnamese_terms_of_english(info)


def test_provinces_and_required_terms() -> None:
    info = analyse_question("Cần Thơ có bao nhiêu trạm 5G?")
    assert info.provinces == ["Cần Thơ"]
    assert info.required_terms == ["5G"]
    assert analyse_question("BR-VT có bao nhiêu xã?").provinces == ["Bà Rịa - Vũng Tàu"]
    # A two-letter capital word is too often an ad-hoc abbreviation to insist on.
    assert analyse_question("CT UBND tỉnh Vĩnh Long là ai?").required_terms == ["UBND"]
    assert analyse_question("Ông Nguyễn Văn Hùng làm gì?").required_terms == ["Nguyễn Văn Hùng"]


def test_counted_thing_and_definition_subject() -> None:
    assert analyse_question("Bến Tre có bao nhiêu thành viên tham gia?").counted == (
        "thành viên tham gia")
    assert analyse_question("Bao nhiêu xã, phường, thị trấn có trang tin?").counted == (
        "xã, phường, thị trấn")
    assert analyse_question("Kinh tế số chiếm bao nhiêu phần trăm GRDP?").counted == "%"
    assert analyse_question("IoT là gì?").subject == "IoT"


@pytest.mark.parametrize(("question", "kind"), [
    # "đầu" of "dẫn đầu" folds to the "đâu" of "ở đâu": only the question word asks a place.
    ("Tỉnh phấn đấu thuộc nhóm bao nhiêu tỉnh dẫn đầu cả nước?", "number"),
    # "hàng" of "ngân hàng" is not the "hạng" of "hạng nào".
    ("Những ngân hàng nào mở tài khoản cho tiểu thương?", "name"),
    ("Tỉnh đứng hạng nào về chuyển đổi số?", "rank"),
    # "não" is not "nào": a description is asked, not a name.
    ("Hệ thống “bộ não số” của tỉnh là gì?", "sentence"),
    ("Bà Nguyễn Thị Hoa giữ chức vụ gì?", "role"),
    ("Ông Trần Văn Nam giữ những chức gì ở Sở?", "role"),
    ("Nộp thuế qua mạng thì tỉnh đứng ở đâu so với cả nước?", "rank"),
    ("Thành phố Thủ Dầu Một nằm ở đâu?", "place"),
    # "xếp hạng" in passing: "bao nhiêu" or "bằng cách nào" decides.
    ("Tỉnh lọt vào nhóm bao nhiêu tỉnh dẫn đầu trong xếp hạng CNTT?", "number"),
    ("Xếp hạng tốt nghiệp được tính bằng cách nào?", "sentence"),
    ("Chủ tịch UBND tỉnh Long An tên gì?", "person"),
])
def test_question_kind_reads_accents_and_stronger_cues(question: str, kind: str) -> None:
    assert analyse_question(question).kind == kind


@pytest.mark.parametrize(("question", "expanded"), [
    ("CT UBND tỉnh Kiên Giang là ai?", "Chủ tịch UBND tỉnh Kiên Giang là ai?"),
    ("PGĐ Sở TT&TT tỉnh Sóc Trăng là ai?", "Phó Giám đốc Sở TT&TT tỉnh Sóc Trăng là ai?"),
    ("ct ubnd tinh kien giang la ai", "ct ubnd tinh kien giang la ai"),
    ("CT UBND tinh Kien Giang la ai", "Chu tich UBND tinh Kien Giang la ai"),
    # Only before the body the office belongs to.
    ("Công ty CT có bao nhiêu nhân viên?", "Công ty CT có bao nhiêu nhân viên?"),
])
def test_title_shorthands_are_spelt_out(question: str, expanded: str) -> None:
    assert analyse_question(question).text == expanded


@pytest.mark.parametrize(("question", "roles"), [
    ("Chủ tịch UBND tỉnh Hậu Giang là ai?", ["chu tich"]),
    ("CT UBND tỉnh Hậu Giang là ai?", ["chu tich"]),
    ("Phó Chủ tịch UBND tỉnh Hậu Giang là ai?", ["pho chu tich"]),
    ("Ai là người hiện giữ chức giám đốc Sở Nội vụ?", ["giam doc"]),
    ("giam doc so noi vu tinh hau giang la ai", ["giam doc"]),
    ("Who is the vice chairman of the provincial committee?", ["pho chu tich"]),
    # The office is not what "who" asks about here.
    ("Ai được chọn làm ứng cử viên chủ tịch hội?", []),
    ("Ai ký quyết định thay chủ tịch?", []),
])
def test_the_office_a_who_question_asks_about(question: str, roles: list[str]) -> None:
    assert analyse_question(question).roles == roles


def test_years_abbreviation_head_and_amount() -> None:
    info = analyse_question("Năm 2021 tỉnh Sóc Trăng xếp hạng chuyển đổi số thứ mấy?")
    assert info.years == ["2021"] and info.ranking
    # A date question asks for the year: it is not a constraint on the answer.
    assert analyse_question("Nghị quyết được ban hành năm nào, 2021 hay 2022?").years == []
    # The year of a full date is part of that date, not a year asked about.
    assert analyse_question("Ngày 27/1/2024 tỉnh tổ chức hội nghị gì?").years == []
    assert analyse_question("CNTT là viết tắt của gì?").abbreviation == "CNTT"
    assert analyse_question("CNTT là gì?").abbreviation == ""
    assert analyse_question("Tỉnh hợp tác với học viện nào?").head == "học viện"
    assert analyse_question("Tỉnh dùng những nền tảng số nào?").head == "nền tảng"
    assert analyse_question("Tỉnh có bao nhiêu xã?").asks_amount
    assert not analyse_question("Tỷ lệ giảm nhiệt có ký hiệu là gì?").asks_amount
    assert not analyse_question("Cúp châu Á năm đó là giải thứ mấy?").ranking


@pytest.mark.parametrize(("question", "counted"), [
    ("Huyện chi bao nhiêu tỷ đồng cho chuyển đổi số?", "tỷ đồng"),
    ("Kinh tế số chiếm bao nhiêu GRDP?", "%"),
    # A name after the counted noun is not counted: "tổ" of "bao nhiêu tổ Sóc Trăng".
    ("ấp thì có bao nhiêu tổ Sóc Trăng có bao nhiêu tổ?", "tổ"),
    # A verb right after "bao nhiêu": the counted noun came before it.
    ("Nước Anh lấy vĩ tuyến bao nhiêu làm giới hạn?", ""),
    ("Hai tỉnh đặt mục tiêu tăng bao nhiêu mỗi năm?", ""),
])
def test_counted_thing_stops_at_names_verbs_and_determiners(question: str,
                                                             counted: str) -> None:
    assert analyse_question(question).counted == counted


@pytest.mark.parametrize(("question", "compare"), [
    ("Giữa Bình Phước và Vĩnh Long, tỉnh nào có thứ hạng chuyển đổi số tốt hơn?", "more"),
    ("Trong ba tỉnh Bến Tre, Long An và Cà Mau, tỉnh nào có tỷ lệ thấp nhất?", "less"),
    ("Which province ranks higher, Long An or Ca Mau?", "more"),
    # One province, or no "which province": nothing to compare.
    ("Bình Phước có thứ hạng cao hơn năm trước không?", ""),
    ("Bến Tre và Tiền Giang đặt mục tiêu tăng bao nhiêu mỗi năm?", ""),
])
def test_comparisons_across_provinces(question: str, compare: str) -> None:
    assert analyse_question(question).compare == compare


@pytest.mark.parametrize(("question", "part"), [
    ("QĐ 749 ban hành ngày nào?", "day"),
    ("hoi nghi to chuc ngay nao", "day"),
    ("Hội nghị diễn ra vào ngày mấy?", "day"),
    ("When was it signed, on what date?", "day"),
    ("Dự án khởi công tháng mấy?", "month"),
    ("Which month did the rollout start?", "month"),
    # A year, or any date, answers these.
    ("Nghị quyết ban hành năm nào?", ""),
    ("Khi nào tỉnh hoàn thành đề án?", ""),
    # Not a date question: the part is not read.
    ("Tỉnh có bao nhiêu ngày công?", ""),
])
def test_the_part_of_a_date_asked(question: str, part: str) -> None:
    assert analyse_question(question).date_part == part


@pytest.mark.parametrize(("question", "before", "after"), [
    ("Bình Phước xếp hạng thứ mấy?", "bình phước xếp hạng thứ ", "?"),
    ("binh phuoc co bao nhieu to cong nghe so", "binh phuoc co ", " to cong nghe so"),
    # "Máy" only folds to the question word "mấy"; "nào" is the question word.
    ("Máy tính nào rẻ nhất?", "máy tính ", " rẻ nhất?"),
    # The first question word of a follow-up joined to the question before it.
    ("Còn cấp ấp thì bao nhiêu tổ? Có bao nhiêu tổ cấp xã?", "còn cấp ấp thì ",
     " tổ? có bao nhiêu tổ cấp xã?"),
    ("Chuyển đổi số cấp tỉnh.", "", ""),
])
def test_text_around_the_question_word(question: str, before: str, after: str) -> None:
    assert around_question_word(question) == (before, after)



def test_the_analysed_question_carries_its_ranking_constraints() -> None:
    info = analyse_question("Tinh nao dung dau PCI nam 2023?")
    assert info.facts.indices == (RankingIndex.PCI,) and info.facts.years == (2023,)
    assert info.facts.measure is Measure.RANK and info.facts.position == "first"
    assert not analyse_question("Xin chào").facts.is_about_rankings
