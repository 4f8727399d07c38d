"""Turns documents and queries into BM25 tokens the same way on both sides."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache

from retriever.text.abbreviations import expand_abbreviations
from retriever.text.query_expansion import query_expansion
from retriever.text.tokenize import TOKENIZER_VERSION, tokenize

QUERY_CACHE_SIZE = 4096


@dataclass(frozen=True)
class Analyzer:
    """Abbreviation expansion, then syllable tokens (+ bigrams), optionally accent-folded."""

    bigrams: bool = True
    expand_abbreviations: bool = True
    expand_questions: bool = True

    def tokens(self, text: str, *, fold: bool = False) -> list[str]:
        if self.expand_abbreviations:
            text = expand_abbreviations(text)
        return tokenize(text, bigrams=self.bigrams, fold=fold)

    def field_tokens(self, text: str, folds: Sequence[bool]) -> list[list[str]]:
        """`tokens(text, fold=f)` for each f, expanding abbreviations once (the slow part)."""
        if self.expand_abbreviations:
            text = expand_abbreviations(text)
        return [tokenize(text, bigrams=self.bigrams, fold=fold) for fold in folds]

    def query_tokens(self, query: str, *, fold: bool = False) -> tuple[list[str], list[str]]:
        """(tokens of the query, new tokens from its expansion): the words answers use for
        the question's phrasing, each once and none already typed, to be weighted lower."""
        tokens, added = _query_tokens(self, query, fold)
        return list(tokens), list(added)

    def describe(self) -> dict[str, object]:
        """Settings recorded in an index manifest: a query must be analysed the same way."""
        settings = asdict(self)
        del settings["expand_questions"]  # query-side only: any index serves either way
        return {"tokenizer_version": TOKENIZER_VERSION, **settings}


# A query is analysed by BM25, by its per-query weight and by the answerer: once is enough.
@lru_cache(maxsize=QUERY_CACHE_SIZE)
def _query_tokens(analyzer: Analyzer, query: str, fold: bool,
                  ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    tokens = analyzer.tokens(query, fold=fold)
    if not analyzer.expand_questions:
        return tuple(tokens), ()
    seen = set(tokens)
    added: list[str] = []
    for token in analyzer.tokens(query_expansion(query), fold=fold):
        if token not in seen:
            seen.add(token)
            added.append(token)
    return tuple(tokens), tuple(added)
