"""Greetings, thanks and "what can you do?": a short reply of our own, not a search.

A widget's visitors greet it and thank it; answered from the articles, "Xin chào" got the
lead sentence of the last province talked about, or "no answer found".
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache

from retriever.text.normalize import fold_diacritics, normalize
from service.answering.wordlists import word_list

LANGUAGES = ("vi", "en")
_PUNCTUATION = re.compile(r"[^\w\s]+")


class SmallTalk(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    BYE = "bye"
    HELP = "help"


@lru_cache(maxsize=1)
def _phrases() -> dict[str, tuple[SmallTalk, str]]:
    """Folded phrase -> (kind, language)."""
    phrases: dict[str, tuple[SmallTalk, str]] = {}
    for language in LANGUAGES:
        for line in word_list(language, "small_talk"):
            kind, _, phrase = line.partition("\t")
            phrases[_key(phrase)] = (SmallTalk(kind.strip()), language)
    return phrases


@lru_cache(maxsize=1)
def _particles() -> frozenset[str]:
    return frozenset(w for language in LANGUAGES
                     for line in word_list(language, "polite_particles") for w in line.split())


def _key(text: str) -> str:
    """Accent-folded, lower-cased words without punctuation or trailing polite particles."""
    words = _PUNCTUATION.sub(" ", fold_diacritics(normalize(text)).casefold()).split()
    while len(words) > 1 and words[-1] in _particles():
        words.pop()
    return " ".join(words)


def small_talk(message: str) -> tuple[SmallTalk, str] | None:
    """(kind, language) when the whole message is small talk; None for a question."""
    key = _key(message)
    if len(key) > 40:  # a greeting followed by a question is a question
        return None
    return _phrases().get(key)
