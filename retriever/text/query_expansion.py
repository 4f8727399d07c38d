"""Adds the words answering passages use for common question phrasings (BM25 side only).

"Bình Phước xếp hạng thứ mấy?" shares no word with "đứng vị trí thứ 9 cả nước" except
"thứ"; the expansions in `retriever/data/query_expansions.tsv` bridge such gaps.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from retriever.text.normalize import fold_diacritics, has_diacritics, match_form


@lru_cache(maxsize=1)
def _rules() -> tuple[tuple[re.Pattern[str], re.Pattern[str], str], ...]:
    raw = resources.files("retriever").joinpath("data/query_expansions.tsv").read_text("utf-8")
    rules = []
    for lineno, line in enumerate(raw.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        phrase, sep, added = line.partition("\t")
        if not sep or not phrase.strip() or not added.strip():
            raise ValueError(f"query_expansions.tsv line {lineno}: expected phrase<TAB>words")
        form = match_form(phrase)
        accented = re.compile(rf"(?<!\w){re.escape(form)}(?!\w)")
        folded = re.compile(rf"(?<!\w){re.escape(fold_diacritics(form))}(?!\w)")
        rules.append((accented, folded, added.strip()))
    return tuple(rules)


def query_expansion(query: str) -> str:
    """The words of every rule whose phrase occurs in `query` ("" when none does)."""
    form = match_form(query)
    folded_query = not has_diacritics(form)
    if folded_query:
        form = fold_diacritics(form)
    added: list[str] = []
    for accented, folded, words in _rules():
        pattern = folded if folded_query else accented
        if pattern.search(form) and words not in added:
            added.append(words)
    extra = " ".join(added)
    return fold_diacritics(extra) if folded_query else extra
