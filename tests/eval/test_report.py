import csv
import json
from pathlib import Path

from eval.dataset import Question
from eval.report import format_table, metrics_payload, write_json, write_report
from eval.runner import Prediction, QuestionResult, RunResult, score_question
from retriever.types import Chunk, Passage

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def passage(doc_id: str, text: str) -> Passage:
    return Passage(Chunk(f"{doc_id}#0", doc_id, text, 0, len(text), doc_id), 1.0)


RIGHT = passage("ca-mau", "Tỉnh có 1.506 dịch vụ công trực tuyến toàn trình.")
CA_MAU = Question("cm", "Cà Mau có bao nhiêu dịch vụ công?", ["1.506"], "ca-mau",
                  "1.506 dịch vụ công trực tuyến", "factoid")
AN_GIANG = Question("ag", "An Giang có bao nhiêu tổ công nghệ số?", ["9 tổ"], "an-giang",
                    "thành lập 9 tổ", "paraphrase")
CAN_THO = Question("ct", "Cần Thơ có bao nhiêu trạm 5G?", [], None, None, "unanswerable")


def results(good: bool) -> list[QuestionResult]:
    answer = Prediction("Tỉnh có 1.506 dịch vụ [1].", "1.506", False, [RIGHT])
    return [
        score_question(CA_MAU, answer, 1 if good else 4, 12.0),
        score_question(AN_GIANG, answer, None, 30.0),  # wrong answer, no hit
        score_question(CAN_THO, Prediction("Xin lỗi.", None, True, []) if good else answer,
                       None, 5.0),
    ]


RUNS = [RunResult("bm25", "default", results(True)),
        RunResult("hybrid", "default", results(True)),
        RunResult("hybrid", "no folded field", results(False))]
META = {"dataset": "dev.jsonl", "questions": 3, "answerable": 2, "mode": "in-process"}


def test_summary_table_has_a_row_per_run_and_every_column() -> None:
    table = format_table(RUNS).splitlines()
    assert len(table) == 2 + len(RUNS)
    for column in ("hit@1", "hit@5", "MRR@10", "acc", "span EM", "span F1", "cite acc",
                   "abst unans", "wrong abst", "p50 ms", "p95 ms"):
        assert column in table[0]
    assert table[2].startswith("bm25 ") and table[4].startswith("hybrid / no folded field")
    assert "0.500" in table[2] and "1.000" in table[2]  # hit@1 and abstain-on-unanswerable


def test_json_holds_overall_by_type_and_per_question(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "metrics.json"
    write_json(out, RUNS, META)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["dataset"] == "dev.jsonl" and len(data["runs"]) == 3
    run = data["runs"][0]
    assert run["label"] == "bm25" and run["overall"]["hit@1"] == 0.5
    assert set(run["by_type"]) == {"factoid", "paraphrase", "unanswerable"}
    assert run["hit_at_k"]["10"] == 0.5
    assert [q["id"] for q in run["questions"]] == ["cm", "ag", "ct"]
    assert data == json.loads(json.dumps(metrics_payload(RUNS, META)))


def test_report_folder(tmp_path: Path) -> None:
    folder = tmp_path / "report"
    paths = write_report(folder, RUNS, META)
    assert {p.name for p in paths} == {"report.md", "misses.csv", "hit_at_k.png",
                                       "accuracy_by_type.png"}
    for name in ("hit_at_k.png", "accuracy_by_type.png"):
        data = (folder / name).read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 1000
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert "| hybrid / no folded field |" in report and "![hit@k](hit_at_k.png)" in report
    assert "### bm25" in report and "| unanswerable |" in report
    with (folder / "misses.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert set(rows[0]) == {"run", "id", "type", "question", "expected_answers", "got_answer",
                            "span", "abstained", "first_hit_rank", "why"}
    misses = {(r["run"], r["id"]): r for r in rows}
    # Good runs miss only "ag"; the bad one also answers the unanswerable question.
    assert set(misses) == {("bm25", "ag"), ("hybrid", "ag"), ("hybrid / no folded field", "ag"),
                           ("hybrid / no folded field", "ct")}
    assert misses[("bm25", "ag")]["expected_answers"] == "9 tổ"
    assert misses[("bm25", "ag")]["first_hit_rank"] == ""
    assert misses[("hybrid / no folded field", "ct")]["why"] == "answered an unanswerable question"


def test_report_without_answerable_questions(tmp_path: Path) -> None:
    only_unanswerable = [RunResult("server", "default", results(True)[2:])]
    write_report(tmp_path, only_unanswerable, META)
    assert (tmp_path / "hit_at_k.png").read_bytes().startswith(PNG_SIGNATURE)
    row = format_table(only_unanswerable).splitlines()[2].split()
    assert row[:3] == ["server", "1", "–"]  # no answerable question: no hit@1
