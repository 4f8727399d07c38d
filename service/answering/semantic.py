"""Sentence-level similarity from the embedding model, for choosing the answering sentence.

Lexical overlap misses paraphrases ("lướt mạng bằng điện thoại" for "tốc độ di động"); the
encoder that ranked the passages also compares the question with their sentences. The
question's vector comes from the dense retriever's cache (embedded once per question). The
sentences' vectors come from the index, which embeds every segment of every passage when it
is built (retriever/segments.py); a text it does not hold (an index without them, such as
the postgres backend's) is embedded here and cached, since the same passages come back for
many questions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from retriever.lru import LRUCache
from retriever.segments import SegmentVectors

SEGMENT_CACHE_SIZE = 50_000


class SentenceSimilarity:
    def __init__(self, query_vector: Callable[[str], np.ndarray],
                 encode_passages: Callable[[list[str]], np.ndarray],
                 cache_size: int = SEGMENT_CACHE_SIZE,
                 stored: SegmentVectors | None = None) -> None:
        self.query_vector = query_vector
        self.encode_passages = encode_passages
        self.stored = stored
        self._vectors: LRUCache[str, np.ndarray] = LRUCache(cache_size)

    def __call__(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """Cosine similarity of the question with each text."""
        query = self.query_vector(question)
        known: dict[str, np.ndarray] = {}
        missing: list[str] = []
        for text in dict.fromkeys(texts):
            vector = self.stored.get(text) if self.stored is not None else None
            if vector is None:
                vector = self._vectors.get(text)
            if vector is None:
                missing.append(text)
            else:
                known[text] = vector
        if missing:
            for text, vector in zip(missing, self.encode_passages(missing), strict=True):
                known[text] = vector
                self._vectors.put(text, vector)
        return np.stack([known[t] for t in texts]) @ query
