"""BM25 and dense retrieval in SQL, behind the same `Retriever` protocol as the files backend.

BM25 is computed over the postings table with rank_bm25's formula (as retriever/bm25.py):
idf = ln(N - df + 0.5) - ln(df + 0.5), a negative idf replaced by epsilon times the mean idf,
and tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)), so scores equal the files
backend's on the same tokens. PostgreSQL's own text ranking (ts_rank_cd) is not BM25 and is
not used. Dense retrieval is pgvector's HNSW index on cosine distance.

A search filter is a SQL WHERE clause fixed when the retriever is made (`restricted`), not a
mask over chunks: the database holds chunks the process never loads.
"""

from __future__ import annotations

import copy
import math
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from index.postgres.db import Database
from index.postgres.schema import SCHEMA
from index.postgres.settings import ACCENTED, BM25_PARAMS, FOLDED
from retriever.analyzer import Analyzer
from retriever.retrievers import EXPANSION_WEIGHT, QueryEmbedder, QueryEncoder
from retriever.text.gazetteer import canonical_province
from retriever.text.normalize import has_diacritics, match_form
from retriever.types import Hit, SearchFilter

# Candidates the HNSW scan keeps; above the hybrid's 50 so its dense ranking is near exact.
HNSW_EF_SEARCH = 200


@dataclass(frozen=True)
class SqlFilter:
    """A SearchFilter as a WHERE clause on `hoidap.chunks c` (the files backend's rules)."""

    province_key: str | None = None
    published_from: str | None = None
    published_to: str | None = None

    @classmethod
    def of(cls, search_filter: SearchFilter | None) -> SqlFilter | None:
        if search_filter is None or search_filter.is_empty():
            return None
        province = search_filter.province
        if province:
            province = match_form(canonical_province(province) or province)
        return cls(province or None, search_filter.published_from or None,
                   search_filter.published_to or None)

    def clause(self) -> tuple[str, dict[str, Any]]:
        conditions, params = [], {}
        if self.province_key is not None:
            conditions.append("c.province_key = %(f_province)s")
            params["f_province"] = self.province_key
        if self.published_from is not None:
            conditions.append("c.published >= %(f_from)s")
            params["f_from"] = self.published_from
        if self.published_to is not None:
            conditions.append("c.published <= %(f_to)s")
            params["f_to"] = self.published_to
        return " AND ".join(conditions), params


def _where(where: SqlFilter | None) -> tuple[str, dict[str, Any]]:
    if where is None:
        return "true", {}
    return where.clause()


def _refuse_mask(allowed: np.ndarray | None) -> None:
    if allowed is not None:
        raise ValueError("a database retriever filters in SQL: use restricted(), not a mask")


# `query` is materialised so that each term's idf is computed once, not once per posting;
# terms are compared in the column's "C" collation so that the (field, term) index serves.
_BM25_SCORES = f"""
WITH stats AS (
    SELECT num_docs::float8 AS n, raw_mean_idf,
           CASE WHEN total_length > 0 THEN total_length::float8 / num_docs ELSE 1.0 END AS avgdl
    FROM {SCHEMA}.field_stats WHERE field = %(field)s),
query AS MATERIALIZED (
    SELECT t.term_id,
           CASE WHEN i.idf < 0 THEN %(eps)s * s.raw_mean_idf ELSE i.idf END * q.weight AS w
    FROM unnest(%(terms)s::text[], %(weights)s::float8[]) AS q (term, weight)
    JOIN {SCHEMA}.terms t ON t.field = %(field)s AND t.term = q.term COLLATE "C"
    CROSS JOIN stats s
    CROSS JOIN LATERAL (SELECT ln(s.n - t.df + 0.5) - ln(t.df::float8 + 0.5) AS idf) i),
scored AS MATERIALIZED (
    SELECT p.chunk,
           sum(p.tf * %(k1_plus_1)s / (p.tf + %(k1)s * (1 - %(b)s + %(b)s * p.dl / s.avgdl))
               * query.w) AS score
    FROM query JOIN {SCHEMA}.postings p ON p.term_id = query.term_id CROSS JOIN stats s
    GROUP BY p.chunk)"""
# Scores are sums in whatever order a plan adds them, so two chunks with the same words
# (duplicate passages) may differ in the last bit: scores are compared at TIE_DIGITS
# decimals, and ties go to document order, whichever plan summed them.
TIE_DIGITS = 9
_BM25_FILTERED = _BM25_SCORES + f"""
SELECT c.chunk_id, scored.score
FROM scored JOIN {SCHEMA}.chunks c ON c.id = scored.chunk
WHERE scored.score > 0 AND {{where}}
ORDER BY round(scored.score::numeric, {TIE_DIGITS}) DESC, c.doc_position, c.chunk_no
LIMIT %(top_k)s"""
# Without a filter only the chunks scoring at least the k-th best score (ties included) are
# looked up for the tie-break order, not every chunk that shares a word with the query.
_BEST = f"""
best AS (
    SELECT chunk, score FROM scored WHERE score >= (
        SELECT min(score) FROM (SELECT score FROM scored WHERE score > 0
                                ORDER BY score DESC LIMIT %(top_k)s) k) - 1e-{TIE_DIGITS})
SELECT c.chunk_id, best.score
FROM best CROSS JOIN LATERAL (  -- OFFSET 0: one index lookup per row, never a scan of all
    SELECT chunk_id, doc_position, chunk_no FROM {SCHEMA}.chunks WHERE id = best.chunk
    OFFSET 0) c
ORDER BY round(best.score::numeric, {TIE_DIGITS}) DESC, c.doc_position, c.chunk_no
LIMIT %(top_k)s"""
_BM25_ALL = _BM25_SCORES + f""",
{_BEST}"""


# ---- exact top-k with MaxScore pruning ----------------------------------------------------
# A term's contribution is w * tf (k1 + 1) / (tf + K) with K > 0, so it is below
# w * (k1 + 1) whatever tf and dl: the term's upper bound, with no statistics stored. Given a
# lower bound theta of the k-th best score (the full scores of a few candidates found through
# the rarest terms), the terms with the smallest bounds whose bounds sum to less than theta
# are non-essential (MaxScore, Turtle & Flood 1995): a chunk holding only those cannot reach
# the top k, so only the essential terms' postings are scanned; a chunk found there is kept
# only if its essential score plus the non-essential bounds can still reach theta, and only
# the kept chunks are completed with the non-essential terms (their essential score is kept:
# a common term's postings are looked up by primary key per kept chunk, a rarer one's
# scanned, see PROBE_RATIO). Exact: every chunk scoring at least the true k-th score is kept
# and scored in full.
_QUERY_TERMS = f"""
WITH stats AS (
    SELECT num_docs::float8 AS n, raw_mean_idf FROM {SCHEMA}.field_stats WHERE field = %(field)s)
SELECT t.term_id, t.df,
       CASE WHEN i.idf < 0 THEN %(eps)s * s.raw_mean_idf ELSE i.idf END * q.weight AS w
FROM unnest(%(terms)s::text[], %(weights)s::float8[]) AS q (term, weight)
JOIN {SCHEMA}.terms t ON t.field = %(field)s AND t.term = q.term COLLATE "C"
CROSS JOIN stats s
CROSS JOIN LATERAL (SELECT ln(s.n - t.df + 0.5) - ln(t.df::float8 + 0.5) AS idf) i"""
_AVGDL = f"""(SELECT CASE WHEN total_length > 0 THEN total_length::float8 / num_docs
                          ELSE 1.0 END FROM {SCHEMA}.field_stats WHERE field = %(field)s)"""
_TERM_SCORE = ("p.tf * %(k1_plus_1)s / (p.tf + %(k1)s * (1 - %(b)s + %(b)s * p.dl / "
               "s.avgdl)) * q.w")


def _summed(ids: str, ws: str) -> str:
    """Each chunk's score over every posting of the terms given as parameters `ids` (term
    ids) and `ws` (their weights); `s.avgdl` comes from the statement's `s`."""
    return f"""SELECT p.chunk, sum({_TERM_SCORE}) AS score
    FROM unnest(%({ids})s::int[], %({ws})s::float8[]) AS q (term_id, w)
    JOIN {SCHEMA}.postings p ON p.term_id = q.term_id CROSS JOIN s
    GROUP BY p.chunk"""


# Partial scores over some terms (`ids`, `ws`), best first.
_PARTIAL = f"""
WITH s AS (SELECT {_AVGDL} AS avgdl)
{_summed("ids", "ws")} ORDER BY score DESC LIMIT %(limit)s"""
# Full scores of given chunks over every query term, by primary-key lookups.
_FULL_OF = f"""
WITH s AS (SELECT {_AVGDL} AS avgdl)
SELECT p.chunk, sum({_TERM_SCORE}) AS score
FROM unnest(%(ids)s::int[], %(ws)s::float8[]) AS q (term_id, w)
JOIN {SCHEMA}.postings p ON p.term_id = q.term_id AND p.chunk = ANY(%(chunks)s::int[])
CROSS JOIN s GROUP BY p.chunk"""
# Every posting of the query's terms scored, the terms' weights already known (_QUERY_TERMS):
# a question too small to prune, scored in one statement without looking its terms up again.
_ALL_OF = f"""
WITH s AS (SELECT {_AVGDL} AS avgdl),
scored AS MATERIALIZED ({_summed("ids", "ws")}),{_BEST}"""
_PRUNED = f"""
WITH s AS (SELECT {_AVGDL} AS avgdl),
essential AS MATERIALIZED ({_summed("e_ids", "e_ws")}),
kept AS MATERIALIZED (
    SELECT chunk, score FROM essential
    WHERE score + %(rest_bound)s >= %(theta)s - 1e-{TIE_DIGITS}),
rest AS MATERIALIZED (  -- probed: a term with many more postings than there are kept chunks
    SELECT q.term_id, q.w,
           q.df >= %(probe_ratio)s * (SELECT count(*) FROM kept) AS probed
    FROM unnest(%(r_ids)s::int[], %(r_ws)s::float8[], %(r_dfs)s::int[]) AS q (term_id, w, df)),
scanned AS MATERIALIZED (
    SELECT p.chunk, sum({_TERM_SCORE}) AS score
    FROM kept CROSS JOIN (SELECT term_id, w FROM rest WHERE NOT probed) q
    JOIN {SCHEMA}.postings p ON p.term_id = q.term_id AND p.chunk = kept.chunk
    CROSS JOIN s GROUP BY p.chunk),
probed AS MATERIALIZED (
    SELECT kept.chunk, sum({_TERM_SCORE}) AS score
    FROM kept CROSS JOIN (SELECT term_id, w FROM rest WHERE probed) q
    CROSS JOIN LATERAL (  -- OFFSET 0: an index lookup per (chunk, term), never a scan
        SELECT p.tf, p.dl FROM {SCHEMA}.postings p
        WHERE p.term_id = q.term_id AND p.chunk = kept.chunk OFFSET 0) p
    CROSS JOIN s GROUP BY kept.chunk),
scored AS MATERIALIZED (
    SELECT kept.chunk, kept.score + coalesce(scanned.score, 0) + coalesce(probed.score, 0)
           AS score
    FROM kept LEFT JOIN scanned ON scanned.chunk = kept.chunk
    LEFT JOIN probed ON probed.chunk = kept.chunk),{_BEST}"""
# Postings the first pass may score to find theta (the rarest terms up to this many).
SEED_POSTINGS = 20_000
SEED_CANDIDATES = 50
# Below this many postings over the query's terms, scoring them all in one statement is
# faster than pruning's four (measured at 10k chunks: 7.6 ms exhaustive against 11.0 ms
# pruned at ~30k postings a question; at 100k, ~300k postings, 77 against 33 ms).
PRUNE_FROM_POSTINGS = 60_000
# A kept chunk's postings of a non-essential term are looked up one by one (an index probe)
# when the term has at least this many times more postings than there are kept chunks, and
# scanned (a hash join) otherwise: a probe costs about as much as scanning 10-30 postings
# (at 100k chunks this ratio took the top-5 p50 from 31.4 to 27.9 ms; 10 gained less).
PROBE_RATIO = 30


@dataclass(frozen=True)
class PruningPlan:
    """How a query is pruned: theta and the essential / non-essential terms."""

    theta: float
    essential: list[tuple[int, float]]  # (term_id, w)
    rest: list[tuple[int, float]]
    rest_bound: float


def plan_pruning(terms: list[tuple[int, int, float]], theta: float,
                 k1_plus_1: float) -> PruningPlan:
    """Split (term_id, df, w) into non-essential terms (smallest bounds first, their bounds
    summing to less than `theta`) and the essential rest."""
    ordered = sorted(terms, key=lambda t: (t[2] * k1_plus_1, -t[1]))
    rest: list[tuple[int, float]] = []
    bound = 0.0
    for term_id, _df, w in ordered:
        upper = max(w, 0.0) * k1_plus_1
        if bound + upper >= theta:
            break
        rest.append((term_id, w))
        bound += upper
    essential = [(t, w) for t, _df, w in ordered[len(rest):]]
    return PruningPlan(theta, essential, rest, bound)


class PostgresBM25Retriever:
    """Lexical retrieval; a query typed without diacritics searches the accent-folded field."""

    name = "bm25"

    def __init__(self, db: Database, analyzer: Analyzer, folded_field: bool,
                 generation: Callable[[], int], where: SqlFilter | None = None,
                 pruning: bool = True, prune_from_postings: int = PRUNE_FROM_POSTINGS,
                 probe_ratio: float = PROBE_RATIO) -> None:
        self.db, self.analyzer, self.folded_field = db, analyzer, folded_field
        self.generation, self.where = generation, where
        self.pruning = pruning  # exact either way; off: every posting scored (the reference)
        self.prune_from_postings = prune_from_postings
        self.probe_ratio = probe_ratio  # 0: every non-essential term probed; huge: scanned
        self._idf_cache: dict[tuple[int, str, bool], float] = {}
        self._lock = threading.Lock()

    def restricted(self, where: SqlFilter | None) -> PostgresBM25Retriever:
        restricted = copy.copy(self)  # shares the IDF cache
        restricted.where = where
        return restricted

    def _field(self, query: str) -> tuple[int, bool]:
        fold = self.folded_field and not has_diacritics(query)
        return (FOLDED if fold else ACCENTED), fold

    def query_weight(self, query: str) -> float:
        """Share of the query's words the corpus contains (as BM25Retriever.query_weight)."""
        field, fold = self._field(query)
        words = [t for t in self.analyzer.tokens(query, fold=fold) if "_" not in t]
        if not words:
            return 0.0
        with self.db.snapshot() as connection:
            known = {row[0] for row in connection.execute(
                f"SELECT term FROM {SCHEMA}.terms WHERE field = %s AND term = ANY(%s)",
                (field, sorted(set(words))))}
        return sum(t in known for t in words) / len(words)

    def search(self, query: str, top_k: int, allowed: np.ndarray | None = None) -> list[Hit]:
        _refuse_mask(allowed)
        field, fold = self._field(query)
        tokens, expansion = self.analyzer.query_tokens(query, fold=fold)
        # A repeated query term counts again, as in rank-bm25; expansions have their weight.
        weights: Counter[str] = Counter(tokens)
        for term in expansion:
            weights[term] += EXPANSION_WEIGHT  # type: ignore[assignment]
        if not weights or top_k <= 0:
            return []
        where, params = _where(self.where)
        terms = sorted(weights)
        params |= {"field": field, "terms": terms, "weights": [float(weights[t]) for t in terms],
                   "eps": BM25_PARAMS.epsilon, "k1": BM25_PARAMS.k1, "b": BM25_PARAMS.b,
                   "k1_plus_1": BM25_PARAMS.k1 + 1, "top_k": top_k}
        with self.db.snapshot() as connection:
            if self.where is None and self.pruning:
                rows = self._pruned(connection, params)
            else:
                sql = _BM25_ALL if self.where is None else _BM25_FILTERED.format(where=where)
                rows = connection.execute(sql, params).fetchall()
        return [Hit(chunk_id, float(score)) for chunk_id, score in rows]

    def _pruned(self, connection: Any, params: dict[str, Any]) -> list[tuple[str, float]]:
        """The same rows as _BM25_ALL, scanning only the essential terms' postings."""
        terms = [(int(t), int(df), float(w)) for t, df, w in
                 connection.execute(_QUERY_TERMS, params).fetchall()]
        if not terms:
            return []
        ids, ws = [t for t, _, _ in terms], [w for _, _, w in terms]
        base = {**params, "ids": ids, "ws": ws}
        if sum(df for _, df, _ in terms) < self.prune_from_postings:
            return connection.execute(_ALL_OF, base).fetchall()  # type: ignore[no-any-return]
        # theta: the k-th best full score among the best chunks of the rarest terms.
        seed, postings = [], 0
        for term_id, df, w in sorted(terms, key=lambda t: t[1]):
            if seed and postings + df > SEED_POSTINGS:
                break
            seed.append((term_id, w))
            postings += df
        found = connection.execute(_PARTIAL, {
            **base, "ids": [t for t, _ in seed], "ws": [w for _, w in seed],
            "limit": max(SEED_CANDIDATES, 4 * params["top_k"])}).fetchall()
        theta = 0.0
        if found:
            full = sorted((float(score) for _chunk, score in connection.execute(
                _FULL_OF, {**base, "chunks": [c for c, _ in found]}).fetchall()),
                reverse=True)
            positive = [score for score in full if score > 0]
            if len(positive) >= params["top_k"]:
                theta = positive[params["top_k"] - 1]
        plan = plan_pruning(terms, theta, params["k1_plus_1"])
        df_of = {term_id: df for term_id, df, _ in terms}
        return connection.execute(_PRUNED, {
            **base, "e_ids": [t for t, _ in plan.essential],
            "e_ws": [w for _, w in plan.essential], "rest_bound": plan.rest_bound,
            "r_ids": [t for t, _ in plan.rest], "r_ws": [w for _, w in plan.rest],
            "r_dfs": [df_of[t] for t, _ in plan.rest], "probe_ratio": self.probe_ratio,
            "theta": theta}).fetchall()

    def idf(self, token: str, fold: bool) -> float:
        """IDF of a token in the accented or folded field; unknown tokens get the mean IDF
        (as retriever.rerank.bm25_idf). Cached until the index changes."""
        field = FOLDED if fold and self.folded_field else ACCENTED
        key = (self.generation(), token, field == FOLDED)
        with self._lock:
            if key in self._idf_cache:
                return self._idf_cache[key]
        with self.db.snapshot() as connection:
            row = connection.execute(
                f"""SELECT s.num_docs, s.raw_mean_idf, s.mean_idf, t.df
                    FROM {SCHEMA}.field_stats s
                    LEFT JOIN {SCHEMA}.terms t ON t.field = s.field AND t.term = %s
                    WHERE s.field = %s""", (token, field)).fetchone()
        if row is None:
            value = 1.0
        elif row[3] is None:
            value = float(row[2])
        else:
            n, raw_mean, _mean, df = row
            value = math.log(n - df + 0.5) - math.log(df + 0.5)
            if value < 0:
                value = BM25_PARAMS.epsilon * float(raw_mean)
        with self._lock:
            if len(self._idf_cache) > 65536:
                self._idf_cache.clear()
            self._idf_cache[key] = value
        return value


class PostgresDenseRetriever(QueryEmbedder):
    """Semantic retrieval: the query embedded once (cached), searched with pgvector's HNSW."""

    name = "dense"

    def __init__(self, db: Database, encoder: QueryEncoder,
                 restore_accents: Callable[[str], str] | None = None,
                 where: SqlFilter | None = None) -> None:
        super().__init__(encoder, restore_accents)
        self.db, self.where = db, where

    def restricted(self, where: SqlFilter | None) -> PostgresDenseRetriever:
        restricted = copy.copy(self)  # shares the query-vector cache
        restricted.where = where
        return restricted

    def search(self, query: str, top_k: int, allowed: np.ndarray | None = None) -> list[Hit]:
        _refuse_mask(allowed)
        if top_k <= 0:
            return []
        vector = np.asarray(self.query_vector(query), dtype=np.float32)
        where, params = _where(self.where)
        params |= {"q": vector, "top_k": top_k}
        with self.db.snapshot() as connection:
            # Transaction-local: a filtered scan goes on until it has top_k rows that pass
            # (pgvector's iterative scan) instead of filtering ef_search candidates.
            connection.execute("SELECT set_config('hnsw.ef_search', %s, true), "
                               "set_config('hnsw.iterative_scan', 'strict_order', true)",
                               (str(max(HNSW_EF_SEARCH, top_k)),))
            rows = connection.execute(
                f"""SELECT c.chunk_id, 1 - (c.embedding <=> %(q)s) AS score
                    FROM {SCHEMA}.chunks c WHERE {where}
                    ORDER BY c.embedding <=> %(q)s LIMIT %(top_k)s""", params).fetchall()
        return [Hit(chunk_id, float(score)) for chunk_id, score in rows]
