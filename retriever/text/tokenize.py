"""Lexical tokens for BM25: syllables (one-letter ones kept), numbers, syllable bigrams."""

from __future__ import annotations

import re

from retriever.text.normalize import fold_diacritics, match_form, unify_i_y

TOKENIZER_VERSION = "2"

# A Vietnamese word is one or more syllables; without a segmenter, adjacent-syllable
# bigrams ("chuyển_đổi", "đổi_số") stand in for compound words.
_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+", re.UNICODE)
_THOUSANDS_RE = re.compile(r"(?<=\d)\.(?=\d{3}(?:\D|$))")


def _number_token(raw: str) -> str:
    # "1.506" and "1506" must match; "78,9" stays a decimal.
    return _THOUSANDS_RE.sub("", raw)


def tokenize(text: str, *, bigrams: bool = True, fold: bool = False) -> list[str]:
    """Tokens of `text` in match form (normalised, case-folded, optionally accent-free).

    Bigrams never span punctuation: "số, dữ liệu" gives no "số_dữ".
    """
    form = unify_i_y(match_form(text))
    if fold:
        form = fold_diacritics(form)
    tokens: list[str] = []
    previous: str | None = None
    previous_end = 0
    for match in _TOKEN_RE.finditer(form):
        raw = match.group(0)
        token = _number_token(raw) if raw[0].isdigit() else raw
        tokens.append(token)
        if bigrams and previous is not None and not form[previous_end:match.start()].strip():
            tokens.append(f"{previous}_{token}")
        previous, previous_end = token, match.end()
    return tokens
