"""The benchmark scripts' building blocks: deterministic corpora, cached vectors, and the
parity of our BM25 with rank_bm25 and bm25s that bench/bm25_peers.py reports."""

from pathlib import Path

import numpy as np

from bench.bm25_peers import run_size
from bench.common import latency_summary, questions
from bench.corpora import bench_documents, bench_index, size_of
from bench.postgres_scale import HashedVectors
from index.chunking import chunk_document
from retriever.encoder import Encoder


def test_corpora_are_prefix_stable_paragraphs_of_real_text() -> None:
    small, large = bench_documents(20), bench_documents(60)
    assert large[:20] == small
    assert len({d.doc_id for d in large}) == 60
    for doc in large:
        assert 80 <= len(doc.text.split()) <= 260
        assert len(chunk_document(doc, 200, 330)) == 1
    assert bench_documents(20, seed=1) != small
    assert size_of("10k") == 10_000 and size_of("250") == 250


def test_bench_index_embeds_a_prefix_and_reuses_vectors(tmp_path: Path, encoder: Encoder) -> None:
    built = bench_index(24, encoder, cache_root=tmp_path, embed_limit=8)
    assert (built.embedded, built.reused) == (8, 16)
    vectors = built.corpus_index.embeddings
    assert vectors.shape == (24, encoder.dimension)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # Chunk 8 reuses chunk 0's vector, with a little noise.
    assert 0.9 < float(vectors[8] @ vectors[0]) < 1.0
    again = bench_index(24, encoder, cache_root=tmp_path, embed_limit=8)
    assert again.embed_seconds == 0.0
    assert np.array_equal(again.corpus_index.embeddings, vectors)


def test_our_bm25_ranks_like_rank_bm25_and_bm25s() -> None:
    row = run_size("300", 300, questions(60), rank_bm25_queries=30)
    assert row["chunks"] == 300
    assert row["same_top10_rank_bm25"] == 1.0
    assert row["same_top10_bm25s"] == 1.0
    assert row["max_score_diff_rank_bm25"] < 1e-9


def test_latency_summary() -> None:
    stats = latency_summary([float(x) for x in range(1, 101)])
    assert stats["n"] == 100 and stats["p50_ms"] == 50.5 and 95 <= stats["p95_ms"] <= 96
    assert latency_summary([])["n"] == 0


def test_hashed_vectors_give_each_text_a_fixed_near_copy_of_a_real_vector(
        encoder: Encoder) -> None:
    base = encoder.encode_passages(["Đà Nẵng dẫn đầu DTI 2023.", "Hà Nội xếp thứ 6."])
    hashed = HashedVectors(encoder, base)
    texts = [d.text for d in bench_documents(12)]
    vectors = hashed.encode_passages(texts)
    assert vectors.shape == (12, encoder.dimension)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(hashed.encode_passages(texts[3:5]), vectors[3:5])
    # Each is a noisy copy of one real vector, and distinct texts get distinct vectors.
    assert (np.max(vectors @ base.T, axis=1) > 0.9).all()
    assert len({v.tobytes() for v in vectors}) == 12
    assert np.array_equal(hashed.encode_queries(["DTI"]), encoder.encode_queries(["DTI"]))
