"""Retrieval quality on the external Vietnamese QA sets: hit@1, hit@5, MRR@10 of BM25, dense
and hybrid, plus ablations of each Vietnamese technique and accent-free questions.

    .venv/bin/python bench/retrieval_quality.py [--sets viquad2,uit-regulations,vi-wiki-qa]
        [--external ../shared/external] [--json OUT] [--quick]

Indexes are cached under .hoidap/bench/ (vectors are reused across ablations).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import replace
from pathlib import Path

from eval.dataset import Question, load_questions
from eval.retrieval import evaluate_retrieval
from index.ingest import read_corpus
from index.store import CorpusIndex, IndexSettings, index_exists
from retriever.analyzer import Analyzer
from retriever.e5_local import E5_ALIAS
from retriever.encoder import Encoder, load_encoder
from retriever.errors import IndexMismatchError
from retriever.text.normalize import fold_diacritics
from service.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def cached_index(name: str, corpus: Path, encoder: Encoder, settings: IndexSettings) -> CorpusIndex:
    index_dir = ROOT / ".hoidap" / "bench" / name
    if index_exists(index_dir):
        try:
            return CorpusIndex.load(index_dir, settings, encoder.model_id)
        except IndexMismatchError:
            pass
    result = read_corpus(corpus)
    built = CorpusIndex.build(result.documents, encoder, settings, show_progress=True)
    built.save(index_dir)
    return built


def variant(base: CorpusIndex, encoder: Encoder, settings: IndexSettings) -> CorpusIndex:
    """The same corpus indexed with other lexical settings; no vector is recomputed."""
    return CorpusIndex.build(base.documents.values(), encoder, settings,
                             known_vectors=base.vectors_by_key(), known_segments=base.segments)


def folded_questions(questions: list[Question]) -> list[Question]:
    return [replace(q, question=fold_diacritics(q.question)) for q in questions]


def row(label: str, index: CorpusIndex, encoder: Encoder, questions: list[Question],
        retriever: str, **searcher_options: object) -> dict[str, object]:
    searcher = index.searcher(encoder, **searcher_options)  # type: ignore[arg-type]
    started = time.perf_counter()
    scores = evaluate_retrieval(searcher, questions, retriever)
    per_query_ms = 1000 * (time.perf_counter() - started) / max(1, scores.count)
    return {"variant": label, "retriever": retriever, "n": scores.count,
            "hit@1": round(scores.hit_at[1], 4), "hit@5": round(scores.hit_at[5], 4),
            "mrr@10": round(scores.mrr_at_10, 4), "ms/query": round(per_query_ms, 1)}


def evaluate_set(name: str, folder: Path, encoder: Encoder, quick: bool) -> list[dict[str, object]]:
    questions = load_questions(folder / "dev.jsonl")
    base_settings = IndexSettings()
    base = cached_index(name, folder / "corpus.jsonl", encoder, base_settings)
    rows = [row("default", base, encoder, questions, r) for r in ("bm25", "dense", "hybrid")]
    if quick:
        return rows
    no_bigrams = variant(base, encoder, replace(base_settings, analyzer=Analyzer(bigrams=False)))
    rows.append(row("no bigrams", no_bigrams, encoder, questions, "bm25"))
    rows.append(row("no bigrams", no_bigrams, encoder, questions, "hybrid"))
    no_abbr = variant(base, encoder,
                      replace(base_settings, analyzer=Analyzer(expand_abbreviations=False)))
    rows.append(row("no abbreviation expansion", no_abbr, encoder, questions, "hybrid"))
    rows.append(row("no question expansion", base, encoder, questions, "hybrid",
                    analyzer=Analyzer(expand_questions=False)))
    for weights in ({"bm25": 1.0, "dense": 0.5}, {"bm25": 0.5, "dense": 1.0}):
        rows.append(row(f"weights {weights}", base, encoder, questions, "hybrid",
                        weights=weights))
    plain = folded_questions(questions)
    no_fold = variant(base, encoder, replace(base_settings, folded_field=False))
    rows.append(row("no diacritics", base, encoder, plain, "bm25"))
    rows.append(row("no diacritics, no folded field", no_fold, encoder, plain, "bm25"))
    for mode in ("corpus", "pyvi", "off"):
        rows.append(row(f"no diacritics, restore={mode}", base, encoder, plain, "dense",
                        restore_accents=mode))
        rows.append(row(f"no diacritics, restore={mode}", base, encoder, plain, "hybrid",
                        restore_accents=mode))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--external", type=Path, default=ROOT.parent / "shared" / "external")
    parser.add_argument("--sets", default="viquad2,uit-regulations,vi-wiki-qa")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--quick", action="store_true", help="no ablations")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    settings = Settings()
    encoder = load_encoder(E5_ALIAS, settings.model_cache_dir, threads=settings.threads)
    results: dict[str, list[dict[str, object]]] = {}
    for name in args.sets.split(","):
        results[name] = evaluate_set(name, args.external / name, encoder, args.quick)
        print(f"\n## {name}")
        print(f"{'variant':<36} {'retriever':<8} {'n':>4} {'hit@1':>6} {'hit@5':>6} "
              f"{'mrr@10':>6} {'ms/q':>6}")
        for r in results[name]:
            print(f"{r['variant']:<36} {r['retriever']:<8} {r['n']:>4} {r['hit@1']:>6.3f} "
                  f"{r['hit@5']:>6.3f} {r['mrr@10']:>6.3f} {r['ms/query']:>6}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
