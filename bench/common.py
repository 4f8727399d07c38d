"""What every benchmark script shares: the machine description, percentiles, JSON output."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "bench" / "results"
EXTERNAL_DIR = ROOT.parent / "shared" / "external"


def questions(limit: int) -> list[str]:
    """Real questions: our set, then every external dev set found (read in place)."""
    from eval.dataset import load_questions

    texts = [q.question for q in load_questions(ROOT / "eval" / "data" / "sample_questions.jsonl")]
    for name in ("viquad2", "uit-regulations", "vi-wiki-qa"):
        path = EXTERNAL_DIR / name / "dev.jsonl"
        if path.exists():
            texts += [q.question for q in load_questions(path)]
    return list(dict.fromkeys(texts))[:limit]


def machine() -> dict[str, object]:
    """Where the numbers were measured; the CPU model matters more than anything else."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpu": model, "cpus": cpus, "python": platform.python_version(),
            "date": time.strftime("%Y-%m-%d"), "load_average": os.getloadavg()[0]}


def latency_summary(milliseconds: Sequence[float]) -> dict[str, float]:
    values = np.asarray(milliseconds, dtype=np.float64)
    if values.size == 0:
        return {"p50_ms": float("nan"), "p95_ms": float("nan"), "mean_ms": float("nan"), "n": 0}
    return {"p50_ms": float(np.percentile(values, 50)), "p95_ms": float(np.percentile(values, 95)),
            "mean_ms": float(values.mean()), "n": int(values.size)}


def write_json(path: Path, rows: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"machine": machine(), "results": rows}
    path.write_text(json.dumps(payload, indent=1, ensure_ascii=False), encoding="utf-8")


def folder_mb(folder: Path) -> float:
    """Megabytes of the files under `folder`."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


class RandomEncoder:
    """Fixed random vectors, no model: for what never reads them (BM25, the facts)."""

    model_id = "bench/random-encoder"
    dimension = 8

    def encode_passages(self, texts: list[str], batch_size: int = 32,
                        show_progress: bool = False) -> np.ndarray:
        rng = np.random.default_rng(len(texts))
        vectors = rng.normal(size=(len(texts), self.dimension)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.encode_passages(texts)
