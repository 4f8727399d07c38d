"""Runs a question set through a backend (in-process pipeline or a running server) and scores
retrieval, answers, abstention and latency, overall and by question type."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from eval.answers import (
    citation_hit,
    contains_answer,
    percentile,
    span_exact_match,
    span_f1,
)
from eval.dataset import Question
from eval.retrieval import first_hit_rank, score_ranks
from retriever.errors import InvalidInputError
from retriever.search import Searcher
from retriever.types import Chunk, Passage
from service.answering import QAPipeline, Turn

logger = logging.getLogger(__name__)

RETRIEVAL_DEPTH = 10
CURVE_KS = tuple(range(1, RETRIEVAL_DEPTH + 1))
# Summary metrics in display order; values are shares in [0, 1] except the latencies (ms).
METRICS = ("hit@1", "hit@5", "mrr@10", "accuracy", "span_em", "span_f1", "citation_accuracy",
           "cite@1", "abstain_unanswerable", "wrong_abstain", "latency_p50_ms", "latency_p95_ms")


@dataclass(frozen=True)
class Prediction:
    """What a backend answered, in one shape for both backends."""

    text: str
    span: str | None
    abstained: bool
    citations: list[Passage]
    resolved_question: str | None = None
    reason: str | None = None
    error: str | None = None  # the question was refused (e.g. HTTP 422): scored as wrong


class Backend(Protocol):
    def answer(self, question: Question, retriever: str) -> Prediction: ...

    def search(self, query: str, top_k: int, retriever: str) -> list[Passage]: ...


class InProcessBackend:
    """The answering pipeline and searcher of a loaded index, called directly."""

    def __init__(self, searcher: Searcher, pipeline: QAPipeline | None = None) -> None:
        self.searcher = searcher
        self.pipeline = pipeline or QAPipeline(searcher)

    def answer(self, question: Question, retriever: str) -> Prediction:
        history = [Turn(t["role"], t["content"]) for t in question.history]  # type: ignore[arg-type]
        try:
            answer = self.pipeline.answer(question.question, history, retriever=retriever)
        except InvalidInputError as exc:
            return Prediction("", None, False, [], error=str(exc))
        citations = [citation_passage(c.doc_id, c.chunk_id, c.title, c.province, c.text,
                                      c.start, c.end, c.score) for c in answer.passages]
        return Prediction(answer.text, answer.span, answer.abstained, citations,
                          answer.resolved_question or None, answer.reason)

    def search(self, query: str, top_k: int, retriever: str) -> list[Passage]:
        return self.searcher.search(query, top_k, retriever=retriever)


def citation_passage(doc_id: str, chunk_id: str, title: str, province: str | None, text: str,
                     start: int, end: int, score: float) -> Passage:
    """A citation as a Passage, so that it is scored with eval.retrieval's hit definition."""
    return Passage(Chunk(chunk_id, doc_id, text, start, end, title, province), float(score))


@dataclass
class QuestionResult:
    id: str
    type: str
    question: str
    answers: list[str]
    answerable: bool
    resolved_question: str | None
    answer: str
    span: str | None
    abstained: bool
    correct: bool  # answerable: contains an accepted answer and did not abstain; else abstained
    span_em: float
    span_f1: float
    citation_hit: bool
    first_hit_rank: int | None  # retrieval of the (resolved) question; None: not in the top 10
    latency_ms: float
    cited: list[str] = field(default_factory=list)  # chunk ids of the citations, in order
    reason: str | None = None
    error: str | None = None
    # The answer's own [1] holds the evidence: the passage (or fact) that answers comes first.
    first_cited: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def score_question(question: Question, prediction: Prediction, rank: int | None,
                   latency_ms: float) -> QuestionResult:
    answerable = question.answerable
    answered = not prediction.abstained and prediction.error is None
    if answerable:
        correct = answered and contains_answer(prediction.text, question.answers)
        em = span_exact_match(prediction.span, question.answers) if answered else 0.0
        f1 = span_f1(prediction.span, question.answers) if answered else 0.0
        cited = answered and citation_hit(prediction.citations, question)
        first = answered and citation_hit(prediction.citations, question, depth=1)
    else:
        correct, em, f1, cited, first = prediction.abstained, 0.0, 0.0, False, False
    return QuestionResult(
        question.id, question.type, question.question, list(question.answers), answerable,
        prediction.resolved_question, prediction.text, prediction.span, prediction.abstained,
        correct, em, f1, cited, rank if answerable else None, latency_ms,
        [p.chunk_id for p in prediction.citations], prediction.reason, prediction.error,
        first,
    )


def _mean(values: Sequence[float | bool]) -> float | None:
    return sum(float(v) for v in values) / len(values) if values else None


def summarize(results: Sequence[QuestionResult]) -> dict[str, Any]:
    """All metrics of a list of results. Retrieval, accuracy, span and citation metrics are
    over answerable questions (an abstention counts as wrong); abstain_unanswerable over the
    unanswerable ones; a metric without any question to measure is None."""
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    ranks = [r.first_hit_rank for r in answerable]
    retrieval = score_ranks(ranks, (1, 5)) if answerable else None
    latencies = [r.latency_ms for r in results]
    return {
        "n": len(results),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "hit@1": retrieval.hit_at[1] if retrieval else None,
        "hit@5": retrieval.hit_at[5] if retrieval else None,
        "mrr@10": retrieval.mrr_at_10 if retrieval else None,
        "accuracy": _mean([r.correct for r in answerable]),
        "span_em": _mean([r.span_em for r in answerable]),
        "span_f1": _mean([r.span_f1 for r in answerable]),
        "citation_accuracy": _mean([r.citation_hit for r in answerable]),
        "cite@1": _mean([r.first_cited for r in answerable]),
        "abstain_unanswerable": _mean([r.abstained for r in unanswerable]),
        "wrong_abstain": _mean([r.abstained for r in answerable]),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
        "errors": sum(1 for r in results if r.error),
    }


def hit_curve(results: Sequence[QuestionResult]) -> dict[int, float]:
    """hit@k for k = 1..10 over the answerable questions."""
    ranks = [r.first_hit_rank for r in results if r.answerable]
    return score_ranks(ranks, CURVE_KS).hit_at if ranks else {}


@dataclass
class RunResult:
    """One retriever (or ablation variant) over the whole question set."""

    retriever: str
    variant: str
    results: list[QuestionResult]

    @property
    def label(self) -> str:
        return self.retriever if self.variant == "default" else f"{self.retriever} / {self.variant}"

    @property
    def overall(self) -> dict[str, Any]:
        return summarize(self.results)

    @property
    def by_type(self) -> dict[str, dict[str, Any]]:
        types = sorted({r.type for r in self.results})
        return {t: summarize([r for r in self.results if r.type == t]) for t in types}

    def to_dict(self, with_questions: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "label": self.label, "retriever": self.retriever, "variant": self.variant,
            "overall": self.overall, "by_type": self.by_type,
            "hit_at_k": {str(k): v for k, v in hit_curve(self.results).items()},
        }
        if with_questions:
            data["questions"] = [r.to_dict() for r in self.results]
        return data


Progress = Callable[[int, int], None]


def run_questions(
    backend: Backend,
    questions: Sequence[Question],
    retriever: str = "hybrid",
    variant: str = "default",
    progress: Progress | None = None,
) -> RunResult:
    """Answer every question (timed), then search the question the pipeline actually
    searched (its follow-up resolution) for the retrieval metrics of answerable ones."""
    results = []
    for done, question in enumerate(questions, start=1):
        started = time.perf_counter()
        prediction = backend.answer(question, retriever)
        latency_ms = (time.perf_counter() - started) * 1000
        rank = None
        if question.answerable and prediction.error is None:
            query = prediction.resolved_question or question.question
            rank = first_hit_rank(backend.search(query, RETRIEVAL_DEPTH, retriever), question)
        if prediction.error:
            logger.warning("%s: %s", question.id, prediction.error)
        results.append(score_question(question, prediction, rank, latency_ms))
        if progress is not None:
            progress(done, len(questions))
    run = RunResult(retriever, variant, results)
    logger.info("%s: %d questions evaluated", run.label, len(results))
    return run
