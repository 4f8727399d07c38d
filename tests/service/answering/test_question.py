import pytest

from service.answering.question import analyse_question


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
])
def test_question_kind(question: str, kind: str) -> None:
    assert analyse_question(question).kind == kind


def test_language_and_accents() -> None:
    assert analyse_question("What rank is Binh Phuoc?").language == "en"
    plain = analyse_question("binh phuoc xep hang thu may")
    assert plain.language == "vi" and not plain.accented
    assert analyse_question("Bình Phước xếp thứ mấy?").accented


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
