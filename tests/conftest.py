"""Shared fixtures: the real embedding model and the sample index, each built once per run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from index.ingest import load_sample_corpus
from index.store import CorpusIndex, current_version
from retriever.e5_local import E5_ALIAS
from retriever.encoder import Encoder, load_encoder
from retriever.search import Searcher
from retriever.types import Document
from service.config import Settings

SHARED = Path(__file__).resolve().parents[2] / "shared"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-screenshot", action="store_true",
                     help="also write the widget's screenshot to docs/widget.png")


class CountingEncoder:
    """Wraps the real encoder and counts the passages it embeds."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dimension = inner.dimension
        self.passages_encoded = 0

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts: list[str], batch_size: int = 32,
                        show_progress: bool = False) -> np.ndarray:
        self.passages_encoded += len(texts)
        return self.inner.encode_passages(texts, batch_size, show_progress)


@pytest.fixture(scope="session")
def model_cache_dir() -> Path:
    # The user's model cache: converting the model takes a while, so runs share it.
    return Settings().model_cache_dir


@pytest.fixture(scope="session")
def encoder(model_cache_dir: Path) -> Encoder:
    return load_encoder(E5_ALIAS, model_cache_dir, threads=2)


@pytest.fixture(scope="session")
def onnx_encoder(model_cache_dir: Path) -> Encoder:
    """The serving backend: much faster than torch on a busy machine (answering tests)."""
    return load_encoder(E5_ALIAS, model_cache_dir, threads=2, backend="onnx")


@pytest.fixture
def counting_encoder(encoder: Encoder) -> CountingEncoder:
    return CountingEncoder(encoder)


@pytest.fixture(scope="session")
def sample_documents() -> list[Document]:
    result = load_sample_corpus()
    assert not result.errors
    return result.documents


@pytest.fixture(scope="session")
def sample_index(sample_documents: list[Document], encoder: Encoder) -> CorpusIndex:
    return CorpusIndex.build(sample_documents, encoder)


@pytest.fixture(scope="session")
def sample_searcher(sample_index: CorpusIndex, encoder: Encoder) -> Searcher:
    return sample_index.searcher(encoder)


TINY_DOCUMENTS = [
    Document("an-giang", "An Giang đẩy mạnh chuyển đổi số",
             "Hiện toàn tỉnh đã thành lập 9 tổ công nghệ số cộng đồng.\n"
             "Tỷ lệ hồ sơ xử lý trực tuyến đạt 78,9%.", province="An Giang",
             published="2023-03-01"),
    Document("ca-mau", "Cà Mau phát triển kinh tế số",
             "Tỉnh có 1.506 dịch vụ công trực tuyến toàn trình.\n"
             "Ở ý kiến người dân, mức độ hài lòng tăng.", province="Cà Mau",
             published="2022-07-15"),
    Document("hoa-binh", "Hòa Bình xây dựng chính quyền số",
             "Trung tâm điều hành thông minh IOC của tỉnh đi vào hoạt động năm 2022.",
             province="Hòa Bình"),
]


@pytest.fixture
def tiny_documents() -> list[Document]:
    return list(TINY_DOCUMENTS)


@pytest.fixture
def index_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "index"


def as_format_1(index_dir: Path) -> None:
    """Turn the current index into what hoidap wrote before segment vectors (format 1)."""
    folder = current_version(index_dir)
    manifest = json.loads((folder / "manifest.json").read_text())
    for name in ("segment_keys.npy", "segment_vectors.npy"):
        (folder / name).unlink()
        del manifest["files"][name]
    del manifest["segment_count"]
    manifest["format_version"] = 1
    (folder / "manifest.json").write_text(json.dumps(manifest))
