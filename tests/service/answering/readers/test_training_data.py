from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.answering.readers.train_command import training_examples
from service.answering.readers.training_data import (
    load_external,
    load_squad_json,
    load_vlsp_csv,
)
from tests.conftest import SHARED


def test_squad_answers_are_found_by_offset_or_text(tmp_path: Path) -> None:
    data = {"data": [{"title": "T", "paragraphs": [{"context": "Hà Nội là thủ đô.", "qas": [
        {"id": "1", "question": "Thủ đô?", "answers": [{"text": "Hà Nội", "answer_start": 0}]},
        {"id": "2", "question": "Là gì?", "answers": [{"text": "thủ đô", "answer_start": 3}]},
        {"id": "3", "question": "Sai?", "answers": [{"text": "Huế", "answer_start": 0}]},
        {"id": "4", "question": "Không?", "answers": [], "is_impossible": True}]}]}]}
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data, ensure_ascii=False))
    found = {e.qid: e for e in load_squad_json(path, "s")}
    assert set(found) == {"s:1", "s:2", "s:4"}  # an answer not in its context is dropped
    assert found["s:2"].answers == ((10, 16),)
    assert not found["s:4"].answerable and found["s:1"].group == "s:T"


def test_vlsp_rows_keep_no_plausible_answer(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text("title,context,answer_text,answer_start,id,is_impossible,question,"
                    "answer_end\nT,Hà Nội là thủ đô.,Hà Nội,0,1,False,Thủ đô?,6\n"
                    "T,Hà Nội là thủ đô.,Hà Nội,0,2,True,Huế?,6\n", encoding="utf-8")
    rows = list(load_vlsp_csv(path))
    assert rows[0].answers == ((0, 6),) and rows[1].answers == ()


def test_external_answers_are_looked_for_inside_the_evidence(tmp_path: Path) -> None:
    folder = tmp_path / "set"
    folder.mkdir()
    (folder / "corpus.jsonl").write_text(json.dumps(
        {"doc_id": "d", "title": "t", "text": "Năm 2020 có 5 tổ. Năm 2021 có 9 tổ."}) + "\n")
    (folder / "dev.jsonl").write_text("\n".join(json.dumps(q) for q in [
        {"id": "1", "question": "2021?", "answers": ["9 tổ"], "doc_id": "d",
         "evidence": "Năm 2021 có 9 tổ"},
        {"id": "2", "question": "Năm?", "answers": ["Năm"], "doc_id": "d",
         "evidence": "Năm 2021 có 9 tổ"},
        {"id": "3", "question": "x", "answers": [], "doc_id": None}]) + "\n")
    found = {e.qid: e for e in load_external(folder)}
    assert set(found) == {"set:1", "set:2"}
    assert found["set:2"].answers == ((18, 21),)  # the "Năm" of the evidence, not the first
    assert list(load_external(folder, {"other"})) == []


@pytest.mark.skipif(not (SHARED / "qa-train").is_dir(), reason="needs ../shared")
def test_the_training_sources_hold_no_test_document() -> None:
    from eval.split import reader_split

    examples, counts = training_examples(SHARED)
    assert counts["squad2-en"] == 2000 and counts["viquad1"] > 2000
    held_out = {f"{name}:{doc}" for name, split in reader_split()["sets"].items()
                for side in ("test", "validation") for doc in split[side]}
    assert not {e.group for e in examples} & held_out
