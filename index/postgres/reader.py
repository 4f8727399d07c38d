"""The index in PostgreSQL as the service sees it: same surface as `CorpusIndex` (documents,
chunks, stats, searcher), nothing of it held in memory.

Every search runs in one read-only repeatable-read transaction, so its BM25, dense and chunk
queries see one committed state even while another process loads documents. It works as
well against a read replica: nothing here writes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from index.facts import (
    FACTS_VERSION,
    Fact,
    FactHit,
    FactPage,
    FactQuery,
    subject_key,
    subject_order,
)
from index.facts.ordering import order_by_constraints
from index.postgres.db import (
    DOCUMENT_COLUMNS,
    Database,
    connect,
    describe_dsn,
    document_of,
    translated_errors,
)
from index.postgres.retrievers import PostgresBM25Retriever, PostgresDenseRetriever, SqlFilter
from index.postgres.schema import SCHEMA, check_schema
from index.postgres.settings import ACCENTED, stored_settings
from index.store import AccentMode, IndexSettings
from retriever.accents import AccentRestorer
from retriever.analyzer import Analyzer
from retriever.errors import DocumentNotFoundError, IndexMismatchError, IndexNotFoundError
from retriever.fusion import DEFAULT_WEIGHTS, RRF_K
from retriever.rerank import RERANK_WEIGHT, SentenceReranker
from retriever.retrievers import HybridRetriever, QueryEncoder, accent_restorer
from retriever.search import Searcher, passages, validate_search
from retriever.types import (
    Chunk,
    Document,
    DocumentInfo,
    DocumentPage,
    Passage,
    Retriever,
    SearchFilter,
    check_page,
)

logger = logging.getLogger(__name__)

_CHUNK_COLUMNS = ("c.chunk_id, c.doc_id, c.text, c.start_offset, c.end_offset, c.title, "
                  "c.province, c.published")


def _chunk(row: Sequence[Any]) -> Chunk:
    return Chunk(*row)


@dataclass(frozen=True)
class PostgresManifest:
    """What built the index (the files backend's manifest, as far as it applies)."""

    model: str
    dimension: int
    settings: dict[str, Any]
    created: str
    dense_kind: str = "hnsw (pgvector)"


def settings_of(stored: dict[str, Any]) -> IndexSettings:
    """The IndexSettings an index was built with, from its recorded settings."""
    analyzer = dict(stored.get("analyzer", {}))
    analyzer.pop("tokenizer_version", None)
    chunking = stored.get("chunking", {})
    return IndexSettings(folded_field=bool(stored.get("folded_field", True)),
                         analyzer=Analyzer(**analyzer),
                         chunk_target_words=int(chunking.get("target_words", 200)),
                         chunk_max_words=int(chunking.get("max_words", 330)))


class PostgresIndex:
    """Read access to the index in one database (primary or replica)."""

    def __init__(self, db: Database, settings: IndexSettings, manifest: PostgresManifest) -> None:
        self.db, self.settings, self.manifest = db, settings, manifest
        self.generation = -1
        self._on_change: list[Callable[[], None]] = []

    @classmethod
    def open(cls, dsn: str, settings: IndexSettings | None = None,
             model_id: str | None = None) -> PostgresIndex:
        """Connect and check the schema and settings; IndexNotFoundError when the database
        holds no index yet, IndexMismatchError when it was built otherwise."""
        connection = connect(dsn, vectors=False)
        try:
            with translated_errors(dsn):
                check_schema(connection)
                row = connection.execute(
                    f"SELECT settings, dimension, created FROM {SCHEMA}.index_state").fetchone()
        finally:
            connection.close()
        if row is None:
            raise IndexNotFoundError(
                f"the database at {describe_dsn(dsn)} holds no index yet; build one with "
                "`hoidap index build --backend postgres`")
        stored, dimension, created = row
        settings = settings or settings_of(stored)
        wanted = stored_settings(settings, model_id or stored["model"])
        differences = [f"{key}: index has {stored.get(key)!r}, expected {value!r}"
                       for key, value in wanted.items() if stored.get(key) != value]
        if differences:
            raise IndexMismatchError(
                "the index was built with other settings (" + "; ".join(differences)
                + "). Rebuild it with `hoidap index build --backend postgres`.")
        manifest = PostgresManifest(stored["model"], int(dimension), stored,
                                    created.isoformat(timespec="seconds"))
        return cls(Database(dsn).open(), settings, manifest)

    def close(self) -> None:
        self.db.close()

    def refresh(self, connection: psycopg.Connection) -> None:
        """Drop what was derived from the index if a load has changed it since."""
        row = connection.execute(f"SELECT generation FROM {SCHEMA}.index_state").fetchone()
        generation = int(row[0]) if row else 0
        if generation != self.generation:
            if self.generation >= 0:
                logger.info("the index changed (generation %d): refreshing", generation)
            self.generation = generation
            for forget in self._on_change:
                forget()

    # ---- the CorpusIndex surface ------------------------------------------------------
    @property
    def documents(self) -> DocumentsView:
        return DocumentsView(self)

    @property
    def chunks(self) -> ChunksView:
        return ChunksView(self)

    def document(self, doc_id: str) -> Document:
        with self.db.snapshot() as connection:
            row = connection.execute(
                f"SELECT {DOCUMENT_COLUMNS} FROM {SCHEMA}.documents WHERE doc_id = %s",
                (doc_id,)).fetchone()
        if row is None:
            raise DocumentNotFoundError(f"no document with id {doc_id!r}")
        return document_of(row)

    def chunks_by_id(self, chunk_ids: Sequence[str]) -> dict[str, Chunk]:
        if not chunk_ids:
            return {}
        with self.db.snapshot() as connection:
            rows = connection.execute(
                f"SELECT {_CHUNK_COLUMNS} FROM {SCHEMA}.chunks c WHERE c.chunk_id = ANY(%s)",
                (list(chunk_ids),)).fetchall()
        return {row[0]: _chunk(row) for row in rows}

    def _check_facts(self, connection: psycopg.Connection) -> None:
        row = connection.execute(f"SELECT facts_version FROM {SCHEMA}.index_state").fetchone()
        if row is not None and row[0] != FACTS_VERSION:
            raise IndexMismatchError(
                f"the index database's facts were extracted by version {row[0]}, this "
                f"hoidap reads {FACTS_VERSION}; run `hoidap index reindex --backend "
                "postgres` against the primary")

    def fact_page(self, query: FactQuery) -> FactPage:
        """The facts matching `query`, newest article first, as CorpusIndex.fact_page."""
        conditions, params = ["true"], {}
        for column, value in (("subject", subject_key(query.subject)),
                              ("index_name", query.index.value if query.index else None),
                              ("year", query.year),
                              ("measure", query.measure.value if query.measure else None)):
            if value is not None:
                conditions.append(f"f.{column} = %({column})s")
                params[column] = value
        where = " AND ".join(conditions)
        with self.db.snapshot() as connection:
            self._check_facts(connection)
            total = connection.execute(
                f"SELECT count(*) FROM {SCHEMA}.facts f WHERE {where}", params).fetchone()[0]
            rows = connection.execute(
                f"""SELECT f.fact, d.title, d.published,
                           substr(d.text, (f.fact->>'start')::int + 1,
                                  (f.fact->>'end')::int - (f.fact->>'start')::int),
                           substr(d.text, (f.fact->>'sentence_start')::int + 1,
                                  (f.fact->>'sentence_end')::int
                                  - (f.fact->>'sentence_start')::int)
                    FROM {SCHEMA}.facts f JOIN {SCHEMA}.documents d USING (doc_id)
                    WHERE {where}
                    ORDER BY coalesce(d.published, '') DESC, d.position, f.ordinal
                    OFFSET %(offset)s LIMIT %(limit)s""",
                {**params, "offset": query.offset, "limit": query.limit}).fetchall()
        return FactPage([FactHit(Fact.from_dict(fact), span, sentence, title, published)
                         for fact, title, published, span, sentence in rows], int(total))

    def facts_in(self, chunks: Sequence[Chunk]) -> list[list[Fact]]:
        """The facts each chunk states, as CorpusIndex.facts_in; one statement."""
        if not chunks:
            return []
        with self.db.snapshot() as connection:
            self._check_facts(connection)
            rows = connection.execute(
                f"SELECT f.fact FROM {SCHEMA}.facts f WHERE f.doc_id = ANY(%s) "
                "ORDER BY f.doc_id, f.ordinal", (list({c.doc_id for c in chunks}),)).fetchall()
        by_doc: dict[str, list[Fact]] = {}
        for (fact,) in rows:
            found = Fact.from_dict(fact)
            by_doc.setdefault(found.doc_id, []).append(found)
        return [[f for f in by_doc.get(c.doc_id, []) if c.start <= f.start < c.end]
                for c in chunks]

    def order_passages(self, query: str, passages: list[Passage]) -> list[Passage]:
        """The searcher's passage order, as CorpusIndex.order_passages."""
        return order_by_constraints(query, passages, self.facts_in)

    def fact_subjects(self) -> list[tuple[str, int]]:
        """(subject, number of facts) for every subject, as CorpusIndex.fact_subjects."""
        with self.db.snapshot() as connection:
            self._check_facts(connection)
            rows = connection.execute(
                f"SELECT subject, count(*) FROM {SCHEMA}.facts GROUP BY subject").fetchall()
        return sorted(((str(s), int(n)) for s, n in rows), key=lambda r: subject_order(r[0]))

    def fact_chunks(self, facts: Sequence[Fact]) -> list[Chunk | None]:
        """The chunk holding each fact's sentence whole, else the first holding its span,
        as CorpusIndex.fact_chunks; one statement for them all."""
        if not facts:
            return []
        with self.db.snapshot() as connection:
            rows = connection.execute(
                f"""SELECT DISTINCT ON (q.n) q.n, {_CHUNK_COLUMNS}
                    FROM unnest(%s::text[], %s::int[], %s::int[], %s::int[])
                         WITH ORDINALITY AS q(doc_id, span_start, sentence_start,
                                              sentence_end, n)
                    JOIN {SCHEMA}.chunks c ON c.doc_id = q.doc_id
                         AND c.start_offset <= q.span_start AND q.span_start < c.end_offset
                    ORDER BY q.n, (c.start_offset <= q.sentence_start
                                   AND q.sentence_end <= c.end_offset) DESC,
                             c.start_offset""",
                ([f.doc_id for f in facts], [f.start for f in facts],
                 [f.sentence_start for f in facts], [f.sentence_end for f in facts]),
            ).fetchall()
        found = {int(row[0]) - 1: _chunk(row[1:]) for row in rows}
        return [found.get(n) for n in range(len(facts))]

    def facts(self) -> list[Fact]:
        """Every ranking fact, in document order then text order."""
        with self.db.snapshot() as connection:
            self._check_facts(connection)
            rows = connection.execute(
                f"SELECT f.fact FROM {SCHEMA}.facts f JOIN {SCHEMA}.documents d "
                "USING (doc_id) ORDER BY d.position, f.ordinal").fetchall()
        return [Fact.from_dict(r[0]) for r in rows]

    def counts(self) -> tuple[int, int]:
        """(documents, chunks), kept up to date by every load."""
        with self.db.snapshot() as connection:
            row = connection.execute(
                f"SELECT documents, chunks FROM {SCHEMA}.index_state").fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def document_page(self, offset: int, limit: int) -> DocumentPage:
        """Documents sorted by id (code point order, as the files backend sorts), `limit` of
        them from `offset`; neither the documents' texts nor their chunks are read."""
        check_page(offset, limit)
        with self.db.snapshot() as connection:
            rows = connection.execute(
                f"""SELECT d.doc_id, d.title, d.province, d.published, d.author, d.url,
                           (SELECT count(*) FROM {SCHEMA}.chunks c WHERE c.doc_id = d.doc_id)
                    FROM {SCHEMA}.documents d ORDER BY d.doc_id COLLATE "C"
                    LIMIT %s OFFSET %s""", (limit, offset)).fetchall()
            total = connection.execute(f"SELECT count(*) FROM {SCHEMA}.documents").fetchone()
        return DocumentPage([DocumentInfo(*row[:6], chunks=int(row[6])) for row in rows],
                            total=int(total[0]) if total else 0)

    def provinces(self) -> list[str]:
        with self.db.snapshot() as connection:
            rows = connection.execute(f"SELECT DISTINCT province FROM {SCHEMA}.chunks "
                                      "WHERE province IS NOT NULL").fetchall()
        return sorted(row[0] for row in rows if row[0])

    def stats(self) -> dict[str, object]:
        with self.db.snapshot() as connection:
            words, terms = connection.execute(f"""SELECT
                (SELECT avg(cardinality(regexp_split_to_array(btrim(text), '\\s+')))
                 FROM {SCHEMA}.chunks),
                (SELECT count(*) FROM {SCHEMA}.terms WHERE field = %s)""",
                (ACCENTED,)).fetchone()
        documents, chunks = self.counts()
        return {
            "backend": "postgres",
            "database": describe_dsn(self.db.dsn),
            "documents": documents,
            "chunks": chunks,
            "mean_chunk_words": round(float(words), 1) if words is not None else 0.0,
            "bm25_terms": int(terms),
            "model": self.manifest.model,
            "dimension": self.manifest.dimension,
            "dense_index": self.manifest.dense_kind,
            "created": self.manifest.created,
            "provinces": self.provinces(),
        }

    def searcher(
        self,
        encoder: QueryEncoder,
        restore_accents: AccentMode = "corpus",
        weights: dict[str, float] | None = None,
        rrf_k: int = RRF_K,
        analyzer: Analyzer | None = None,
        rerank_weight: float = RERANK_WEIGHT,
    ) -> PostgresSearcher:
        """Retrievers over this index, as CorpusIndex.searcher."""
        bm25 = PostgresBM25Retriever(self.db, analyzer or self.settings.analyzer,
                                     self.settings.folded_field, lambda: self.generation)
        dense = PostgresDenseRetriever(self.db, encoder, self._accent_restorer(restore_accents))
        weights = DEFAULT_WEIGHTS if weights is None else weights

        def retrievers(where: SqlFilter | None) -> dict[str, Retriever]:
            b, d = bm25.restricted(where), dense.restricted(where)
            fused = HybridRetriever([b, d], k=rrf_k, weights=weights)
            hybrid = SentenceReranker(fused, self.chunks_by_id, b.idf, weight=rerank_weight)
            return {"hybrid": hybrid, "bm25": b, "dense": d}

        return PostgresSearcher(self, retrievers)

    def _accent_restorer(self, mode: AccentMode) -> Callable[[str], str] | None:
        built: list[AccentRestorer] = []

        def restore(text: str) -> str:
            # Built on the first accent-free query after each load, not at start-up.
            if not built:
                with self.db.snapshot() as connection:
                    rows = connection.execute(
                        f"SELECT term, df FROM {SCHEMA}.terms WHERE field = %s", (ACCENTED,))
                    built.append(AccentRestorer.from_document_frequencies(rows))
            return built[0].restore(text)

        chosen = accent_restorer(mode, restore)
        if chosen is restore:
            self._on_change.append(built.clear)
        return chosen


class PostgresSearcher(Searcher):
    """A Searcher over the database: it holds no chunks (`chunks` is empty), and a filter
    becomes a WHERE clause of its retrievers instead of a mask."""

    def __init__(self, index: PostgresIndex,
                 retrievers: Callable[[SqlFilter | None], dict[str, Retriever]]) -> None:
        super().__init__([], retrievers(None), facts=index, passage_order=index.order_passages)
        self.index, self._retrievers_for = index, retrievers

    def provinces(self) -> list[str]:
        return self.index.provinces()

    def version(self) -> int:
        """The index generation: another process's load changes it."""
        with self.index.db.snapshot() as connection:
            self.index.refresh(connection)
        return self.index.generation

    def allowed_mask(self, search_filter: SearchFilter | None) -> None:
        raise TypeError("the postgres backend filters in SQL; there is no chunk mask")

    def search(
        self,
        query: str,
        top_k: int = 10,
        search_filter: SearchFilter | None = None,
        retriever: str = "hybrid",
    ) -> list[Passage]:
        text = validate_search(query, top_k, retriever, self.retriever_names)
        where = SqlFilter.of(search_filter)
        with self.index.db.snapshot() as connection:
            self.index.refresh(connection)
            retrievers = self.retrievers if where is None else self._retrievers_for(where)
            hits = retrievers[retriever].search(text, top_k)
            chunks = self.index.chunks_by_id([h.chunk_id for h in hits])
        return self.ordered(text, passages(hits, chunks, retriever))


class DocumentsView(Mapping[str, Document]):
    """The documents, read from the database, in index order (as CorpusIndex.documents)."""

    def __init__(self, index: PostgresIndex) -> None:
        self.index = index

    def __getitem__(self, doc_id: str) -> Document:
        try:
            return self.index.document(doc_id)
        except DocumentNotFoundError:
            raise KeyError(doc_id) from None

    def __len__(self) -> int:
        return self.index.counts()[0]

    def __iter__(self) -> Iterator[str]:
        with self.index.db.snapshot() as connection:
            rows = connection.execute(
                f"SELECT doc_id FROM {SCHEMA}.documents ORDER BY position").fetchall()
        return (row[0] for row in rows)

    def values(self) -> list[Document]:  # type: ignore[override]
        with self.index.db.snapshot() as connection:
            rows = connection.execute(
                f"SELECT {DOCUMENT_COLUMNS} FROM {SCHEMA}.documents ORDER BY position"
            ).fetchall()
        return [document_of(row) for row in rows]


class ChunksView:
    """The chunks, read from the database in index order; its length is kept by the loads."""

    BATCH = 2000

    def __init__(self, index: PostgresIndex) -> None:
        self.index = index

    def __len__(self) -> int:
        return self.index.counts()[1]

    def __iter__(self) -> Iterator[Chunk]:
        # Keyset pages, one snapshot each: memory stays bounded on a large index.
        after: tuple[int, int] = (-1, -1)
        while True:
            with self.index.db.snapshot() as connection:
                rows = connection.execute(
                    f"SELECT {_CHUNK_COLUMNS}, c.doc_position, c.chunk_no "
                    f"FROM {SCHEMA}.chunks c WHERE (c.doc_position, c.chunk_no) > (%s, %s) "
                    "ORDER BY c.doc_position, c.chunk_no LIMIT %s",
                    (*after, self.BATCH)).fetchall()
            yield from (_chunk(row[:8]) for row in rows)
            if len(rows) < self.BATCH:
                return
            after = (rows[-1][8], rows[-1][9])
