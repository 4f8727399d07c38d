from service.answering.spans import candidate_spans

SENTENCE = ("Đến nay, Bình Phước có 1.506 dịch vụ công trực tuyến, xếp thứ 3/63 tỉnh, thành; "
            "thanh toán đạt hơn 22.800 giao dịch; tỷ lệ đạt 78,9% theo mức độ 3.")


def texts(sentence: str, kind: str) -> list[str]:
    return [s.text for s in candidate_spans(sentence, kind)]


def test_numbers_with_units_and_vietnamese_formats() -> None:
    assert texts(SENTENCE, "number") == [
        "1.506 dịch vụ công trực tuyến", "hơn 22.800 giao dịch", "78,9%"]
    assert texts("Đã có 82/82 xã, phường", "number") == ["82/82 xã"]


def test_labels_are_not_quantities() -> None:
    assert texts("Nghị quyết 08 và mức độ 4 năm 2025", "number") == []


def test_ranks() -> None:
    assert texts(SENTENCE, "rank") == ["thứ 3/63"]
    assert texts("Tỉnh đứng vị trí thứ 9 cả nước", "rank") == ["thứ 9"]
    assert texts("Huyện dẫn đầu cả nước", "rank") == ["dẫn đầu"]


def test_dates_keep_the_longest_form() -> None:
    assert texts("Ngày 20/5/2022, tỉnh ban hành; quý II năm 2023 và năm 2024", "date") == [
        "Ngày 20/5/2022", "quý II năm 2023", "năm 2024"]


def test_persons_places_names() -> None:
    sentence = "Ông Nguyễn Minh Quang - Giám đốc Sở cho biết tại huyện Côn Đảo có “bộ não số” IOC"
    assert texts(sentence, "person") == ["Nguyễn Minh Quang"]
    assert "Côn Đảo" in texts(sentence, "place")
    assert {"bộ não số", "IOC"} <= set(texts(sentence, "name"))
