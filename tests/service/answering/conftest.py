from __future__ import annotations

import pytest

from retriever.search import Searcher
from service.answering import QAPipeline


@pytest.fixture(scope="session")
def pipeline(sample_searcher: Searcher) -> QAPipeline:
    return QAPipeline(sample_searcher)
