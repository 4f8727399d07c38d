"""Word lists as data files, one per list and language: `data/<language>/<name>.txt`, one
entry a line, `#` comments. Each is read once."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=64)
def word_list(language: str, name: str) -> tuple[str, ...]:
    path = resources.files("service.answering").joinpath(f"data/{language}/{name}.txt")
    lines = (line.strip() for line in path.read_text("utf-8").splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))
