"""The project's own question set: well-formed, big enough, and grounded in the cleaned texts.

Fast and model-free: it reads the JSONL and the cleaned sample corpus, nothing else.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from eval.dataset import Question, load_questions
from index.ingest import load_sample_corpus
from retriever.text.normalize import has_diacritics

QUESTIONS = Path(__file__).resolve().parents[2] / "eval" / "data" / "sample_questions.jsonl"
SAMPLE_DOC_IDS = {"ben-tre", "binh-phuoc", "tien-giang", "vinh-long", "ba-ria-vung-tau"}
FACTOID_TYPES = {"number", "rank", "date", "person", "place", "name", "goal", "definition"}
MINIMUM_BY_TYPE = {
    "unanswerable": 20,
    "no-diacritics": 15,
    "english": 8,
    "followup": 8,
    "abbreviation": 8,
    "paraphrase": 10,
    "multi": 4,
}

# Evidence is a phrase or a sentence, short enough to sit inside one retrieved passage.
EVIDENCE_MAX_CHARS = 300

_SPACE_RE = re.compile(r"\s+")
_NUMBER_DOT_RE = re.compile(r"(?<=\d)\.(?=\d)")


def flat(text: str) -> str:
    """Evidence comparison: NFC, whitespace collapsed (case and punctuation kept)."""
    return _SPACE_RE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def answer_form(text: str) -> str:
    """Answer comparison: NFC, case-folded, whitespace collapsed, "1.506" == "1506"."""
    return _NUMBER_DOT_RE.sub("", flat(text).casefold())


@pytest.fixture(scope="module")
def questions() -> list[Question]:
    return load_questions(QUESTIONS)


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    result = load_sample_corpus()
    assert not result.errors
    return {doc.doc_id: doc.text for doc in result.documents}


def test_loads_and_ids_are_unique(questions: list[Question]) -> None:
    ids = [q.id for q in questions]
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicates
    assert all(i and i == i.strip() for i in ids)


def test_first_question_is_the_binh_phuoc_ranking(questions: list[Question]) -> None:
    first = questions[0]
    assert first.question == "Bình Phước xếp hạng chuyển đổi số thứ mấy?"
    assert "thứ 9" in first.answers
    assert first.doc_id == "binh-phuoc"


def test_size_and_mix(questions: list[Question]) -> None:
    assert len(questions) >= 120
    counts = Counter(q.type for q in questions)
    for kind, minimum in MINIMUM_BY_TYPE.items():
        assert counts[kind] >= minimum, (kind, counts[kind])
    assert sum(counts[t] for t in FACTOID_TYPES) >= 60
    factoid_docs = {q.doc_id for q in questions if q.type in FACTOID_TYPES}
    assert factoid_docs == SAMPLE_DOC_IDS


def test_followups_have_history(questions: list[Question]) -> None:
    followups = [q for q in questions if q.type == "followup"]
    for q in followups:
        assert q.history, q.id
        assert q.history[0]["role"] == "user", q.id
        assert q.history[-1]["role"] == "assistant", q.id
        assert all(turn["content"].strip() for turn in q.history), q.id


def test_no_diacritics_questions_have_none(questions: list[Question]) -> None:
    for q in questions:
        if q.type == "no-diacritics":
            assert not has_diacritics(q.question), q.id


def test_text_is_nfc(questions: list[Question]) -> None:
    for q in questions:
        strings = [q.question, *q.answers, q.evidence or ""]
        strings += [turn["content"] for turn in q.history]
        for s in strings:
            assert s == unicodedata.normalize("NFC", s), q.id


def test_unanswerable_questions_have_no_answer(questions: list[Question]) -> None:
    for q in questions:
        if q.type == "unanswerable" or not q.answers:
            assert q.type == "unanswerable", q.id
            assert q.answers == [], q.id
            assert q.doc_id is None, q.id
            assert q.evidence is None, q.id


def test_evidence_is_verbatim_in_the_cleaned_document(
    questions: list[Question], texts: dict[str, str]
) -> None:
    for q in questions:
        if not q.answers:
            continue
        assert q.doc_id in SAMPLE_DOC_IDS, q.id
        assert q.evidence is not None and q.evidence.strip(), q.id
        assert len(q.evidence) <= EVIDENCE_MAX_CHARS, q.id
        assert flat(q.evidence) in flat(texts[q.doc_id]), q.id


def test_accepted_answers_occur_in_the_text(
    questions: list[Question], texts: dict[str, str]
) -> None:
    forms = {doc_id: answer_form(text) for doc_id, text in texts.items()}
    for q in questions:
        if not q.answers:
            continue
        assert q.doc_id is not None
        own = forms[q.doc_id]
        assert any(answer_form(a) in own for a in q.answers), q.id
        for a in q.answers:
            assert a.strip(), q.id
            if q.type == "multi":
                # A comparison may also accept the other province's figure.
                assert any(answer_form(a) in form for form in forms.values()), (q.id, a)
            else:
                assert answer_form(a) in own, (q.id, a)
