"""Indexing speed: chunks per second for ~100-word chunks, against the encoder's own limit.

    PYTHONPATH=. .venv/bin/python bench/indexing.py [--chunks 320] [--backends onnx,torch]
        [--json bench/results/indexing.json]

For each encoder backend: the encoder alone on the chunks' texts and on their answer
segments' texts (the limit: a build embeds both), then a whole `CorpusIndex.build` from
documents (chunking, embedding chunks and segments, BM25 on two fields, FAISS), a rebuild
with one document changed, which embeds only that document's chunk and its new segments,
and the index's size on disk with the segment vectors' share of it.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench.common import RESULTS_DIR, folder_mb, write_json
from bench.corpora import bench_documents
from index.chunking import chunk_document
from index.store import SEGMENT_BATCH_SIZE, CorpusIndex, IndexSettings, chunk_segment_texts
from retriever.encoder import load_encoder
from retriever.segments import FILES as SEGMENT_FILES
from service.config import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=320)
    parser.add_argument("--backends", default="onnx,torch")
    parser.add_argument("--json", type=Path, default=RESULTS_DIR / "indexing.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    settings = Settings()
    # Other documents than the retrieval benchmarks', so no vector is cached anywhere.
    documents = bench_documents(args.chunks, seed=7)
    chunks = [c for d in documents for c in chunk_document(d, 200, 330)]
    texts = [c.search_text for c in chunks]
    words = sum(len(t.split()) for t in texts) / len(texts)
    segments = chunk_segment_texts(chunks)
    segment_words = sum(len(t.split()) for t in segments) / len(segments)
    rows = []
    for backend in args.backends.split(","):
        encoder = load_encoder(settings.model, settings.model_cache_dir, settings.threads,
                               backend=backend)
        encoder.encode_passages(texts[:8])
        started = time.perf_counter()
        encoder.encode_passages(texts)
        encoder_s = time.perf_counter() - started
        started = time.perf_counter()
        encoder.encode_passages(segments, batch_size=SEGMENT_BATCH_SIZE)
        segments_s = time.perf_counter() - started
        started = time.perf_counter()
        corpus_index = CorpusIndex.build(documents, encoder, IndexSettings())
        build_s = time.perf_counter() - started
        changed = replace(documents[0], text=documents[0].text + " Thông tin mới.")
        started = time.perf_counter()
        corpus_index.with_documents([changed], encoder)
        update_s = time.perf_counter() - started
        with tempfile.TemporaryDirectory() as folder:
            saved = corpus_index.save(Path(folder))
            index_mb = folder_mb(saved)
            segment_mb = sum((saved / name).stat().st_size for name in SEGMENT_FILES) / 1e6
        row = {"backend": backend, "chunks": len(texts), "mean_words": words,
               "segments": len(segments), "segment_mean_words": segment_words,
               "encoder_chunks_per_s": len(texts) / encoder_s,
               "encoder_segments_per_s": len(segments) / segments_s,
               "segments_over_chunks_encoder_time": segments_s / encoder_s,
               "build_chunks_per_s": len(texts) / build_s,
               "share_of_encoder_limit": (encoder_s + segments_s) / build_s,
               "update_one_doc_s": update_s, "index_mb": index_mb,
               "segment_vectors_mb": segment_mb}
        rows.append(row)
        print(f"{backend:>5}: encoder alone {row['encoder_chunks_per_s']:5.1f} chunks/s and "
              f"{row['encoder_segments_per_s']:5.1f} segments/s (segments take "
              f"{row['segments_over_chunks_encoder_time']:.2f}x the chunks' time), whole build "
              f"{row['build_chunks_per_s']:5.1f} chunks/s ({row['share_of_encoder_limit']:.0%} "
              f"of the encoder's limit), one changed document re-indexed in {update_s:.1f} s "
              f"({len(texts)} chunks of ~{words:.0f} words, {len(segments)} segments of "
              f"~{segment_words:.0f}); on disk {row['index_mb']:.1f} MB, segment vectors "
              f"{row['segment_vectors_mb']:.1f} MB", flush=True)
    write_json(args.json, rows)
    best = max(rows, key=lambda r: r["build_chunks_per_s"])
    print(f"summary: indexing {best['build_chunks_per_s']:.1f} chunks/s with {best['backend']} "
          f"({best['share_of_encoder_limit']:.0%} of the encoder's limit)")


if __name__ == "__main__":
    main()
