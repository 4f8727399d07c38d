"""Presenting evaluation runs: the summary table, the JSON of all metrics, and a report folder
(report.md, misses.csv, hit_at_k.png, accuracy_by_type.png)."""

from __future__ import annotations

import csv
import json
import logging
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval.runner import CURVE_KS, RunResult, hit_curve

logger = logging.getLogger(__name__)

COLUMNS = (  # (metric key, table header)
    ("hit@1", "hit@1"), ("hit@5", "hit@5"), ("mrr@10", "MRR@10"), ("accuracy", "acc"),
    ("span_em", "span EM"), ("span_f1", "span F1"), ("citation_accuracy", "cite acc"),
    ("cite@1", "cite@1"), ("abstain_unanswerable", "abst unans"), ("wrong_abstain", "wrong abst"),
    ("latency_p50_ms", "p50 ms"), ("latency_p95_ms", "p95 ms"),
)
MISSES_HEADER = ("run", "id", "type", "question", "expected_answers", "got_answer", "span",
                 "abstained", "first_hit_rank", "why")
HIT_PLOT = "hit_at_k.png"
TYPE_PLOT = "accuracy_by_type.png"


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "–"
    if key.endswith("_ms"):
        return f"{value:.0f}"
    return f"{value:.3f}"


def _rows(runs: Sequence[RunResult]) -> tuple[list[str], list[list[str]]]:
    header = ["retriever / variant", "n"] + [title for _, title in COLUMNS]
    rows = []
    for run in runs:
        overall = run.overall
        rows.append([run.label, str(overall["n"])]
                    + [_cell(key, overall[key]) for key, _ in COLUMNS])
    return header, rows


def format_table(runs: Sequence[RunResult]) -> str:
    """The summary as aligned plain text, one row per run."""
    header, rows = _rows(runs)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        return "  ".join([first] + [c.rjust(w) for c, w in zip(cells[1:], widths[1:],
                                                                  strict=True)])

    out = [line(header), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    return "\n".join(out) + "\n"


def _markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(lines)


def metrics_payload(runs: Sequence[RunResult], meta: dict[str, Any]) -> dict[str, Any]:
    """Everything measured: run settings, and per run the overall metrics, the metrics by
    question type, the hit@k curve and every question's result."""
    return {**meta, "runs": [run.to_dict() for run in runs]}


def write_json(path: Path, runs: Sequence[RunResult], meta: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(metrics_payload(runs, meta), ensure_ascii=False, indent=2)
    path.write_text(text + "\n", encoding="utf-8")


def _why(result: Any) -> str | None:
    """Why a question counts as a miss, or None when it does not."""
    if result.error:
        return f"error: {result.error}"
    if not result.answerable:
        return None if result.abstained else "answered an unanswerable question"
    if result.abstained:
        return "wrongly abstained"
    if not result.correct:
        return "wrong answer" + ("" if result.first_hit_rank else "; no hit in the top 10")
    if result.first_hit_rank is None:
        return "right answer, but no retrieval hit in the top 10"
    return None


def write_misses(path: Path, runs: Sequence[RunResult]) -> int:
    """One CSV row per (run, question) that missed; returns the number of rows."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(MISSES_HEADER)
        for run in runs:
            for r in run.results:
                why = _why(r)
                if why is None:
                    continue
                writer.writerow([run.label, r.id, r.type, r.question, " | ".join(r.answers),
                                 r.answer, r.span or "", "yes" if r.abstained else "no",
                                 "" if r.first_hit_rank is None else r.first_hit_rank, why])
                count += 1
    return count


def _type_score(metrics: dict[str, Any]) -> float | None:
    """Accuracy of a type's answerable questions; for a type with none, its abstention
    rate (the right behaviour on unanswerable questions)."""
    return metrics["accuracy"] if metrics["answerable"] else metrics["abstain_unanswerable"]


def plot_hit_curves(path: Path, runs: Sequence[RunResult]) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9.5, 4.5), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    plotted = False
    lowest = 1.0
    for run in runs:
        curve = hit_curve(run.results)
        if curve:
            lowest = min(lowest, *curve.values())
            style = "-" if run.variant == "default" else "--"
            axes.plot(list(curve), list(curve.values()), style, marker="o", markersize=3,
                      label=run.label)
            plotted = True
    axes.set_xlabel("k")
    axes.set_ylabel("hit@k")
    axes.set_xticks(list(CURVE_KS))
    # Start the axis a little below the lowest point, so that close curves stay apart.
    axes.set_ylim(max(0.0, math.floor((lowest - 0.05) * 10) / 10), 1.01)
    axes.grid(True, alpha=0.3)
    axes.set_title("Retrieval: answerable questions with a hit in the top k")
    if plotted:
        figure.legend(fontsize="small", loc="outside right upper", frameon=False)
    else:
        axes.text(0.5, 0.5, "no answerable question", ha="center", transform=axes.transAxes)
    figure.savefig(path, format="png", bbox_inches="tight")


def plot_accuracy_by_type(path: Path, runs: Sequence[RunResult]) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    by_type = [run.by_type for run in runs]
    types = sorted({t for b in by_type for t in b})
    inches = 2 + len(types) * (0.25 + 0.12 * max(1, len(runs)))
    figure = Figure(figsize=(min(18.0, max(6.0, inches)), 5), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    width = 0.8 / max(1, len(runs))
    for i, (run, metrics) in enumerate(zip(runs, by_type, strict=True)):
        values = [(_type_score(metrics[t]) or 0.0) if t in metrics else 0.0 for t in types]
        positions = [j - 0.4 + width * (i + 0.5) for j in range(len(types))]
        axes.bar(positions, values, width, label=run.label)
    labels = []
    for t in types:
        answerable = any(b.get(t, {}).get("answerable") for b in by_type)
        labels.append(t if answerable else f"{t}\n(abstained)")
    crowded = len(types) > 6
    axes.set_xticks(list(range(len(types))), labels, fontsize="small",
                    rotation=30 if crowded else 0, ha="right" if crowded else "center")
    axes.set_ylim(0, 1.02)
    axes.set_ylabel("accuracy")
    axes.set_title("Answer accuracy by question type")
    axes.grid(True, axis="y", alpha=0.3)
    if runs:
        figure.legend(fontsize="x-small", loc="outside lower center", ncol=min(3, len(runs)),
                      frameon=False)
    figure.savefig(path, format="png", bbox_inches="tight")


def _by_type_markdown(run: RunResult) -> str:
    header = ["type", "n"] + [title for _, title in COLUMNS]
    rows = [[t, str(m["n"])] + [_cell(key, m[key]) for key, _ in COLUMNS]
            for t, m in run.by_type.items()]
    return _markdown_table(header, rows)


def write_report(folder: Path, runs: Sequence[RunResult], meta: dict[str, Any]) -> list[Path]:
    """Write report.md, misses.csv and the two plots into `folder`; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    misses = write_misses(folder / "misses.csv", runs)
    plot_hit_curves(folder / HIT_PLOT, runs)
    plot_accuracy_by_type(folder / TYPE_PLOT, runs)
    header, rows = _rows(runs)
    lines = [
        "# hoidap evaluation",
        "",
        f"- date: {datetime.now(UTC).isoformat(timespec='seconds')}",
        *[f"- {key}: {value}" for key, value in meta.items() if value is not None],
        "",
        "## Summary",
        "",
        _markdown_table(header, rows),
        "",
        "Retrieval metrics (hit@k, MRR@10), answer accuracy, span EM/F1 and citation accuracy "
        "are over the answerable questions; an abstention there counts as wrong. A retrieval "
        "or citation hit is a passage from the question's document containing its evidence; "
        "citation accuracy looks at the first three citations, cite@1 at the answer's [1] "
        "only. An answer is right when its "
        "text contains an accepted answer after normalisation (NFC, case, whitespace, "
        "thousands dots: 1.506 = 1506). Span EM/F1 compare `answer_span` with the best "
        "accepted answer on syllable tokens (no span: 0). `abst unans`: share of unanswerable "
        "questions abstained on; `wrong abst`: share of answerable ones abstained on. "
        "Latency: wall time of one answer, in ms.",
        "",
        f"![hit@k]({HIT_PLOT})",
        "",
        f"![accuracy by type]({TYPE_PLOT})",
        "",
        "## By question type",
        "",
    ]
    for run in runs:
        lines += [f"### {run.label}", "", _by_type_markdown(run), ""]
    errors = sum(run.overall["errors"] for run in runs)
    lines += ["## Misses", "",
              f"{misses} (run, question) pairs missed: see [misses.csv](misses.csv)"
              + (f"; {errors} questions were refused with an error." if errors else "."), ""]
    (folder / "report.md").write_text("\n".join(lines), encoding="utf-8")
    paths = [folder / n for n in ("report.md", "misses.csv", HIT_PLOT, TYPE_PLOT)]
    logger.info("report written to %s", folder)
    return paths
