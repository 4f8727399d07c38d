"""Template questions over raw text: the answer is the replaced span, the question the
clause around it."""

from __future__ import annotations

import json
from pathlib import Path

from service.answering.readers.template_data import (
    SOURCE,
    sentence_questions,
    template_examples,
    training_side_texts,
)

PARAGRAPH = ("Cầu Rồng được khánh thành ngày 29 tháng 3 năm 2013. Thành phố có 37 cây cầu, "
             "dân số tăng 1,5% mỗi năm. Năm 1796, ông ra Bắc lần đầu tiên. Ông về quê, năm "
             "1802, khi triều Nguyễn lập. Tỉnh xếp thứ 9/63 về chỉ số này.")


def _answers(text: str) -> dict[str, str]:
    found = {}
    for sentence in text.split(". "):
        for question, start, end in sentence_questions(sentence):
            found[sentence[start:end]] = question
    return found


def test_each_template_replaces_its_span_with_the_question_words() -> None:
    found = _answers(PARAGRAPH)
    assert found["ngày 29 tháng 3 năm 2013"] == "Cầu Rồng được khánh thành ngày nào?"
    assert found["37 cây cầu"] == "Thành phố có bao nhiêu cây cầu?"
    assert found["1,5%"] == "Dân số tăng bao nhiêu phần trăm mỗi năm?"
    assert found["Năm 1796"] == "Năm nào ông ra Bắc lần đầu tiên?"
    assert found["năm 1802"] == "Ông về quê năm nào khi triều Nguyễn lập?"  # clauses join
    assert found["thứ 9/63"] == "Tỉnh xếp thứ mấy về chỉ số này?"
    # the year inside the date is not asked again on its own
    assert "năm 2013" not in found


def test_a_sentence_too_short_or_without_numbers_gives_nothing() -> None:
    assert sentence_questions("Năm 2013.") == []
    assert sentence_questions("Thành phố có nhiều cây cầu đẹp bắc qua sông Hàn.") == []


def test_examples_point_at_their_answer_in_the_whole_paragraph() -> None:
    examples = template_examples([("doc:1", PARAGRAPH), ("doc:1", PARAGRAPH)], per_text=5)
    assert len(examples) == 5  # the repeated paragraph is read once
    for example in examples:
        (start, end), = example.answers
        assert example.context == PARAGRAPH and example.source == SOURCE
        assert example.group == "doc:1"
        assert PARAGRAPH[start:end] in {"ngày 29 tháng 3 năm 2013", "37 cây cầu", "1,5%",
                                        "Năm 1796", "năm 1802", "thứ 9/63"}
    assert len(template_examples([("d", PARAGRAPH)], per_text=5, limit=2)) == 2
    again = template_examples([("doc:1", PARAGRAPH)], per_text=2, seed=13)
    assert again == template_examples([("doc:1", PARAGRAPH)], per_text=2, seed=13)


def test_only_training_documents_of_the_external_sets_are_read(tmp_path: Path) -> None:
    folder = tmp_path / "external" / "viquad2"
    folder.mkdir(parents=True)
    docs = [{"doc_id": f"d{i}", "text": f"Văn bản {i} được ban hành năm 20{10 + i}."}
            for i in range(3)]
    (folder / "corpus.jsonl").write_text("\n".join(json.dumps(d) for d in docs), "utf-8")
    (tmp_path / "qa-train").mkdir()  # no qa-train files: only the external documents
    split = {"viquad2": {"train": ["d1"], "validation": ["d2"], "test": ["d0"]}}
    assert training_side_texts(tmp_path, split) == [("viquad2:d1", docs[1]["text"])]


def test_templates_are_a_training_source_apart_from_the_defaults() -> None:
    from service.answering.readers.train_command import DEFAULT_SOURCES, KNOWN_SOURCES

    assert SOURCE in KNOWN_SOURCES and SOURCE not in DEFAULT_SOURCES
