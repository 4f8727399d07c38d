"""POST /api/chat and /api/chat/stream: a question (and its conversation) in, a cited answer out."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from retriever.errors import InvalidInputError
from service.answering import Answer, Turn
from service.api.deps import LoadedDep, MetricsDep, RateLimited, StateDep
from service.api.limits import within
from service.api.observability import Metrics
from service.api.recent import GivenAnswer
from service.api.routes.responses import PUBLIC_ERRORS, Responses, error
from service.api.schemas import ChatRequest, ChatResponse, CitationOut
from service.api.state import Loaded, ServiceState

router = APIRouter(prefix="/api", tags=["chat"], dependencies=[RateLimited])

ERRORS: Responses = {
    **PUBLIC_ERRORS,
    422: error("empty or too long message, too long history"),
    503: error("index not loaded yet"),
    504: error("no answer within the time limit"),
}


def _answer(service: Loaded, request: ChatRequest) -> Answer:
    history = [Turn(t.role, t.content) for t in request.history]
    return service.pipeline.answer(request.message, history, request.top_k, request.province)


async def _answer_in_time(state: ServiceState, service: Loaded, request: ChatRequest,
                          metrics: Metrics) -> ChatResponse:
    limit = state.settings.max_history_turns
    if len(request.history) > limit:
        raise InvalidInputError(f"history: at most {limit} turns are allowed "
                                f"(got {len(request.history)})")
    answer = await within(state.settings.answer_timeout_s, "answering", _answer, service,
                          request)
    metrics.answers.labels(abstained=str(answer.abstained).lower()).inc()
    answer_id = state.recent.remember(GivenAnswer(
        request.message, answer.resolved_question, answer.text, answer.abstained,
        tuple(c.chunk_id for c in answer.citations)))
    return _response(answer, answer_id)


def _response(answer: Answer, answer_id: str) -> ChatResponse:
    return ChatResponse(answer=answer.text, answer_span=answer.span, abstained=answer.abstained,
                        citations=[CitationOut.of(c) for c in answer.citations],
                        sources=[CitationOut.of(c) for c in answer.sources],
                        timings_ms={k: round(v, 2) for k, v in answer.timings_ms.items()},
                        resolved_question=answer.resolved_question, reader=answer.reader,
                        decline_reason=answer.reason, answer_id=answer_id)


@router.post("/chat", response_model=ChatResponse, responses=ERRORS)
async def chat(request: ChatRequest, service: LoadedDep, state: StateDep,
               metrics: MetricsDep) -> ChatResponse:
    """Answer a question from the articles, with numbered citations."""
    return await _answer_in_time(state, service, request, metrics)


def _event(name: str, data: object) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _events(response: ChatResponse) -> Iterator[str]:
    # The answer is computed before the first byte, so errors are plain JSON 4xx; the text
    # then arrives word by word so the widget can show it as it comes.
    words = response.answer.split(" ")
    for i, word in enumerate(words):
        yield _event("answer", {"text": word if i == len(words) - 1 else word + " "})
    yield _event("citations", [c.model_dump() for c in response.citations])
    yield _event("done", {"answer": response.answer, "answer_span": response.answer_span,
                          "abstained": response.abstained, "timings_ms": response.timings_ms,
                          "answer_id": response.answer_id,
                          "resolved_question": response.resolved_question,
                          "reader": response.reader, "decline_reason": response.decline_reason,
                          "sources": [c.model_dump() for c in response.sources]})


@router.post("/chat/stream", responses={200: {"content": {"text/event-stream": {}}}, **ERRORS})
async def chat_stream(request: ChatRequest, service: LoadedDep, state: StateDep,
                      metrics: MetricsDep) -> StreamingResponse:
    """The same answer as server-sent events: `answer` (text pieces), `citations`, `done`
    (the rest of the reply: answer_id, resolved_question, sources, ...)."""
    response = await _answer_in_time(state, service, request, metrics)
    return StreamingResponse(_events(response), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
