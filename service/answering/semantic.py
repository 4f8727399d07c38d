"""Sentence-level similarity from the embedding model, for choosing the answering sentence.

Lexical overlap misses paraphrases ("lướt mạng bằng điện thoại" for "tốc độ di động"); the
encoder that ranked the passages also compares the question with their sentences. The
question's vector comes from the dense retriever's cache (embedded once per question);
sentence vectors are cached, since the same passages come back for many questions.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np

SEGMENT_CACHE_SIZE = 50_000


class SentenceSimilarity:
    def __init__(self, query_vector: Callable[[str], np.ndarray],
                 encode_passages: Callable[[list[str]], np.ndarray],
                 cache_size: int = SEGMENT_CACHE_SIZE) -> None:
        self.query_vector = query_vector
        self.encode_passages = encode_passages
        self.cache_size = cache_size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """Cosine similarity of the question with each text."""
        query = self.query_vector(question)
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            vectors = self.encode_passages(missing)
            with self._lock:
                for text, vector in zip(missing, vectors, strict=True):
                    self._vectors[text] = vector
                while len(self._vectors) > self.cache_size:
                    self._vectors.popitem(last=False)
        with self._lock:
            matrix = np.stack([self._vectors[t] for t in texts])
        return matrix @ query
