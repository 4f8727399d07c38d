"""The database schema, created and changed only by these numbered migrations.

Each migration runs once, in a transaction, in order, and is recorded in
`hoidap.schema_migrations`; a migration is never edited once released: a change is a new
one. Writers (`hoidap index build|add|remove`) migrate; readers (search, serve) only check
the version, so a read replica is never written to. The service writes feedback rows
(service/api/feedback.py) and, through the admin API, index changes (a writer, which
migrates: service/api/index_admin.py), both to the primary (HOIDAP_PRIMARY_DSN when
HOIDAP_DSN is a replica); loading, it only checks the version.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import psycopg
from psycopg import errors as pg_errors

from retriever.errors import IndexMismatchError, IndexNotFoundError

logger = logging.getLogger(__name__)

SCHEMA = "hoidap"
# pg_advisory_xact_lock keys: one migration and one load at a time per database.
MIGRATION_LOCK = 0x686F6964_61700001
WRITE_LOCK = 0x686F6964_61700002
HNSW_INDEX = "chunks_embedding_hnsw"
# Migration 1's unnamed primary key of the postings, as PostgreSQL names it.
POSTINGS_KEY = "postings_pkey"
# pgvector's defaults; ef_search is set per query (retrievers.py).
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "documents, chunks with vectors, BM25 terms and postings", """
CREATE EXTENSION IF NOT EXISTS vector;

-- One row: the settings the index was built with (the files backend's manifest), counts,
-- and a generation that every load increments, so readers know when to drop caches.
CREATE TABLE hoidap.index_state (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    settings    jsonb NOT NULL,
    dimension   integer NOT NULL,
    created     timestamptz NOT NULL DEFAULT now(),
    updated     timestamptz NOT NULL DEFAULT now(),
    generation  bigint NOT NULL DEFAULT 0,
    documents   bigint NOT NULL DEFAULT 0,
    chunks      bigint NOT NULL DEFAULT 0
);

-- position keeps a replaced document where it was, as the files backend does: BM25 ties
-- are broken by chunk order.
CREATE SEQUENCE hoidap.document_positions;
CREATE TABLE hoidap.documents (
    doc_id        text PRIMARY KEY,
    position      bigint NOT NULL,
    content_hash  text NOT NULL,
    title         text NOT NULL,
    text          text NOT NULL,
    province      text,
    published     text COLLATE "C",
    author        text,
    url           text,
    source        text,
    dateline      text
);

CREATE SEQUENCE hoidap.chunk_ids AS integer;
CREATE TABLE hoidap.chunks (
    id             integer PRIMARY KEY,
    chunk_id       text NOT NULL UNIQUE,
    doc_id         text NOT NULL REFERENCES hoidap.documents (doc_id),
    doc_position   bigint NOT NULL,
    chunk_no       integer NOT NULL,
    text           text NOT NULL,
    start_offset   integer NOT NULL,
    end_offset     integer NOT NULL,
    title          text NOT NULL,
    province       text,
    province_key   text COLLATE "C",   -- match_form(province): what filters compare
    published      text COLLATE "C",   -- ISO date; compared as text, like the files backend
    lengths        integer[] NOT NULL, -- BM25 token count per field
    term_ids       integer[] NOT NULL, -- its postings' terms, to remove them without an index
    embedding_key  text NOT NULL,
    embedding      vector NOT NULL     -- typed vector(dimension) by the first load
);
CREATE INDEX chunks_doc_id ON hoidap.chunks (doc_id);
CREATE INDEX chunks_order ON hoidap.chunks (doc_position, chunk_no);
CREATE INDEX chunks_embedding_key ON hoidap.chunks (embedding_key);
CREATE INDEX chunks_province_key ON hoidap.chunks (province_key);
CREATE INDEX chunks_published ON hoidap.chunks (published);

-- field 0: accented tokens, 1: accent-folded tokens.
CREATE TABLE hoidap.field_stats (
    field         smallint PRIMARY KEY,
    num_docs      bigint NOT NULL,
    total_length  bigint NOT NULL,
    raw_mean_idf  double precision NOT NULL,  -- before the epsilon floor: the floor's base
    mean_idf      double precision NOT NULL   -- after it: the IDF of unknown words
);

CREATE TABLE hoidap.terms (
    term_id  integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    field    smallint NOT NULL,
    term     text COLLATE "C" NOT NULL,
    df       integer NOT NULL,
    UNIQUE (field, term)
);

-- The scoring query reads (tf, dl) from the index alone (index-only scans).
CREATE TABLE hoidap.postings (
    term_id  integer NOT NULL,
    chunk    integer NOT NULL,
    tf       smallint NOT NULL,
    dl       integer NOT NULL,
    PRIMARY KEY (term_id, chunk) INCLUDE (tf, dl)
);
"""),
    Migration(2, "feedback on answers", """
-- Thumbs up or down on an answer (POST /api/feedback), with what was asked and answered;
-- nothing about the person. One row per answer: a later feedback on it replaces the row.
CREATE TABLE hoidap.feedback (
    id                 text PRIMARY KEY,
    answer_id          text NOT NULL UNIQUE,
    created            timestamptz NOT NULL,
    rating             text NOT NULL CHECK (rating IN ('up', 'down')),
    comment            text,
    question           text NOT NULL,
    resolved_question  text NOT NULL,
    answer             text NOT NULL,
    abstained          boolean NOT NULL,
    citation_ids       text[] NOT NULL
);
CREATE INDEX feedback_created ON hoidap.feedback (created DESC, id DESC);
"""),
    Migration(3, "ranking facts of the documents", """
-- The ranking facts extracted from each document (index/facts), in text order; the whole
-- fact as JSON, its filter fields as columns. Written and removed with their document;
-- facts_version says which extractor wrote them (a writer extracts them again if not ours).
CREATE TABLE hoidap.facts (
    doc_id      text NOT NULL REFERENCES hoidap.documents (doc_id),
    ordinal     integer NOT NULL,
    subject     text NOT NULL,
    index_name  text NOT NULL,
    year        integer,
    measure     text NOT NULL,
    fact        jsonb NOT NULL,
    PRIMARY KEY (doc_id, ordinal)
);
CREATE INDEX facts_subject ON hoidap.facts (subject, index_name, year);
ALTER TABLE hoidap.index_state ADD COLUMN facts_version text;
"""),
    Migration(4, "ranking facts by index and year", """
-- "Tỉnh nào đứng đầu PCI 2023?" names no subject: the answering stage looks the facts up by
-- index, year and measure (bench/facts_answer.py: 10.7 ms p50 at 23k facts without this).
CREATE INDEX facts_ranking ON hoidap.facts (index_name, year, measure);
"""),
)
LATEST_VERSION = MIGRATIONS[-1].version


def migrate(connection: psycopg.Connection) -> int:
    """Apply the migrations this database lacks (autocommit connection); the version now."""
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        connection.execute(f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.schema_migrations (
            version integer PRIMARY KEY, name text NOT NULL,
            applied timestamptz NOT NULL DEFAULT now())""")
        applied = {row[0] for row in
                   connection.execute(f"SELECT version FROM {SCHEMA}.schema_migrations")}
        _refuse_newer(max(applied, default=0))
        for migration in MIGRATIONS:
            if migration.version in applied:
                continue
            logger.info("applying migration %d: %s", migration.version, migration.name)
            connection.execute(migration.sql)  # type: ignore[arg-type]
            connection.execute(
                f"INSERT INTO {SCHEMA}.schema_migrations (version, name) VALUES (%s, %s)",
                (migration.version, migration.name),
            )
    return LATEST_VERSION


def schema_version(connection: psycopg.Connection) -> int:
    """The applied version (0: never migrated), without changing anything."""
    try:
        row = connection.execute(
            f"SELECT coalesce(max(version), 0) FROM {SCHEMA}.schema_migrations").fetchone()
    except pg_errors.UndefinedTable:
        connection.rollback()
        return 0
    return int(row[0]) if row else 0


def check_schema(connection: psycopg.Connection) -> None:
    """Raise a clear error unless the schema is exactly the one this hoidap reads."""
    version = schema_version(connection)
    if version == 0:
        raise IndexNotFoundError(
            "the database holds no hoidap index; build one with "
            "`hoidap index build --backend postgres --dsn ...`"
        )
    _refuse_newer(version)
    if version < LATEST_VERSION:
        raise IndexMismatchError(
            f"the database schema is at version {version}, this hoidap needs "
            f"{LATEST_VERSION}; run `hoidap index build --backend postgres` (or add/remove) "
            "against the primary to migrate it"
        )


def _refuse_newer(version: int) -> None:
    if version > LATEST_VERSION:
        raise IndexMismatchError(
            f"the database schema is at version {version}, newer than this hoidap "
            f"({LATEST_VERSION}); upgrade hoidap"
        )


def set_dimension(connection: psycopg.Connection, dimension: int) -> None:
    """Type the vector column for the model's dimension and (re)build its HNSW index (cosine).
    Only called on an empty chunks table, inside the load's transaction."""
    connection.execute(f"DROP INDEX IF EXISTS {SCHEMA}.{HNSW_INDEX}")
    connection.execute(
        f"ALTER TABLE {SCHEMA}.chunks ALTER COLUMN embedding TYPE vector({int(dimension)})")
    create_vector_index(connection)


def create_vector_index(connection: psycopg.Connection) -> None:
    connection.execute(
        f"CREATE INDEX {HNSW_INDEX} ON {SCHEMA}.chunks USING hnsw (embedding vector_cosine_ops) "
        f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})")


def drop_postings_key(connection: psycopg.Connection) -> None:
    """Drop the postings' primary key: a first load into an empty table builds it once at
    the end from sorted rows rather than inserting ~400 postings a chunk into it one by one
    (not timed apart from the terms' change of the same commit). Locks the table until the
    transaction commits."""
    connection.execute(f"ALTER TABLE {SCHEMA}.postings DROP CONSTRAINT {POSTINGS_KEY}")


def create_postings_key(connection: psycopg.Connection) -> None:
    # The same key as migration 1's: the scoring query reads (tf, dl) from it alone.
    connection.execute(
        f"ALTER TABLE {SCHEMA}.postings ADD CONSTRAINT {POSTINGS_KEY} "
        "PRIMARY KEY (term_id, chunk) INCLUDE (tf, dl)")
