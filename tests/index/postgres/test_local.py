"""The throwaway local server leaves nothing behind: when the last server of a process that
runs as the unprivileged system user is destroyed, the user is removed too."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
USER = "hoidap-pg-cleanup-test"  # not the tests' own server user, which is busy meanwhile

SCRIPT = f"""
import pwd, tempfile
from pathlib import Path
from index.postgres import local
local.SERVER_USER = {USER!r}
first = local.LocalPostgres(Path(tempfile.mkdtemp(prefix="hoidap-pg-a-"))).init()
second = local.LocalPostgres(Path(tempfile.mkdtemp(prefix="hoidap-pg-b-"))).init()
first.destroy()
pwd.getpwnam({USER!r})  # still there: the second server runs as it
second.destroy()
try:
    pwd.getpwnam({USER!r})
except KeyError:
    print("removed")
"""


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="the system user is made only when root")
def test_the_server_user_goes_with_the_last_server() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "removed"
    with pytest.raises(KeyError):
        pwd.getpwnam(USER)
