"""Does an upload starve answering? `/api/chat` latency idle, then while an upload of 50
documents is indexed, for each way of embedding them (HOIDAP_INDEX_WORKER: `process`, a
child at low priority with one thread; `inline`, the server's own encoder) and backend.

    .venv/bin/python bench/upload_while_answering.py [--backends files,postgres]
        [--workers process,inline] [--clients 2] [--idle 30] [--documents 50] [--json OUT]

Each run starts a fresh `hoidap serve` on loopback (sample corpus, answer cache off, so every
question is answered anew), measures `--clients` clients asking the sample questions in a
loop for `--idle` seconds, then uploads `--documents` documents (vi-wiki-qa articles from
../shared/external, as a .jsonl) as a job and measures the same clients until the job has
finished. The aim (the scale-out issue): p95 during the upload <= 2x the idle p95.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load_test import QUESTIONS, local_server  # noqa: E402
from eval.dataset import load_questions  # noqa: E402

EXTERNAL = ROOT.parent / "shared" / "external" / "vi-wiki-qa" / "corpus.jsonl"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def _documents(count: int) -> bytes:
    lines = []
    with EXTERNAL.open(encoding="utf-8") as handle:
        for line in handle:
            doc = json.loads(line)
            lines.append(json.dumps({"doc_id": f"upload-{doc['doc_id']}",
                                     "title": doc.get("title") or doc["doc_id"],
                                     "text": doc["text"]}, ensure_ascii=False))
            if len(lines) == count:
                break
    return ("\n".join(lines) + "\n").encode()


class Askers:
    """`clients` threads asking questions in turn; latencies recorded per phase."""

    def __init__(self, url: str, clients: int) -> None:
        self.url, self.clients = url, clients
        self.questions = [q.question for q in load_questions(QUESTIONS) if not q.history]
        self.phase = "idle"
        self.latencies: dict[str, list[float]] = {"idle": [], "upload": []}
        self.errors = 0
        self.stop = threading.Event()

    def _ask(self, n: int) -> None:
        with httpx.Client(timeout=120) as client:
            i = n
            while not self.stop.is_set():
                question = self.questions[i % len(self.questions)]
                i += self.clients
                phase = self.phase
                started = time.perf_counter()
                response = client.post(f"{self.url}/api/chat", json={"message": question})
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    self.errors += 1
                if phase == self.phase:  # a request spanning two phases counts in neither
                    self.latencies[phase].append(elapsed)

    def __enter__(self) -> Askers:
        self.threads = [threading.Thread(target=self._ask, args=(n,), daemon=True)
                        for n in range(self.clients)]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(120)


def run(backend: str, worker: str, clients: int, idle_s: float, documents: int,
        dsn: str | None) -> dict[str, Any]:
    key = secrets.token_urlsafe(24)
    env = {"HOIDAP_INDEX_WORKER": worker, "HOIDAP_ANSWER_CACHE_SIZE": "0",
           "HOIDAP_BACKEND": backend}
    if dsn:
        env["HOIDAP_DSN"] = dsn
    with tempfile.TemporaryDirectory(prefix="hoidap-upload-bench-") as workdir, \
            local_server(Path(workdir), key, env) as server:
        auth = {"Authorization": f"Bearer {key}"}
        payload = _documents(documents)
        with Askers(server.url, clients) as askers:
            time.sleep(idle_s)
            askers.phase = "upload"
            started = time.perf_counter()
            accepted = httpx.post(f"{server.url}/api/admin/documents", headers=auth,
                                  timeout=120,
                                  files=[("files", ("articles.jsonl", payload,
                                                    "application/jsonl"))])
            accepted.raise_for_status()
            href = accepted.json()["href"]
            while True:
                job = httpx.get(f"{server.url}{href}", headers=auth, timeout=60).json()
                if job["status"] in ("succeeded", "failed"):
                    break
                time.sleep(0.2)
            upload_s = time.perf_counter() - started
            askers.phase = "done"
        idle, during = askers.latencies["idle"], askers.latencies["upload"]
        return {
            "backend": backend, "worker": worker, "clients": clients,
            "job": job["status"], "job_error": job["error"],
            "documents_after": (job["result"] or {}).get("documents"),
            "upload_s": round(upload_s, 1), "errors": askers.errors,
            "idle": {"n": len(idle), "p50_ms": round(_percentile(idle, 0.5), 1),
                     "p95_ms": round(_percentile(idle, 0.95), 1)},
            "during_upload": {"n": len(during), "p50_ms": round(_percentile(during, 0.5), 1),
                              "p95_ms": round(_percentile(during, 0.95), 1)},
            "p95_ratio": round(_percentile(during, 0.95) / max(_percentile(idle, 0.95), 1e-9),
                               2),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="files,postgres")
    parser.add_argument("--workers", default="process,inline")
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--idle", type=float, default=30.0)
    parser.add_argument("--documents", type=int, default=50)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = []
    for backend in args.backends.split(","):
        for worker in args.workers.split(","):
            dsn = None
            server = None
            if backend == "postgres":
                from index.postgres.local import LocalPostgres

                server = LocalPostgres(Path(tempfile.mkdtemp(prefix="hoidap-pg-"))).init()
                dsn = server.dsn
            try:
                result = run(backend, worker, args.clients, args.idle, args.documents, dsn)
            finally:
                if server is not None:
                    server.destroy()
            results.append(result)
            print(json.dumps(result, ensure_ascii=False), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), "utf-8")
    return 0 if all(r["job"] == "succeeded" and not r["errors"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
