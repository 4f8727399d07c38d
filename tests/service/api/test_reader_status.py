"""Which reader answers is visible on /readyz and in /metrics; missing weights are a clear
start-up error with HOIDAP_READER=neural and a logged fallback with auto."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from retriever.errors import ModelUnavailableError
from service import engine
from service.answering.readers.base import ReaderKind
from service.config import Settings


def test_auto_falls_back_to_the_rules_when_the_weights_are_missing(
        make_client: Callable[..., TestClient], tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    missing = tmp_path / "no-reader"
    client = make_client(reader="auto", reader_dir=missing)
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready"
    assert (ready["reader"], ready["reader_requested"]) == ("rules", "auto")
    assert str(missing / "manifest.json") in ready["reader_detail"]
    assert "rule reader answers" in caplog.text
    metrics = client.get("/metrics").text
    assert 'hoidap_reader{active="rules",requested="auto"} 1.0' in metrics
    assert "hoidap_reader_fallbacks_total 1.0" in metrics
    answer = client.post("/api/chat", json={"message": "Bình Phước xếp hạng thứ mấy?"}).json()
    assert answer["answer_span"] == "thứ 9"


def test_neural_with_missing_weights_does_not_start(
        make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    missing = tmp_path / "no-reader"
    with pytest.raises(ModelUnavailableError, match=f"manifest missing: {missing}"):
        make_client(reader="neural", reader_dir=missing)


def test_rules_need_no_weights(tmp_path: Path) -> None:
    neural, status = engine.load_reader(Settings(reader="rules",
                                                 reader_dir=tmp_path / "nothing"))
    assert neural is None and status.active == ReaderKind.RULES and status.detail is None
    with pytest.raises(ModelUnavailableError, match="manifest missing"):
        engine.load_reader(Settings(reader="neural", reader_dir=tmp_path / "nothing"))


def test_the_reader_setting_is_validated() -> None:
    with pytest.raises(ValueError):
        Settings(reader="gpt")
    with pytest.raises(ValueError):
        Settings(reader_max_windows=0)
