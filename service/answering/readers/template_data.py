"""Template questions over raw Vietnamese text: self-supervised span data for the reader.

Labelled Vietnamese QA is scarce; numbers, dates and ranks in any text can be turned into
questions whose answer is known ("Năm 1796, ông ra Bắc." -> "Năm nào, ông ra Bắc?", answer
"Năm 1796"), in the manner of unsupervised QA by cloze translation (Lewis et al., 2019), here
with hand templates (`answering/data/<language>/template_questions.txt`). Each question is the
sentence with its answer replaced by the question words, cut to the words around the gap so
the reader must still find the sentence, and the example's context is the whole paragraph.
Only text from the training side of the split may be given (nothing here checks that: the
caller chooses the texts).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from service.answering.readers.training_data import (
    QA_TRAIN_FILES,
    QAExample,
    load_source,
    read_jsonl,
)
from service.answering.wordlists import word_list

SOURCE = "templates"
# A sentence ends at . ! ? followed by a space (not inside "1.506" or "97,9").
_SENTENCE = re.compile(r"[^\n]+?(?:[.!?]+(?=\s)|$)", re.MULTILINE)
_MIN_WORDS, _MAX_WORDS = 6, 60
_WORDS_AROUND_GAP = 12


@dataclass(frozen=True)
class Template:
    question_words: str  # `\1` is the pattern's first group
    pattern: re.Pattern[str]


@lru_cache(maxsize=4)
def templates(language: str = "vi") -> tuple[Template, ...]:
    found = []
    for line in word_list(language, "template_questions"):
        words, _, pattern = line.partition("\t")
        found.append(Template(words.strip(), re.compile(pattern.strip())))
    return tuple(found)


_CLAUSE_END = re.compile(r"\s*(?:[;:–()]|,(?!\d))\s*")


def _clause_words(text: str, from_end: bool, min_words: int) -> list[str]:
    """The words of `text` nearest the gap: whole clauses until there are `min_words`
    (0: the nearest clause only), at most `_WORDS_AROUND_GAP`."""
    parts = _CLAUSE_END.split(text)
    if from_end:
        parts.reverse()
    words: list[str] = []
    for n, part in enumerate(parts):
        if n and len(words) >= min_words:
            break
        more = part.split()
        words.extend(reversed(more) if from_end else more)
    words = words[:_WORDS_AROUND_GAP]
    return list(reversed(words)) if from_end else words


def _question(sentence: str, start: int, end: int, words: str) -> str:
    """`sentence` with [start, end) replaced by `words`, cut to the clause around the gap;
    when that clause has under 3 other words, the next clause on each side joins it."""
    head, tail = sentence[:start], sentence[end:].strip().rstrip(".!?;:,")
    before, after = _clause_words(head, True, 0), _clause_words(tail, False, 0)
    if len(before) + len(after) < 3:
        before, after = _clause_words(head, True, 3), _clause_words(tail, False, 3)
    text = " ".join([*before, words, *after]).strip(" ,;:")
    return text[:1].upper() + text[1:] + "?"


def sentence_questions(sentence: str, language: str = "vi"
                       ) -> list[tuple[str, int, int]]:
    """(question, answer start, answer end) for each template match in one sentence; the
    offsets are the answer's in `sentence`."""
    if not _MIN_WORDS <= len(sentence.split()) <= _MAX_WORDS:
        return []
    taken: list[tuple[int, int]] = []
    found = []
    for template in templates(language):
        for match in template.pattern.finditer(sentence):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            words = (template.question_words.replace("\\1", match.group(1))
                     if match.groups() else template.question_words)
            found.append((_question(sentence, start, end, words), start, end))
    return found


def template_examples(texts: Iterable[tuple[str, str]], limit: int | None = None,
                      per_text: int = 2, seed: int = 13, language: str = "vi"
                      ) -> list[QAExample]:
    """Template examples from (group, paragraph) texts: at most `per_text` per paragraph and
    `limit` in all, a seeded sample; each keeps its paragraph's group for splits by document."""
    rng = random.Random(seed)
    examples: list[QAExample] = []
    seen: set[str] = set()
    for group, text in texts:
        if text in seen:
            continue
        seen.add(text)
        candidates = []
        for sentence in _SENTENCE.finditer(text):
            for question, start, end in sentence_questions(sentence.group(), language):
                offset = sentence.start()
                candidates.append((question, offset + start, offset + end))
        for n, (question, start, end) in enumerate(
                rng.sample(candidates, min(per_text, len(candidates)))):
            examples.append(QAExample(f"{SOURCE}:{len(seen)}:{n}", question, text,
                                      ((start, end),), SOURCE, group))
    if limit is not None and len(examples) > limit:
        examples = rng.sample(examples, limit)
    return examples


# The qa-train files whose paragraphs are Vietnamese (mlqa-en-vi's are English).
VIETNAMESE_TRAIN_FILES = ("vinewsqa", "viquad2-vlsp", "viquad1", "vi-webqa", "mlqa-vi-en")


def training_side_texts(shared: Path, split: dict[str, dict[str, list[str]]]
                        ) -> list[tuple[str, str]]:
    """(group, paragraph) of every Vietnamese text on the training side: the qa-train
    paragraphs and the external sets' train documents (never a validation or test one)."""
    texts: list[tuple[str, str]] = []
    for source in VIETNAMESE_TRAIN_FILES:
        if (Path(shared) / "qa-train" / QA_TRAIN_FILES[source]).exists():
            texts.extend((e.group, e.context) for e in load_source(shared, source, split))
    for name, sides in split.items():
        train = set(sides["train"])
        for doc in read_jsonl(Path(shared) / "external" / name / "corpus.jsonl"):
            if doc["doc_id"] in train:
                texts.append((f"{name}:{doc['doc_id']}", doc["text"]))
    return texts
