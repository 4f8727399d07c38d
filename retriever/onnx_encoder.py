"""The same encoder run by ONNX Runtime instead of torch: faster for one short query on two
cores, equal vectors (cosine > 0.999, checked at export), and no torch in the serving process.

sentence-transformers' own ONNX backend needs optimum, whose releases pin transformers
below the version we use, so the model is exported here with `torch.onnx.export` into
`<model folder>/onnx/model.onnx` (once; the model never leaves the machine) and run with
`onnxruntime`, with the model's own tokenizer, prompts, mean pooling and normalisation.

The "onnx-int8" variant quantises that export's matrix products to int8 (weights per
channel, activations per call; onnxruntime's dynamic quantisation) for users who trade a
little accuracy for speed. It is a different model for indexes: its vectors are close to
the float model's (cosine 0.993-0.995), not equal.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from retriever.errors import ModelUnavailableError

logger = logging.getLogger(__name__)

ONNX_DIR = "onnx"
ONNX_FILE = "model.onnx"
STAMP_FILE = "export.json"
EXPORT_VERSION = 1
MIN_COSINE = 0.999
INT8_FILE = "model-int8.onnx"
INT8_STAMP_FILE = "export-int8.json"
INT8_VERSION = 1
# Measured on two cores (bench/indexing.py, docs/performance.md): ~1.6x the passages
# per second and ~2.7x faster for one query, at cosine 0.993-0.995 with the float model.
# Hybrid hit@1 moved 0.870 -> 0.851 on our questions, 0.877 -> 0.877 on viquad2 and
# 0.843 -> 0.843 on uit-regulations; dense alone lost 0.6-3.8 points. Leaving the
# feed-forward output layers in float raised the cosine to 0.998 but kept only 1.2-1.35x.
MIN_COSINE_INT8 = 0.99
_CHECK_TEXTS = (
    "query: Bình Phước xếp hạng chuyển đổi số thứ mấy?",
    "passage: Toàn tỉnh đã thành lập 9 tổ công nghệ số cộng đồng với hơn 1.500 thành viên.",
    "query: binh phuoc co bao nhieu dich vu cong truc tuyen",
)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelUnavailableError(f"cannot read {path}: {exc}") from exc
    return value if isinstance(value, dict) else {}


def _check_mean_pooling(folder: Path) -> None:
    """Only the transformer -> mean pooling -> normalise layout is exported; anything else
    would give other vectors than the torch model."""
    modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    pooling = _read_json(folder / "1_Pooling" / "config.json")
    if kinds != ["Transformer", "Pooling", "Normalize"] or pooling.get("pooling_mode") != "mean":
        raise ModelUnavailableError(
            f"the ONNX backend runs mean-pooled, normalised models; {folder} has {kinds} "
            f"with pooling {pooling.get('pooling_mode')!r}: use the torch backend"
        )


def export_onnx(folder: Path) -> Path:
    """Export the sentence-transformers model in `folder` to ONNX and verify it; returns the
    .onnx path. Reuses an earlier export made by this version."""
    target = folder / ONNX_DIR / ONNX_FILE
    stamp_path = folder / ONNX_DIR / STAMP_FILE
    if _reusable(target, stamp_path, {"version": EXPORT_VERSION}, MIN_COSINE):
        return target
    _check_mean_pooling(folder)
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    transformer = model[0].auto_model.eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.transformer(input_ids=input_ids,
                                      attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    sample = model.tokenizer(list(_CHECK_TEXTS), padding=True, return_tensors="pt")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.partial")
    logger.info("exporting %s to ONNX (once)", folder)
    try:  # a failed or interrupted export leaves no partial file behind
        with torch.no_grad():
            torch.onnx.export(
                Pooled().eval(), (sample["input_ids"], sample["attention_mask"]), str(partial),
                input_names=["input_ids", "attention_mask"], output_names=["embedding"],
                dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                              "attention_mask": {0: "batch", 1: "tokens"},
                              "embedding": {0: "batch"}},
                opset_version=17, dynamo=False,
            )
        expected = model.encode(list(_CHECK_TEXTS), normalize_embeddings=True,
                                convert_to_numpy=True)
        session = _session(partial, threads=None)
        got = _run(session, model.tokenizer(list(_CHECK_TEXTS), padding=True,
                                            return_tensors="np"))
        min_cosine = _publish(partial, target, stamp_path, expected, got, MIN_COSINE,
                              {"version": EXPORT_VERSION, "torch": torch.__version__},
                              f"the ONNX export of {folder} differs from the torch model; "
                              "use the torch backend")
    finally:
        partial.unlink(missing_ok=True)
    logger.info("ONNX export verified: cosine %.6f against torch", min_cosine)
    return target


def quantize_onnx(folder: Path) -> Path:
    """The int8 version of the model's ONNX export (made once, checked against the float
    export, redone when that export is); returns its path."""
    source = export_onnx(folder)
    target = folder / ONNX_DIR / INT8_FILE
    stamp_path = folder / ONNX_DIR / INT8_STAMP_FILE
    made_from = f"{EXPORT_VERSION}:{source.stat().st_mtime_ns}"
    if _reusable(target, stamp_path, {"version": INT8_VERSION, "source": made_from},
                 MIN_COSINE_INT8):
        return target
    from onnxruntime.quantization import QuantType, quantize_dynamic

    partial = target.with_suffix(f".{os.getpid()}.partial")
    logger.info("quantising %s to int8 (once)", source)
    # The quantiser logs advice on the root logger ("consider pre-processing") that says
    # nothing to our users; only its records are dropped, and only while it runs.
    advice = _QuantiserAdvice()
    root = logging.getLogger()
    root.addFilter(advice)
    try:
        try:
            quantize_dynamic(source, partial, weight_type=QuantType.QInt8, per_channel=True,
                             op_types_to_quantize=["MatMul"])
        except Exception as exc:  # the quantiser raises untyped errors for odd graphs
            raise ModelUnavailableError(f"cannot quantise {source} to int8: {exc}") from exc
        finally:
            root.removeFilter(advice)
        tokenizer = folder / "tokenizer.json"
        expected = _check_vectors(_session(source, threads=None), tokenizer)
        got = _check_vectors(_session(partial, threads=None), tokenizer)
        min_cosine = _publish(partial, target, stamp_path, expected, got, MIN_COSINE_INT8,
                              {"version": INT8_VERSION, "source": made_from},
                              f"the int8 model of {folder} differs too much from the float "
                              "model; use the onnx backend")
    finally:
        partial.unlink(missing_ok=True)
    logger.info("int8 model verified: cosine %.4f against the float model", min_cosine)
    return target


class _QuantiserAdvice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        path = record.pathname.replace("\\", "/")
        return not ("onnxruntime/" in path and "/quantization/" in path)


def _reusable(target: Path, stamp_path: Path, expected: dict[str, Any], floor: float) -> bool:
    """An earlier conversion, stamped with `expected` (this code's version, its source),
    that passed its check; an unreadable stamp means it is made again."""
    if not (target.exists() and stamp_path.exists()):
        return False
    try:
        stamp = _read_json(stamp_path)
    except ModelUnavailableError:
        return False
    return (all(stamp.get(key) == value for key, value in expected.items())
            and stamp.get("min_cosine", 0) >= floor)


def _publish(partial: Path, target: Path, stamp_path: Path, expected: np.ndarray,
             got: np.ndarray, floor: float, stamp: dict[str, Any], refusal: str) -> float:
    """Moves a converted model into place, with its stamp, if its vectors `got` are within
    `floor` (cosine) of `expected`; else refuses with `refusal` (the caller deletes the
    partial file). Returns the smallest cosine."""
    min_cosine = float((expected * got).sum(axis=1).min())
    if min_cosine < floor:
        raise ModelUnavailableError(f"{refusal} (cosine {min_cosine:.4f} < {floor})")
    os.replace(partial, target)
    temporary = stamp_path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps({**stamp, "min_cosine": min_cosine}), encoding="utf-8")
    os.replace(temporary, stamp_path)
    return min_cosine


def _check_vectors(session: Any, tokenizer_file: Path) -> np.ndarray:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    encodings = tokenizer.encode_batch(list(_CHECK_TEXTS))
    return _run(session, _padded(encodings, tokenizer.token_to_id("<pad>") or 0))


def padded_batch(sequences: Sequence[Sequence[int]], pad_id: int) -> dict[str, np.ndarray]:
    """Token id sequences as a model's padded `input_ids` and `attention_mask`."""
    width = max(len(ids) for ids in sequences)
    ids = np.full((len(sequences), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(sequences), width), dtype=np.int64)
    for row, sequence in enumerate(sequences):
        ids[row, :len(sequence)] = sequence
        mask[row, :len(sequence)] = 1
    return {"input_ids": ids, "attention_mask": mask}


def _padded(encodings: list[Any], pad_id: int) -> dict[str, np.ndarray]:
    """A batch of `tokenizers` encodings as the model's padded inputs."""
    return padded_batch([e.ids for e in encodings], pad_id)


def _session(path: Path, threads: int | None) -> Any:
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise ModelUnavailableError("the ONNX backend needs the onnxruntime package") from exc
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    # Idle intra-op threads sleep instead of spinning. A server runs several questions at
    # once on few cores, and spinning threads burned the cores the other requests needed:
    # with 8 concurrent clients on 2 shared cores, 32-34 ms of server CPU per new question
    # and 15-17 questions/s with spinning, 21-24 ms and 26-39/s without. One thread per
    # session cost the same CPU but answered a lone question slower (p50 49 ms, 32 ms
    # with two sleeping threads). bench/service_load.py; docs/performance.md.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors for bad files
        raise ModelUnavailableError(f"cannot load the ONNX model {path}: {exc}") from exc


def _run(session: Any, encoded: Any) -> np.ndarray:
    feeds = {"input_ids": np.asarray(encoded["input_ids"], dtype=np.int64),
             "attention_mask": np.asarray(encoded["attention_mask"], dtype=np.int64)}
    return np.asarray(session.run(["embedding"], feeds)[0], dtype=np.float32)


class OnnxModel:
    """The parts of a SentenceTransformer the Encoder uses, backed by ONNX Runtime and the
    `tokenizers` library, so serving needs neither torch nor transformers."""

    def __init__(self, folder: Path, threads: int | None = None, int8: bool = False) -> None:
        from tokenizers import Tokenizer

        self.backend = "onnx-int8" if int8 else "onnx"
        path = quantize_onnx(folder) if int8 else export_onnx(folder)
        self._session = _session(path, threads)
        self.tokenizer_file = folder / "tokenizer.json"
        self._tokenizer = Tokenizer.from_file(str(self.tokenizer_file))
        settings = _read_json(folder / "sentence_bert_config.json")
        self.max_seq_length = int(settings.get("max_seq_length", 512))
        self._tokenizer.enable_truncation(self.max_seq_length)
        self._pad_id = self._tokenizer.token_to_id("<pad>") or 0
        config = _read_json(folder / "config_sentence_transformers.json")
        self.prompts: dict[str, str] = dict(config.get("prompts") or {})
        self._dimension = int(_read_json(folder / "1_Pooling" / "config.json")
                              ["embedding_dimension"])
        self._lock = threading.Lock()

    def get_embedding_dimension(self) -> int:
        return self._dimension

    def token_ids(self, text: str) -> list[int]:
        # Counting, like sentence-transformers' tokenizer call, sees the whole text. A second
        # tokenizer without truncation would cost ~280 MB: switch it off for the call.
        with self._lock:
            self._tokenizer.no_truncation()
            try:
                return list(self._tokenizer.encode(text).ids)
            finally:
                self._tokenizer.enable_truncation(self.max_seq_length)

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """Normalised vectors of `texts` (prompts already prepended), in order."""
        vectors = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            batch = texts[start:start + batch_size]
            with self._lock:  # the Rust tokenizer refuses concurrent use
                encodings = self._tokenizer.encode_batch(batch)
            vectors[start:start + len(batch)] = _run(self._session,
                                                     _padded(encodings, self._pad_id))
        return vectors
