"""HOIDAP_READER=auto: which reader answers a question.

Chosen by measurement on the validation documents (docs/evaluation.md), never on the
reported test documents: the trained reader wins on open-domain text; the rules keep the
questions they were built for and measurably answer better, those about a named province of
a province corpus with a typed short answer (rank, number, date, ...), where their
constraint checks (the rank's own clause, the counted unit, the office) hold.
"""

from __future__ import annotations

from service.answering.question import QuestionInfo, QuestionKind
from service.answering.readers.base import ReaderKind

_RULE_KINDS = frozenset((QuestionKind.RANK, QuestionKind.NUMBER, QuestionKind.DATE,
                         QuestionKind.ROLE, QuestionKind.PERSON))


def auto_choice(question: QuestionInfo, province_corpus: bool) -> ReaderKind:
    if province_corpus and question.provinces and question.kind in _RULE_KINDS:
        return ReaderKind.RULES
    return ReaderKind.NEURAL
