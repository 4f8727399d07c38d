"""Loads are transactions: incremental add/remove, a killed load, readers during a load."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import psycopg
import pytest

from index.facts import FactQuery, Measure
from index.postgres.reader import PostgresIndex
from index.postgres.schema import HNSW_INDEX, POSTINGS_KEY, migrate
from index.postgres.writer import PostgresWriter, build_memory_mb
from index.store import CorpusIndex, IndexSettings
from retriever.encoder import Encoder
from retriever.errors import DocumentNotFoundError, IndexMismatchError
from retriever.types import Document
from service.answering import QAPipeline
from tests.conftest import CountingEncoder
from tests.index.postgres.conftest import PrecomputedEncoder

ROOT = Path(__file__).resolve().parents[3]
QUERIES = ["chuyển đổi số", "dịch vụ công trực tuyến", "tinh co bao nhieu to cong nghe so"]
SMALL_CHUNKS = IndexSettings(chunk_target_words=20, chunk_max_words=30)


def bm25(searcher_of: CorpusIndex | PostgresIndex, encoder: Encoder,
         query: str) -> dict[str, float]:
    searcher = searcher_of.searcher(encoder)
    return {h.chunk_id: h.score for h in searcher.retrievers["bm25"].search(query, 1000)}


def assert_bm25_equal(files: CorpusIndex, postgres: PostgresIndex, encoder: Encoder) -> None:
    for query in QUERIES:
        expected, found = bm25(files, encoder, query), bm25(postgres, encoder, query)
        assert found.keys() == expected.keys(), query
        assert all(found[c] == pytest.approx(s, rel=1e-9) for c, s in expected.items()), query


def table_counts(dsn: str) -> dict[str, int]:
    with psycopg.connect(dsn) as connection:
        return {table: connection.execute(f"SELECT count(*) FROM hoidap.{table}").fetchone()[0]
                for table in ("documents", "chunks", "terms", "postings")}


@pytest.mark.slow
def test_add_and_remove_keep_bm25_equal_to_a_rebuild(
        dsn: str, tiny_documents: list[Document], counting_encoder: CountingEncoder) -> None:
    writer = PostgresWriter(dsn, counting_encoder)
    first = writer.build(tiny_documents[:2])
    assert (first.documents, first.written, first.embedded) == (2, 2, 2)
    added = writer.add(tiny_documents[2:])
    assert (added.documents, added.written, added.removed) == (3, 1, 0)
    index = PostgresIndex.open(dsn, IndexSettings(), counting_encoder.model_id)
    files = CorpusIndex.build(tiny_documents, counting_encoder)
    assert_bm25_equal(files, index, counting_encoder)

    removed = writer.remove(["ca-mau"])
    assert (removed.documents, removed.removed) == (2, 1)
    assert_bm25_equal(files.without_documents(["ca-mau"]), index, counting_encoder)
    assert "ca-mau" not in index.documents and len(index.chunks) == 2
    # Terms only the removed document had are gone: the vocabulary equals a rebuild's.
    assert table_counts(dsn)["terms"] == len(files.without_documents(["ca-mau"]).bm25.vocabulary) \
        + len(files.without_documents(["ca-mau"]).bm25_folded.vocabulary)

    encoded = counting_encoder.passages_encoded
    again = writer.add(tiny_documents[:1])
    assert (again.written, again.embedded) == (0, 0)
    assert counting_encoder.passages_encoded == encoded
    index.close()


def index_definitions(dsn: str) -> dict[str, str]:
    with psycopg.connect(dsn) as connection:
        return dict(connection.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'hoidap' "
            "AND tablename IN ('postings', 'chunks')").fetchall())


@pytest.mark.slow
def test_a_first_load_rebuilds_the_keys_it_dropped_as_the_migrations_define_them(
        dsn: str, tiny_documents: list[Document], counting_encoder: CountingEncoder) -> None:
    writer = PostgresWriter(dsn, counting_encoder)
    with psycopg.connect(dsn, autocommit=True) as connection:
        migrate(connection)
    before = index_definitions(dsn)
    writer.build(tiny_documents[:2])  # into empty tables: the bulk path
    after = index_definitions(dsn)
    # The vector index comes with the first load (its column's dimension is the model's).
    assert "USING hnsw" in after.pop(HNSW_INDEX)
    assert after == before and "INCLUDE (tf, dl)" in after[POSTINGS_KEY]
    writer.add(tiny_documents[2:])  # the incremental path: the key is there and used
    with psycopg.connect(dsn) as connection, pytest.raises(psycopg.errors.UniqueViolation):
        connection.execute("INSERT INTO hoidap.postings SELECT * FROM hoidap.postings LIMIT 1")


def test_the_build_memory_grows_with_the_chunks_within_its_bounds() -> None:
    assert build_memory_mb(0) == 1024
    assert build_memory_mb(1_000_000) == 1_000_000 * 2048 // 2**20
    assert build_memory_mb(10_000_000) == 4096


@pytest.mark.slow
def test_a_changed_document_keeps_its_place_and_its_unchanged_vectors(
        dsn: str, counting_encoder: CountingEncoder) -> None:
    paragraphs = [" ".join(f"Đoạn {n} nói về chuyển đổi số của tỉnh, câu {i}." for i in range(4))
                  for n in range(3)]
    first = Document("dai", "Bài dài", "\n".join(paragraphs), province="An Giang")
    other = Document("ngan", "Bài ngắn", "Một đoạn ngắn về kinh tế số. " * 6, province="Cà Mau")
    writer = PostgresWriter(dsn, counting_encoder, SMALL_CHUNKS)
    writer.build([first, other])
    changed = replace(first, text="\n".join([*paragraphs[:2], "Đoạn mới hoàn toàn khác. " * 6]))
    result = writer.add([changed])
    assert (result.written, result.embedded) == (1, 1)
    index = PostgresIndex.open(dsn, SMALL_CHUNKS, counting_encoder.model_id)
    assert list(index.documents) == ["dai", "ngan"]
    files = CorpusIndex.build([first, other], counting_encoder, SMALL_CHUNKS).with_documents(
        [changed], counting_encoder)
    assert [c for c in index.chunks] == files.chunks
    assert_bm25_equal(files, index, counting_encoder)
    index.close()


@pytest.mark.slow
def test_refused_changes_change_nothing(dsn: str, tiny_documents: list[Document],
                                        counting_encoder: CountingEncoder) -> None:
    writer = PostgresWriter(dsn, counting_encoder)
    writer.build(tiny_documents)
    before = table_counts(dsn)
    with pytest.raises(DocumentNotFoundError, match="nope"):
        writer.remove(["an-giang", "nope"])
    other = PostgresWriter(dsn, counting_encoder, IndexSettings(folded_field=False))
    with pytest.raises(IndexMismatchError, match="folded_field"):
        other.add(tiny_documents[:1])
    with pytest.raises(IndexMismatchError, match="folded_field"):
        PostgresIndex.open(dsn, IndexSettings(folded_field=False), counting_encoder.model_id)
    assert table_counts(dsn) == before
    # A build with other settings replaces the index whole.
    rebuilt = other.build(tiny_documents[:2])
    assert rebuilt.documents == 2
    assert PostgresIndex.open(dsn, IndexSettings(folded_field=False)).settings.folded_field is False


def copies(documents: list[Document], folder: Path) -> Path:
    """The documents again under new ids: a load of real text that takes a while."""
    path = folder / "copies.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for document in documents:
            out.write(json.dumps({**asdict(document), "doc_id": f"copy-{document.doc_id}"},
                                 ensure_ascii=False) + "\n")
    return path


def start(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "tests.index.postgres.processes", *args],
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_until_loader_wrote(dsn: str, loader: subprocess.Popen[bytes],
                            timeout_s: float = 240) -> float:
    """When the loader's transaction has written its first batch (it has an xid)."""
    deadline = time.monotonic() + timeout_s
    with psycopg.connect(dsn, autocommit=True) as connection:
        while time.monotonic() < deadline:
            if connection.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE application_name = 'hoidap-load' "
                    "AND backend_xid IS NOT NULL").fetchone():
                return time.time()
            assert loader.poll() is None, loader.stderr.read().decode() if loader.stderr else ""
            time.sleep(0.02)
    raise AssertionError("the loader never started writing")


@pytest.fixture
def loaded(dsn: str, sample_documents: list[Document], sample_index: CorpusIndex,
           encoder: Encoder) -> str:
    """The sample corpus in the database (its vectors reused: nothing embedded here)."""
    PostgresWriter(dsn, PrecomputedEncoder(encoder, sample_index)).build(sample_documents)
    return dsn


@pytest.mark.slow
def test_a_killed_load_leaves_the_previous_index_intact(
        loaded: str, sample_documents: list[Document], sample_index: CorpusIndex,
        encoder: Encoder, tmp_path: Path) -> None:
    before = table_counts(loaded)
    loader = start("load", loaded, str(copies(sample_documents[:4], tmp_path)))
    wait_until_loader_wrote(loaded, loader)
    loader.send_signal(signal.SIGKILL)
    assert loader.wait(timeout=30) == -signal.SIGKILL
    with psycopg.connect(loaded, autocommit=True) as connection:
        deadline = time.monotonic() + 30
        while connection.execute("SELECT 1 FROM pg_stat_activity "
                                 "WHERE application_name = 'hoidap-load'").fetchone():
            assert time.monotonic() < deadline, "the killed load's session never ended"
            time.sleep(0.1)
    assert table_counts(loaded) == before
    index = PostgresIndex.open(loaded, sample_index.settings, encoder.model_id)
    assert_bm25_equal(sample_index, index, encoder)
    index.close()
    # Its lock went with it: the next load goes through.
    writer = PostgresWriter(loaded, PrecomputedEncoder(encoder, sample_index))
    assert writer.remove([sample_documents[0].doc_id]).documents == len(sample_documents) - 1


@pytest.mark.slow
def test_readers_see_the_old_index_during_a_load_and_the_new_one_after(
        loaded: str, sample_documents: list[Document], tmp_path: Path) -> None:
    count = len(sample_documents)
    logs = [tmp_path / "reader1.jsonl", tmp_path / "reader2.jsonl"]
    readers = [start("read", loaded, "300", str(log)) for log in logs]
    loader = start("load", loaded, str(copies(sample_documents, tmp_path)))
    written = wait_until_loader_wrote(loaded, loader)
    assert loader.wait(timeout=300) == 0, loader.stderr.read().decode() if loader.stderr else ""
    exited = time.time()
    time.sleep(3)
    for reader in readers:
        reader.send_signal(signal.SIGTERM)
        reader.wait(timeout=30)
    for log in logs:
        records = [json.loads(line) for line in log.read_text().splitlines()]
        assert not [r["error"] for r in records if "error" in r]
        # Each search sees the index before the load or after it, never part of it, and
        # once a reader has seen the new index it never sees the old one again.
        states = [(r["documents"], r["copies"] > 0) for r in records]
        assert set(states) <= {(count, False), (2 * count, True)}
        first_new = states.index((2 * count, True))
        assert (count, False) not in states[first_new:]
        during = [r for r in records[:first_new] if r["t"] > written]
        assert during, "the reader did not search while the load was writing"
        assert any(r["t"] > exited for r in records[first_new:])


@pytest.mark.slow
def test_cached_answers_expire_when_another_process_loads(
        dsn: str, tiny_documents: list[Document], counting_encoder: CountingEncoder) -> None:
    writer = PostgresWriter(dsn, counting_encoder)
    writer.build(tiny_documents[:2])
    index = PostgresIndex.open(dsn)
    pipeline = QAPipeline(index.searcher(counting_encoder))
    question = "Trung tâm điều hành thông minh IOC của Hòa Bình hoạt động từ năm nào?"
    assert pipeline.answer(question).abstained
    assert pipeline.answer(question).timings_ms.get("cached") == 1.0
    writer.add(tiny_documents[2:])
    answer = pipeline.answer(question)
    assert not answer.abstained and "2022" in answer.text
    index.close()


@pytest.mark.slow
def test_rebuild_rechunks_what_the_database_holds_reusing_its_vectors(
        dsn: str, tiny_documents: list[Document], counting_encoder: CountingEncoder) -> None:
    PostgresWriter(dsn, counting_encoder).build(tiny_documents)
    counting_encoder.passages_encoded = 0
    unchanged = PostgresWriter(dsn, counting_encoder).rebuild()
    assert (unchanged.written, unchanged.embedded) == (0, 0)  # same settings: nothing to do
    small = PostgresWriter(dsn, counting_encoder, SMALL_CHUNKS).rebuild()
    assert small.documents == 3 and small.written == 3
    # Each tiny document is one chunk either way: the same text, so its stored vector.
    assert small.embedded == 0 and counting_encoder.passages_encoded == 0
    index = PostgresIndex.open(dsn, SMALL_CHUNKS, counting_encoder.model_id)
    files = CorpusIndex.build(tiny_documents, counting_encoder, SMALL_CHUNKS)
    assert [c for c in index.chunks] == files.chunks
    assert_bm25_equal(files, index, counting_encoder)
    index.close()


@pytest.mark.slow
def test_rebuild_of_an_empty_database_loads_the_fallback(
        dsn: str, tiny_documents: list[Document], counting_encoder: CountingEncoder) -> None:
    loaded = PostgresWriter(dsn, counting_encoder).rebuild(if_none=lambda: tiny_documents[:2])
    assert loaded.documents == 2
    again = PostgresWriter(dsn, counting_encoder).rebuild(if_none=lambda: tiny_documents)
    assert again.documents == 2  # it holds documents now: the fallback is not read


@pytest.mark.slow
def test_the_api_form_of_a_change_is_refused_while_the_lock_is_held(
        dsn: str, tiny_documents: list[Document], counting_encoder: CountingEncoder) -> None:
    from index.postgres.schema import WRITE_LOCK
    from retriever.errors import IndexBusyError, InvalidInputError

    writer = PostgresWriter(dsn, counting_encoder)
    first = writer.build(tiny_documents[:2])
    assert first.added == ("an-giang", "ca-mau") and first.replaced == ()
    with psycopg.connect(dsn, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (WRITE_LOCK,))
        with pytest.raises(IndexBusyError):
            writer.add(tiny_documents[2:], wait=False)
        holder.execute("SELECT pg_advisory_unlock(%s)", (WRITE_LOCK,))
    added = writer.add(tiny_documents[1:], wait=False)
    assert added.added == ("hoa-binh",) and added.replaced == ("ca-mau",)
    writer.remove(["an-giang", "ca-mau"], keep_one=True)
    before = table_counts(dsn)
    with pytest.raises(InvalidInputError, match="last document"):
        writer.remove(["hoa-binh"], keep_one=True)
    assert table_counts(dsn) == before


RANKED = [Document("ranked-a", "DTI 2023", "Theo DTI 2023, Phú Yên xếp thứ 30/63, tăng 7 bậc."),
          Document("ranked-b", "PCI 2022", "Năm 2022, Long An xếp thứ 16 về PCI.")]


def test_facts_are_written_and_removed_with_their_documents(
        dsn: str, tiny_documents: list[Document], counting_encoder: CountingEncoder) -> None:
    writer = PostgresWriter(dsn, counting_encoder)
    writer.build([*tiny_documents, RANKED[0]])
    index = PostgresIndex.open(dsn, IndexSettings(), counting_encoder.model_id)
    files = CorpusIndex.build([*tiny_documents, RANKED[0]], counting_encoder)
    assert index.facts() == files.facts and any(f.doc_id == "ranked-a" for f in files.facts)
    for query in (FactQuery(), FactQuery(subject="phu yen"), FactQuery(year=2023, limit=1),
                  FactQuery(measure=Measure.RANK_CHANGE), FactQuery(offset=1)):
        assert index.fact_page(query) == files.fact_page(query), query
    # The passage each fact is cited by: the same chunk on both backends, asked at once.
    cited = index.fact_chunks(files.facts)
    assert cited == files.fact_chunks(files.facts) and all(cited)
    assert all(c is not None and c.doc_id == f.doc_id and c.start <= f.start < c.end
               for c, f in zip(cited, files.facts, strict=True))
    assert index.fact_chunks([]) == []
    assert index.fact_subjects() == files.fact_subjects() and files.fact_subjects()
    # Each passage's facts, as its document states them: the same on both backends.
    assert index.facts_in(files.chunks) == files.facts_in(files.chunks)
    assert sum(map(len, files.facts_in(files.chunks))) == len(files.facts)
    assert index.facts_in([]) == []
    writer.add([RANKED[1]])
    assert [f.subject for f in index.facts() if f.doc_id == "ranked-b"] == ["Long An"]
    writer.add([Document("ranked-a", "DTI 2023", "Theo DTI 2023, Phú Yên xếp thứ 29/63.")])
    assert [f.value for f in index.facts() if f.doc_id == "ranked-a"] == [29.0]
    writer.remove(["ranked-a", "ranked-b"])
    assert not any(f.doc_id.startswith("ranked") for f in index.facts())
    index.close()


def test_facts_of_another_version_are_extracted_again_by_the_next_write(
        dsn: str, tiny_documents: list[Document], counting_encoder: CountingEncoder) -> None:
    writer = PostgresWriter(dsn, counting_encoder)
    writer.build([*tiny_documents, RANKED[0]])
    with psycopg.connect(dsn, autocommit=True) as connection:  # as a database from before
        connection.execute("DELETE FROM hoidap.facts")
        connection.execute("UPDATE hoidap.index_state SET facts_version = NULL")
    index = PostgresIndex.open(dsn, IndexSettings(), counting_encoder.model_id)
    with pytest.raises(IndexMismatchError, match="reindex"):
        index.facts()
    writer.add([RANKED[1]])
    assert {f.doc_id for f in index.facts()} >= {"ranked-a", "ranked-b"}
    index.close()
