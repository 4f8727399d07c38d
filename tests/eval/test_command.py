import json
from pathlib import Path

import pytest

from index.store import current_version
from retriever.encoder import Encoder
from retriever.types import Document
from service import cli, engine
from tests.conftest import CountingEncoder

QUESTIONS = [
    {"id": "ag-to", "type": "factoid", "answers": ["9 tổ"], "doc_id": "an-giang",
     "question": "An Giang đã thành lập bao nhiêu tổ công nghệ số cộng đồng?",
     "evidence": "thành lập 9 tổ công nghệ số cộng đồng"},
    {"id": "cm-dvc", "type": "factoid", "answers": ["1506"], "doc_id": "ca-mau",
     "question": "Cà Mau có bao nhiêu dịch vụ công trực tuyến toàn trình?",
     "evidence": "1.506 dịch vụ công trực tuyến toàn trình"},
    {"id": "hb-ioc", "type": "no-diacritics", "answers": ["2022"], "doc_id": "hoa-binh",
     "question": "trung tam dieu hanh thong minh hoa binh hoat dong nam nao",
     "evidence": "đi vào hoạt động năm 2022"},
    {"id": "un-ct", "type": "unanswerable", "answers": [], "doc_id": None, "evidence": None,
     "question": "Cần Thơ có bao nhiêu trạm 5G?"},
]


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch, encoder: Encoder) -> CountingEncoder:
    counting = CountingEncoder(encoder)
    monkeypatch.setattr(engine, "encoder_for", lambda settings: counting)
    return counting


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "dataset.jsonl"
    path.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in QUESTIONS),
                    encoding="utf-8")
    return path


@pytest.fixture
def corpus(tmp_path: Path, tiny_documents: list[Document]) -> Path:
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(
        json.dumps({"doc_id": d.doc_id, "title": d.title, "text": d.text,
                    "province": d.province}, ensure_ascii=False) + "\n"
        for d in tiny_documents), encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["eval", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_eval_end_to_end_with_json_and_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, dataset: Path, corpus: Path,
    counting: CountingEncoder,
) -> None:
    out_json, report = tmp_path / "out" / "metrics.json", tmp_path / "report"
    code, out, err = run(capsys, "--dataset", str(dataset), "--corpus", str(corpus),
                         "--index-dir", str(tmp_path / "index"), "--json", str(out_json),
                         "--report", str(report))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].endswith("4 questions (3 answerable)")
    assert "hit@1" in lines[1] and "p95 ms" in lines[1]
    assert [line.split()[0] for line in lines[3:6]] == ["bm25", "dense", "hybrid"]
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert data["mode"] == "in-process" and data["documents"] == 3
    assert [r["label"] for r in data["runs"]] == ["bm25", "dense", "hybrid"]
    for r in data["runs"]:
        assert r["overall"]["hit@5"] == 1.0
        assert len(r["questions"]) == 4 and "unanswerable" in r["by_type"]
    for name in ("report.md", "misses.csv", "hit_at_k.png", "accuracy_by_type.png"):
        assert (report / name).stat().st_size > 0
    assert current_version(tmp_path / "index").is_dir()


def test_the_corpus_index_is_cached_beside_the_configured_index(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    dataset: Path, corpus: Path, counting: CountingEncoder,
) -> None:
    monkeypatch.setenv("HOIDAP_INDEX_DIR", str(tmp_path / "data" / "index"))
    code, out, _ = run(capsys, "--dataset", str(dataset), "--corpus", str(corpus),
                       "--retriever", "bm25")
    assert code == 0 and out.splitlines()[3].split()[0] == "bm25"
    assert len(out.splitlines()) == 4  # one run
    cached = list((tmp_path / "data" / "eval").iterdir())
    assert len(cached) == 1
    version = current_version(cached[0])
    assert version.is_dir() and counting.passages_encoded > 0
    code, _, _ = run(capsys, "--dataset", str(dataset), "--corpus", str(corpus),
                     "--retriever", "dense")
    # The same corpus again: the cached index is loaded, not rebuilt.
    assert code == 0 and current_version(cached[0]) == version
    assert list((tmp_path / "data" / "eval").iterdir()) == cached


def test_ablations_and_the_configured_corpus(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    dataset: Path, corpus: Path, counting: CountingEncoder,
) -> None:
    monkeypatch.setenv("HOIDAP_CORPUS", str(corpus))  # no --corpus: the configured one
    out_json = tmp_path / "ablations.json"
    code, out, err = run(capsys, "--dataset", str(dataset), "--index-dir",
                         str(tmp_path / "index"), "--retriever", "hybrid", "--ablations",
                         "--json", str(out_json))
    assert code == 0, err
    labels = [r["label"] for r in json.loads(out_json.read_text(encoding="utf-8"))["runs"]]
    assert labels == ["hybrid", "hybrid / no accent restoration", "hybrid / no folded field",
                      "hybrid / no abbreviation expansion", "hybrid / no syllable bigrams",
                      "hybrid / no question expansion"]
    assert "hybrid / no folded field" in out


def test_a_bad_dataset_line_names_the_line(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                           dataset: Path, corpus: Path) -> None:
    with dataset.open("a", encoding="utf-8") as handle:
        handle.write('{"id": "x", "question": "Thiếu câu trả lời?", "type": "factoid"}\n')
    code, out, err = run(capsys, "--dataset", str(dataset), "--corpus", str(corpus),
                         "--index-dir", str(tmp_path / "index"))
    assert code == 3 and out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"hoidap: error: {dataset}:5: missing field(s) answers")


def test_an_unreachable_server_is_one_line(capsys: pytest.CaptureFixture[str],
                                           dataset: Path) -> None:
    code, out, err = run(capsys, "--dataset", str(dataset), "--url", "http://127.0.0.1:9")
    assert code == 2 and out == ""
    assert err.startswith("hoidap: error: cannot reach the server at http://127.0.0.1:9")
    assert err.count("\n") == 1


def test_options_that_need_an_index_are_refused_with_url(capsys: pytest.CaptureFixture[str],
                                                         dataset: Path) -> None:
    code, _, err = run(capsys, "--dataset", str(dataset), "--url", "http://127.0.0.1:9",
                       "--ablations")
    assert code == 2 and "--ablations cannot be used with --url" in err
    code, _, err = run(capsys, "--dataset", str(dataset), "--url", "http://127.0.0.1:9",
                       "--retriever", "bm25")
    assert code == 2 and "--retriever cannot be used with --url" in err


def test_readers_run_side_by_side_with_a_csv_of_misses(
        counting: CountingEncoder, dataset: Path, corpus: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    misses = tmp_path / "misses.csv"
    out = tmp_path / "m.json"
    code = cli.main(["eval", "--dataset", str(dataset), "--corpus", str(corpus),
                     "--index-dir", str(tmp_path / "idx"), "--retriever", "bm25",
                     "--reader", "rules,auto", "--misses", str(misses), "--json", str(out)])
    assert code == 0
    runs = json.loads(out.read_text())["runs"]
    assert [r["label"] for r in runs] == ["bm25 / reader=rules", "bm25 / reader=auto"]
    assert misses.read_text().startswith("run,")
    assert "misses written to" in capsys.readouterr().out


def test_an_unknown_reader_is_a_usage_error(capsys: pytest.CaptureFixture[str],
                                            dataset: Path) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["eval", "--dataset", str(dataset), "--reader", "gpt"])
    assert stopped.value.code == 2
    assert "readers are rules, neural, auto" in capsys.readouterr().err
