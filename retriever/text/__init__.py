"""Vietnamese text: the one normaliser, tokenisation, abbreviations and the province gazetteer."""

from retriever.text.normalize import (
    NORMALIZER_VERSION,
    fold_diacritics,
    has_diacritics,
    match_form,
    normalize,
)

__all__ = [
    "NORMALIZER_VERSION",
    "fold_diacritics",
    "has_diacritics",
    "match_form",
    "normalize",
]
