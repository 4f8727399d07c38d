"""A real server for browser and load tests: the app under uvicorn on a loopback port."""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from retriever.encoder import Encoder
from service import engine
from service.api.app import create_app
from service.config import Settings


def _wait_ready(url: str, thread: threading.Thread, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError("the app stopped while starting (see the log above)")
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url}/readyz not ready after {timeout_s} s")


@contextmanager
def serve_in_thread(settings: Settings, encoder: Encoder, name: str) -> Iterator[str]:
    """The app for `settings` (with the session's encoder: loading the model once per run is
    enough) in a uvicorn thread on a free 127.0.0.1 port; yields its URL once ready."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "encoder_for", lambda _settings: encoder)
        app = create_app(settings)
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_level="warning", proxy_headers=False))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name,
                                  daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(url, thread)
            yield url
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            sock.close()
