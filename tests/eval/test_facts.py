"""Scoring the fact extractor against labels: precision over extracted, recall over labelled."""

from __future__ import annotations

import json
from pathlib import Path

from eval.facts import LABELS, read_jsonl, score


def test_precision_and_recall_per_split() -> None:
    pages = [{"url": "u1", "split": "dev", "title": "",
              "text": "Theo DTI 2022, Cà Mau xếp thứ 40 và tăng 3 bậc."}]
    labels = [{"url": "u1", "split": "dev", "subject": "Cà Mau", "index": "DTI", "year": 2022,
               "measure": "rank", "value": 40},
              {"url": "u1", "split": "dev", "subject": "Cà Mau", "index": "DTI", "year": 2022,
               "measure": "score", "value": 0.5}]
    [(split, result)] = score(pages, labels).items()  # type: ignore[arg-type]
    assert split == "dev"
    assert (result.extracted, result.correct, result.labelled, result.found) == (2, 1, 2, 1)
    assert result.precision == 0.5 and result.recall == 0.5
    assert [k[4] for k in result.wrong] == ["rank_change"]
    assert [k[4] for k in result.missed] == ["score"]


def test_the_shipped_labels_are_well_formed(tmp_path: Path) -> None:
    rows = read_jsonl(LABELS)
    assert len(rows) >= 150
    assert {r["split"] for r in rows} == {"dev", "heldout"}
    for row in rows:
        assert set(row) >= {"url", "split", "subject", "index", "year", "measure", "value"}
    (tmp_path / "x.jsonl").write_text(json.dumps(rows[0], ensure_ascii=False) + "\n")
    assert read_jsonl(tmp_path / "x.jsonl") == rows[:1]
