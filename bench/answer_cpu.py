"""What one new question costs in-process: wall and CPU time per answer, and the encoder's
share of it, single-threaded (no HTTP, no concurrency).

    PYTHONPATH=. .venv/bin/python bench/answer_cpu.py [--size sample|1k|10k|100k]
        [--questions 200] [--repeat 3] [--reader auto|rules|neural]
        [--json bench/results/answer_cpu.json]

CPU time is the whole process's (`time.process_time`: every thread, ONNX Runtime's included),
so an encoder whose threads spin shows up here even when wall time looks fine; on a shared
machine CPU time varies less than wall time. Each repeat asks the same questions with the
answer cache off and fresh query caches (so every question is embedded again), after one
warm-up pass; the first pass of a size also shows the cost of passages seen for the first
time (segment vectors not stored in the index must then be embedded).
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np

from bench.common import RESULTS_DIR, latency_summary, questions, write_json
from bench.service_load import index_for
from index.store import CorpusIndex
from retriever.encoder import Encoder
from retriever.lru import LRUCache
from retriever.retrievers import QUERY_CACHE_SIZE, DenseRetriever
from service import engine
from service.answering.readers.base import DEFAULT_READER, ReaderKind
from service.config import Settings


class EncoderMeter:
    """Counts the encoder's calls and texts, and its wall time, while passing them through."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.model_id, self.dimension = inner.model_id, inner.dimension
        self.queries = self.passages = 0
        self.seconds = 0.0

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        started = time.perf_counter()
        try:
            return self.inner.encode_queries(texts)
        finally:
            self.queries += len(texts)
            self.seconds += time.perf_counter() - started

    def encode_passages(self, texts: list[str], batch_size: int = 4,
                        show_progress: bool = False) -> np.ndarray:
        started = time.perf_counter()
        try:
            return self.inner.encode_passages(texts, batch_size, show_progress)
        finally:
            self.passages += len(texts)
            self.seconds += time.perf_counter() - started

    def reset(self) -> None:
        self.queries = self.passages = 0
        self.seconds = 0.0


def run(size: str, n_questions: int, repeat: int, threads: int | None,
        reader: ReaderKind = DEFAULT_READER) -> dict[str, object]:
    settings = Settings(answer_cache_size=0, threads=threads, reader=reader)
    index_dir: Path = index_for(size, settings.encoder_backend)
    encoder = EncoderMeter(engine.encoder_for(settings))
    corpus_index = CorpusIndex.load(index_dir, model_id=encoder.model_id)
    searcher = engine.make_searcher(settings, corpus_index, encoder)  # type: ignore[arg-type]
    pipeline = engine.make_pipeline(settings, searcher)
    dense = searcher.retrievers["dense"]
    assert isinstance(dense, DenseRetriever)
    texts = questions(n_questions)
    passes = []
    for attempt in range(repeat + 1):
        dense._query_vectors = LRUCache(QUERY_CACHE_SIZE)  # every question embedded again
        encoder.reset()
        wall, cpu, retrieval, answering = [], [], [], []
        for text in texts:
            started, started_cpu = time.perf_counter(), time.process_time()
            answer = pipeline.answer(text)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            retrieval.append(answer.timings_ms["retrieval"])
            answering.append(answer.timings_ms["answer"])
        row = {"pass": attempt, "wall": latency_summary(wall), "cpu": latency_summary(cpu),
               # wall means: retrieval includes the query's embedding, answer the extraction
               "retrieval_ms": float(np.mean(retrieval)), "answer_ms": float(np.mean(answering)),
               "encoder_ms_per_question": encoder.seconds * 1000 / len(texts),
               "queries_embedded_per_question": encoder.queries / len(texts),
               "passages_embedded_per_question": encoder.passages / len(texts)}
        passes.append(row)
        cold = " (cold)" if attempt == 0 else "       "
        print(f"{size:>7} {reader.value:>6} pass {attempt}{cold}: wall p50 "
              f"{row['wall']['p50_ms']:6.1f} mean {row['wall']['mean_ms']:6.1f} ms (retrieval "
              f"{row['retrieval_ms']:5.1f}, answer {row['answer_ms']:5.1f}), CPU mean "
              f"{row['cpu']['mean_ms']:6.1f} ms, encoder {row['encoder_ms_per_question']:5.1f} "
              f"ms, {row['queries_embedded_per_question']:.2f} queries and "
              f"{row['passages_embedded_per_question']:.2f} passages embedded per question",
              flush=True)
    return {"size": size, "reader": reader.value, "questions": len(texts), "threads": threads,
            "passes": passes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="sample")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=Settings().threads)
    parser.add_argument("--reader", default=DEFAULT_READER.value,
                        help="comma-separated: auto, rules, neural")
    parser.add_argument("--json", type=Path, default=RESULTS_DIR / "answer_cpu.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    rows = [run(size, args.questions, args.repeat, args.threads, ReaderKind(reader))
            for size in args.size.split(",") for reader in args.reader.split(",")]
    write_json(args.json, rows)
    for row in rows:
        warm = row["passes"][1:]  # type: ignore[index]
        cpu = min(p["cpu"]["mean_ms"] for p in warm)
        wall = min(p["wall"]["p50_ms"] for p in warm)
        p95 = min(p["wall"]["p95_ms"] for p in warm)
        print(f"summary: {row['size']} reader={row['reader']}: {cpu:.1f} ms CPU per question "
              f"(best warm pass), wall p50 {wall:.1f} ms, p95 {p95:.1f} ms, "
              f"{row['threads']} thread(s)")


if __name__ == "__main__":
    main()
