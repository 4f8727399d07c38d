"""Lists of numbers in a sentence: the lead-in all items share and each item's own label."""

from service.answering.lists import list_items
from service.answering.spans import candidate_spans
from tests.service.answering.test_extractive import LEVELS, RATES


def test_the_items_of_lists() -> None:
    def items(text: str) -> list[tuple[str, str, str]]:
        spans = candidate_spans(text, "number")
        return [(s.text, text[:item.shared_end].split()[-1], text[item.label_start:s.start])
                for s, item in list_items(spans, text).items()]

    assert items(RATES) == [("100%", "mạng", "cấp tỉnh đạt "), ("95%", "mạng", "cấp huyện đạt "),
                            ("80%", "mạng", "cấp xã đạt ")]
    assert [(text, lead) for text, lead, _ in items(LEVELS)] == [
        ("9 tổ chuyển đổi số cộng đồng cấp huyện", "lập"),
        ("151 tổ chuyển đổi số cộng đồng cấp xã", "lập"),
        ("450 tổ chuyển đổi số cộng đồng cấp khu phố", "lập")]
    # A label shares a word with the one before it: these are two facts, not a list.
    assert items("Khoảng cách từ Trái Đất đến Mặt Trăng là 384.403 km, lớn khoảng 30 lần "
                 "đường kính Trái Đất.") == []
