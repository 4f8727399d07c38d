"""Calibrates the abstention threshold: answer accuracy against abstention for each
threshold, on our question set and the external sets.

    .venv/bin/python bench/abstention.py [--sets own,viquad2,uit-regulations,vi-wiki-qa]
        [--external ../shared/external] [--limit N] [--json OUT]

Every question is answered once with no threshold; an answer whose confidence is below a
threshold t would have abstained. For each t it prints accuracy on answerable questions
(an abstention counts as wrong), the share of answerable questions abstained on, and the
share of unanswerable ones abstained on. Indexes are cached as `hoidap eval` caches them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from eval.answers import contains_answer
from eval.dataset import Question, load_questions
from eval.indexes import cached_corpus_index, default_cache_dir
from service import engine
from service.answering import QAPipeline, Turn
from service.config import Settings

ROOT = Path(__file__).resolve().parents[1]
THRESHOLDS = [round(t * 0.05, 2) for t in range(13)]


def answer_all(pipeline: QAPipeline, questions: list[Question]) -> list[dict[str, object]]:
    rows = []
    for q in questions:
        history = [Turn(t["role"], t["content"]) for t in q.history]  # type: ignore[arg-type]
        answer = pipeline.answer(q.question, history)
        rows.append({"id": q.id, "type": q.type, "answerable": q.answerable,
                     "abstained": answer.abstained, "reason": answer.reason,
                     "confidence": round(answer.confidence, 4),
                     "correct": q.answerable and not answer.abstained
                     and contains_answer(answer.text, q.answers)})
    return rows


def sweep(rows: list[dict[str, object]]) -> list[dict[str, float]]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]

    def abstains(row: dict[str, object], t: float) -> bool:
        return bool(row["abstained"]) or float(row["confidence"]) < t  # type: ignore[arg-type]

    table = []
    for t in THRESHOLDS:
        table.append({
            "threshold": t,
            "accuracy": sum(bool(r["correct"]) and not abstains(r, t) for r in answerable)
            / max(1, len(answerable)),
            "wrong_abstain": sum(abstains(r, t) for r in answerable) / max(1, len(answerable)),
            "abstain_unanswerable": sum(abstains(r, t) for r in unanswerable)
            / len(unanswerable) if unanswerable else float("nan"),
        })
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default="own,viquad2")
    parser.add_argument("--external", type=Path, default=ROOT.parent / "shared" / "external")
    parser.add_argument("--limit", type=int, help="first N questions of each set")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    settings = Settings()
    encoder = engine.encoder_for(settings)
    results = {}
    for name in args.sets.split(","):
        if name == "own":
            corpus_index = engine.open_index(settings, encoder)
            questions = load_questions(ROOT / "eval" / "data" / "sample_questions.jsonl")
        else:
            corpus = args.external / name / "corpus.jsonl"
            corpus_index = cached_corpus_index(corpus, default_cache_dir(settings, corpus),
                                               settings, encoder, show_progress=True)
            questions = load_questions(args.external / name / "dev.jsonl")
        questions = questions[:args.limit] if args.limit else questions
        searcher = engine.make_searcher(settings, corpus_index, encoder)
        pipeline = QAPipeline(searcher, top_k=settings.answer_top_k, min_confidence=0.0)
        rows = answer_all(pipeline, questions)
        table = sweep(rows)
        results[name] = {"questions": len(rows), "sweep": table, "rows": rows}
        print(f"\n{name}: {len(rows)} questions "
              f"({sum(1 for r in rows if not r['answerable'])} unanswerable)")
        print(f"{'threshold':>9} {'accuracy':>9} {'wrong abstain':>14} {'abstain unans':>14}")
        for line in table:
            print(f"{line['threshold']:>9.2f} {line['accuracy']:>9.3f} "
                  f"{line['wrong_abstain']:>14.3f} {line['abstain_unanswerable']:>14.3f}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
