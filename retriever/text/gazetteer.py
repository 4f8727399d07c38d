"""The province gazetteer: which of Vietnam's provinces a text or a name refers to.

Data: `retriever/data/provinces.json` (the 63 pre-2025 units, since the articles date from
2022-2024). Matching runs on a diacritic-folded, case-folded copy of the text that is
aligned character for character with the normalised text, so one pass finds both
"Bình Phước" and "binh phuoc"; each hit is then checked against the original spelling
("bình định" the verb is not "Bình Định", "hn" is not "HN").
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from retriever.text.normalize import (
    CharacterMap,
    fold_diacritics,
    has_diacritics,
    match_form,
    normalize,
)

logger = logging.getLogger(__name__)

# Weights for detect_province: the title names the article's subject far more reliably
# than the body, and a city ("TP Bà Rịa") is weaker evidence than the province itself.
TITLE_WEIGHT = 3.0
PLACE_WEIGHT = 0.5

_PREFIX_RE = re.compile(r"^(?:(?:tỉnh|tinh|thành phố|thanh pho|tp)\s+|tp\.\s*)")


@dataclass(frozen=True)
class _Form:
    """Every alias that folds to one key: whose it is and how strictly it must be spelt."""

    canonical: str
    kind: str  # "alias" | "cased" | "abbr" | "place"
    spellings: frozenset[str]  # _key() of the accented, case-folded spellings
    exact: frozenset[str]  # exact (case-sensitive) spellings, for abbreviations


@dataclass(frozen=True)
class _Gazetteer:
    names: tuple[str, ...]
    forms: dict[str, _Form]  # folded key -> form
    pattern: re.Pattern[str]
    lookup: dict[str, str]  # accented key -> canonical
    lookup_folded: dict[str, str]  # folded key -> canonical
    after_2025: dict[str, str]


def _key(text: str) -> str:
    """Spacing-insensitive key: "Bà Rịa-Vũng Tàu", "bà rịa - vũng tàu" and "Bà Rịa Vũng Tàu"
    are one name (a hyphen counts as a space)."""
    text = re.sub(r"\s*-\s*", " ", text.strip())
    text = re.sub(r"\s+", " ", text)
    return re.sub(r"\.\s*", ".", text)


def _fold_key(text: str) -> str:
    return _key(fold_diacritics(match_form(text)))


def _pattern_for(folded_key: str) -> str:
    parts: list[str] = []
    for ch in folded_key:
        if ch == " ":
            parts.append(r"(?:\s*-\s*|\s+)")
        elif ch == ".":
            parts.append(r"\.\s*")
        else:
            parts.append(re.escape(ch))
    return "".join(parts)


def _lower_character(ch: str) -> str:
    low = ch.casefold()
    if len(low) != 1:
        low = ch.lower() if len(ch.lower()) == 1 else ch
    return low


def _fold_character(low: str) -> str:
    folded = fold_diacritics(low)
    return folded if len(folded) == 1 else low


# One character for one: a Python loop over every character of every passage and sentence
# was most of the gazetteer's cost while answering.
_LOWER = CharacterMap(_lower_character)
_FOLD_ONE = CharacterMap(_fold_character)


def _aligned_forms(text: str) -> tuple[str, str, str]:
    """(normalised, case-folded, folded) copies of `text`, all of the same length.

    Offsets found in the folded copy can then be read back in the other two.
    """
    norm = normalize(text)
    low = norm.translate(_LOWER)
    return norm, low, low.translate(_FOLD_ONE)


def _data() -> dict[str, object]:
    raw = resources.files("retriever").joinpath("data/provinces.json").read_text("utf-8")
    data: dict[str, object] = json.loads(raw)
    return data


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    entries = _data()["provinces"]
    assert isinstance(entries, list)
    grouped: dict[str, dict[str, object]] = {}
    lookup: dict[str, str] = {}
    lookup_folded: dict[str, str] = {}
    names: list[str] = []
    after: dict[str, str] = {}

    def add(canonical: str, spelling: str, kind: str) -> None:
        spelling = normalize(spelling)
        fkey = _fold_key(spelling)
        slot = grouped.setdefault(
            fkey, {"canonical": canonical, "kind": kind, "spellings": set(), "exact": set()}
        )
        if slot["canonical"] != canonical or slot["kind"] != kind:
            raise ValueError(
                f"provinces.json: {spelling!r} ({canonical}, {kind}) clashes with "
                f"{slot['canonical']} ({slot['kind']}) once diacritics are removed"
            )
        spellings = slot["spellings"]
        exact = slot["exact"]
        assert isinstance(spellings, set) and isinstance(exact, set)
        spellings.add(_key(match_form(spelling)))
        exact.add(_key(spelling))

    for entry in entries:
        name = normalize(entry["name"])
        names.append(name)
        after[name] = normalize(entry.get("after_2025") or name)
        cased = [normalize(c) for c in entry.get("cased", [])]
        for alias in [name, *entry.get("aliases", [])]:
            if normalize(alias) not in cased:
                add(name, alias, "alias")
        for alias in cased:
            add(name, alias, "cased")
        for abbr in entry.get("abbreviations", []):
            add(name, abbr, "abbr")
        for place in entry.get("places", []):
            add(name, place, "place")
        for alias in [name, *entry.get("aliases", []), *cased, *entry.get("abbreviations", []),
                      *entry.get("lookup_only", [])]:
            lookup[_key(match_form(alias))] = name
            lookup_folded[_fold_key(alias)] = name

    forms = {
        fkey: _Form(
            canonical=str(slot["canonical"]),
            kind=str(slot["kind"]),
            spellings=frozenset(slot["spellings"]),  # type: ignore[arg-type]
            exact=frozenset(slot["exact"]),  # type: ignore[arg-type]
        )
        for fkey, slot in grouped.items()
    }
    # Longest first, so "bà rịa - vũng tàu" wins over the place "bà rịa" at the same spot.
    alternatives = sorted(forms, key=len, reverse=True)
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(_pattern_for(k) for k in alternatives) + r")(?!\w)"
    )
    logger.debug("gazetteer: %d provinces, %d surface forms", len(names), len(forms))
    return _Gazetteer(tuple(names), forms, pattern, lookup, lookup_folded, after)


def _is_title_cased(span: str) -> bool:
    words = [w for w in re.split(r"[\s\-.]+", span) if w]
    return all(w[0].isupper() for w in words)


def _accept(form: _Form, span: str, low_span: str) -> bool:
    """Whether the text really spells this form (the folded match is only a candidate)."""
    if form.kind == "abbr":
        return _key(span) in form.exact
    if form.kind in ("cased", "place") and not _is_title_cased(span):
        return False
    # Typed without diacritics, or with exactly the right ones; "bến tre" typed as
    # "bên tre" is some other phrase.
    return not has_diacritics(span) or _key(low_span) in form.spellings


def _mentions(text: str) -> list[tuple[str, str, int]]:
    """(canonical, kind, offset) of every accepted mention, in text order."""
    return [(canonical, kind, start) for canonical, kind, start, _end in _spans(text)]


def _spans(text: str) -> list[tuple[str, str, int, int]]:
    if not text:
        return []
    gaz = _gazetteer()
    norm, low, folded = _aligned_forms(text)
    found: list[tuple[str, str, int, int]] = []
    for m in gaz.pattern.finditer(folded):
        form = gaz.forms.get(_key(m.group(0)))
        if form is None:
            continue
        s, e = m.span()
        if _accept(form, norm[s:e], low[s:e]):
            found.append((form.canonical, form.kind, s, e))
    return found


def province_mentions(text: str) -> list[tuple[str, int, int]]:
    """(canonical name, start, end) of each province named in `text`, in text order (cities
    inside a province are not the province). Offsets are into `text` when normalising it
    keeps its length (text that went through ingest's cleaning does)."""
    return [(canonical, s, e) for canonical, kind, s, e in _spans(text) if kind != "place"]


def find_provinces(text: str) -> list[tuple[str, int]]:
    """Provinces named in `text` with their number of mentions, most mentioned first.

    Whole-word matches of names, aliases and abbreviations, with or without diacritics.
    Cities inside a province ("Vũng Tàu", "Mỹ Tho") are not counted as mentions.
    """
    return list(_province_counts(text))


@lru_cache(maxsize=8192)
def _province_counts(text: str) -> tuple[tuple[str, int], ...]:
    # Cached: the answerer asks about the same passages' sentences for many questions.
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    for canonical, kind, offset in _mentions(text):
        if kind == "place":
            continue
        counts[canonical] = counts.get(canonical, 0) + 1
        first.setdefault(canonical, offset)
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], first[kv[0]])))


def detect_province(text: str, title: str = "") -> str | None:
    """The province an article is about: most mentioned, title mentions weighing more.

    Returns None when no province (or city of one) is named at all.
    """
    scores: dict[str, float] = {}
    order: dict[str, tuple[int, int]] = {}
    for part, (source, weight) in enumerate(((title, TITLE_WEIGHT), (text, 1.0))):
        for canonical, kind, offset in _mentions(source):
            gain = weight * (PLACE_WEIGHT if kind == "place" else 1.0)
            scores[canonical] = scores.get(canonical, 0.0) + gain
            order.setdefault(canonical, (part, offset))
    if not scores:
        return None
    return max(scores, key=lambda name: (scores[name], -order[name][0], -order[name][1]))


@lru_cache(maxsize=4096)  # asked for every word of every question
def canonical_province(name: str) -> str | None:
    """The canonical name for a province name, alias or abbreviation; None if unknown.

    Accepts "tỉnh"/"thành phố"/"TP" prefixes, any case, and text without diacritics:
    "BR-VT", "tp.hcm", "Sài Gòn", "tinh ben tre" all resolve.
    """
    if not name or not name.strip():
        return None
    gaz = _gazetteer()
    key = _key(match_form(name))
    candidates = [key]
    stripped = _PREFIX_RE.sub("", key)
    if stripped != key:
        candidates.append(stripped)
    for cand in candidates:
        if cand in gaz.lookup:
            return gaz.lookup[cand]
    for cand in candidates:
        fkey = _key(fold_diacritics(cand))
        if fkey in gaz.lookup_folded:
            return gaz.lookup_folded[fkey]
    return None


def all_provinces() -> list[str]:
    """The 63 canonical names, in the data file's order (roughly north to south)."""
    return list(_gazetteer().names)


def province_after_2025(name: str) -> str | None:
    """The unit of the 34-unit structure (from 1 July 2025) that now contains `name`."""
    canonical = canonical_province(name)
    return _gazetteer().after_2025.get(canonical) if canonical else None
