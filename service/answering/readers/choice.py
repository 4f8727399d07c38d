"""HOIDAP_READER=auto: the rules choose the sentence, the trained reader the span in it.

Measured on the validation documents of every external set (docs/reader.md), never on the
reported test documents: the rules' sentence holds the answer more often than the trained
reader's (answer accuracy 0.67-0.78 against 0.54-0.72), while the trained reader's spans are
far closer to the gold short answer (span F1 0.44-0.55 against 0.03-0.13). So `auto` keeps
the rules' decision and sentence, with their constraint checks (province, year, the rank's
own clause), and takes as the span the trained reader's best one inside that sentence; only
when the trained reader is very sure (probability >= `switch_probability`) of a span in
another sentence does its sentence win. Declines stay the rules': on validation, declining
on the trained reader's no-answer or low probability cost more answers than it saved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from service.answering.readers.base import Candidate, ReaderKind

# Set on the validation documents: 0.7-0.9 tie on accuracy (+1-2 points on viquad2 and
# vi-wiki-qa), lower values trade accuracy for span EM.
DEFAULT_SWITCH_PROBABILITY = 0.8


@dataclass(frozen=True)
class Combined:
    """The answer candidate and the reader whose span it carries."""

    candidate: Candidate
    reader: ReaderKind


def _inside(span: Candidate, sentence: Candidate) -> bool:
    return (span.passage_index == sentence.passage_index
            and sentence.sentence_start <= span.start and span.end <= sentence.sentence_end
            and bool(span.span) and span.span in sentence.answer_text)


def combine(rules_best: Candidate, neural: Sequence[Candidate],
            switch_probability: float = DEFAULT_SWITCH_PROBABILITY) -> Combined:
    """`rules_best`: the rules' answer (already decided: it meets the question's
    constraints); `neural`: the trained reader's n-best, best first, those failing the
    question's constraints already removed."""
    if not 0.0 <= switch_probability <= 1.0:
        raise ValueError("switch_probability must be between 0 and 1")
    if neural and neural[0].score >= switch_probability and not _inside(neural[0], rules_best):
        return Combined(neural[0], ReaderKind.NEURAL)
    for candidate in neural:
        if _inside(candidate, rules_best):
            features = {**rules_best.features, "span_probability": candidate.score}
            return Combined(replace(rules_best, start=candidate.start, end=candidate.end,
                                    span=candidate.span, features=features),
                            ReaderKind.NEURAL)
    return Combined(rules_best, ReaderKind.RULES)
