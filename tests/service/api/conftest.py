from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings


@pytest.fixture(scope="session")
def client(tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path) -> Iterator[TestClient]:
    settings = Settings(index_dir=tmp_path_factory.mktemp("api-index"),
                        model_cache_dir=model_cache_dir)
    with TestClient(create_app(settings)) as test_client:
        yield test_client
