from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from index.store import CorpusIndex
from retriever.encoder import Encoder
from service import engine
from service.api.app import create_app
from service.config import Settings


@pytest.fixture(scope="session")
def client(tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path) -> Iterator[TestClient]:
    # Many requests from one test client: rate limiting has tests of its own.
    settings = Settings(index_dir=tmp_path_factory.mktemp("api-index"),
                        model_cache_dir=model_cache_dir, rate_limit_per_minute=0)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


ADMIN_KEY = "test-admin-key-0123456789abcdef"


@pytest.fixture(scope="session")
def saved_sample_index(tmp_path_factory: pytest.TempPathFactory,
                       sample_index: CorpusIndex) -> Path:
    """The sample index on disk once; tests that change an index work on a copy."""
    folder = tmp_path_factory.mktemp("sample-index") / "index"
    sample_index.save(folder)
    return folder


@pytest.fixture
def index_copy(tmp_path: Path, saved_sample_index: Path) -> Path:
    folder = tmp_path / "index"
    shutil.copytree(saved_sample_index, folder, symlinks=True)
    return folder


@pytest.fixture
def make_client(index_copy: Path, model_cache_dir: Path, encoder: Encoder,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., TestClient]]:
    """Starts an app on a copy of the sample index (the session's encoder, no rate limit,
    the admin key set, uploads embedded inline) with any other settings; stops them all at
    the end."""
    monkeypatch.setattr(engine, "encoder_for", lambda _settings: encoder)
    started: list[TestClient] = []

    def make(client: tuple[str, int] = ("testclient", 50000), background: bool = False,
             **overrides: Any) -> TestClient:
        # inline: uploads embed with the session's encoder (test_jobs.py tests the process)
        values: dict[str, Any] = {"index_dir": index_copy, "model_cache_dir": model_cache_dir,
                                  "rate_limit_per_minute": 0, "admin_api_key": ADMIN_KEY,
                                  "index_worker": "inline"}
        values.update(overrides)
        app = create_app(Settings(**values), load_in_background=background)
        test_client = TestClient(app, client=client)
        test_client.__enter__()
        started.append(test_client)
        state = app.state.hoidap
        deadline = time.monotonic() + 120
        while state.loaded is None and state.error is None and time.monotonic() < deadline:
            time.sleep(0.05)
        return test_client

    yield make
    for test_client in started:
        test_client.__exit__(None, None, None)


@pytest.fixture
def admin_client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()
