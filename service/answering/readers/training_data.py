"""Training and evaluation examples for the span reader, from public QA files.

Every loader yields `QAExample`s: a question, a context and the character spans of its
gold answers in that context (none: the context does not answer it). `group` names the
document an example comes from, so a split by document keeps every question about one
document on the same side.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

SPLIT_SEED = "hoidap-reader-2026-12-06"
TEST_SHARE = 1 / 3
VALIDATION_SHARE = 1 / 6
EXTERNAL_SETS = ("viquad2", "uit-regulations", "vi-wiki-qa")


@dataclass(frozen=True)
class QAExample:
    qid: str
    question: str
    context: str
    answers: tuple[tuple[int, int], ...]  # character spans in `context`; () = unanswerable
    source: str
    group: str

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def _spans(context: str, answers: Iterable[tuple[str, int | None]]) -> tuple[tuple[int, int], ...]:
    """Gold answers as spans of `context`: at the given offset when the text is there, else
    the text's first occurrence; answers not in the context are dropped."""
    found: list[tuple[int, int]] = []
    for text, start in answers:
        text = text.strip()
        if not text:
            continue
        if start is None or context[start:start + len(text)] != text:
            start = context.find(text)
        if start >= 0 and (start, start + len(text)) not in found:
            found.append((start, start + len(text)))
    return tuple(found)


def load_squad_json(path: Path, source: str) -> Iterator[QAExample]:
    """SQuAD 1.1/2.0 JSON. An answerable question whose answers are all missing from its
    context is skipped (a broken label teaches nothing), not turned into a no-answer one."""
    data = json.loads(Path(path).read_text("utf-8"))["data"]
    skipped = 0
    for a, article in enumerate(data):
        group = f"{source}:{article.get('title') or a}"
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            for qa in paragraph["qas"]:
                impossible = bool(qa.get("is_impossible"))
                answers = () if impossible else _spans(
                    context, ((x["text"], x.get("answer_start")) for x in qa.get("answers", [])))
                if not impossible and not answers:
                    skipped += 1
                    continue
                yield QAExample(f"{source}:{qa['id']}", qa["question"], context, answers,
                                source, group)
    if skipped:
        logger.info("%s: %d answerable questions skipped (answer not in context)", path,
                    skipped)


def load_vlsp_csv(path: Path, source: str = "viquad2-vlsp") -> Iterator[QAExample]:
    """The VLSP-2021 UIT-ViQuAD 2.0 CSV: unanswerable rows keep a plausible answer, which
    is not an answer."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            impossible = row["is_impossible"].strip().lower() in ("true", "1")
            context = row["context"]
            answers: tuple[tuple[int, int], ...] = ()
            if not impossible:
                start = int(float(row["answer_start"])) if row["answer_start"] else None
                answers = _spans(context, [(row["answer_text"], start)])
                if not answers:
                    continue
            yield QAExample(f"{source}:{row['id']}", row["question"], context, answers,
                            source, f"{source}:{row['title']}")


def read_jsonl(path: Path) -> list[dict]:
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_external(folder: Path, doc_ids: set[str] | None = None) -> Iterator[QAExample]:
    """A set in the evaluation format (corpus.jsonl + dev.jsonl) as reading examples over
    its gold document; unanswerable questions have no document and are not yielded.
    `doc_ids`: only the questions about these documents."""
    folder = Path(folder)
    source = folder.name
    docs = {d["doc_id"]: d["text"] for d in read_jsonl(folder / "corpus.jsonl")}
    for row in read_jsonl(folder / "dev.jsonl"):
        doc_id = row.get("doc_id")
        if not doc_id or not row.get("answers") or doc_id not in docs:
            continue
        if doc_ids is not None and doc_id not in doc_ids:
            continue
        context = docs[doc_id]
        evidence = row.get("evidence") or ""
        near = context.find(evidence) if evidence else -1
        answers = []
        for text in row["answers"]:
            start = context.find(text, near) if near >= 0 else -1
            if near >= 0 and not (0 <= start <= near + len(evidence)):
                start = -1
            answers.append((text, start if start >= 0 else None))
        spans = _spans(context, answers)
        if spans:
            yield QAExample(f"{source}:{row['id']}", row["question"], context, spans, source,
                            f"{source}:{doc_id}")


def _rank(key: str) -> str:
    return hashlib.sha256(f"{SPLIT_SEED}:{key}".encode()).hexdigest()


def split_documents(doc_ids: Sequence[str]) -> dict[str, list[str]]:
    """A fixed split by document: `test` (at least a third, reported), `validation`
    (thresholds and early stopping) and `train`, ordered by a seeded hash of the id."""
    ordered = sorted(set(doc_ids), key=_rank)
    n_test = -(-len(ordered) * 1 // 3)  # ceil: at least a third
    n_val = round(len(ordered) * VALIDATION_SHARE)
    return {"test": sorted(ordered[:n_test]),
            "validation": sorted(ordered[n_test:n_test + n_val]),
            "train": sorted(ordered[n_test + n_val:])}


def side_of(doc_id: str | None, question_id: str, split: dict[str, list[str]]) -> str:
    """The side of the split a question is on: its document's; an unanswerable question
    (no document) goes by the same seeded hash of its own id. A document the split does not
    list (added to the corpus later) is a test document: it was never trained on."""
    if doc_id:
        for name, docs in split.items():
            if doc_id in docs:
                return name
        return "test"
    share = int(_rank(question_id)[:8], 16) / 0xFFFFFFFF
    return ("test" if share < TEST_SHARE else
            "validation" if share < TEST_SHARE + VALIDATION_SHARE else "train")


def external_split(shared: Path) -> dict[str, dict[str, list[str]]]:
    """The split of every external set found under `shared/external`."""
    found = {}
    for name in EXTERNAL_SETS:
        corpus = Path(shared) / "external" / name / "corpus.jsonl"
        if corpus.exists():
            found[name] = split_documents([d["doc_id"] for d in read_jsonl(corpus)])
    return found


# The public training files (qa-train/README.md), by source name.
QA_TRAIN_FILES: dict[str, str] = {
    "vinewsqa": "vinewsqa/dev.json",
    "viquad2-vlsp": "viquad2-vlsp/val-filtered.csv",
    "viquad1": "viquad1/test.json",
    "mlqa-vi-en": "mlqa-cross/dev-context-vi-question-en.json",
    "mlqa-en-vi": "mlqa-cross/dev-context-en-question-vi.json",
    "squad2-en": "squad2-en-sample/train-v2.0-first10.json",
    "vi-webqa": "vi-webqa/squad-v2.0-mailong25.json",
}


def load_source(shared: Path, source: str, split: dict[str, dict[str, list[str]]],
                side: str = "train") -> list[QAExample]:
    """One source's examples: a qa-train file, or an external set's `side` documents."""
    if source in QA_TRAIN_FILES:
        path = Path(shared) / "qa-train" / QA_TRAIN_FILES[source]
        loader = load_vlsp_csv(path) if path.suffix == ".csv" else load_squad_json(path, source)
        return list(loader)
    if source in split:
        return list(load_external(Path(shared) / "external" / source,
                                  set(split[source][side])))
    raise ValueError(f"unknown training source {source!r}")
