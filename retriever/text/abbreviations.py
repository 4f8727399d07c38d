"""Domain abbreviations (CĐS, DVCTT, UBND, ...) and their expansions.

Articles write "DVCTT" where a user asks about "dịch vụ công trực tuyến" and the reverse,
so queries and documents' search text both get the expansion next to the abbreviation:
"Tỷ lệ DVCTT" -> "Tỷ lệ DVCTT dịch vụ công trực tuyến". Display text is never changed.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from importlib import resources

from retriever.text.normalize import fold_diacritics, match_form, normalize

logger = logging.getLogger(__name__)

# A token is bounded by anything but word characters and the joiners of compound
# document numbers: "52-NQ/TW" and "QĐ-TTg" are references, not the words NQ and TW.
_BEFORE = r"(?<![\w&/\-.])"
_AFTER = r"(?![\w&/\-])"
# What may sit between an abbreviation and an expansion already written out:
# "DVCTT (dịch vụ công trực tuyến)", "công nghệ thông tin (CNTT)".
_GAP = " \t\n(:-–,"


def _read_table() -> dict[str, str]:
    raw = resources.files("retriever").joinpath("data/abbreviations.tsv").read_text("utf-8")
    table: dict[str, str] = {}
    for lineno, line in enumerate(raw.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise ValueError(f"abbreviations.tsv line {lineno}: expected ABBR<TAB>expansion")
        abbr, expansion = normalize(parts[0]), normalize(parts[1])
        if abbr in table:
            logger.warning("abbreviations.tsv line %d: %s listed twice", lineno, abbr)
        table[abbr] = expansion
    # Users type "CDS" for "CĐS"; only add the folded spelling where it is not taken.
    for abbr, expansion in list(table.items()):
        folded = fold_diacritics(abbr)
        table.setdefault(folded, expansion)
    return table


@lru_cache(maxsize=1)
def load_abbreviations() -> dict[str, str]:
    """Abbreviation -> expansion from `retriever/data/abbreviations.tsv`; cached, do not mutate."""
    return _read_table()


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    parts = []
    # Longest first so "TP.HCM" wins over "TP." and "DVCTT" over "DVC".
    for abbr in sorted(load_abbreviations(), key=len, reverse=True):
        after = _AFTER if abbr[-1].isalnum() else ""
        parts.append(re.escape(abbr) + after)
    # One shared look-behind: inside a word it fails once instead of once per abbreviation,
    # which made expansion most of the indexing time.
    return re.compile(_BEFORE + "(?:" + "|".join(parts) + ")")


def _comparable(text: str) -> str:
    return fold_diacritics(match_form(text))


def _already_expanded(text: str, start: int, end: int, expansion: str) -> bool:
    target = _comparable(expansion)
    window = len(expansion) + 8
    after = _comparable(text[end : end + window].lstrip(_GAP))
    before = _comparable(text[max(0, start - window) : start].rstrip(_GAP))
    return after.startswith(target) or before.endswith(target)


def expand_abbreviations(text: str) -> str:
    """Insert each known abbreviation's expansion right after it.

    Case-sensitive whole-token matching ("cđs" is left alone unless listed lower-case);
    an abbreviation whose expansion already stands next to it is left alone, so the
    function is idempotent.
    """
    if not text:
        return text
    table = load_abbreviations()
    out: list[str] = []
    last = 0
    for m in _pattern().finditer(text):
        abbr = m.group(0)
        expansion = table[abbr]
        if _already_expanded(text, m.start(), m.end(), expansion):
            continue
        out.append(text[last : m.end()])
        out.append(" " + expansion)
        last = m.end()
    out.append(text[last:])
    return "".join(out)
