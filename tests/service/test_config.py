from pathlib import Path

import pytest
from pydantic import ValidationError

from service import cli
from service.config import Settings


def test_environment_with_prefix_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOIDAP_INDEX_DIR", str(tmp_path / "idx"))
    monkeypatch.setenv("HOIDAP_DENSE_INDEX", "hnsw")
    settings = Settings()
    assert settings.index_dir == tmp_path / "idx" and settings.dense_index == "hnsw"


def test_invalid_settings_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOIDAP_RRF_K", "0")
    with pytest.raises(ValidationError):
        Settings()


def test_cli_reports_bad_configuration_in_one_line(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HOIDAP_DENSE_INDEX", "magic")
    assert cli.main(["index", "stats"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hoidap: error: invalid configuration") and err.count("\n") == 1
