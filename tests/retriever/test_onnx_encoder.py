"""The ONNX backend: the same vectors as torch, exported once, refused for other layouts."""

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from index.store import CorpusIndex
from retriever.e5_local import E5_ALIAS
from retriever.encoder import INT8_MODEL_SUFFIX, Encoder, load_encoder
from retriever.errors import IndexMismatchError, ModelUnavailableError
from retriever.onnx_encoder import (
    INT8_FILE,
    INT8_VERSION,
    ONNX_DIR,
    ONNX_FILE,
    _publish,
    _QuantiserAdvice,
    _reusable,
    export_onnx,
    quantize_onnx,
)
from retriever.types import Document

pytestmark = pytest.mark.slow


def test_onnx_vectors_equal_torch_vectors(onnx_encoder: Encoder, encoder: Encoder,
                                          sample_documents: list[Document]) -> None:
    passages = [d.text[:600] for d in sample_documents] + ["ở", "Ý kiến người dân"]
    queries = ["Bình Phước xếp hạng chuyển đổi số thứ mấy?",
               "binh phuoc co bao nhieu dich vu cong truc tuyen", "What is Ben Tre's rank?"]
    pairs = [(onnx_encoder.encode_passages(passages), encoder.encode_passages(passages)),
             (onnx_encoder.encode_queries(queries), encoder.encode_queries(queries))]
    for ours, theirs in pairs:
        assert ours.dtype == np.float32 and ours.shape == theirs.shape
        assert (ours * theirs).sum(axis=1).min() > 0.999
        assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_onnx_encoder_is_the_same_model_for_indexes(onnx_encoder: Encoder,
                                                    encoder: Encoder) -> None:
    assert onnx_encoder.backend == "onnx" and encoder.backend == "torch"
    assert onnx_encoder.model_id == encoder.model_id
    assert onnx_encoder.dimension == encoder.dimension
    assert onnx_encoder.prompt_names == encoder.prompt_names
    text = "Tỉnh Bến Tre đẩy mạnh chuyển đổi số " * 200  # longer than the model reads
    assert onnx_encoder.token_count(text) == encoder.token_count(text)
    assert onnx_encoder.encode_passages([text]).shape == (1, encoder.dimension)


def test_export_is_reused(onnx_encoder: Encoder, model_cache_dir: Path) -> None:
    folder = next(p for p in model_cache_dir.iterdir() if (p / ONNX_DIR / ONNX_FILE).exists())
    onnx_file = folder / ONNX_DIR / ONNX_FILE
    before = onnx_file.stat().st_mtime_ns
    assert export_onnx(folder) == onnx_file
    assert onnx_file.stat().st_mtime_ns == before


def test_other_pooling_is_refused(tmp_path: Path, model_cache_dir: Path) -> None:
    source = next(p for p in model_cache_dir.iterdir() if (p / "modules.json").exists())
    folder = tmp_path / "cls-model"
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("*.safetensors", ONNX_DIR))
    config = folder / "1_Pooling" / "config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "pooling_mode": "cls"}))
    with pytest.raises(ModelUnavailableError, match="mean-pooled"):
        load_encoder(str(folder), model_cache_dir, backend="onnx")


def test_onnx_backend_needs_a_local_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match="never downloads"):
        load_encoder("intfloat/multilingual-e5-small", tmp_path, backend="onnx")
    with pytest.raises(ValueError, match="unknown encoder backend"):
        load_encoder(E5_ALIAS, tmp_path, backend="tensorflow")


@pytest.fixture(scope="module")
def int8_encoder(model_cache_dir: Path) -> Encoder:
    return load_encoder(E5_ALIAS, model_cache_dir, threads=2, backend="onnx-int8")


def test_int8_vectors_are_close_to_the_float_model_but_not_equal(
        int8_encoder: Encoder, onnx_encoder: Encoder, sample_documents: list[Document]) -> None:
    passages = [d.text[:600] for d in sample_documents] + ["ở"]
    queries = ["Bình Phước xếp hạng chuyển đổi số thứ mấy?", "What is Ben Tre's rank?"]
    for encode in ("encode_passages", "encode_queries"):
        texts = passages if encode == "encode_passages" else queries
        ours, theirs = getattr(int8_encoder, encode)(texts), getattr(onnx_encoder, encode)(texts)
        cosines = (ours * theirs).sum(axis=1)
        assert ours.dtype == np.float32 and np.allclose(np.linalg.norm(ours, axis=1), 1.0,
                                                        atol=1e-5)
        assert cosines.min() > 0.99 and cosines.max() < 0.9999  # quantised, not a copy


def test_int8_is_another_model_for_indexes(int8_encoder: Encoder, onnx_encoder: Encoder,
                                           sample_documents: list[Document],
                                           tmp_path: Path) -> None:
    assert int8_encoder.backend == "onnx-int8"
    assert int8_encoder.model_id == onnx_encoder.model_id + INT8_MODEL_SUFFIX == \
        onnx_encoder.model_id + f"+int8v{INT8_VERSION}"
    CorpusIndex.build(sample_documents[:1], int8_encoder).save(tmp_path / "index")
    with pytest.raises(IndexMismatchError, match="model"):
        CorpusIndex.load(tmp_path / "index", model_id=onnx_encoder.model_id)
    assert CorpusIndex.load(tmp_path / "index", model_id=int8_encoder.model_id).chunks


def test_int8_export_is_reused(int8_encoder: Encoder, model_cache_dir: Path) -> None:
    folder = next(p for p in model_cache_dir.iterdir() if (p / ONNX_DIR / INT8_FILE).exists())
    int8_file = folder / ONNX_DIR / INT8_FILE
    before = int8_file.stat().st_mtime_ns
    assert quantize_onnx(folder) == int8_file
    assert int8_file.stat().st_mtime_ns == before


def test_a_conversion_is_published_only_after_its_check(tmp_path: Path) -> None:
    partial, target, stamp = (tmp_path / "m.partial", tmp_path / "m.onnx", tmp_path / "s.json")
    made = {"version": 1, "source": "1:123"}
    partial.write_bytes(b"model")
    expected = np.array([[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(ModelUnavailableError, match=r"too different \(cosine 0.9800 < 0.99\)"):
        _publish(partial, target, stamp, expected, np.array([[0.98, 0.0], [0.0, 1.0]]), 0.99,
                 made, "too different")
    assert not target.exists() and not _reusable(target, stamp, made, 0.99)
    assert _publish(partial, target, stamp, expected, expected * 0.995, 0.99, made,
                    "too different") == pytest.approx(0.995)
    assert target.read_bytes() == b"model" and not partial.exists()
    assert _reusable(target, stamp, made, 0.99)
    assert not _reusable(target, stamp, {**made, "version": 2}, 0.99)  # other code
    assert not _reusable(target, stamp, {**made, "source": "1:456"}, 0.99)  # source redone
    assert not _reusable(target, stamp, made, 0.999)  # a stricter check than it passed
    stamp.write_text('{"version": 1, "sou')  # cut short by a crash: made again
    assert not _reusable(target, stamp, made, 0.99)


def test_only_the_quantisers_advice_is_dropped() -> None:
    def record(path: str) -> logging.LogRecord:
        return logging.LogRecord("root", logging.WARNING, path, 1, "message", None, None)

    advice = _QuantiserAdvice()
    assert not advice.filter(record("/x/site-packages/onnxruntime/quantization/quantize.py"))
    assert advice.filter(record("/x/site-packages/onnxruntime/capi/session.py"))
    assert advice.filter(record("/work/main/index/store.py"))
