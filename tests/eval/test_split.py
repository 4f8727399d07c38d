"""The reader's split of the external sets: fixed, by document, written down."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.dataset import Question
from eval.split import questions_of_split, reader_split
from retriever.errors import InvalidInputError
from service.answering.readers.training_data import external_split, side_of, split_documents
from tests.conftest import SHARED


def test_documents_split_into_disjoint_sides_at_least_a_third_held_out() -> None:
    docs = [f"doc-{i}" for i in range(100)]
    split = split_documents(docs)
    sides = [set(split[s]) for s in ("test", "validation", "train")]
    assert sum(len(s) for s in sides) == 100 and set().union(*sides) == set(docs)
    assert len(sides[0]) >= 34
    assert split == split_documents(list(reversed(docs)))  # order does not matter


def test_questions_follow_their_document_and_new_documents_are_test() -> None:
    split = {"test": ["a"], "validation": ["b"], "train": ["c"]}
    assert [side_of(d, "q", split) for d in "abc"] == ["test", "validation", "train"]
    assert side_of("unseen", "q", split) == "test"
    assert side_of(None, "q1", split) == side_of(None, "q1", split)


def test_the_split_file_holds_each_external_set() -> None:
    sets = reader_split()["sets"]
    assert set(sets) == {"viquad2", "uit-regulations", "vi-wiki-qa"}
    for split in sets.values():
        assert not set(split["test"]) & set(split["train"])


@pytest.mark.skipif(not (SHARED / "external").is_dir(), reason="needs ../shared")
def test_the_split_file_is_the_split_of_the_shared_sets() -> None:
    assert reader_split()["sets"] == external_split(SHARED)


def test_questions_of_a_split(tmp_path: Path) -> None:
    folder = tmp_path / "viquad2"
    folder.mkdir()
    test_doc = reader_split()["sets"]["viquad2"]["test"][0]
    train_doc = reader_split()["sets"]["viquad2"]["train"][0]
    questions = [Question("1", "?", ["x"], test_doc, None, "f"),
                 Question("2", "?", ["x"], train_doc, None, "f")]
    assert [q.id for q in questions_of_split(questions, folder / "dev.jsonl", "test")] == ["1"]
    with pytest.raises(InvalidInputError, match="not one of the split sets"):
        questions_of_split(questions, tmp_path / "dev.jsonl", "test")
    json.dumps(reader_split())
