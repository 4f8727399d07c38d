"""How fully a sentence covers a query: the IDF-weighted share of the query's words in it.

Shared by the passage reranker (retriever/rerank.py) and the answer extractor
(service/answering/extractive.py): both ask which sentence says what the question asks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

from retriever.text.abbreviations import expand_abbreviations
from retriever.text.sentences import Sentence, split_segments, split_sentences
from retriever.text.tokenize import tokenize

IdfLookup = Callable[[str, bool], float]

# Question words and particles: they say what is asked, not what the answer is about.
_VI_STOP_WORDS = (
    "bao nhiêu mấy gì nào ai đâu khi sao thế vậy là có không được của và các những đã "
    "thì ra nhé ạ hả chứ còn hiện nay bây giờ cho biết hãy theo trong với về tại ở"
)
# English words that are not also Vietnamese syllables once written without marks ("an" of
# "an toàn", "to", "in", "on", "it" of "ít", "do" of "đô thị", "by" read as "bi" of "bí thư"
# are left out).
_EN_STOP_WORDS = (
    "the a of is are was were what which who when where how many much does did has have "
    "for at and or with its this that there about"
)


def _stop_forms(words: str, fold: bool) -> frozenset[str]:
    return frozenset(token for word in words.split() for token in tokenize(word, fold=fold))


# Stop words are matched in the form the question is written in: folded, "máy" (machine),
# "cơ", "chủ", "trọng", "độ" and "Hà" would be the question words "mấy", "có", "chứ",
# "trong", "do" and "hả"; and in an accented question "sân bay", "cho vay" and "1.000 ha"
# are written without marks but are not "bây", "vậy" or "hả".
# Accented, also classifiers ("con sông", "bà con", "cái gì"; folded they would be "còn",
# "cải" of "cải cách") and English words inside names ("The Hague").
_STOP_ACCENTED = (_stop_forms(_VI_STOP_WORDS + " con cái chiếc", fold=False)
                  | _stop_forms(_EN_STOP_WORDS, fold=False))
_STOP_FOLDED = _stop_forms(_VI_STOP_WORDS, fold=True) | _stop_forms(_EN_STOP_WORDS, fold=True)
CONTEXT_CREDIT = 0.5  # a query word found only in the passage's title or province


@lru_cache(maxsize=65536)
def text_tokens(text: str, fold: bool) -> frozenset[str]:
    """Match-form tokens and bigrams of a text, abbreviations expanded (cached: passages
    come back again and again)."""
    return frozenset(tokenize(expand_abbreviations(text), bigrams=True, fold=fold))


def is_stop(token: str, fold: bool) -> bool:
    """A question word, or a bigram with one ("mau_có" says nothing "Cà Mau" does not), in
    a question written accented (`fold` False) or without marks."""
    stop = _STOP_FOLDED if fold else _STOP_ACCENTED
    return any(part in stop for part in token.split("_"))


@dataclass(frozen=True)
class Unit:
    """A scoring unit: one segment of a sentence, its tokens, and its sentence's tokens."""

    segment: Sentence
    tokens: frozenset[str]
    sentence_tokens: frozenset[str]
    part: bool  # one of several segments of its sentence
    sentence_text: str


def _sentences_and_segments(text: str) -> Iterator[tuple[Sentence, list[Sentence]]]:
    for sentence in split_sentences(text):
        yield sentence, split_segments(sentence)


def segment_texts(text: str) -> list[str]:
    """The texts of `passage_units(text, fold)`'s segments, in order, without tokenising them
    (the same for both folds: folding changes tokens, never where a passage is split). The
    index stores a vector for each, so answering never embeds passage text."""
    return [segment.text for _, segments in _sentences_and_segments(text)
            for segment in segments]


@lru_cache(maxsize=8192)
def passage_units(text: str, fold: bool) -> tuple[Unit, ...]:
    units = []
    for sentence, segments in _sentences_and_segments(text):
        whole = text_tokens(sentence.text, fold) if len(segments) > 1 else frozenset()
        units.extend(Unit(segment, text_tokens(segment.text, fold), whole, len(segments) > 1,
                          sentence.text) for segment in segments)
    return tuple(units)


def query_weights(text: str, idf: IdfLookup, fold: bool) -> dict[str, float]:
    """The query's content tokens (question words dropped) and their IDF."""
    tokens = [t for t in text_tokens(text, fold) if not is_stop(t, fold)]
    weights = {t: idf(t, fold) for t in sorted(tokens)}
    return {t: w for t, w in weights.items() if w > 0}


def coverage(weights: Mapping[str, float], sentence: frozenset[str],
             context: frozenset[str], extra: Mapping[str, float] | None = None) -> float:
    """Share of the weighted query words in `sentence` (words only in `context` count
    CONTEXT_CREDIT); `extra` words add their weight without being asked for."""
    total = sum(weights.values()) or 1.0
    score = 0.0
    for token, weight in weights.items():
        if token in sentence:
            score += weight
        elif token in context:
            score += CONTEXT_CREDIT * weight
    if extra:
        score += sum(w for t, w in extra.items() if t in sentence)
    return min(score / total, 1.0)


def best_window_coverage(weights: Mapping[str, float], title: str, text: str, fold: bool,
                         extra: Mapping[str, float] | None = None, province: str = "",
                         size: int = 3) -> float:
    """Coverage of the passage's best window of `size` consecutive sentences, its title as
    context (the whole passage when it has fewer sentences).

    The passage's province counts as if every sentence named it ("toàn tỉnh" means it), so
    a question's province does not favour the sentences that happen to repeat the name.
    """
    context = text_tokens(title, fold)
    place = text_tokens(province, fold) if province else frozenset()
    sentences = [text_tokens(s.text, fold) for s in split_sentences(text)]
    if not sentences:
        return 0.0
    return max(coverage(weights, frozenset().union(*sentences[start:start + size]) | place,
                        context, extra)
               for start in range(max(1, len(sentences) - size + 1)))
