"""A process killed (SIGKILL) while it writes a new index version: the old one still loads,
a later build succeeds, and the service starts on it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from index.store import CorpusIndex, current_version
from retriever.encoder import Encoder
from retriever.types import Document
from service import engine
from service.api.app import create_app
from service.config import Settings

ROOT = Path(__file__).resolve().parents[2]

# Writes a smaller index and stops for good once the documents, chunks, vectors and BM25
# files are on disk, before the FAISS index and manifest: the parent kills it there.
WRITER = """
import sys, time
from pathlib import Path
from index.store import CorpusIndex
from retriever.dense import DenseIndex

index_dir, marker = Path(sys.argv[1]), Path(sys.argv[2])
smaller = CorpusIndex.load(index_dir).without_documents(["ca-mau"])

def stall(self, path):
    marker.write_text(str(path))
    time.sleep(600)

DenseIndex.save = stall
smaller.save(index_dir)
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_a_build_killed_with_sigkill_leaves_the_old_index(
    tiny_documents: list[Document], encoder: Encoder, index_dir: Path, tmp_path: Path,
    model_cache_dir: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    CorpusIndex.build(tiny_documents, encoder).save(index_dir)
    before = current_version(index_dir)
    marker = tmp_path / "writing"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(index_dir), str(marker)],
                             env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert child.poll() is None, "the writer died before it started writing"
            assert time.monotonic() < deadline, "the writer never started writing"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
    half_written = Path(marker.read_text()).parent
    assert half_written.name.endswith(".partial") and (half_written / "bm25").exists()
    assert current_version(index_dir) == before
    old = CorpusIndex.load(index_dir)
    assert set(old.documents) == {"an-giang", "ca-mau", "hoa-binh"}

    # "Restart": the service starts on the old index, and the next change goes through.
    monkeypatch.setattr(engine, "encoder_for", lambda _settings: encoder)
    settings = Settings(index_dir=index_dir, model_cache_dir=model_cache_dir,
                        admin_api_key="k" * 20, rate_limit_per_minute=0)
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").json()["documents"] == 3
        removed = client.delete("/api/admin/documents/ca-mau",
                                headers={"Authorization": "Bearer " + "k" * 20})
        assert removed.status_code == 200 and removed.json()["documents"] == 2
    assert set(CorpusIndex.load(index_dir).documents) == {"an-giang", "hoa-binh"}
