"""Why an answer was declined: one closed set, shared by the stages, logs and evaluation."""

from __future__ import annotations

from enum import StrEnum


class DeclineReason(StrEnum):
    NO_PASSAGE = "no passage"  # retrieval found nothing
    PROVINCE = "province"  # no passage (or sentence) about the province asked
    TERM = "term"  # a term the question requires ("5G") is in no passage
    NO_SENTENCE = "no sentence"  # the passages have no readable sentence
    YEAR = "year"  # the year asked is not the one the text states
    INDEX = "index"  # the ranking index asked (DTI, PCI, ...) is not the one the text states
    TYPE = "type"  # no answer of the kind asked (a rank, an amount)
    COUNT = "count"  # no number of the thing counted
    ROLE = "role"  # no one holding the office asked about
    WEAK = "weak"  # the best candidate's evidence is too weak
    ELSEWHERE = "elsewhere"  # another province's passage answers it: the fact is theirs
    COMPARE = "compare"  # a compared province has no value
    NO_ANSWER = "no answer"  # the trained reader says the passages do not answer it
    SMALL_TALK = "small talk"  # a greeting, thanks or "what can you do?": not a question


# The constraints a candidate can fail (verify.py), as opposed to the pipeline's own reasons.
UNMET_REASONS = (DeclineReason.PROVINCE, DeclineReason.YEAR, DeclineReason.INDEX,
                 DeclineReason.TYPE, DeclineReason.COUNT, DeclineReason.ROLE)
