"""What the facts stage costs a question, on both backends, as the facts grow.

    .venv/bin/python -m bench.facts_answer [--copies 1 5] [--dsn DSN] [--json OUT]

Synthetic ranking news (no model: vectors do not matter to the stage): for each of six
indices and ten years, one table article of all 63 provinces, and one short article per
province stating its rank; `--copies K` repeats the short articles K times (the same facts
in many articles, as real news repeats them). Timed: the stage's decision and the lookup of
the passages it cites (`FactAnswerer.decide` + `fact_chunks`) for six kinds of question
(a subject's rank in a year, a year not covered, first place, last place, the top 10, a
change between two years), on the files index and on PostgreSQL (a local server unless
`--dsn`).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import tempfile
import time
from pathlib import Path

from bench.common import RandomEncoder, latency_summary
from index.facts.constraints import question_constraints
from index.postgres.local import LocalPostgres
from index.postgres.reader import PostgresIndex
from index.postgres.writer import PostgresWriter
from index.store import CorpusIndex, IndexSettings
from retriever.text.gazetteer import all_provinces
from retriever.types import Document
from service.answering.facts import FactAnswerer

logger = logging.getLogger("bench.facts_answer")

INDICES = ["DTI", "PCI", "PAPI", "PAR INDEX", "SIPAS", "ICT Index"]
YEARS = list(range(2015, 2025))
REPEATS = 20  # timings per question kind


def documents(copies: int, seed: int = 0) -> list[Document]:
    rng = random.Random(seed)
    provinces = all_provinces()[:63]
    docs = []
    for index in INDICES:
        for year in YEARS:
            order = provinces[:]
            rng.shuffle(order)
            rows = "\n".join(f"{n} {p}" for n, p in enumerate(order, start=1))
            docs.append(Document(f"table-{index}-{year}".replace(" ", "_"),
                                 f"Bảng xếp hạng {index} năm {year}",
                                 f"XẾP HẠNG {index} {year}\n{rows}", None, f"{year + 1}-05-01"))
            for copy in range(copies):
                for n, province in enumerate(order, start=1):
                    docs.append(Document(
                        f"{index}-{year}-{n}-{copy}".replace(" ", "_"), f"{province} và {index}",
                        f"Năm {year}, chỉ số {index} của {province} xếp thứ {n}/63 tỉnh, "
                        "thành phố.", province, f"{year + 1}-06-{1 + copy % 28:02d}"))
    return docs


QUESTIONS = {
    "subject, year": "Quảng Ngãi xếp thứ mấy về PCI năm 2020?",
    "year not covered": "Quảng Ngãi xếp thứ mấy về PCI năm 2030?",
    "first place": "Tỉnh nào đứng đầu PAPI 2021?",
    "last place": "Tỉnh nào đứng cuối DTI 2019?",
    "top 10": "Top 10 SIPAS 2022 gồm những tỉnh nào?",
    "two years": "Quảng Ngãi tăng hay giảm về DTI năm 2023 so với năm 2022?",
}


def time_stage(source: CorpusIndex | PostgresIndex) -> dict[str, dict[str, float]]:
    answerer = FactAnswerer(source)
    timings = {}
    for kind, question in QUESTIONS.items():
        constraints = question_constraints(question)
        spent = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            verdict = answerer.decide(constraints)
            if verdict is not None:
                source.fact_chunks([h.fact for h in verdict.hits])
            spent.append((time.perf_counter() - started) * 1000)
        assert verdict is not None, kind  # every kind is decided by these facts
        timings[kind] = latency_summary(spent)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 5])
    parser.add_argument("--dsn", help="an existing, empty database (default: a local server)")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    encoder = RandomEncoder()
    settings = IndexSettings()
    server = None if args.dsn else LocalPostgres(Path(tempfile.mkdtemp(prefix="hoidap-bench-")))
    results = []
    try:
        if server is not None:
            server.init()
        dsn = args.dsn or (server.dsn if server is not None else "")
        for copies in args.copies:
            docs = documents(copies)
            files = CorpusIndex.build(docs, encoder, settings)
            row: dict[str, object] = {"copies": copies, "documents": len(docs),
                                      "facts": len(files.facts), "files": time_stage(files)}
            PostgresWriter(dsn, encoder, settings).build(docs)
            postgres = PostgresIndex.open(dsn, settings, encoder.model_id)
            try:
                row["postgres"] = time_stage(postgres)
            finally:
                postgres.close()
            results.append(row)
            logger.info("%s", json.dumps(row))
    finally:
        if server is not None:
            server.destroy()
    for row in results:
        print(f"{row['documents']} documents, {row['facts']} facts")
        for backend in ("files", "postgres"):
            timings = row[backend]
            assert isinstance(timings, dict)
            cells = ", ".join(f"{kind} {t['p50_ms']:.1f}/{t['p95_ms']:.1f}"
                              for kind, t in timings.items())
            print(f"  {backend} p50/p95 ms: {cells}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
