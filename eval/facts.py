"""The fact extractor measured on hand-labelled facts of real news pages.

    .venv/bin/python -m eval.facts --pages PAGES.jsonl [--labels eval/data/facts_sample.jsonl]
        [--json OUT]

The labels (eval/data/facts_sample.jsonl: url, split, subject, index, year, measure, value)
are in the repository; the pages' text is not (their licences do not allow it): PAGES.jsonl
holds {url, split, title, text} per page, rebuilt from the stored public pages the labels
cite (docs/facts.md says how). A fact counts as found when an extracted fact has the same
url, subject, index, year, measure and value; precision is over distinct extracted facts,
recall over labelled ones, per split ("dev": pages read while the rules were written;
"heldout": pages labelled before the extractor first ran on them).
"""

from __future__ import annotations

import argparse
import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from index.facts import extract_facts
from retriever.text.normalize import normalize
from retriever.types import Document

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "eval" / "data" / "facts_sample.jsonl"
logger = logging.getLogger("eval.facts")

Key = tuple[str, str, str, int | None, str, float | None]


def _key(url: str, subject: str, index: str, year: int | None, measure: str,
         value: float | None) -> Key:
    return (url, subject, index, year, measure, None if value is None else round(value, 6))


@dataclass
class SplitScore:
    extracted: int
    correct: int
    labelled: int
    found: int
    wrong: list[Key]
    missed: list[Key]

    @property
    def precision(self) -> float:
        return self.correct / self.extracted if self.extracted else 0.0

    @property
    def recall(self) -> float:
        return self.found / self.labelled if self.labelled else 0.0

    def summary(self) -> dict[str, object]:
        return {"extracted": self.extracted, "correct": self.correct,
                "labelled": self.labelled, "found": self.found,
                "precision": round(self.precision, 3), "recall": round(self.recall, 3),
                "wrong": [list(k) for k in self.wrong], "missed": [list(k) for k in self.missed]}


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def score(pages: list[dict[str, object]], labels: list[dict[str, object]]
          ) -> dict[str, SplitScore]:
    gold: dict[str, set[Key]] = defaultdict(set)
    for row in labels:
        gold[str(row["split"])].add(_key(str(row["url"]), str(row["subject"]),
                                         str(row["index"]), row["year"],  # type: ignore[arg-type]
                                         str(row["measure"]), row["value"]))  # type: ignore[arg-type]
    extracted: dict[str, set[Key]] = defaultdict(set)
    for page in pages:
        url, split = str(page["url"]), str(page["split"])
        document = Document(doc_id=url, title=normalize(str(page.get("title") or "")),
                            text=normalize(str(page["text"])))
        for fact in extract_facts(document):
            extracted[split].add(_key(url, fact.subject, fact.index.value, fact.year,
                                      fact.measure.value, fact.value))
    scores = {}
    for split in sorted(set(gold) | set(extracted)):
        got, want = extracted[split], gold[split]
        scores[split] = SplitScore(len(got), len(got & want), len(want), len(got & want),
                                   sorted(got - want, key=str), sorted(want - got, key=str))
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=Path, required=True)
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--json", type=Path, help="write the scores and every miss here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    scores = score(read_jsonl(args.pages), read_jsonl(args.labels))
    for split, result in scores.items():
        logger.info("%s: precision %.3f (%d/%d), recall %.3f (%d/%d)", split,
                    result.precision, result.correct, result.extracted, result.recall,
                    result.found, result.labelled)
        for key in result.wrong:
            logger.info("  wrong  %s", key[1:])
        for key in result.missed:
            logger.info("  missed %s", key[1:])
    if args.json:
        args.json.write_text(json.dumps({s: r.summary() for s, r in scores.items()},
                                        ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
