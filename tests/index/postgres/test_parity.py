"""The postgres backend ranks like the files backend: equal BM25 scores, equal hybrid top-k,
equal filters, on the sample corpus and on an external corpus."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from eval.dataset import load_questions
from index.ingest import read_corpus
from index.postgres.local import LocalPostgres
from index.postgres.reader import PostgresIndex
from index.store import CorpusIndex
from retriever.encoder import Encoder
from retriever.search import Searcher
from retriever.text.normalize import fold_diacritics
from retriever.types import Document, SearchFilter
from service.answering import QAPipeline
from tests.conftest import SHARED
from tests.index.postgres.conftest import MemoEncoder, load, new_database

QUESTIONS = Path(__file__).resolve().parents[3] / "eval" / "data" / "sample_questions.jsonl"
EXTERNAL = SHARED / "external" / "uit-regulations"
BM25_QUERIES = [
    "Bình Phước xếp hạng chuyển đổi số thứ mấy?",
    "binh phuoc xep hang chuyen doi so",  # the accent-folded field
    "tỷ lệ hồ sơ trực tuyến bao nhiêu phần trăm",  # question expansion adds terms
    "CĐS ở Bến Tre",  # abbreviation expansion
    "chuyển đổi số chuyển đổi số tỉnh",  # repeated terms count again
    "của và các những",  # common words: idf below zero, floored
    "xyzzy không có trong kho",
]


def bm25_scores(searcher: Searcher, query: str) -> dict[str, float]:
    """Every chunk with a positive BM25 score (the files backend's retriever, unrestricted)."""
    return {h.chunk_id: h.score for h in searcher.retrievers["bm25"].search(query, 10_000)}


def assert_same_ranking(files: list[str], postgres: list[str], scores: list[float],
                        rel: float = 1e-9) -> None:
    """Equal lists, except that chunks with tied scores may come in another order (dense
    scores: FAISS and pgvector round float32 products differently, about 1e-7)."""
    assert len(files) == len(postgres)
    for position, (a, b) in enumerate(zip(files, postgres, strict=True)):
        if a != b:
            tied = [i for i, s in enumerate(scores) if s == pytest.approx(scores[position],
                                                                         rel=rel)]
            assert {files[i] for i in tied} == {postgres[i] for i in tied}, (position, a, b)


@pytest.mark.slow
def test_bm25_scores_equal_the_files_backend(sample_searcher: Searcher,
                                             sample_postgres: PostgresIndex,
                                             encoder: Encoder) -> None:
    searcher = sample_postgres.searcher(encoder)
    for query in BM25_QUERIES:
        expected = bm25_scores(sample_searcher, query)
        found = bm25_scores(searcher, query)
        assert found.keys() == expected.keys(), query
        for chunk_id, score in expected.items():
            assert found[chunk_id] == pytest.approx(score, rel=1e-9, abs=1e-12), query
    assert any(len(bm25_scores(sample_searcher, q)) > 10 for q in BM25_QUERIES)


@pytest.mark.slow
def test_document_pages_equal_the_files_backend(sample_index: CorpusIndex,
                                                sample_postgres: PostgresIndex) -> None:
    pages = [sample_postgres.document_page(offset, 2) for offset in (0, 2, 4, 6)]
    assert pages == [sample_index.document_page(offset, 2) for offset in (0, 2, 4, 6)]
    assert [len(page.documents) for page in pages] == [2, 2, 1, 0]
    assert {page.total for page in pages} == {5}
    assert sum(info.chunks for page in pages for info in page.documents) == 65


@pytest.mark.slow
def test_document_pages_sort_ids_by_code_point(postgres: LocalPostgres,
                                               sample_documents: list[Document],
                                               sample_index: CorpusIndex,
                                               encoder: Encoder) -> None:
    # Neither insertion order nor case-blind order: the files backend's. (The query names
    # the C collation for databases collated otherwise, e.g. en_US, which would put "ab"
    # before "a-b"; the test server is C-collated and has no other locale to try.)
    ids = ["ab", "a-b", "B", "b", "Á"]
    renamed = [replace(d, doc_id=i) for d, i in zip(sample_documents, ids, strict=True)]
    index = load(new_database(postgres), renamed, sample_index, encoder)
    try:
        listed = [info.doc_id for info in index.document_page(0, 10).documents]
    finally:
        index.close()
    assert listed == sorted(ids) == ["B", "a-b", "ab", "b", "Á"]


@pytest.mark.slow
def test_hybrid_top_k_equals_the_files_backend(sample_index: CorpusIndex,
                                               sample_postgres: PostgresIndex,
                                               memo_encoder: MemoEncoder) -> None:
    sample_searcher = sample_index.searcher(memo_encoder)
    searcher = sample_postgres.searcher(memo_encoder)
    questions = [q.question for q in load_questions(QUESTIONS)]
    # Accent-free questions go through accent restoration (from the database's terms).
    questions += [fold_diacritics(q) for q in questions[:20]]
    chunks = {c.chunk_id: c for c in sample_searcher.chunks}
    for question in questions:
        for retriever, rel in (("hybrid", 1e-9), ("dense", 1e-5)):
            expected = sample_searcher.search(question, 5, retriever=retriever)
            found = searcher.search(question, 5, retriever=retriever)
            assert_same_ranking([p.chunk_id for p in expected], [p.chunk_id for p in found],
                                [p.score for p in expected], rel)
            assert all(p.chunk == chunks[p.chunk_id] for p in found)


@pytest.mark.slow
def test_filters_equal_the_files_backend(sample_index: CorpusIndex,
                                         sample_postgres: PostgresIndex,
                                         memo_encoder: MemoEncoder) -> None:
    sample_searcher = sample_index.searcher(memo_encoder)
    searcher = sample_postgres.searcher(memo_encoder)
    filters = [SearchFilter(province="binh phuoc"), SearchFilter(province="Bến Tre"),
               SearchFilter(published_from="2023-01-01"),
               SearchFilter(province="Vĩnh Long", published_to="2022-12-31"),
               SearchFilter(province="Hà Nội")]
    seen = 0
    for search_filter in filters:
        for retriever in ("bm25", "dense", "hybrid"):
            query = "chuyển đổi số dịch vụ công trực tuyến"
            expected = sample_searcher.search(query, 10, search_filter, retriever)
            found = searcher.search(query, 10, search_filter, retriever)
            assert_same_ranking([p.chunk_id for p in expected], [p.chunk_id for p in found],
                                [p.score for p in expected], 1e-5 if retriever == "dense" else 1e-9)
            seen += len(found)
    assert seen > 0


@pytest.mark.slow
def test_answers_equal_the_files_backend(sample_index: CorpusIndex,
                                         sample_postgres: PostgresIndex,
                                         memo_encoder: MemoEncoder) -> None:
    stored = sample_index.searcher(memo_encoder)
    # Postgres embeds the answer segments while answering (float32) where the files index
    # stores them (float16): compared with the same on-the-fly vectors, scores are equal.
    files = QAPipeline(Searcher(stored.chunks, stored.retrievers, segment_vectors=None,
                                facts=stored.facts, passage_order=stored.passage_order))
    files_stored = QAPipeline(stored)
    postgres = QAPipeline(sample_postgres.searcher(memo_encoder))
    assert postgres.provinces == files.provinces
    for question in load_questions(QUESTIONS)[:15]:
        expected, found = files.answer(question.question), postgres.answer(question.question)
        assert (found.text, found.abstained) == (expected.text, expected.abstained), question.id
        assert found.confidence == pytest.approx(expected.confidence, rel=1e-9)
        assert [c.chunk_id for c in found.citations] == [c.chunk_id for c in expected.citations]
        with_stored = files_stored.answer(question.question)
        assert (with_stored.text, with_stored.abstained) == (found.text, found.abstained)
        assert with_stored.confidence == pytest.approx(found.confidence, abs=1e-3)


@pytest.fixture(scope="module")
def external(postgres: LocalPostgres, encoder: Encoder,
             memo_encoder: MemoEncoder) -> Iterator[tuple[Searcher, Searcher, list[str]]]:
    corpus = EXTERNAL / "corpus.jsonl"
    if not corpus.is_file():
        pytest.skip(f"external corpus {corpus} is absent (shared/ is not beside the checkout)")
    documents = read_corpus(corpus).documents
    files = CorpusIndex.build(documents, encoder)
    index = load(new_database(postgres), documents, files, encoder)
    questions = [q.question for q in load_questions(EXTERNAL / "dev.jsonl")][::12]
    yield files.searcher(memo_encoder), index.searcher(memo_encoder), questions
    index.close()


@pytest.mark.slow
def test_external_corpus_bm25_scores_are_equal(
        external: tuple[Searcher, Searcher, list[str]]) -> None:
    files, postgres, questions = external
    for question in questions:
        expected, found = bm25_scores(files, question), bm25_scores(postgres, question)
        assert found.keys() == expected.keys(), question
        for chunk_id, score in expected.items():
            assert found[chunk_id] == pytest.approx(score, rel=1e-9, abs=1e-12), question


@pytest.mark.slow
def test_external_corpus_hybrid_top_k_is_equal(
        external: tuple[Searcher, Searcher, list[str]]) -> None:
    files, postgres, questions = external
    assert len(questions) >= 50
    for question in questions:
        expected, found = files.search(question, 5), postgres.search(question, 5)
        assert_same_ranking([p.chunk_id for p in expected], [p.chunk_id for p in found],
                            [p.score for p in expected])
