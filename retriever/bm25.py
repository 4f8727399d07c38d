"""BM25 (Okapi) over a sparse term-document matrix, scoring exactly like rank_bm25.BM25Okapi.

Scores for a query are one sparse matrix-vector product over the query terms' columns,
so a query costs time proportional to the postings it touches, not to the corpus size.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

from retriever.errors import IndexCorruptError, IndexMismatchError

logger = logging.getLogger(__name__)

BM25_FORMAT_VERSION = 1


class BM25:
    """BM25Okapi with rank-bm25's idf (negative idf replaced by epsilon * mean idf)."""

    def __init__(self, k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25) -> None:
        if k1 < 0 or not 0 <= b <= 1 or epsilon < 0:
            raise ValueError(f"invalid BM25 parameters k1={k1} b={b} epsilon={epsilon}")
        self.k1, self.b, self.epsilon = k1, b, epsilon
        self.vocabulary: dict[str, int] = {}
        self.idf = np.zeros(0, dtype=np.float64)
        self.doc_lengths = np.zeros(0, dtype=np.float64)
        self._weights = sparse.csc_matrix((0, 0), dtype=np.float64)

    @property
    def num_docs(self) -> int:
        return int(self.doc_lengths.shape[0])

    def index(self, corpus_tokens: Sequence[Sequence[str]]) -> BM25:
        """Build the index from tokenised documents (one token list per document)."""
        vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        counts: list[int] = []
        lengths = np.zeros(len(corpus_tokens), dtype=np.float64)
        for row, tokens in enumerate(corpus_tokens):
            lengths[row] = len(tokens)
            for term, count in Counter(tokens).items():
                rows.append(row)
                cols.append(vocabulary.setdefault(term, len(vocabulary)))
                counts.append(count)
        n_docs, n_terms = len(corpus_tokens), len(vocabulary)
        tf = sparse.csc_matrix(
            (np.asarray(counts, dtype=np.float64), (rows, cols)), shape=(n_docs, n_terms)
        )
        self.vocabulary, self.doc_lengths = vocabulary, lengths
        self.idf = self._idf(tf, n_docs)
        self._weights = self._term_weights(tf, lengths)
        return self

    def _idf(self, tf: sparse.csc_matrix, n_docs: int) -> np.ndarray:
        doc_freq = np.diff(tf.indptr).astype(np.float64)
        idf = np.log(n_docs - doc_freq + 0.5) - np.log(doc_freq + 0.5)
        if idf.size:
            idf[idf < 0] = self.epsilon * idf.mean()
        return idf

    def _term_weights(self, tf: sparse.csc_matrix, lengths: np.ndarray) -> sparse.csc_matrix:
        avgdl = lengths.mean() if lengths.size and lengths.sum() > 0 else 1.0
        norm = self.k1 * (1 - self.b + self.b * lengths / avgdl)
        weights = tf.copy()
        doc_of_entry = weights.indices
        weights.data = weights.data * (self.k1 + 1) / (weights.data + norm[doc_of_entry])
        return weights

    def column_pointers(self) -> np.ndarray:
        """CSC column pointers of the term matrix: np.diff gives each term's document frequency."""
        return self._weights.indptr

    def get_scores(
        self, query_tokens: Sequence[str], extra_terms: Mapping[str, float] | None = None
    ) -> np.ndarray:
        """Scores of every document; a repeated query term counts again, as in rank-bm25.

        `extra_terms` adds terms with a weight of their own (e.g. query expansions at half
        weight); without it the scores equal rank_bm25.BM25Okapi.get_scores.
        """
        counts: Counter[str] = Counter(t for t in query_tokens if t in self.vocabulary)
        for term, weight in (extra_terms or {}).items():
            if term in self.vocabulary:
                counts[term] += weight  # type: ignore[assignment]
        if not counts:
            return np.zeros(self.num_docs, dtype=np.float64)
        term_ids = np.fromiter((self.vocabulary[t] for t in counts), dtype=np.int64)
        query_weights = self.idf[term_ids] * np.fromiter(counts.values(), dtype=np.float64)
        # Summing the query terms' postings straight from the CSC arrays skips scipy's
        # column slicing, which built a new matrix for every query.
        pointers, rows, values = self._weights.indptr, self._weights.indices, self._weights.data
        spans = [(pointers[t], pointers[t + 1]) for t in term_ids]
        postings = np.concatenate([rows[a:b] for a, b in spans])
        weights = np.concatenate([values[a:b] * w for (a, b), w in zip(spans, query_weights,
                                                                        strict=True)])
        return np.bincount(postings, weights=weights, minlength=self.num_docs)

    def retrieve(
        self, query_tokens: Sequence[str], top_k: int, allowed: np.ndarray | None = None,
        extra_terms: Mapping[str, float] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(document indices, scores) of the best `top_k` documents with a positive score.

        `allowed` is a boolean mask over documents (None: all).
        """
        scores = self.get_scores(query_tokens, extra_terms)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        candidates = np.flatnonzero(scores > 0)
        if candidates.size > top_k:
            part = np.argpartition(-scores[candidates], top_k - 1)[:top_k]
            candidates = candidates[part]
        order = np.lexsort((candidates, -scores[candidates]))
        best = candidates[order]
        return best, scores[best]

    def save(self, folder: Path) -> None:
        """Write `bm25.npz`, `bm25_vocab.json` and the versioned `bm25_params.json`."""
        folder.mkdir(parents=True, exist_ok=True)
        sparse.save_npz(folder / "bm25.npz", self._weights.tocsc(), compressed=False)
        np.save(folder / "bm25_stats.npy", np.stack([self.doc_lengths]), allow_pickle=False)
        np.save(folder / "bm25_idf.npy", self.idf, allow_pickle=False)
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        (folder / "bm25_vocab.json").write_text(json.dumps(terms, ensure_ascii=False),
                                                 encoding="utf-8")
        params = {"format_version": BM25_FORMAT_VERSION, "k1": self.k1, "b": self.b,
                  "epsilon": self.epsilon, "num_docs": self.num_docs,
                  "num_terms": len(terms)}
        (folder / "bm25_params.json").write_text(json.dumps(params), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> BM25:
        try:
            params = json.loads((folder / "bm25_params.json").read_text(encoding="utf-8"))
            if params.get("format_version") != BM25_FORMAT_VERSION:
                raise IndexMismatchError(
                    f"BM25 index in {folder} has format {params.get('format_version')}, "
                    f"this version reads {BM25_FORMAT_VERSION}; rebuild the index"
                )
            bm25 = cls(params["k1"], params["b"], params["epsilon"])
            bm25._weights = sparse.load_npz(folder / "bm25.npz").tocsc()
            bm25.doc_lengths = np.load(folder / "bm25_stats.npy", allow_pickle=False)[0]
            bm25.idf = np.load(folder / "bm25_idf.npy", allow_pickle=False)
            terms = json.loads((folder / "bm25_vocab.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, IndexError) as exc:
            raise IndexCorruptError(f"cannot read BM25 index in {folder}: {exc}") from exc
        bm25.vocabulary = {term: i for i, term in enumerate(terms)}
        shape = bm25._weights.shape
        if shape != (params["num_docs"], params["num_terms"]) or len(bm25.idf) != shape[1]:
            raise IndexCorruptError(f"BM25 index in {folder} is inconsistent: matrix {shape}")
        return bm25
