"""Restores the diacritics of a query typed without them, from the corpus's own words.

A bigram Viterbi over the accented BM25 vocabulary: "binh phuoc xep hang" becomes
"bình phước xếp hạng" because those are the spellings (and word pairs) the articles use.
The encoder understands accented Vietnamese far better than accent-free text.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import numpy as np

from retriever.bm25 import BM25
from retriever.text.gazetteer import all_provinces
from retriever.text.normalize import fold_diacritics, has_diacritics, match_form, unify_i_y

_WORD_RE = re.compile(r"[^\W\d_]+")
_CANDIDATES = 6
_BIGRAM_WEIGHT = 0.8


@lru_cache(maxsize=1)
def _common_phrases() -> tuple[tuple[str, ...], ...]:
    raw = resources.files("retriever").joinpath("data/common_words.txt").read_text("utf-8")
    lines = [line for line in raw.splitlines() if line.strip() and not line.startswith("#")]
    # Questions name provinces the corpus may not cover ("Hà Nội xếp hạng thứ mấy?").
    lines += all_provinces()
    return tuple(tuple(_WORD_RE.findall(unify_i_y(match_form(line)))) for line in lines)


def _add_common_phrases(unigrams: dict[str, int], bigrams: dict[tuple[str, str], int]) -> None:
    """Questions use words ("bao nhiêu", "thứ mấy") that articles hardly ever contain."""
    weight = max([1, *unigrams.values()]) // 4 + 1
    for phrase in _common_phrases():
        for word in phrase:
            unigrams[word] = unigrams.get(word, 0) + weight
        for left, right in zip(phrase, phrase[1:], strict=False):
            bigrams[(left, right)] = bigrams.get((left, right), 0) + weight


@lru_cache(maxsize=1)
def _province_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple(
        (re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE), name)
        for name in sorted(all_provinces(), key=len, reverse=True)
    )


def _capitalise_provinces(text: str) -> str:
    # Typed "binh phuoc" restores to "bình phước"; the encoder matches "Bình Phước" better.
    for pattern, name in _province_patterns():
        text = pattern.sub(name, text)
    return text


class AccentRestorer:
    def __init__(self, unigrams: dict[str, int], bigrams: dict[tuple[str, str], int]) -> None:
        unigrams, bigrams = dict(unigrams), dict(bigrams)
        _add_common_phrases(unigrams, bigrams)
        self._unigram_df = unigrams
        self._bigram_df = bigrams
        self._total = max(1, sum(unigrams.values()))
        grouped: dict[str, list[str]] = defaultdict(list)
        for word in unigrams:
            grouped[fold_diacritics(word)].append(word)
        self._candidates = {
            folded: sorted(words, key=lambda w: -unigrams[w])[:_CANDIDATES]
            for folded, words in grouped.items()
        }

    @classmethod
    def from_bm25(cls, bm25: BM25) -> AccentRestorer:
        """Word and word-pair document frequencies of an accented BM25 field."""
        doc_freq = np.diff(bm25.column_pointers())
        return cls.from_document_frequencies(
            (term, int(doc_freq[column])) for term, column in bm25.vocabulary.items()
        )

    @classmethod
    def from_document_frequencies(cls, terms: Iterable[tuple[str, int]]) -> AccentRestorer:
        """From (BM25 term, document frequency) pairs of an accented field, wherever kept."""
        unigrams: dict[str, int] = {}
        bigrams: dict[tuple[str, str], int] = {}
        for term, doc_freq in terms:
            left, sep, right = term.partition("_")
            if sep:
                if left.isalpha() and right.isalpha():
                    bigrams[(left, right)] = doc_freq
            elif term.isalpha():
                unigrams[term] = doc_freq
        return cls(unigrams, bigrams)

    def _log_prob(self, previous: str | None, word: str) -> float:
        unigram = (self._unigram_df.get(word, 0) + 0.1) / self._total
        if previous is None:
            return math.log(unigram)
        bigram = self._bigram_df.get((previous, word), 0) / max(1, self._unigram_df[previous])
        return math.log(_BIGRAM_WEIGHT * bigram + (1 - _BIGRAM_WEIGHT) * unigram)

    def _restore_run(self, words: list[str]) -> list[str]:
        """Viterbi over one run of adjacent words (no punctuation between them)."""
        options = [self._candidates.get(unify_i_y(w), [w]) for w in words]
        best: dict[str, tuple[float, list[str]]] = {
            c: (self._log_prob(None, c) if c in self._unigram_df else -50.0, [c])
            for c in options[0]
        }
        for position in range(1, len(words)):
            step: dict[str, tuple[float, list[str]]] = {}
            for candidate in options[position]:
                known = candidate in self._unigram_df
                step[candidate] = max(
                    (score + (self._log_prob(prev, candidate) if known and prev in
                              self._unigram_df else -50.0), path + [candidate])
                    for prev, (score, path) in best.items()
                )
            best = step
        return max(best.values())[1]

    def restore(self, text: str) -> str:
        """`text` with accents restored where the corpus knows the words; else unchanged."""
        if has_diacritics(text):
            return text
        matches = list(_WORD_RE.finditer(text))
        if not matches:
            return text
        runs: list[list[re.Match[str]]] = [[matches[0]]]
        for previous, current in zip(matches, matches[1:], strict=False):
            if text[previous.end():current.start()].strip():
                runs.append([current])
            else:
                runs[-1].append(current)
        pieces, cursor = [], 0
        for run in runs:
            restored = self._restore_run([m.group(0).lower() for m in run])
            for match, word in zip(run, restored, strict=True):
                original = match.group(0)
                if original.isupper() and len(original) > 1:
                    word = word.upper()
                elif original[0].isupper():
                    word = word[0].upper() + word[1:]
                pieces.append(text[cursor:match.start()])
                pieces.append(word)
                cursor = match.end()
        pieces.append(text[cursor:])
        return _capitalise_provinces("".join(pieces))
