"""Routes that read the index run in the thread pool, not on the event loop: on the postgres
backend every read is a blocking database query."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from fastapi.testclient import TestClient

from index.store import CorpusIndex


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class RecordingIndex:
    """The index, noting for every read whether it ran on the event loop."""

    def __init__(self, index: CorpusIndex) -> None:
        self._index = index
        self.reads: list[tuple[str, bool]] = []

    def __getattr__(self, name: str) -> Any:
        self.reads.append((name, _on_event_loop()))
        return getattr(self._index, name)


def test_index_reads_stay_off_the_event_loop(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    state = client.app.state.hoidap  # type: ignore[attr-defined]
    recording = RecordingIndex(state.loaded.corpus_index)
    state.loaded = replace(state.loaded, corpus_index=recording)
    assert client.get("/api/documents").status_code == 200
    assert client.get("/api/documents/binh-phuoc").status_code == 200
    assert client.get("/api/documents/khong-co").status_code == 404
    assert client.get("/readyz").json()["status"] == "ready"
    before_metrics = len(recording.reads)
    assert "hoidap_index_chunks 65.0" in client.get("/metrics").text
    assert len(recording.reads) > before_metrics  # the size gauges read the index
    read = {name for name, _ in recording.reads}
    assert {"document_page", "document", "chunks"} <= read
    assert not [name for name, on_loop in recording.reads if on_loop]
