"""Our real-page ranking set as a corpus hoidap can load.

    .venv/bin/python -m eval.pages --pages PAGES.jsonl --out CORPUS.jsonl
    .venv/bin/hoidap eval --dataset eval/data/ranking_questions.jsonl --corpus CORPUS.jsonl

PAGES.jsonl is the page text the fact labels were made on ({url, split, title, text} per
page, rebuilt from the search tool's stored pages: docs/facts.md); it stays outside the
repository, whose licence does not cover it. Each page becomes a document whose id is
derived from its URL (`page_id`), the id eval/data/ranking_questions.jsonl cites.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
from pathlib import Path

logger = logging.getLogger("eval.pages")


def page_id(url: str) -> str:
    """A page's document id: stable, whatever order the pages are rebuilt in."""
    return "page-" + hashlib.sha1(url.encode("utf-8")).hexdigest()[:10]


def corpus_rows(pages: list[dict[str, object]]) -> list[dict[str, object]]:
    """The pages as hoidap's JSONL corpus rows (doc_id, title, text, url)."""
    rows = []
    for page in pages:
        url = str(page["url"])
        row: dict[str, object] = {"doc_id": page_id(url), "text": str(page["text"]), "url": url}
        if str(page.get("title") or "").strip():
            row["title"] = str(page["title"])
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    pages = [json.loads(line) for line in args.pages.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    rows = corpus_rows(pages)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                        encoding="utf-8")
    logger.info("%d pages written to %s", len(rows), args.out)


if __name__ == "__main__":
    main()
