"""Embedding new documents in a child process at low CPU priority, with bounded threads.

An upload used to embed its passages with the serving encoder, in the server's process, on
the threads that answer questions: on two cores, answering stalled for as long as the upload
ran. `EncoderProcess` is a `PassageEncoder` whose work happens in a spawned process that
lowers its own priority (nice) and uses `HOIDAP_INDEX_THREADS` threads, so the scheduler
gives the answering threads the CPU first. It lives for one admin job: started when the job
needs vectors, stopped when it ends (an idle copy of the model would hold memory for nothing).
If the child dies, the call raises EncoderWorkerError and the job fails with the index
unchanged.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from retriever.errors import IndexUpdateError
from service.config import Settings

logger = logging.getLogger(__name__)

START_TIMEOUT_S = 120.0


class EncoderWorkerError(IndexUpdateError):
    """The embedding process died or could not start; nothing was changed."""


def _child(connection: Connection, settings: Settings, niceness: int) -> None:
    """The child's loop: ("encode", texts, batch_size) -> vectors, until ("stop",)."""
    os.nice(niceness)
    from service import engine  # imported here: the parent's modules are not inherited

    try:
        encoder = engine.encoder_for(settings)
    except Exception as error:  # reported to the parent, which raises it
        connection.send(("error", f"{type(error).__name__}: {error}"))
        return
    connection.send(("ready", encoder.model_id, int(encoder.dimension)))
    while True:
        try:
            message = connection.recv()
        except EOFError:  # the parent went away
            return
        if message[0] == "stop":
            return
        kind, texts, batch_size = message
        try:
            vectors = (encoder.encode_passages(texts, batch_size=batch_size) if kind == "passages"
                       else encoder.encode_queries(texts))
            connection.send(("ok", np.asarray(vectors, dtype=np.float32)))
        except Exception as error:
            connection.send(("error", f"{type(error).__name__}: {error}"))


class EncoderProcess:
    """A PassageEncoder in a child process; use as a context manager."""

    def __init__(self, settings: Settings, threads: int = 1, niceness: int = 10) -> None:
        self.settings = settings.model_copy(update={"threads": threads})
        self.niceness = niceness
        self.model_id = ""
        self.dimension = 0
        self._process: multiprocessing.process.BaseProcess | None = None
        self._connection: Connection | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def __enter__(self) -> EncoderProcess:
        context = multiprocessing.get_context("spawn")  # no forked copy of the server's threads
        parent, child = context.Pipe()
        process = context.Process(target=_child, args=(child, self.settings, self.niceness),
                                  name="hoidap-index-encoder", daemon=True)
        process.start()
        child.close()
        self._process, self._connection = process, parent
        reply = self._receive(START_TIMEOUT_S)
        if reply[0] != "ready":
            self.close()
            raise EncoderWorkerError(f"the embedding process could not start: {reply[1]}")
        self.model_id, self.dimension = reply[1], reply[2]
        logger.info("embedding process %d started (nice %d, %d thread(s))", process.pid,
                    self.niceness, self.settings.threads)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(OSError, ValueError):  # already gone
                self._connection.send(("stop",))
            self._connection.close()
            self._connection = None
        if self._process is not None:
            self._process.join(10)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
            self._process = None

    def _receive(self, timeout_s: float | None = None) -> tuple[Any, ...]:
        connection = self._connection
        if connection is None:
            raise EncoderWorkerError("the embedding process is not running")
        try:
            # Polled so that a child that died without a word is noticed, not waited for.
            waited = 0.0
            while not connection.poll(0.5):
                waited += 0.5
                if self._process is None or not self._process.is_alive():
                    raise EOFError
                if timeout_s is not None and waited >= timeout_s:
                    raise TimeoutError
            return connection.recv()  # type: ignore[no-any-return]
        except (EOFError, OSError, TimeoutError) as error:
            code = self._process.exitcode if self._process is not None else None
            raise EncoderWorkerError(
                f"the embedding process stopped (exit code {code}); nothing was changed, "
                "the index still serves") from error

    def _encode(self, kind: str, texts: list[str], batch_size: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._connection is None:
            raise EncoderWorkerError("the embedding process is not running")
        try:
            self._connection.send((kind, list(texts), batch_size))
        except (OSError, ValueError) as error:
            raise EncoderWorkerError("the embedding process stopped; nothing was changed, "
                                     "the index still serves") from error
        reply = self._receive()
        if reply[0] != "ok":
            raise EncoderWorkerError(f"embedding failed: {reply[1]}")
        return reply[1]  # type: ignore[no-any-return]

    def encode_passages(self, texts: list[str], batch_size: int = 32,
                        show_progress: bool = False) -> np.ndarray:
        return self._encode("passages", texts, batch_size)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode("queries", texts, 32)
