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


def test_encoder_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().encoder_backend == "onnx"
    monkeypatch.setenv("HOIDAP_ENCODER_BACKEND", "onnx-int8")
    assert Settings().encoder_backend == "onnx-int8"
    monkeypatch.setenv("HOIDAP_ENCODER_BACKEND", "int4")
    with pytest.raises(ValidationError):
        Settings()


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


def test_origins_proxies_and_admin_key_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    for bad in ({"cors_origins": ["https://tinh.gov.vn/"]}, {"cors_origins": ["*"]},
                {"frame_ancestors": ["https://a.vn; script-src *"]}):
        with pytest.raises(ValidationError, match="not an origin"):
            Settings(**bad)
    with pytest.raises(ValidationError, match="at least 16 characters"):
        Settings(admin_api_key="ngan-qua")
    assert Settings(admin_api_key="").admin_api_key is None  # an empty variable: API off
    assert Settings(cors_origins=["https://Tinh.gov.vn:8443"]).cors_origins == [
        "https://tinh.gov.vn:8443"]
    monkeypatch.setenv("HOIDAP_TRUSTED_PROXIES", '["10.0.0.0/8", "::1"]')
    monkeypatch.setenv("HOIDAP_ADMIN_API_KEY", "k" * 32)
    settings = Settings()
    assert [str(n) for n in settings.trusted_proxies] == ["10.0.0.0/8", "::1/128"]
    assert "k" * 32 not in repr(settings)  # the key stays out of logs and tracebacks
