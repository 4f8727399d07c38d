import json
import subprocess
import sys
from pathlib import Path

import pytest

from index.store import current_version
from retriever.encoder import Encoder
from service import cli, engine
from service.config import Settings


@pytest.fixture(autouse=True)
def reuse_session_encoder(monkeypatch: pytest.MonkeyPatch, encoder: Encoder) -> None:
    monkeypatch.setattr(engine, "encoder_for", lambda settings: encoder)


@pytest.fixture(scope="module")
def built_index(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Path:
    index_dir = tmp_path_factory.mktemp("cli") / "index"
    engine.build_index(Settings(index_dir=index_dir), encoder)
    return index_dir


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_search_builds_the_index_on_first_use_and_finds_the_rank(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    index_dir = tmp_path / "fresh"
    code, out, _ = run(capsys, "search", "Bình Phước xếp hạng chuyển đổi số thứ mấy?",
                       "--index-dir", str(index_dir), "--json")
    assert code == 0
    passages = json.loads(out)
    assert "thứ 9 cả nước về chỉ số đánh giá chuyển đổi số" in passages[0]["text"]
    assert passages[0]["doc_id"] == "binh-phuoc"
    assert {"chunk_id", "title", "province", "start", "end", "score", "ranks"} <= set(passages[0])
    assert current_version(index_dir).is_dir()


def test_search_without_diacritics_prints_the_source(capsys: pytest.CaptureFixture[str],
                                                     built_index: Path) -> None:
    code, out, _ = run(capsys, "search", "binh phuoc xep hang chuyen doi so thu may",
                       "--index-dir", str(built_index), "--top-k", "3")
    assert code == 0
    first = out.split("\n\n")[0]
    assert first.startswith("[1] Định vị Bình Phước") and "thứ 9 cả nước" in first
    assert "binh-phuoc [" in first


def test_search_with_province_filter(capsys: pytest.CaptureFixture[str],
                                     built_index: Path) -> None:
    code, out, _ = run(capsys, "search", "kinh tế số", "--province", "BR-VT",
                       "--index-dir", str(built_index), "--json")
    assert code == 0
    assert {p["province"] for p in json.loads(out)} == {"Bà Rịa - Vũng Tàu"}


def test_empty_query_is_one_clear_line(capsys: pytest.CaptureFixture[str],
                                       built_index: Path) -> None:
    code, out, err = run(capsys, "search", "   ", "--index-dir", str(built_index))
    assert code == 2 and out == ""
    assert err.startswith("hoidap: error: the query is empty") and err.count("\n") == 1


def test_stats_and_missing_index(capsys: pytest.CaptureFixture[str], built_index: Path,
                                 tmp_path: Path) -> None:
    code, out, _ = run(capsys, "index", "stats", "--index-dir", str(built_index), "--json")
    assert code == 0 and json.loads(out)["documents"] == 5
    code, _, err = run(capsys, "index", "stats", "--index-dir", str(tmp_path / "none"))
    assert code == 4 and "no index" in err


def test_add_then_remove_a_document(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                    encoder: Encoder) -> None:
    index_dir = tmp_path / "index"
    engine.build_index(Settings(index_dir=index_dir), encoder)
    article = tmp_path / "soc-trang.txt"
    article.write_text("Sóc Trăng đẩy mạnh chuyển đổi số\nTỉnh Sóc Trăng có 42 điểm "
                       "wifi công cộng miễn phí phục vụ người dân.\n", encoding="utf-8")
    code, out, _ = run(capsys, "index", "add", str(article), "--index-dir", str(index_dir))
    assert code == 0 and "6 documents" in out
    code, out, _ = run(capsys, "search", "Sóc Trăng có bao nhiêu điểm wifi?",
                       "--index-dir", str(index_dir), "--json")
    best = json.loads(out)[0]
    assert best["doc_id"] == "soc-trang" and best["province"] == "Sóc Trăng"
    code, out, _ = run(capsys, "index", "remove", "soc-trang", "--index-dir", str(index_dir))
    assert code == 0 and "5 documents" in out
    code, _, err = run(capsys, "index", "remove", "soc-trang", "--index-dir", str(index_dir))
    assert code == 3 and "soc-trang" in err


def test_corrupt_index_is_reported(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                   encoder: Encoder) -> None:
    index_dir = tmp_path / "index"
    engine.build_index(Settings(index_dir=index_dir), encoder)
    (current_version(index_dir) / "chunks.jsonl").write_text("garbage")
    code, _, err = run(capsys, "search", "chuyển đổi số", "--index-dir", str(index_dir))
    assert code == 4 and "corrupt" in err


def test_unreadable_corpus_is_reported(capsys: pytest.CaptureFixture[str],
                                       tmp_path: Path) -> None:
    empty = tmp_path / "empty-corpus"
    empty.mkdir()
    code, _, err = run(capsys, "index", "build", "--corpus", str(empty),
                       "--index-dir", str(tmp_path / "index"))
    assert code == 3 and "no readable document" in err


def test_console_entry_point_runs() -> None:
    result = subprocess.run([sys.executable, "-m", "service.cli", "--help"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "index" in result.stdout and "search" in result.stdout


def test_an_invalid_date_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["search", "chuyển đổi số", "--from", "2023-13-45"])
    assert stopped.value.code == 2
    assert "'2023-13-45' is not a date YYYY-MM-DD" in capsys.readouterr().err


def test_serve_with_a_missing_or_empty_corpus_exits_at_once(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli.main(["serve", "--corpus", str(tmp_path / "nowhere")]) == 3
    assert capsys.readouterr().err.startswith("hoidap: error: ")
    (tmp_path / "empty").mkdir()
    assert cli.main(["serve", "--corpus", str(tmp_path / "empty")]) == 3
    assert capsys.readouterr().err.count("\n") == 1
