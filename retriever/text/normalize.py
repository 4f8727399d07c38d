"""The one place Vietnamese text is normalised; indexing and querying both go through it.

`normalize` keeps case and punctuation (it is safe for display and for the encoder);
`match_form` adds case folding for lexical matching; `fold_diacritics` strips accents
for the diacritic-free field used when a query is typed without them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

NORMALIZER_VERSION = "1"

_TONE_MARKS = {"\u0300": "grave", "\u0301": "acute", "\u0309": "hook", "\u0303": "tilde",
               "\u0323": "dot"}

# Two tone-mark conventions exist for the open syllables oa, oe, uy: "hoà/thuý/khoẻ"
# (mark on the second vowel) and "hòa/thúy/khỏe" (on the first). We store the latter.
# Syllables with a final consonant (hoàng, thuyền) are written the same in both.
# "qu" is a consonant, so in "quý" the mark rightly stays on y.


def _tone_rules() -> dict[str, str]:
    rules: dict[str, str] = {}
    for first, second in (("o", "a"), ("o", "e"), ("u", "y")):
        for mark in _TONE_MARKS:
            for f, s in ((first, second), (first.upper(), second),
                         (first.upper(), second.upper())):
                new_style = f + unicodedata.normalize("NFC", s + mark)
                old_style = unicodedata.normalize("NFC", f + mark) + s
                rules[new_style] = old_style
    return rules


_TONE_RULES = _tone_rules()
_TONE_SIMPLE_RE = re.compile("(" + "|".join(map(re.escape, _TONE_RULES)) + r")(?!\w)")

# Characters that are spaces, dashes or quotes in disguise on real news pages.
_TRANSLATE = str.maketrans({
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ",
    "\u3000": " ", "\t": " ", "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "",
    "\u00ad": "", "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"',
    "\u00bb": '"', "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'",
    "\u2026": "...",
})
_SPACES_RE = re.compile(r"[ \f\v]+")
_SPACE_BEFORE_PUNCT_RE = re.compile(r" +([,.;:!?%)\]])")
_SPACE_AFTER_OPEN_RE = re.compile(r"([(\[]) +")
_NEWLINES_RE = re.compile(r" *\n *")


def _fix_tones(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        i = m.start(1)
        if m.group(1)[0] in "uU" and i > 0 and text[i - 1] in "qQ":
            return m.group(1)
        return _TONE_RULES[m.group(1)]

    return _TONE_SIMPLE_RE.sub(repl, text)


def normalize(text: str) -> str:
    """NFC, one tone-mark convention, unified spaces/dashes/quotes, tidy punctuation spacing.

    Keeps case, line breaks and all characters that carry meaning, so the result can be
    displayed and offsets into it cited.
    """
    text = unicodedata.normalize("NFC", text).translate(_TRANSLATE)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _fix_tones(text)
    text = _SPACES_RE.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT_RE.sub(r"\1", text)
    text = _SPACE_AFTER_OPEN_RE.sub(r"\1", text)
    text = _NEWLINES_RE.sub("\n", text)
    return text.strip()


def match_form(text: str) -> str:
    """Normalised and case-folded: the form lexical matching compares."""
    return normalize(text).casefold()


class CharacterMap(dict[int, str]):
    """A `str.translate` table computed one character at a time, the first time it is seen.

    For functions that map every character on its own, translating gives exactly their
    result on the whole text, in C instead of a Python loop over its characters.
    """

    def __init__(self, function: Callable[[str], str]) -> None:
        super().__init__()
        self._function = function

    def __missing__(self, code: int) -> str:
        value = self._function(chr(code))
        self[code] = value
        return value


def _fold_character(character: str) -> str:
    decomposed = unicodedata.normalize("NFD", character)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("đ", "d").replace("Đ", "D")


# NFD decomposes each character on its own and canonical reordering moves only the marks
# that folding removes, so folding character by character equals folding the whole text.
# Folding ran ~250 times per question (passages, spans, provinces): a Python loop over
# every character was 4 ms of a question's ~25 ms of CPU.
_FOLD = CharacterMap(_fold_character)


def fold_diacritics(text: str) -> str:
    """Strip every Vietnamese diacritic ("Bình Phước" -> "Binh Phuoc", "đ" -> "d")."""
    return text.translate(_FOLD)


def has_diacritics(text: str) -> bool:
    """True if any letter carries a Vietnamese diacritic (or is đ)."""
    return fold_diacritics(text) != unicodedata.normalize("NFC", text)


# "tỉ lệ"/"tỷ lệ", "kĩ"/"kỹ", "lí"/"lý", "quí"/"quý": after a consonant, final i and y are
# interchangeable spellings. Lexical matching compares the i form; display keeps the text.
_Y_TO_I = str.maketrans("yýỳỷỹỵ", "iíìỉĩị")
_I_Y_SYLLABLE_RE = re.compile(
    r"\b(qu|ch|gh|kh|nh|ph|th|tr|[bcdđghklmnprstvx])([yýỳỷỹỵ])\b", re.IGNORECASE
)


def unify_i_y(text: str) -> str:
    """Spell open syllables consonant+y with i ("tỷ" -> "tỉ", "Mỹ" -> "Mi"); for matching only."""
    return _I_Y_SYLLABLE_RE.sub(lambda m: m.group(1) + m.group(2).translate(_Y_TO_I), text)
