"""What the database records about how its index was built, and the BM25 constants."""

from __future__ import annotations

from typing import Any

from index.store import IndexSettings
from retriever.bm25 import BM25

ACCENTED = 0
FOLDED = 1
# The files backend's BM25 parameters (its defaults): scores must be equal.
BM25_PARAMS = BM25()


def stored_settings(settings: IndexSettings, model_id: str) -> dict[str, Any]:
    """The manifest fields a query depends on; the dense index is always HNSW here."""
    expected = settings.expected_manifest(model_id)
    del expected["dense_kind"]
    return expected
