"""POST /api/feedback: thumbs up or down, and an optional comment, on an answer given.

The answer is looked up by its id in this server's memory of its latest answers, so what
is stored is what was really asked and answered (service/api/feedback.py says what is kept
and where). One feedback per answer: a later one on the same answer replaces the earlier
one in the listings (GET /api/admin/feedback), the last wins.
"""

from __future__ import annotations

from fastapi import APIRouter

from retriever.errors import AnswerNotFoundError
from service.api.deps import MetricsDep, RateLimited, StateDep
from service.api.feedback import Feedback
from service.api.recent import RECENT_ANSWERS
from service.api.routes.responses import PUBLIC_ERRORS, Responses, error
from service.api.schemas import FeedbackRequest, FeedbackStored

router = APIRouter(prefix="/api", tags=["feedback"], dependencies=[RateLimited])

ERRORS: Responses = {
    **PUBLIC_ERRORS,
    404: error("no such answer: unknown, or given too long ago"),
    422: error("unknown rating, comment above 1,000 characters, a missing or unknown field"),
    503: error("the feedback could not be stored"),
}


# A plain function, run in the thread pool: storing waits for the disk (or the database).
@router.post("/feedback", status_code=201, response_model=FeedbackStored, responses=ERRORS)
def give_feedback(request: FeedbackRequest, state: StateDep,
                  counters: MetricsDep) -> FeedbackStored:
    """Rate an answer of /api/chat by its `answer_id`; stored with the question, the answer
    and its citations' ids, nothing about who sent it."""
    given = state.recent.get(request.answer_id)
    if given is None:
        raise AnswerNotFoundError(
            "no answer with this id: it is unknown, or was given too long ago (this server "
            f"remembers its latest {RECENT_ANSWERS:,} answers, until it restarts)")
    comment = request.comment.strip() if request.comment else None
    feedback = Feedback.on(request.answer_id, given, request.rating, comment or None)
    state.feedback.add(feedback)
    counters.feedback.labels(rating=feedback.rating).inc()
    return FeedbackStored(id=feedback.id, stored=True)
