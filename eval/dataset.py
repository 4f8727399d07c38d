"""Question sets in the shared QA format (JSONL: id, question, answers, doc_id, evidence, type)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from retriever.errors import DocumentError


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answers: list[str]
    doc_id: str | None
    evidence: str | None
    type: str
    history: list[dict[str, str]] = field(default_factory=list)

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def _question(raw: object, where: str) -> Question:
    if not isinstance(raw, dict):
        raise DocumentError(f"{where}: expected a JSON object")
    missing = [k for k in ("id", "question", "answers", "type") if k not in raw]
    if missing:
        raise DocumentError(f"{where}: missing field(s) {', '.join(missing)}")
    answers = raw["answers"]
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        raise DocumentError(f"{where}: 'answers' must be a list of strings")
    if not isinstance(raw["question"], str) or not raw["question"].strip():
        raise DocumentError(f"{where}: 'question' must be non-empty text")
    if answers and not (raw.get("doc_id") and raw.get("evidence")):
        raise DocumentError(f"{where}: an answerable question needs 'doc_id' and 'evidence'")
    history = raw.get("history") or []
    if not isinstance(history, list) or not all(
        isinstance(t, dict) and t.get("role") in ("user", "assistant")
        and isinstance(t.get("content"), str) for t in history
    ):
        raise DocumentError(f"{where}: 'history' must be a list of {{role, content}} turns")
    return Question(str(raw["id"]), raw["question"], answers, raw.get("doc_id"),
                    raw.get("evidence"), str(raw["type"]), history)


def load_questions(path: Path) -> list[Question]:
    """Read and validate a question set; errors name the file and line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DocumentError(f"cannot read question set {path}: {exc}") from exc
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DocumentError(f"{where}: invalid JSON ({exc.msg})") from exc
        questions.append(_question(raw, where))
    if not questions:
        raise DocumentError(f"{path} contains no questions")
    return questions
