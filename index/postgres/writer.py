"""Loads documents into the index database: `build` (the database then holds exactly a corpus),
`add` (new or changed documents, by doc_id), `remove` and `rebuild` (the same documents
with other settings).

Each call is one transaction under an advisory lock (one writer at a time, across every
process on the database: the CLI waits for it, the admin API, `wait=False`, is refused with
IndexBusyError): readers keep seeing the previous state until it commits, and a load
killed halfway leaves nothing behind. Documents are chunked, embedded and written in
batches, so a corpus never has to fit in memory as vectors; unchanged documents are
skipped and unchanged passages reuse their stored vectors.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import psycopg
from pgvector.psycopg import register_vector
from tqdm import tqdm

from index.chunking import chunk_document
from index.facts import FACTS_VERSION, extract_facts
from index.postgres.db import DOCUMENT_COLUMNS, connect, document_of, translated_errors
from index.postgres.schema import (
    HNSW_INDEX,
    SCHEMA,
    WRITE_LOCK,
    create_postings_key,
    create_vector_index,
    drop_postings_key,
    migrate,
    set_dimension,
)
from index.postgres.settings import ACCENTED, BM25_PARAMS, FOLDED, stored_settings
from index.store import IndexSettings, PassageEncoder, document_hash, embedding_key
from retriever.errors import (
    DocumentNotFoundError,
    IndexBusyError,
    IndexMismatchError,
    InvalidInputError,
)
from retriever.text.normalize import match_form
from retriever.types import Chunk, Document

logger = logging.getLogger(__name__)

BATCH_DOCUMENTS = 200
# Building the HNSW graph in memory is several times faster than spilling it: about 2 KB
# a 384-dimension vector with m = 16, so 1 GB holds 500k chunks; capped for the server.
HNSW_BUILD_MEMORY_MB = (1024, 4096)
HNSW_BYTES_PER_CHUNK = 2048


def build_memory_mb(chunks: int) -> int:
    """maintenance_work_mem for building a first load's indexes over `chunks` rows."""
    low, high = HNSW_BUILD_MEMORY_MB
    return max(low, min(high, chunks * HNSW_BYTES_PER_CHUNK // 2**20))


class TransactionTerms:
    """The BM25 terms of one load's transaction: their ids, and the chunks that gained
    each, written to its df once, at the end. Raising df per batch (INSERT .. ON CONFLICT DO
    UPDATE) left a row version per batch inside the transaction that every later lookup
    walked: 3 s a batch of 2,000 chunks by 60k chunks into a 1M-chunk load."""

    def __init__(self, connection: psycopg.Connection, fields: Sequence[int]) -> None:
        self.connection, self.fields = connection, tuple(fields)
        self.ids: dict[tuple[int, str], int] = {}
        self.gained: Counter[tuple[int, str]] = Counter()

    def ids_of(self, counts: list[list[Counter[str]]]) -> dict[tuple[int, str], int]:
        """The ids of a batch's terms (new ones stored with df 0 until `write_df`)."""
        batch: Counter[tuple[int, str]] = Counter()
        for per_field in counts:
            for field, tokens in zip(self.fields, per_field, strict=True):
                batch.update((field, term) for term in tokens)
        self.gained.update(batch)
        unseen = sorted(batch.keys() - self.ids.keys())
        if unseen:
            # The outer SELECT does not see the CTE's inserts (one snapshot): stored terms
            # come from it, new ones from RETURNING, each once.
            rows = self.connection.execute(f"""
                WITH wanted AS (
                    SELECT * FROM unnest(%s::smallint[], %s::text[]) AS w(field, term)),
                inserted AS (
                    INSERT INTO {SCHEMA}.terms (field, term, df)
                    SELECT field, term, 0 FROM wanted
                    ON CONFLICT (field, term) DO NOTHING RETURNING field, term, term_id)
                SELECT field, term, term_id FROM inserted
                UNION ALL
                SELECT t.field, t.term, t.term_id FROM {SCHEMA}.terms t JOIN wanted w
                    ON t.field = w.field AND t.term = w.term COLLATE "C" """,
                ([f for f, _ in unseen], [t for _, t in unseen])).fetchall()
            self.ids.update(((field, term), term_id) for field, term, term_id in rows)
        return self.ids

    def write_df(self) -> None:
        if not self.gained:
            return
        keys = list(self.gained)
        self.connection.execute(
            f"UPDATE {SCHEMA}.terms t SET df = t.df + u.gained "
            "FROM unnest(%s::integer[], %s::integer[]) AS u(term_id, gained) "
            "WHERE t.term_id = u.term_id",
            ([self.ids[k] for k in keys], [self.gained[k] for k in keys]))
        self.gained.clear()


@dataclass(frozen=True)
class LoadResult:
    documents: int  # in the index afterwards
    chunks: int
    written: int  # documents added or replaced
    removed: int
    embedded: int  # passages sent to the encoder
    added: tuple[str, ...] = ()  # doc_ids new to the index (add, build)
    replaced: tuple[str, ...] = ()  # doc_ids it held before, unchanged ones included


class PostgresWriter:
    """Changes the index in the database at `dsn` (the primary, never a replica)."""

    def __init__(self, dsn: str, encoder: PassageEncoder, settings: IndexSettings | None = None,
                 batch_documents: int = BATCH_DOCUMENTS) -> None:
        if batch_documents < 1:
            raise ValueError("batch_documents must be at least 1")
        self.dsn, self.encoder = dsn, encoder
        self.settings = settings or IndexSettings()
        self.batch_documents = batch_documents
        self.fields = (ACCENTED, FOLDED) if self.settings.folded_field else (ACCENTED,)

    # ---- the three operations ---------------------------------------------------------
    def build(self, documents: Iterable[Document], show_progress: bool = False,
              if_empty: bool = False, wait: bool = True) -> LoadResult:
        """Make the index hold exactly `documents` (rebuilt whole if settings changed).
        `if_empty`: only if the database holds no index yet (a first use, which must not
        undo a load that another process committed meanwhile)."""
        incoming = {d.doc_id: d for d in documents}
        before: dict[str, str] = {}

        def change(connection: psycopg.Connection) -> tuple[int, int, int]:
            if if_empty and connection.execute(
                    f"SELECT 1 FROM {SCHEMA}.index_state").fetchone() is not None:
                logger.info("the database already holds an index: nothing loaded")
                return 0, 0, 0
            stored = self._prepare(connection, rebuild=True)
            before.update(stored)
            gone = [doc_id for doc_id in stored if doc_id not in incoming]
            return self._sync(connection, stored, list(incoming.values()), gone, show_progress)

        return self._with_ids(self._write(change, wait), list(incoming), before)

    def add(self, documents: Iterable[Document], show_progress: bool = False,
            wait: bool = True) -> LoadResult:
        """Add documents, replacing those with the same doc_id; unchanged ones are skipped."""
        incoming = list({d.doc_id: d for d in documents}.values())
        before: dict[str, str] = {}

        def change(connection: psycopg.Connection) -> tuple[int, int, int]:
            stored = self._prepare(connection, rebuild=False)
            before.update(stored)
            return self._sync(connection, stored, incoming, [], show_progress)

        return self._with_ids(self._write(change, wait), [d.doc_id for d in incoming], before)

    def remove(self, doc_ids: Sequence[str], wait: bool = True,
               keep_one: bool = False) -> LoadResult:
        """Remove documents; `keep_one`: refuse (and change nothing) if none would be left."""
        def change(connection: psycopg.Connection) -> tuple[int, int, int]:
            stored = self._prepare(connection, rebuild=False)
            unknown = [d for d in doc_ids if d not in stored]
            if unknown:
                raise DocumentNotFoundError(
                    f"no document with id {', '.join(unknown)} in the index")
            if keep_one and set(stored) <= set(doc_ids):
                raise InvalidInputError("cannot remove the last document: the index would be "
                                        "empty; upload its replacement first")
            self._delete(connection, sorted(set(doc_ids)))
            return 0, len(set(doc_ids)), 0

        return self._write(change, wait)

    def rebuild(self, wait: bool = True,
                if_none: Callable[[], list[Document]] | None = None) -> LoadResult:
        """Re-chunk and re-embed the documents the database holds with this writer's
        settings (nothing changes when they are the index's already); `if_none`: the
        documents to load when it holds none. The documents are read under the lock, so a
        load committed meanwhile is not undone."""
        def change(connection: psycopg.Connection) -> tuple[int, int, int]:
            documents = [document_of(row) for row in connection.execute(
                f"SELECT {DOCUMENT_COLUMNS} FROM {SCHEMA}.documents ORDER BY position")]
            if not documents and if_none is not None:
                documents = if_none()
            # Read before _prepare, which empties the tables when the settings changed:
            # passages whose text (and model) are unchanged keep their vectors.
            known = self._vectors_of(connection, [d.doc_id for d in documents])
            stored = self._prepare(connection, rebuild=True)
            return self._sync(connection, stored, documents, [], False, known)

        return self._write(change, wait)

    @staticmethod
    def _with_ids(result: LoadResult, incoming: list[str],
                  before: dict[str, str]) -> LoadResult:
        return replace(result, added=tuple(d for d in incoming if d not in before),
                       replaced=tuple(d for d in incoming if d in before))

    # ---- the transaction --------------------------------------------------------------
    def _write(self, change: Callable[[psycopg.Connection], tuple[int, int, int]],
               wait: bool = True) -> LoadResult:
        started = time.perf_counter()
        connection = connect(self.dsn, application_name="hoidap-load", vectors=False)
        try:
            with translated_errors(self.dsn):
                migrate(connection)
                register_vector(connection)
                with connection.transaction():
                    if wait:
                        connection.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                    elif not connection.execute("SELECT pg_try_advisory_xact_lock(%s)",
                                                (WRITE_LOCK,)).fetchone()[0]:
                        raise IndexBusyError("another change of the index is in progress "
                                             "(on this or another server); try again when "
                                             "it has finished")
                    written, removed, embedded = change(connection)
                    documents, chunks = self._finish(connection)
                # Marks the new pages all-visible, so BM25 reads postings from the index
                # alone; a failure here loses nothing (autovacuum does it later).
                try:
                    connection.execute(f"VACUUM (ANALYZE) {SCHEMA}.postings, {SCHEMA}.chunks")
                except psycopg.Error as exc:
                    logger.warning("VACUUM after the load failed: %s", exc)
        finally:
            connection.close()
        logger.info("index database: %d documents written, %d removed, %d passages embedded, "
                    "now %d documents / %d chunks (%.1fs)", written, removed, embedded,
                    documents, chunks, time.perf_counter() - started)
        return LoadResult(documents, chunks, written, removed, embedded)

    def _prepare(self, connection: psycopg.Connection, rebuild: bool) -> dict[str, str]:
        """Check or record the index settings; {doc_id: content hash} of what is stored."""
        wanted = stored_settings(self.settings, self.encoder.model_id)
        dimension = int(self.encoder.dimension)
        row = connection.execute(
            f"SELECT settings, dimension, facts_version FROM {SCHEMA}.index_state").fetchone()
        if row is not None and row[0] == wanted and row[1] == dimension \
                and row[2] != FACTS_VERSION:
            self._refresh_facts(connection)
        if row is not None and (row[0] != wanted or row[1] != dimension):
            if not rebuild:
                differences = [f"{key}: index has {row[0].get(key)!r}, expected {value!r}"
                               for key, value in wanted.items() if row[0].get(key) != value]
                if row[1] != dimension:
                    differences.append(f"dimension: index has {row[1]}, expected {dimension}")
                raise IndexMismatchError(
                    "the index was built with other settings (" + "; ".join(differences)
                    + "). Rebuild it with `hoidap index build --backend postgres`.")
            logger.warning("index settings changed: replacing every document")
            for table in ("postings", "chunks", "terms", "facts", "documents"):
                connection.execute(f"DELETE FROM {SCHEMA}.{table}")
            connection.execute(f"DELETE FROM {SCHEMA}.field_stats")
            connection.execute(f"DELETE FROM {SCHEMA}.index_state")
            if row[1] != dimension:
                set_dimension(connection, dimension)
            row = None
        if row is None:
            if not self._has_dimension(connection, dimension):
                set_dimension(connection, dimension)
            connection.execute(
                f"INSERT INTO {SCHEMA}.index_state (settings, dimension, facts_version) "
                "VALUES (%s, %s, %s)", (json.dumps(wanted), dimension, FACTS_VERSION))
            connection.execute(f"DELETE FROM {SCHEMA}.field_stats")
            for field in self.fields:
                connection.execute(
                    f"INSERT INTO {SCHEMA}.field_stats VALUES (%s, 0, 0, 0, 1)", (field,))
        return dict(connection.execute(f"SELECT doc_id, content_hash FROM {SCHEMA}.documents"
                                       ).fetchall())

    @staticmethod
    def _has_dimension(connection: psycopg.Connection, dimension: int) -> bool:
        row = connection.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attname = 'embedding'",
            (f"{SCHEMA}.chunks",)).fetchone()
        return row is not None and row[0] == f"vector({dimension})"

    # ---- changes ----------------------------------------------------------------------
    def _sync(self, connection: psycopg.Connection, stored: dict[str, str],
              incoming: list[Document], gone: list[str],
              show_progress: bool, known: dict[str, np.ndarray] | None = None
              ) -> tuple[int, int, int]:
        hashes = {d.doc_id: document_hash(d) for d in incoming}
        todo = [d for d in incoming if stored.get(d.doc_id) != hashes[d.doc_id]]
        replaced = [d.doc_id for d in todo if d.doc_id in stored]
        # A replaced document keeps its place, and the vectors of its unchanged passages.
        positions = dict(connection.execute(
            f"SELECT doc_id, position FROM {SCHEMA}.documents WHERE doc_id = ANY(%s)",
            (replaced,)).fetchall())
        known = {**(known or {}), **self._vectors_of(connection, replaced)}
        self._delete(connection, sorted(set(gone) | set(replaced)))
        # Into an empty table the vector index is built once at the end, much faster than
        # row by row. Dropping it locks the table until commit; only a first load does it.
        bulk = bool(todo) and connection.execute(
            f"SELECT NOT EXISTS (SELECT 1 FROM {SCHEMA}.chunks)").fetchone()[0]
        if bulk:
            connection.execute(f"DROP INDEX {SCHEMA}.{HNSW_INDEX}")
            drop_postings_key(connection)
        embedded = 0
        terms = TransactionTerms(connection, self.fields)
        bar = tqdm(total=len(todo), desc="loading", unit="doc", disable=not show_progress)
        with bar:
            for start in range(0, len(todo), self.batch_documents):
                batch = todo[start:start + self.batch_documents]
                embedded += self._insert(connection, batch, hashes, positions, known, terms)
                bar.update(len(batch))
        terms.write_df()
        if bulk:
            chunks = connection.execute(f"SELECT count(*) FROM {SCHEMA}.chunks").fetchone()[0]
            connection.execute(
                f"SET LOCAL maintenance_work_mem = '{build_memory_mb(chunks)}MB'")
            create_postings_key(connection)
            create_vector_index(connection)
        return len(todo), len(gone), embedded

    def _vectors_of(self, connection: psycopg.Connection,
                    doc_ids: list[str]) -> dict[str, np.ndarray]:
        if not doc_ids:
            return {}
        rows = connection.cursor(binary=True).execute(
            f"SELECT embedding_key, embedding FROM {SCHEMA}.chunks WHERE doc_id = ANY(%s)",
            (doc_ids,)).fetchall()
        return {key: vector.to_numpy() for key, vector in rows}

    def _delete(self, connection: psycopg.Connection, doc_ids: list[str]) -> None:
        """Remove documents, their chunks and postings, and lower their terms' df."""
        if not doc_ids:
            return
        connection.execute(f"""
            WITH gone AS (
                SELECT c.id, unnest(c.term_ids) AS term_id FROM {SCHEMA}.chunks c
                WHERE c.doc_id = ANY(%(ids)s)),
            deleted AS (
                DELETE FROM {SCHEMA}.postings p USING gone
                WHERE p.term_id = gone.term_id AND p.chunk = gone.id RETURNING p.term_id)
            UPDATE {SCHEMA}.terms t SET df = t.df - d.n
            FROM (SELECT term_id, count(*) AS n FROM deleted GROUP BY term_id) d
            WHERE t.term_id = d.term_id""", {"ids": doc_ids})
        connection.execute(f"DELETE FROM {SCHEMA}.chunks WHERE doc_id = ANY(%s)", (doc_ids,))
        connection.execute(f"DELETE FROM {SCHEMA}.facts WHERE doc_id = ANY(%s)", (doc_ids,))
        connection.execute(f"DELETE FROM {SCHEMA}.documents WHERE doc_id = ANY(%s)", (doc_ids,))

    def _insert(self, connection: psycopg.Connection, documents: list[Document],
                hashes: dict[str, str], positions: dict[str, int],
                known: dict[str, np.ndarray], terms: TransactionTerms) -> int:
        """Write one batch of documents with their chunks and postings; passages embedded."""
        fresh = [d.doc_id for d in documents if d.doc_id not in positions]
        new_positions = self._sequence(connection, "document_positions", len(fresh))
        place = {**positions, **dict(zip(fresh, new_positions, strict=True))}
        settings = self.settings
        chunks = [c for d in documents for c in
                  chunk_document(d, settings.chunk_target_words, settings.chunk_max_words)]
        vectors, embedded = self._vectors(connection, chunks, known)
        ids = self._sequence(connection, "chunk_ids", len(chunks))
        folds = [field == FOLDED for field in self.fields]
        counts = [[Counter(tokens) for tokens in
                   settings.analyzer.field_tokens(c.search_text, folds)] for c in chunks]
        term_ids = terms.ids_of(counts)
        with connection.cursor().copy(
                f"COPY {SCHEMA}.documents (doc_id, position, content_hash, title, text, "
                "province, published, author, url, source, dateline) FROM STDIN") as copy:
            for d in documents:
                copy.write_row((d.doc_id, place[d.doc_id], hashes[d.doc_id], d.title, d.text,
                                d.province, d.published or None, d.author, d.url, d.source,
                                d.dateline))
        self._insert_facts(connection, documents)
        chunk_number = Counter[str]()
        with connection.cursor().copy(
                f"COPY {SCHEMA}.chunks (id, chunk_id, doc_id, doc_position, chunk_no, text, "
                "start_offset, end_offset, title, province, province_key, published, lengths, "
                "term_ids, embedding_key, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "text", "text", "int8", "int4", "text", "int4", "int4",
                            "text", "text", "text", "text", "int4[]", "int4[]", "text",
                            "vector"])
            for chunk_row, chunk, vector, per_field in zip(ids, chunks, vectors, counts,
                                                           strict=True):
                chunk_number[chunk.doc_id] += 1
                copy.write_row((
                    chunk_row, chunk.chunk_id, chunk.doc_id, place[chunk.doc_id],
                    chunk_number[chunk.doc_id], chunk.text, chunk.start, chunk.end, chunk.title,
                    chunk.province, match_form(chunk.province) if chunk.province else None,
                    chunk.published or None, [sum(c.values()) for c in per_field],
                    [term_ids[(f, t)] for f, c in zip(self.fields, per_field, strict=True)
                     for t in c],
                    embedding_key(self.encoder.model_id, chunk.search_text), vector,
                ))
        # Text rows written in blocks: per-row writes cost more than the database's work.
        with connection.cursor().copy(
                f"COPY {SCHEMA}.postings (term_id, chunk, tf, dl) FROM STDIN") as copy:
            for chunk_row, per_field in zip(ids, counts, strict=True):
                lines = []
                for field, tokens in zip(self.fields, per_field, strict=True):
                    length = sum(tokens.values())
                    lines.extend(f"{term_ids[(field, term)]}\t{chunk_row}\t{tf}\t{length}\n"
                                 for term, tf in tokens.items())
                copy.write("".join(lines))
        return embedded

    @staticmethod
    def _insert_facts(connection: psycopg.Connection, documents: Sequence[Document]) -> int:
        """Write the ranking facts of `documents` (already written themselves)."""
        written = 0
        with connection.cursor().copy(
                f"COPY {SCHEMA}.facts (doc_id, ordinal, subject, index_name, year, measure, "
                "fact) FROM STDIN") as copy:
            for document in documents:
                for ordinal, fact in enumerate(extract_facts(document)):
                    copy.write_row((document.doc_id, ordinal, fact.subject, fact.index.value,
                                    fact.year, fact.measure.value,
                                    json.dumps(fact.to_dict(), ensure_ascii=False)))
                    written += 1
        return written

    def _refresh_facts(self, connection: psycopg.Connection) -> None:
        """Extract every stored document's facts again (a database whose facts another
        extractor version wrote, or none: one from before facts)."""
        connection.execute(f"DELETE FROM {SCHEMA}.facts")
        written = 0
        with connection.cursor(name="facts_documents") as cursor:
            cursor.execute(f"SELECT {DOCUMENT_COLUMNS} FROM {SCHEMA}.documents ORDER BY position")
            while rows := cursor.fetchmany(self.batch_documents):
                written += self._insert_facts(connection, [document_of(r) for r in rows])
        connection.execute(f"UPDATE {SCHEMA}.index_state SET facts_version = %s",
                           (FACTS_VERSION,))
        logger.info("index database: facts extracted again from its documents (%d facts, "
                    "version %s)", written, FACTS_VERSION)

    def _vectors(self, connection: psycopg.Connection, chunks: list[Chunk],
                 known: dict[str, np.ndarray]) -> tuple[list[np.ndarray], int]:
        """A vector per chunk: known, stored for the same text, or embedded now."""
        model = self.encoder.model_id
        keys = [embedding_key(model, c.search_text) for c in chunks]
        vectors = {k: known[k] for k in keys if k in known}
        wanted = sorted({k for k in keys if k not in vectors})
        if wanted:
            for key, vector in connection.cursor(binary=True).execute(
                    f"SELECT DISTINCT ON (embedding_key) embedding_key, embedding "
                    f"FROM {SCHEMA}.chunks WHERE embedding_key = ANY(%s)", (wanted,)):
                vectors[key] = vector.to_numpy()
        missing = {k: c.search_text for k, c in zip(keys, chunks, strict=True)
                   if k not in vectors}
        if missing:
            fresh = self.encoder.encode_passages(list(missing.values()))
            vectors.update(zip(missing, np.asarray(fresh, dtype=np.float32), strict=True))
        return [vectors[k] for k in keys], len(missing)

    @staticmethod
    def _sequence(connection: psycopg.Connection, name: str, count: int) -> list[int]:
        if count == 0:
            return []
        rows = connection.execute(
            f"SELECT nextval('{SCHEMA}.{name}') FROM generate_series(1, %s)", (count,))
        return sorted(row[0] for row in rows)

    def _finish(self, connection: psycopg.Connection) -> tuple[int, int]:
        """Drop vanished terms; recompute the BM25 statistics; bump the generation."""
        connection.execute(f"DELETE FROM {SCHEMA}.terms WHERE df <= 0")
        chunks = connection.execute(f"SELECT count(*) FROM {SCHEMA}.chunks").fetchone()[0]
        documents = connection.execute(f"SELECT count(*) FROM {SCHEMA}.documents").fetchone()[0]
        for index, field in enumerate(self.fields):
            total = connection.execute(
                f"SELECT coalesce(sum(lengths[%s]), 0) FROM {SCHEMA}.chunks",
                (index + 1,)).fetchone()[0]
            # rank_bm25's idf; a negative one is replaced by epsilon times the mean of all
            # of them (taken before the replacement), see retriever/bm25.py.
            raw, floored = connection.execute(f"""
                WITH idf AS (SELECT ln(%(n)s - df + 0.5) - ln(df + 0.5) AS idf
                             FROM {SCHEMA}.terms WHERE field = %(field)s),
                raw AS (SELECT avg(idf) AS mean FROM idf)
                SELECT raw.mean, avg(CASE WHEN idf.idf < 0 THEN %(eps)s * raw.mean
                                          ELSE idf.idf END)
                FROM idf, raw GROUP BY raw.mean""",
                {"n": float(chunks), "field": field, "eps": BM25_PARAMS.epsilon}
            ).fetchone() or (None, None)
            connection.execute(
                f"UPDATE {SCHEMA}.field_stats SET num_docs = %s, total_length = %s, "
                "raw_mean_idf = %s, mean_idf = %s WHERE field = %s",
                (chunks, total, raw if raw is not None else 0.0,
                 floored if floored is not None else 1.0, field))
        connection.execute(
            f"UPDATE {SCHEMA}.index_state SET generation = generation + 1, updated = now(), "
            "documents = %s, chunks = %s", (documents, chunks))
        connection.execute(f"ANALYZE {SCHEMA}.terms")
        return int(documents), int(chunks)
