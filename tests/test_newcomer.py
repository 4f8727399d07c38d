"""A newcomer's first steps: a fresh clone of the repository, the README's commands as written.

The clone is `git clone` of this repository's HEAD (uncommitted work is not in it). Its
`.venv` is made beforehand from this interpreter's base Python, seeing this run's installed
packages through a `.pth` file, so the README's setup (`./hoidap.sh` runs `scripts/setup`)
resolves every pinned dependency without downloading torch again; everything else it does
(pip, the editable install of the clone, the stamp) runs for real. Then the README's serve
command runs in the clone until `/readyz` answers 200, with its own index folder (built
from the sample corpus: the first start's work) and the shared model cache
(`HOIDAP_MODEL_CACHE_DIR`, built once per machine). Every `curl` command of the README is
then run as written against it, only its host and port changed, and must give what the
README shows after it. The README is this checkout's: in CI it is HEAD's.

The setup stamps are tested apart, with a stand-in for Python that records what pip is
asked to do.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
README_ADDRESS = re.compile(r"\b(?:localhost|127\.0\.0\.1):8000\b")
SETUP_SECONDS = 180  # the README's setup and the first start, on a busy CI machine
READY_SECONDS = 240


# --- the README's commands -------------------------------------------------------------

def _blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of every fenced code block, in order."""
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(text)]


def shell_commands(block: str) -> list[str]:
    """The commands of a shell block: continued lines and multi-line quotes joined,
    comment lines (the output shown) left out."""
    commands: list[str] = []
    current = ""
    for line in block.splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current = f"{current}\n{line}" if current else line
        if current.endswith("\\"):
            continue
        try:
            shlex.split(current, comments=True)
        except ValueError:  # a quote still open: the command goes on
            continue
        commands.append(current)
        current = ""
    assert not current, f"unfinished command in the README: {current!r}"
    return commands


@dataclass
class Example:
    command: str
    shown: str | None  # the reply the README shows after it (a text block), if any


def readme_examples(text: str) -> list[Example]:
    examples: list[Example] = []
    for language, body in _blocks(text):
        if language == "text" and examples and examples[-1].shown is None:
            examples[-1].shown = body
        elif language in ("bash", "sh", "shell"):
            examples.extend(Example(c, None) for c in shell_commands(body))
    return examples


def serve_command(text: str) -> str:
    commands = [e.command for e in readme_examples(text)]
    serving = [c for c in commands if re.match(r"\./hoidap\.sh serve\s*$", c)]
    assert serving, "the README shows no plain `./hoidap.sh serve` command"
    return serving[0]


def _shown_fields(shown: str) -> dict[str, object]:
    """The reply fields the README shows with a complete value."""
    flat = re.sub(r"\s*\n\s*", " ", shown)
    fields: dict[str, object] = {}
    for key in ("answer_span", "resolved_question", "decline_reason"):
        match = re.search(rf'"{key}": (?:"([^"]*)"|(null))', flat)
        if match:
            fields[key] = match.group(1) if match.group(2) is None else None
    match = re.search(r'"abstained": (true|false)', flat)
    if match:
        fields["abstained"] = match.group(1) == "true"
    match = re.search(r'"answer": "((?:[^"\\]|\\.)*)', flat)
    if match:
        fields["answer"] = match.group(1).split("...")[0].strip()  # shown up to "..."
    if '"citations": []' in flat:
        fields["citations"] = []
    match = re.search(r'"citations": \[\{"n": 1, "doc_id": "([^"]+)"', flat)
    if match:
        fields["first_citation"] = match.group(1)
    return fields


def test_the_readme_commands_are_found() -> None:
    """The parsing above sees what a reader sees (no server needed)."""
    text = README.read_text(encoding="utf-8")
    assert serve_command(text) == "./hoidap.sh serve"
    curls = [e for e in readme_examples(text) if e.command.startswith("curl")]
    assert len(curls) >= 3, [e.command for e in curls]
    assert all(e.shown for e in curls), "each curl in the README shows its reply"
    assert _shown_fields(curls[0].shown or "")["answer_span"] == "thứ 9"
    assert any(_shown_fields(e.shown or "").get("abstained") is True for e in curls)
    assert any("history" in e.command for e in curls)
    for example in curls:
        # Raw non-ASCII in a URL gets a plain-text 400 from uvicorn: use --data-urlencode.
        for url in re.findall(r"(?:localhost|127\.0\.0\.1):8000\S*", example.command):
            assert url.isascii(), url


# --- a clone, set up and serving ---------------------------------------------------------

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _needs_git_and_loopback() -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed: cannot clone the repository")
    if subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"],
                      capture_output=True).returncode != 0:
        pytest.skip(f"{ROOT} is not a git checkout with a commit: nothing to clone")
    try:
        _free_port()
    except OSError as error:
        pytest.skip(f"no network loopback (127.0.0.1) to serve on: {error}")


def _base_python() -> Path:
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (Path(sys.base_prefix) / "bin" / version,
                      Path(sys.base_prefix) / "bin" / "python3"):
        if candidate.exists():
            return candidate
    pytest.skip(f"no base interpreter under {sys.base_prefix} to make the clone's .venv")


def _clean_env(**settings: str) -> dict[str, str]:
    """This environment without hoidap settings or paths that would point at this
    checkout, plus `settings`; the model cache stays shared."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("HOIDAP_") and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["HOIDAP_MODEL_CACHE_DIR"] = os.environ.get(
        "HOIDAP_MODEL_CACHE_DIR", str(Path.home() / ".cache" / "hoidap" / "models"))
    env.update(settings)
    return env


def _get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@dataclass
class Served:
    clone: Path
    port: int
    env: dict[str, str]
    log: Path
    seconds_to_ready: float

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # its own session: the script and the server
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    _needs_git_and_loopback()
    work = tmp_path_factory.mktemp("newcomer")
    clone = work / "hoidap"
    started = time.monotonic()
    subprocess.run(["git", "-c", "safe.directory=*", "clone", "--quiet", str(ROOT),
                    str(clone)], check=True, timeout=120)
    # The clone's .venv: this run's packages, seen through a .pth file (no torch download).
    subprocess.run([str(_base_python()), "-m", "venv", "--without-pip", str(clone / ".venv")],
                   check=True, timeout=120)
    site = subprocess.run([str(clone / ".venv" / "bin" / "python"), "-c",
                           "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          check=True, capture_output=True, text=True).stdout.strip()
    shared = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    (Path(site) / "_hoidap_newcomer_shared.pth").write_text("\n".join(shared) + "\n")

    port = _free_port()
    env = _clean_env(HOIDAP_INDEX_DIR=str(work / "index"), HOIDAP_HOST="127.0.0.1",
                     HOIDAP_PORT=str(port))
    log = work / "serve.log"
    command = serve_command(README.read_text(encoding="utf-8"))
    with log.open("wb") as output:
        process = subprocess.Popen(["bash", "-c", command], cwd=clone, env=env,
                                   stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        deadline = time.monotonic() + SETUP_SECONDS + READY_SECONDS
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                status, _ = _get(f"http://127.0.0.1:{port}/readyz", timeout=2)
            except OSError:
                status = None  # still setting up, or not listening yet
            if status == 200:
                break
            time.sleep(0.5)
        tail = log.read_text(encoding="utf-8", errors="replace")[-4000:]
        assert process.poll() is None, f"`{command}` exited ({process.returncode}):\n{tail}"
        assert status == 200, f"/readyz never answered 200 (last {status}):\n{tail}"
        yield Served(clone, port, env, log, time.monotonic() - started)
    finally:
        _stop(process)


@pytest.mark.slow
def test_the_serve_command_of_a_fresh_clone_answers(served: Served) -> None:
    # The clone's own code serves, not this checkout's (run from outside both, as the
    # `hoidap` script runs: the current folder is not on its path).
    where = subprocess.run([str(served.clone / ".venv" / "bin" / "python"), "-c",
                            "import service; print(service.__file__)"], env=served.env,
                           cwd=served.clone.parent, capture_output=True, text=True,
                           check=True).stdout
    assert Path(where.strip()).is_relative_to(served.clone), where
    stamp = (served.clone / ".venv" / ".hoidap-installed").read_text().strip()
    assert stamp, "the setup wrote no stamp"

    request = urllib.request.Request(
        f"{served.base}/api/chat", method="POST", headers={"content-type": "application/json"},
        data=json.dumps({"message": "Bình Phước xếp hạng chuyển đổi số thứ mấy?"}).encode())
    with urllib.request.urlopen(request, timeout=60) as response:
        reply = json.loads(response.read())
    assert "thứ 9" in reply["answer"] and not reply["abstained"], reply
    assert reply["citations"][0]["doc_id"] == "binh-phuoc", reply["citations"]
    log = served.log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log, log[-4000:]
    assert served.seconds_to_ready < SETUP_SECONDS + READY_SECONDS


@pytest.mark.slow
def test_the_readmes_curl_commands_work_as_written(served: Served) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    examples = [e for e in readme_examples(README.read_text(encoding="utf-8"))
                if e.command.startswith("curl")]
    assert examples
    for example in examples:
        command = README_ADDRESS.sub(f"127.0.0.1:{served.port}", example.command)
        run = subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                             timeout=120, env=served.env)
        assert run.returncode == 0, (example.command, run.stderr)
        try:
            reply = json.loads(run.stdout)
        except json.JSONDecodeError:
            pytest.fail(f"not a JSON reply to\n{example.command}\n:{run.stdout[:500]}")
        assert not (isinstance(reply, dict) and set(reply) == {"detail"}), (command, reply)
        for key, shown in _shown_fields(example.shown or "").items():
            if key == "answer":
                got = re.sub(r"\s+", " ", reply["answer"])
                assert got.startswith(str(shown)), (example.command, shown, got)
            elif key == "first_citation":
                assert reply["citations"][0]["doc_id"] == shown, (example.command, reply)
            else:
                assert reply[key] == shown, (example.command, key, shown, reply[key])


@pytest.mark.slow
def test_the_api_pages_public_curl_commands_work_as_written(served: Served) -> None:
    """docs/api.md's examples that need no admin key, no file and no earlier answer."""
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    commands = [e.command for e in readme_examples(text) if e.command.startswith("curl")
                and not re.search(r"\$KEY|-F |/api/feedback|/api/admin/", e.command)]
    assert len(commands) >= 6, commands
    for written in commands:
        command = README_ADDRESS.sub(f"127.0.0.1:{served.port}", written)
        run = subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                             timeout=120, env=served.env)
        assert run.returncode == 0, (written, run.stderr)
        if "/api/chat/stream" in command:
            assert "event: done" in run.stdout, (written, run.stdout[-500:])
            continue
        try:
            reply = json.loads(run.stdout)
        except json.JSONDecodeError:
            pytest.fail(f"not a JSON reply to\n{written}\n:{run.stdout[:500]}")
        assert not (isinstance(reply, dict) and set(reply) == {"detail"}), (written, reply)
        assert reply.get("hits", True) and reply.get("documents", True), (written, reply)


@pytest.mark.slow
def test_setup_again_in_the_clone_is_silent(served: Served) -> None:
    started = time.monotonic()
    run = subprocess.run([str(served.clone / "scripts" / "setup")], cwd=served.clone,
                         env=served.env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stdout == "" and run.stderr == "", run
    assert time.monotonic() - started < 5


# --- scripts/setup's stamps --------------------------------------------------------------

FAKE_PYTHON = """#!/usr/bin/env bash
# Stands in for python: records its arguments; `-m venv DIR` makes DIR/bin/python (itself).
echo "$*" >> "$SETUP_LOG"
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then mkdir -p "$3/bin" && cp "$0" "$3/bin/python"; fi
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "scripts").mkdir()
    shutil.copy2(ROOT / "scripts" / "setup", tmp_path / "scripts" / "setup")
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    fake = tmp_path / "fake-python"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    return tmp_path


def _setup(project: Path, *args: str) -> tuple[str, list[str]]:
    """(stderr, the pip installs asked for) of one run of scripts/setup."""
    log = project / "calls.log"
    log.unlink(missing_ok=True)
    env = {**os.environ, "PYTHON": str(project / "fake-python"), "SETUP_LOG": str(log)}
    run = subprocess.run([str(project / "scripts" / "setup"), *args], cwd=project, env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run
    assert run.stdout == ""
    calls = log.read_text().splitlines() if log.exists() else []
    return run.stderr, [c.split(" install ", 1)[1] for c in calls if " pip install " in c]


def test_setup_says_what_it_does_then_is_silent(project: Path) -> None:
    stderr, installs = _setup(project)
    assert stderr.startswith("hoidap: setting up .venv (first run"), stderr
    assert stderr.count("\n") == 1, stderr
    assert installs[-1].endswith("-e ."), installs
    assert any("torch==2.13.0" in i for i in installs)
    assert _setup(project) == ("", [])


def test_a_dev_install_satisfies_a_plain_setup(project: Path) -> None:
    stderr, installs = _setup(project, "--dev")
    assert "first run" in stderr and installs[-1].endswith("-e .[dev]"), installs
    # ./hoidap.sh after ./test.sh, and back: nothing is installed again.
    assert _setup(project) == ("", [])
    assert _setup(project, "--dev") == ("", [])
    assert _setup(project) == ("", [])


def test_a_plain_install_gains_the_test_tools_once(project: Path) -> None:
    _setup(project)
    stderr, installs = _setup(project, "--dev")
    assert stderr == "hoidap: adding the test tools to .venv...\n", stderr
    assert installs[-1].endswith("-e .[dev]"), installs
    assert _setup(project) == ("", [])
    assert _setup(project, "--dev") == ("", [])


def test_a_changed_pyproject_reinstalls(project: Path) -> None:
    _setup(project, "--dev")
    with (project / "pyproject.toml").open("a") as pyproject:
        pyproject.write("\n# changed\n")
    stderr, installs = _setup(project)
    assert stderr == "hoidap: updating .venv (pyproject.toml changed)...\n", stderr
    assert installs[-1].endswith("-e ."), installs
    stderr, installs = _setup(project, "--dev")
    assert installs[-1].endswith("-e .[dev]"), (stderr, installs)
    assert _setup(project) == ("", [])


def test_an_interrupted_install_is_finished_next_time(project: Path) -> None:
    _setup(project)
    (project / ".venv" / ".hoidap-installed").unlink()  # as if killed before the stamp
    stderr, installs = _setup(project)
    assert stderr == "hoidap: setting up .venv (about a minute)...\n", stderr
    assert installs[-1].endswith("-e ."), installs
