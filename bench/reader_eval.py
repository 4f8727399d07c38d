"""The trained reader against the rules, on one side of the reader's document split.

    .venv/bin/python bench/reader_eval.py --side validation|test [--sets own,viquad2,...]
        [--readers rules,neural,auto] [--max-windows N] [--float] [--json OUT]

Every question is answered by each reader once, with the trained reader's thresholds off
(its best span is always given, with its probability and no-answer probability recorded);
the tables then show, for each decision rule (no threshold, the null rule, probability
thresholds), answer accuracy, span EM/F1, unanswerable questions declined and answerable
ones wrongly declined. Thresholds are chosen on `validation` and reported on `test`
(eval/data/reader_split.json); our own set (`own`) is evaluation only. Indexes are cached
as `hoidap eval` caches them.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

from eval.answers import contains_answer, span_exact_match, span_f1
from eval.dataset import Question, load_questions
from eval.indexes import cached_corpus_index, default_cache_dir
from eval.split import questions_of_split
from service import engine
from service.answering import QAPipeline, Turn
from service.answering.readers.base import ReaderKind
from service.config import Settings

ROOT = Path(__file__).resolve().parents[1]
THRESHOLDS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


def answer_all(pipeline: QAPipeline, questions: list[Question]) -> list[dict[str, Any]]:
    mode = pipeline.reader_kind
    rows = []
    for q in questions:
        history = [Turn(t["role"], t["content"]) for t in q.history]  # type: ignore[arg-type]
        started = time.perf_counter()
        answer = pipeline.answer(q.question, history)
        ms = (time.perf_counter() - started) * 1000
        answered = not answer.abstained
        rows.append({
            "id": q.id, "type": q.type, "answerable": q.answerable, "mode": mode,
            "abstained": answer.abstained, "reason": answer.reason, "reader": answer.reader,
            "confidence": round(answer.confidence, 4), "no_answer": answer.no_answer,
            "span": answer.span, "latency_ms": round(ms, 1),
            "correct": bool(q.answerable and answered and contains_answer(answer.text,
                                                                          q.answers)),
            "em": span_exact_match(answer.span, q.answers) if q.answerable and answered else 0,
            "f1": span_f1(answer.span, q.answers) if q.answerable and answered else 0,
        })
    return rows


def score(rows: list[dict[str, Any]], threshold: float | None, null_rule: bool
          ) -> dict[str, float | None]:
    """Metrics if answers of the trained reader below `threshold` (or whose no-answer
    probability wins, with `null_rule`) were declined; the rules' own declines stand.
    Rows of another reader than `neural` have no threshold (`auto` decides as the rules)."""
    def declined(r: dict[str, Any]) -> bool:
        if r["abstained"]:
            return True
        if r["mode"] != ReaderKind.NEURAL:
            return False
        if threshold is not None and r["confidence"] < threshold:
            return True
        return null_rule and r["no_answer"] is not None and r["no_answer"] >= r["confidence"]

    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]

    def mean(values: list[float]) -> float | None:
        return round(sum(values) / len(values), 3) if values else None

    return {
        "accuracy": mean([float(r["correct"] and not declined(r)) for r in answerable]),
        "span_em": mean([float(r["em"]) * (not declined(r)) for r in answerable]),
        "span_f1": mean([float(r["f1"]) * (not declined(r)) for r in answerable]),
        "wrong_abstain": mean([float(declined(r)) for r in answerable]),
        "abstain_unanswerable": mean([float(declined(r)) for r in unanswerable]),
    }


def _questions(name: str, external: Path, side: str) -> tuple[Path | None, list[Question]]:
    if name == "own":
        return None, load_questions(ROOT / "eval" / "data" / "sample_questions.jsonl")
    dataset = external / name / "dev.jsonl"
    return external / name / "corpus.jsonl", questions_of_split(load_questions(dataset),
                                                                 dataset, side)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--side", choices=["validation", "test"], required=True)
    parser.add_argument("--sets", default="own,viquad2,uit-regulations,vi-wiki-qa")
    parser.add_argument("--readers", default="rules,neural,auto")
    parser.add_argument("--external", type=Path, default=ROOT.parent / "shared" / "external")
    parser.add_argument("--max-windows", type=int)
    parser.add_argument("--float", action="store_true", help="the float reader, not int8")
    parser.add_argument("--reader-dir", type=Path)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    overrides: dict[str, Any] = {"reader": "neural", "reader_int8": not args.float}
    if args.max_windows:
        overrides["reader_max_windows"] = args.max_windows
    if args.reader_dir:
        overrides["reader_dir"] = args.reader_dir
    settings = Settings(**overrides)
    encoder = engine.encoder_for(settings)
    neural, _status = engine.load_reader(settings)
    report: dict[str, Any] = {"side": args.side, "settings": overrides, "sets": {}}
    for name in args.sets.split(","):
        corpus, questions = _questions(name, args.external, args.side)
        questions = questions[:args.limit] if args.limit else questions
        index = (engine.open_index(Settings(), encoder) if corpus is None else
                 cached_corpus_index(corpus, default_cache_dir(settings, corpus), settings,
                                     encoder))
        searcher = engine.make_searcher(settings, index, encoder)
        report["sets"][name] = {}
        for reader in args.readers.split(","):
            pipeline = QAPipeline(searcher, top_k=settings.answer_top_k,
                                  min_confidence=settings.min_confidence, cache_size=0,
                                  neural=neural, reader=ReaderKind(reader),
                                  neural_min_probability=0.0, decline_on_null=False)
            rows = answer_all(pipeline, questions)
            latencies = sorted(r["latency_ms"] for r in rows)
            table = {"none": score(rows, None, False)}
            for t in THRESHOLDS[1:] if reader == ReaderKind.NEURAL else ():
                table["null"] = score(rows, None, True)
                table[f"p>={t}"] = score(rows, t, False)
                table[f"null+p>={t}"] = score(rows, t, True)
            report["sets"][name][reader] = {
                "n": len(rows), "table": table, "rows": rows,
                "latency_p50_ms": latencies[len(latencies) // 2],
                "latency_p95_ms": latencies[int(len(latencies) * 0.95)]}
            print(f"\n{name} ({len(rows)} questions, {args.side}) reader={reader} "
                  f"p50 {latencies[len(latencies) // 2]:.0f} ms")
            print(f"{'rule':>14} {'acc':>6} {'EM':>6} {'F1':>6} {'unans':>6} {'wrong':>6}")
            for rule, m in table.items():
                print(f"{rule:>14} " + " ".join(
                    f"{(m[k] if m[k] is not None else float('nan')):6.3f}"
                    for k in ("accuracy", "span_em", "span_f1", "abstain_unanswerable",
                              "wrong_abstain")))
    if args.json:
        # default=str: the settings hold paths (--reader-dir).
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str),
                             "utf-8")


if __name__ == "__main__":
    main()
