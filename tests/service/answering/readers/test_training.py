from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from service.answering.readers.model import SpanReaderModel
from service.answering.readers.training import (
    CHECKPOINT_FILE,
    ReaderTrainer,
    TrainSettings,
    _token_span,
    cpu_has_native_bf16,
    features_of,
)
from service.answering.readers.weights import WEIGHTS_FILE, read_manifest, verified_weights
from tests.service.answering.readers.conftest import TINY_BASE_ID, TINY_EXAMPLES, TINY_WINDOWS


def test_token_span_labels_only_whole_answers() -> None:
    offsets = [(0, 4), (5, 9), (10, 14), (15, 19)]
    assert _token_span(offsets, 5, 14) == (1, 2)
    assert _token_span(offsets, 6, 9) == (1, 1)  # an answer inside a piece
    assert _token_span(offsets, 15, 25) == (-1, -1)  # runs past the window
    assert _token_span([(10, 14)], 5, 12) == (-1, -1)  # starts before the window


def _trainer(tiny_base: Path, out: Path, **changes) -> ReaderTrainer:
    settings = TrainSettings(**{"epochs": 1.0, "batch_size": 2, "learning_rate": 5e-3,
                                "head_learning_rate": 5e-2, "trainable_layers": 2,
                                "checkpoint_every": 1, "bf16": False, "windows": TINY_WINDOWS,
                                **changes})
    return ReaderTrainer(tiny_base, TINY_BASE_ID, out, settings)


def test_features_label_the_answer_tokens_and_no_answer_at_position_0(tiny_base) -> None:
    trainer = _trainer(tiny_base, Path("/nonexistent"))
    features = features_of(TINY_EXAMPLES, trainer.maker, 1, 0)
    labelled = [f for f in features if f.start > 0]
    assert len(labelled) == 3
    decoded = {trainer.maker.tokenizer.decode(f.input_ids[f.start:f.end + 1]).strip()
               for f in labelled}
    assert decoded == {"thứ 9", "1.506", "Trần Văn Hai"}
    assert any(f.start == f.end == 0 for f in features)  # the unanswerable one


def test_a_tiny_training_run_lowers_the_loss(tiny_base, tmp_path) -> None:
    examples = TINY_EXAMPLES * 6
    result = _trainer(tiny_base, tmp_path, epochs=3.0).train(examples, {"test": 24})
    assert result.finished and result.steps == len(result.losses)
    first, last = np.mean(result.losses[:4]), np.mean(result.losses[-4:])
    assert last < first * 0.8, (first, last)
    manifest = read_manifest(tmp_path)
    assert manifest.training["sources"] == {"test": 24}
    assert manifest.trainable_layers == 2 and manifest.windows == TINY_WINDOWS
    verified_weights(tmp_path, TINY_BASE_ID)  # the checksum holds


def test_an_interrupted_run_resumes_from_its_checkpoint(tiny_base, tmp_path) -> None:
    examples = TINY_EXAMPLES * 4  # 8 steps of 2
    stopped = _trainer(tiny_base, tmp_path, max_minutes=0.0).train(examples)
    assert not stopped.finished and stopped.steps == 1
    assert (tmp_path / CHECKPOINT_FILE).exists()
    assert json.loads((tmp_path / "manifest.json").read_text())["training"]["finished"] is False
    resumed = _trainer(tiny_base, tmp_path).train(examples)
    assert resumed.finished and resumed.steps == 8
    assert resumed.losses[0] == stopped.losses[0]  # the same run, continued
    with pytest.raises(ValueError, match="another run"):
        _trainer(tiny_base, tmp_path, epochs=2.0).train(examples)


def test_only_the_fine_tuned_layers_and_the_head_are_shipped(tiny_base, tmp_path) -> None:
    from safetensors.torch import load_file

    _trainer(tiny_base, tmp_path, trainable_layers=1).train(TINY_EXAMPLES)
    names = set(load_file(str(tmp_path / WEIGHTS_FILE)))
    assert names and all(n.startswith(("bert.encoder.layer.1.", "qa_outputs.")) for n in names)
    assert all(t.dtype == torch.float16 for t in load_file(str(tmp_path / WEIGHTS_FILE)).values())


def test_trainable_layers_are_checked(tiny_base) -> None:
    model = SpanReaderModel.from_base(tiny_base)
    with pytest.raises(ValueError):
        model.trainable_names(3)
    with pytest.raises(ValueError):
        TrainSettings(epochs=0)


def test_bf16_follows_the_cpu_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    import service.answering.readers.training as training

    assert isinstance(cpu_has_native_bf16(), bool)
    monkeypatch.setattr(training, "cpu_has_native_bf16", lambda: False)
    assert TrainSettings().bf16 is False  # emulated bf16 would be 13x slower
    monkeypatch.setattr(training, "cpu_has_native_bf16", lambda: True)
    assert TrainSettings().bf16 is True
    assert TrainSettings(bf16=False).bf16 is False  # an explicit choice wins


def test_a_cpu_check_that_fails_means_fp32(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> bool:
        raise RuntimeError("no cpuinfo")

    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", broken, raising=False)
    assert cpu_has_native_bf16() is False
