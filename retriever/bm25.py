"""BM25 (Okapi) over a sparse term-document matrix, scoring exactly like rank_bm25.BM25Okapi.

Each posting stores its whole contribution, idf x saturated term frequency, so a query adds
its terms' postings into one score array, in time proportional to the postings it touches,
not to the corpus size; the top-k is then chosen among the few documents that can reach it.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

from retriever.errors import IndexCorruptError, IndexMismatchError

_csc_matvec: Callable[..., None] | None
try:
    # scipy's compiled y += A @ x for a CSC matrix: called on one term's postings it adds
    # them in place with no temporary array, faster than np.add.at or a scatter with
    # np.bincount. It is private, hence the public (slower) fallback in `_add_columns`.
    from scipy.sparse._sparsetools import csc_matvec as _csc_matvec
except ImportError:  # pragma: no cover - depends on the scipy release
    _csc_matvec = None

logger = logging.getLogger(__name__)

# 2: postings store idf x saturated tf (1 stored the saturated tf alone).
BM25_FORMAT_VERSION = 2


_ONE = np.ones(1)
_ONE.flags.writeable = False


def _add_columns(scores: np.ndarray, weights: sparse.csc_matrix,
                 columns: Sequence[tuple[int, float]]) -> None:
    """scores += count * column, in place, for each (column, count) of the CSC `weights`."""
    pointers, rows, values = weights.indptr, weights.indices, weights.data
    if _csc_matvec is None:
        for column, count in columns:
            start, end = pointers[column], pointers[column + 1]
            part = values[start:end]
            np.add.at(scores, rows[start:end], part if count == 1 else part * count)
        return
    n_docs = scores.shape[0]
    for column, count in columns:
        # The column's two pointers, as a view, make a one-column matrix over the whole
        # arrays: nothing is copied (as long as pointers and rows share a dtype, which
        # _set_weights sees to; otherwise scipy would convert all the rows on every call).
        factor = _ONE if count == 1 else np.array([count], dtype=np.float64)
        _csc_matvec(n_docs, 1, pointers[column:column + 2], rows, values, factor, scores)


class BM25:
    """BM25Okapi with rank-bm25's idf (negative idf replaced by epsilon * mean idf)."""

    def __init__(self, k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25) -> None:
        if k1 < 0 or not 0 <= b <= 1 or epsilon < 0:
            raise ValueError(f"invalid BM25 parameters k1={k1} b={b} epsilon={epsilon}")
        self.k1, self.b, self.epsilon = k1, b, epsilon
        self.vocabulary: dict[str, int] = {}
        self.idf = np.zeros(0, dtype=np.float64)
        self.doc_lengths = np.zeros(0, dtype=np.float64)
        # documents x terms; an entry is the term's whole score in that document
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
        self._set_weights(self._term_weights(tf, lengths, self.idf))
        return self

    def _idf(self, tf: sparse.csc_matrix, n_docs: int) -> np.ndarray:
        doc_freq = np.diff(tf.indptr).astype(np.float64)
        idf = np.log(n_docs - doc_freq + 0.5) - np.log(doc_freq + 0.5)
        if idf.size:
            idf[idf < 0] = self.epsilon * idf.mean()
        return idf

    def _term_weights(self, tf: sparse.csc_matrix, lengths: np.ndarray,
                      idf: np.ndarray) -> sparse.csc_matrix:
        avgdl = lengths.mean() if lengths.size and lengths.sum() > 0 else 1.0
        norm = self.k1 * (1 - self.b + self.b * lengths / avgdl)
        weights = tf.copy()
        doc_of_entry = weights.indices
        term_of_entry = np.repeat(np.arange(tf.shape[1]), np.diff(tf.indptr))
        # idf folded in here saves a multiplication per posting at every query
        weights.data = idf[term_of_entry] * (
            weights.data * (self.k1 + 1) / (weights.data + norm[doc_of_entry]))
        return weights

    def _set_weights(self, weights: sparse.csc_matrix) -> None:
        # _add_columns runs fastest when the index arrays share one dtype and the data is
        # float64 like the scores (otherwise scipy converts them on every call)
        largest = max(weights.nnz, weights.shape[0])
        index_dtype = np.int32 if largest < np.iinfo(np.int32).max else np.int64
        weights.indptr = weights.indptr.astype(index_dtype, copy=False)
        weights.indices = weights.indices.astype(index_dtype, copy=False)
        weights.data = weights.data.astype(np.float64, copy=False)
        self._weights = weights

    def column_pointers(self) -> np.ndarray:
        """CSC column pointers of the term matrix: np.diff gives each term's document frequency."""
        return self._weights.indptr

    def _query_columns(self, query_tokens: Sequence[str],
                       extra_terms: Mapping[str, float] | None) -> list[tuple[int, float]]:
        """(term column, how many times it counts) for the query's known terms."""
        counts: Counter[str] = Counter(t for t in query_tokens if t in self.vocabulary)
        for term, weight in (extra_terms or {}).items():
            if term in self.vocabulary:
                counts[term] += weight  # type: ignore[assignment]
        return [(self.vocabulary[term], float(count)) for term, count in counts.items()]

    def _scores(self, columns: Sequence[tuple[int, float]]) -> np.ndarray:
        scores = np.zeros(self.num_docs, dtype=np.float64)
        _add_columns(scores, self._weights, columns)
        return scores

    def get_scores(
        self, query_tokens: Sequence[str], extra_terms: Mapping[str, float] | None = None
    ) -> np.ndarray:
        """Scores of every document; a repeated query term counts again, as in rank-bm25.

        `extra_terms` adds terms with a weight of their own (e.g. query expansions at half
        weight); without it the scores equal rank_bm25.BM25Okapi.get_scores.
        """
        return self._scores(self._query_columns(query_tokens, extra_terms))

    def retrieve(
        self, query_tokens: Sequence[str], top_k: int, allowed: np.ndarray | None = None,
        extra_terms: Mapping[str, float] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(document indices, scores) of the best `top_k` documents with a positive score,
        best first; equal scores in document order.

        `allowed` is a boolean mask over documents (None: all).
        """
        columns = self._query_columns(query_tokens, extra_terms)
        scores = self._scores(columns)
        if allowed is not None:
            scores[~np.asarray(allowed, dtype=bool)] = 0.0
        if top_k <= 0:
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.float64)
        floor = self._score_floor(scores, columns, top_k)
        candidates = np.flatnonzero(scores >= floor if floor > 0 else scores > 0)
        if candidates.size > top_k:
            values = scores[candidates]
            kth = np.partition(values, -top_k)[-top_k]
            above = candidates[values > kth]
            # of the documents tied at the k-th score, the first ones, as a full sort keeps
            tied = candidates[values == kth][:top_k - above.size]
            candidates = np.concatenate([above, tied])
        order = np.lexsort((candidates, -scores[candidates]))
        best = candidates[order]
        return best, scores[best]

    def _score_floor(self, scores: np.ndarray, columns: Sequence[tuple[int, float]],
                     top_k: int) -> float:
        """A lower bound on the `top_k`-th best score: the `top_k`-th best among the documents
        of the query's rarest term that has at least `top_k` (0.0 if none has).

        Rare terms weigh most, so their documents score near the top and the bound leaves
        few candidates to select from, instead of every document any term touched.
        """
        pointers = self._weights.indptr
        rarest, rarest_freq = -1, self.num_docs + 1
        for column, _ in columns:
            freq = int(pointers[column + 1] - pointers[column])
            if top_k <= freq < rarest_freq:
                rarest, rarest_freq = column, freq
        if rarest < 0:
            return 0.0
        sample = scores[self._weights.indices[pointers[rarest]:pointers[rarest + 1]]]
        return float(np.partition(sample, -top_k)[-top_k])

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
            bm25._set_weights(sparse.load_npz(folder / "bm25.npz").tocsc())
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
