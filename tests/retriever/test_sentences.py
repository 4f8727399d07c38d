from retriever.text.sentences import (
    Sentence,
    clause_around,
    split_segments,
    split_sentences,
)

TEXT = ("Tại TP. Hồ Chí Minh có 1.506 dịch vụ. Tỷ lệ đạt 78,9%.\n"
        "Năm 2023 tăng; xếp thứ 3/63 tỉnh, thành phố.")


def test_sentences_keep_numbers_and_abbreviations_whole() -> None:
    sentences = split_sentences(TEXT)
    assert [s.text for s in sentences] == [
        "Tại TP. Hồ Chí Minh có 1.506 dịch vụ.", "Tỷ lệ đạt 78,9%.",
        "Năm 2023 tăng; xếp thứ 3/63 tỉnh, thành phố."]
    for sentence in sentences:
        assert TEXT[sentence.start:sentence.end] == sentence.text


def test_segments_carry_passage_offsets() -> None:
    sentence = split_sentences(TEXT)[2]
    segments = split_segments(sentence)
    assert [s.text for s in segments] == ["Năm 2023 tăng", "xếp thứ 3/63 tỉnh, thành phố."]
    assert all(TEXT[s.start:s.end] == s.text for s in segments)
    assert split_segments(Sentence("Một câu.", 5, 13)) == [Sentence("Một câu.", 5, 13)]


def test_clause_quotes_the_fact_asked_about() -> None:
    sentence = ("Ông Nguyễn Minh Quang - Giám đốc Sở Thông tin và Truyền thông, Phó trưởng Ban "
                "Chỉ đạo chuyển đổi số tỉnh Bình Phước cho biết, không có lợi thế sẵn có về "
                "công nghệ nhưng Bình Phước đã vươn lên đứng vị trí thứ 9 cả nước về chỉ số "
                "đánh giá chuyển đổi số.")
    start = sentence.index("thứ 9")
    assert clause_around(sentence, start, start + 5) == (
        "Bình Phước đã vươn lên đứng vị trí thứ 9 cả nước về chỉ số đánh giá chuyển đổi số")
