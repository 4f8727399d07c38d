"""The running service under load: startup to /readyz, memory, /api/chat latency at 1/8/32
concurrent clients on loopback, throughput and errors.

    PYTHONPATH=. .venv/bin/python bench/service_load.py [--sizes sample,10k,100k]
        [--clients 1,8,32] [--requests 100,400,800] [--backend onnx|torch]
        [--json bench/results/service_load.json]

Each size gets a fresh `hoidap serve` process (the sample corpus, or a bench/corpora.py
index). Two question mixes:
- distinct: every request is a question the server has not seen (our set, then the external
  dev sets), so nothing comes from the answer cache: the worst case;
- popular: questions drawn from our set with Zipf-like frequencies, as a widget's visitors
  ask them; most are answered from the cache.
The load generator runs on the same two cores as the server (asyncio + httpx, closed loop:
each client sends its next question when the previous answer arrives).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from bench.common import RESULTS_DIR, latency_summary, questions, write_json
from bench.corpora import CACHE_ROOT, bench_index, size_of
from eval.dataset import load_questions
from service import engine
from service.config import Settings

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT_S = 600


def rss_mb(pid: int) -> dict[str, float]:
    """Resident memory now and at its peak, from /proc (Linux)."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values["rss_mb" if key == "VmRSS" else "peak_rss_mb"] = int(rest.split()[0]) / 1024
    return values


class Server:
    def __init__(self, index_dir: Path, port: int, backend: str) -> None:
        env = {**os.environ, "HOIDAP_INDEX_DIR": str(index_dir), "HOIDAP_PORT": str(port),
               "HOIDAP_ENCODER_BACKEND": backend, "HOIDAP_LOG_LEVEL": "WARNING"}
        hoidap = Path(sys.executable).parent / "hoidap"
        self.url = f"http://127.0.0.1:{port}"
        self.started = time.perf_counter()
        self.process = subprocess.Popen([str(hoidap), "serve"], env=env, cwd=ROOT,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def wait_ready(self) -> float:
        with httpx.Client(timeout=5) as client:
            while time.perf_counter() - self.started < READY_TIMEOUT_S:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited: {self.process.stderr.read().decode()}")
                try:
                    if client.get(f"{self.url}/readyz").status_code == 200:
                        return time.perf_counter() - self.started
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
        raise RuntimeError("server not ready in time")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


async def load(url: str, clients: int, requests: int, question_stream: Iterator[str],
               ) -> dict[str, object]:
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    remaining = requests

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            message = next(question_stream)
            started = time.perf_counter()
            try:
                response = await client.post(f"{url}/api/chat", json={"message": message})
                status = str(response.status_code)
            except httpx.HTTPError as error:
                status = type(error).__name__
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[status] = statuses.get(status, 0) + 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(clients)))
        seconds = time.perf_counter() - started
    errors = sum(n for s, n in statuses.items() if s != "200")
    return {"clients": clients, **latency_summary(latencies), "throughput_rps":
            len(latencies) / seconds, "errors": errors, "statuses": statuses}


def popular_questions(seed: int = 0) -> Iterator[str]:
    pool = [q.question for q in load_questions(ROOT / "eval" / "data" / "sample_questions.jsonl")]
    rng = random.Random(seed)
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(pool))]
    while True:
        yield rng.choices(pool, weights)[0]


def index_for(size: str, backend: str) -> Path:
    settings = Settings(encoder_backend=backend)  # type: ignore[arg-type]
    encoder = engine.encoder_for(settings)
    if size == "sample":
        index_dir = CACHE_ROOT / "sample"
        engine.open_index(settings.model_copy(update={"index_dir": index_dir}), encoder)
        return index_dir
    bench_index(size_of(size), encoder)
    return CACHE_ROOT / f"chunks-{size_of(size)}"


def run_size(size: str, clients: list[int], requests: list[int], backend: str,
             port: int) -> dict[str, object]:
    index_dir = index_for(size, backend)
    server = Server(index_dir, port, backend)
    try:
        row: dict[str, object] = {"size": size, "backend": backend,
                                  "startup_s": server.wait_ready()}
        row.update({f"ready_{k}": v for k, v in rss_mb(server.process.pid).items()})
        distinct = iter(questions(100_000))
        runs = []
        for n_clients, n_requests in zip(clients, requests, strict=True):
            result = asyncio.run(load(server.url, n_clients, n_requests, distinct))
            runs.append({"mix": "distinct", **result})
            print_run(size, runs[-1])
        popular = popular_questions()
        for n_clients in clients[1:]:
            result = asyncio.run(load(server.url, n_clients, 400, popular))
            runs.append({"mix": "popular", **result})
            print_run(size, runs[-1])
        row["runs"] = runs
        row.update({f"loaded_{k}": v for k, v in rss_mb(server.process.pid).items()})
        print(f"{size:>7} startup {row['startup_s']:.1f} s, memory {row['ready_rss_mb']:.0f} MB "
              f"ready, {row['loaded_rss_mb']:.0f} MB after load (peak "
              f"{row['loaded_peak_rss_mb']:.0f} MB)", flush=True)
        return row
    finally:
        server.stop()


def print_run(size: str, run: dict[str, object]) -> None:
    print(f"{size:>7} {run['mix']:>8} {run['clients']:>3} clients: p50 {run['p50_ms']:7.1f} ms "
          f"p95 {run['p95_ms']:7.1f} ms  {run['throughput_rps']:6.1f} req/s  "
          f"errors {run['errors']} ({run['n']} requests)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="sample,10k,100k")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--requests", default="100,400,800",
                        help="requests per client count (distinct questions)")
    parser.add_argument("--backend", choices=["onnx", "torch"], default="onnx")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--json", type=Path, default=RESULTS_DIR / "service_load.json")
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",")]
    requests = [int(r) for r in args.requests.split(",")]
    rows = [run_size(size, clients, requests, args.backend, args.port)
            for size in args.sizes.split(",")]
    write_json(args.json, rows)
    for row in rows:
        eight = next((r for r in row["runs"] if r["mix"] == "distinct" and r["clients"] == 8),
                     None)
        if eight:
            print(f"summary: {row['size']}: /api/chat at 8 clients p50 {eight['p50_ms']:.0f} ms, "
                  f"p95 {eight['p95_ms']:.0f} ms, {eight['errors']} errors; startup "
                  f"{row['startup_s']:.1f} s; {row['loaded_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
