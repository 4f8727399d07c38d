"""The running service under load: startup to /readyz, memory, /api/chat latency at 1/8/32
concurrent clients on loopback, throughput and errors.

    PYTHONPATH=. .venv/bin/python bench/service_load.py [--sizes sample,10k,100k]
        [--clients 1,8,32] [--duration 10] [--backend onnx|onnx-int8|torch]
        [--json bench/results/service_load.json]

Each size gets a fresh `hoidap serve` process (the sample corpus, or a bench/corpora.py
index). Two question mixes:
- distinct: every request is a question the server has not seen (our set, then the external
  dev sets), so nothing comes from the answer cache: the worst case;
- popular: questions drawn from our set with Zipf-like frequencies, as a widget's visitors
  ask them; most are answered from the cache, which an unmeasured pass over them fills
  first (the distinct runs before evicted them, which no widget's server would see).
The load generator (eval/load.py: one thread per client, closed loop: each client sends its
next question when the previous answer arrives) runs on the same two cores as the server.
The rate limit is off for the run: every client comes from 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.common import RESULTS_DIR, questions, write_json
from bench.corpora import bench_index, cache_root_for, size_of
from bench.load_test import local_server
from eval.dataset import load_questions
from eval.http_client import ServerClient
from eval.load import run_load
from index.reindex import reindex
from retriever.errors import IndexMismatchError
from service import engine
from service.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def rss_mb(pid: int) -> dict[str, float]:
    """Resident memory now and at its peak, from /proc (Linux)."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values["rss_mb" if key == "VmRSS" else "peak_rss_mb"] = int(rest.split()[0]) / 1024
    return values


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, all its threads (from /proc, Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured_load(server_pid: int, *args: Any, **kwargs: Any) -> dict[str, object]:
    """run_load's report, with the server's CPU milliseconds per answered request: what a
    question costs the server, whatever the other load on the machine."""
    before = cpu_seconds(server_pid)
    report = run_load(*args, **kwargs)
    spent = cpu_seconds(server_pid) - before
    return {**report.to_dict(),
            "server_cpu_ms_per_request": round(spent * 1000 / max(1, report.requests), 1)}


def popular_questions(count: int, seed: int = 0) -> list[str]:
    pool = [q.question for q in load_questions(ROOT / "eval" / "data" / "sample_questions.jsonl")
            if not q.history]
    rng = random.Random(seed)
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(pool))]
    return rng.choices(pool, weights, k=count)


def index_for(size: str, backend: str) -> Path:
    settings = Settings(encoder_backend=backend)  # type: ignore[arg-type]
    encoder = engine.encoder_for(settings)
    root = cache_root_for(backend)
    if size == "sample":
        index_dir = root / "sample"
        try:
            engine.open_index(settings.model_copy(update={"index_dir": index_dir}), encoder)
        except IndexMismatchError:  # a cache left by an older hoidap
            reindex(index_dir, encoder, engine.index_settings(settings))
        return index_dir
    bench_index(size_of(size), encoder, cache_root=root)
    return root / f"chunks-{size_of(size)}"


def run_size(size: str, clients: list[int], duration_s: float, backend: str,
             ) -> dict[str, object]:
    index_dir = index_for(size, backend)
    env = {"HOIDAP_INDEX_DIR": str(index_dir), "HOIDAP_ENCODER_BACKEND": backend,
           "HOIDAP_LOG_LEVEL": "WARNING"}
    with tempfile.TemporaryDirectory(prefix="hoidap-bench-") as folder, \
            local_server(Path(folder), secrets.token_hex(16), env) as server:
        row: dict[str, object] = {"size": size, "backend": backend,
                                  "startup_s": server.startup_s}
        row.update({f"ready_{k}": v for k, v in rss_mb(server.pid).items()})
        pool = questions(100_000)
        asked = 0
        runs = []
        for n_clients in clients:
            # Each level starts where the last stopped: the cache has seen none of these.
            report = measured_load(server.pid, server.url, pool[asked:] + pool[:asked],
                                   clients=n_clients, duration_s=duration_s, search_every=0,
                                   distinct=True)
            requests = report["requests"]
            assert isinstance(requests, int)
            asked = (asked + requests) % len(pool)
            runs.append({"mix": "distinct", **report})
            print_run(size, runs[-1])
        popular = popular_questions(5000)
        # A widget's server has answered its popular questions before; the distinct runs
        # above pushed them out of the answer cache, so each is asked once, unmeasured.
        warm_up(server.url, sorted(set(popular)))
        for n_clients in clients[1:]:
            report = measured_load(server.pid, server.url, popular, clients=n_clients,
                                   duration_s=duration_s, search_every=0)
            runs.append({"mix": "popular", **report})
            print_run(size, runs[-1])
        row["runs"] = runs
        row.update({f"loaded_{k}": v for k, v in rss_mb(server.pid).items()})
    print(f"{size:>7} startup {row['startup_s']:.1f} s, memory {row['ready_rss_mb']:.0f} MB "
          f"ready, {row['loaded_rss_mb']:.0f} MB after the load (peak "
          f"{row['loaded_peak_rss_mb']:.0f} MB)", flush=True)
    return row


def warm_up(base_url: str, questions_asked: list[str]) -> None:
    """Asks each question once, two at a time; a failed request raises (ServerReplyError)."""
    client = ServerClient(base_url)
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(client.chat, questions_asked))


def print_run(size: str, run: dict[str, object]) -> None:
    print(f"{size:>7} {run['mix']:>8} {run['clients']:>3} clients: p50 {run['p50_ms']:7.1f} ms "
          f"p95 {run['p95_ms']:7.1f} ms  {run['throughput_rps']:6.1f} req/s  server CPU "
          f"{run['server_cpu_ms_per_request']:5.1f} ms/req  "
          f"5xx {run['server_errors']}, lost {run['lost']}, statuses {run['statuses']} "
          f"({run['requests']} requests)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="sample,10k,100k")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--duration", type=float, default=10.0,
                        help="seconds per client count and mix")
    parser.add_argument("--backend", choices=["onnx", "onnx-int8", "torch"], default="onnx")
    parser.add_argument("--json", type=Path, default=RESULTS_DIR / "service_load.json")
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",")]
    rows = [run_size(size, clients, args.duration, args.backend)
            for size in args.sizes.split(",")]
    write_json(args.json, rows)
    for row in rows:
        eight = next((r for r in row["runs"] if r["mix"] == "distinct" and r["clients"] == 8),
                     None)
        if eight:
            print(f"summary: {row['size']}: /api/chat at 8 clients p50 {eight['p50_ms']:.0f} ms, "
                  f"p95 {eight['p95_ms']:.0f} ms, {eight['server_errors']} 5xx; startup "
                  f"{row['startup_s']:.1f} s; {row['loaded_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
