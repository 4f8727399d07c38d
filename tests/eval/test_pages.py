"""The real-page ranking set: its questions load, cite the pages by their URL's id, and the
pages become a corpus hoidap reads."""

from __future__ import annotations

import json
from pathlib import Path

from eval.dataset import load_questions
from eval.pages import corpus_rows, page_id
from index.ingest import read_corpus

RANKING_SET = Path(__file__).resolve().parents[2] / "eval" / "data" / "ranking_questions.jsonl"


def test_the_ranking_set_loads_and_cites_pages_by_url() -> None:
    questions = load_questions(RANKING_SET)
    raw = [json.loads(line) for line in RANKING_SET.read_text(encoding="utf-8").splitlines()]
    assert len(questions) == len(raw) >= 80
    assert len({q.id for q in questions}) == len(questions)
    for question, row in zip(questions, raw, strict=True):
        if question.answerable:
            assert question.doc_id == page_id(row["url"]) and row["split"] in ("dev", "heldout")
        else:
            assert question.doc_id is None and row["split"] is None
    kinds = {q.type for q in questions}
    assert {"bridge", "year-not-covered", "index-mismatch", "no-diacritics", "english",
            "top-n", "compare-years", "table"} <= kinds


def test_pages_become_a_corpus(tmp_path: Path) -> None:
    pages = [{"url": "https://example.vn/a", "split": "dev", "title": "DTI 2023",
              "text": "Theo DTI 2023, Quảng Ngãi xếp thứ 21/63."},
             {"url": "https://example.vn/b", "split": "heldout", "title": "",
              "text": "Năm 2022, Hà Nội xếp thứ 24/63 về DTI."}]
    rows = corpus_rows(pages)
    assert [r["doc_id"] for r in rows] == [page_id(p["url"]) for p in pages]
    assert page_id("https://example.vn/a") == page_id("https://example.vn/a") != page_id(
        "https://example.vn/b")
    assert "title" not in rows[1]  # no empty title: the reader finds one
    corpus = tmp_path / "pages.jsonl"
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                      encoding="utf-8")
    result = read_corpus(corpus)
    assert not result.errors and [d.doc_id for d in result.documents] == [r["doc_id"]
                                                                           for r in rows]
    assert result.documents[0].url == "https://example.vn/a"
