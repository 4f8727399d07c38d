"""Sentence-level similarity from the embedding model, for choosing the answering sentence.

Lexical overlap misses paraphrases ("lướt mạng bằng điện thoại" for "tốc độ di động"); the
encoder that ranked the passages also compares the question with their sentences. The
question's vector comes from the dense retriever's cache (embedded once per question);
sentence vectors are cached, since the same passages come back for many questions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from retriever.lru import LRUCache

SEGMENT_CACHE_SIZE = 50_000


class SentenceSimilarity:
    def __init__(self, query_vector: Callable[[str], np.ndarray],
                 encode_passages: Callable[[list[str]], np.ndarray],
                 cache_size: int = SEGMENT_CACHE_SIZE) -> None:
        self.query_vector = query_vector
        self.encode_passages = encode_passages
        self._vectors: LRUCache[str, np.ndarray] = LRUCache(cache_size)

    def __call__(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """Cosine similarity of the question with each text."""
        query = self.query_vector(question)
        known = {t: self._vectors.get(t) for t in dict.fromkeys(texts)}
        missing = [t for t, vector in known.items() if vector is None]
        if missing:
            for text, vector in zip(missing, self.encode_passages(missing), strict=True):
                known[text] = vector
                self._vectors.put(text, vector)
        return np.stack([known[t] for t in texts]) @ query
