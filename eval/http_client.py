"""Evaluating a running server through its public API only: POST /api/chat, GET /api/search.

The server chooses its own retriever (the API has no switch for it), so a URL evaluation is
one run labelled "server". An unreachable server, or one that does not speak this API, stops
the evaluation with one clear InvalidInputError; a question the server refuses (4xx/5xx) is
recorded as an error for that question and scored as wrong.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from eval.dataset import Question
from eval.runner import Prediction, citation_passage
from retriever.errors import InvalidInputError
from retriever.types import Passage

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 120.0
PROBE_QUERY = "chuyển đổi số"


def _httpx() -> Any:
    try:
        import httpx
    except ImportError as exc:  # pragma: no cover - httpx ships with the dev extras
        raise InvalidInputError("evaluating a server (--url) needs the httpx package; "
                                "install it with `pip install httpx`") from exc
    return httpx


class ServerReplyError(Exception):
    """The server answered one request with an error status (not an unreachable server)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status


class ServerClient:
    """A thin client of the hoidap HTTP API. Pass `client` to use an existing httpx.Client
    (for instance fastapi's TestClient, with base_url "http://testserver")."""

    def __init__(self, base_url: str, client: httpx.Client | None = None,
                 timeout: float = DEFAULT_TIMEOUT_S) -> None:
        httpx = _httpx()
        self.base_url = base_url.rstrip("/")
        if not self.base_url.startswith(("http://", "https://")):
            raise InvalidInputError(
                f"--url must start with http:// or https://, got {base_url!r}"
            )
        self.client = client if client is not None else httpx.Client(timeout=timeout)

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        httpx = _httpx()
        url = f"{self.base_url}{path}"
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            raise InvalidInputError(f"the server at {self.base_url} did not answer in time "
                                    f"({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            reason = str(exc) or type(exc).__name__
            raise InvalidInputError(f"cannot reach the server at {self.base_url}: {reason}") \
                from exc
        if response.status_code >= 400:
            raise ServerReplyError(response.status_code, _detail(response))
        try:
            return response.json()
        except ValueError as exc:
            raise InvalidInputError(f"{method} {url} did not return JSON; is {self.base_url} "
                                    "a hoidap server?") from exc

    def chat(self, message: str, history: Sequence[dict[str, str]] = (),
             top_k: int | None = None, province: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"message": message, "history": list(history)}
        if top_k is not None:
            body["top_k"] = top_k
        if province is not None:
            body["province"] = province
        reply = self._request("POST", "/api/chat", json=body)
        if not isinstance(reply, dict) or not {"answer", "abstained", "citations"} <= set(reply):
            raise InvalidInputError(f"unexpected reply from {self.base_url}/api/chat: it lacks "
                                    "answer/abstained/citations")
        return reply

    def search(self, query: str, top_k: int = 10,
               province: str | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"q": query, "top_k": top_k}
        if province is not None:
            params["province"] = province
        reply = self._request("GET", "/api/search", params=params)
        if not isinstance(reply, dict) or not isinstance(reply.get("hits"), list):
            raise InvalidInputError(f"unexpected reply from {self.base_url}/api/search: "
                                    "no list of hits")
        return reply["hits"]

    def check(self) -> None:
        """Fail early, with one clear line, when nothing usable answers at the URL."""
        try:
            self.search(PROBE_QUERY, 1)
        except ServerReplyError as exc:
            raise InvalidInputError(
                f"{self.base_url} is not a usable hoidap server: GET /api/search gave {exc}"
            ) from exc


def _detail(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict) and "detail" in body:
        return str(body["detail"])[:200]
    return str(body)[:200]


def _passage(hit: Any, where: str) -> Passage:
    try:
        return citation_passage(str(hit["doc_id"]), str(hit["chunk_id"]), str(hit.get("title", "")),
                                hit.get("province"), str(hit["text"]), int(hit.get("start", 0)),
                                int(hit.get("end", 0)), float(hit.get("score", 0.0)))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInputError(f"unexpected passage in the reply of {where}: {exc!r}") from exc


class ServerBackend:
    """The evaluation backend for a running server."""

    def __init__(self, client: ServerClient) -> None:
        self.client = client

    def answer(self, question: Question, retriever: str) -> Prediction:
        try:
            reply = self.client.chat(question.question, question.history)
        except ServerReplyError as exc:
            return Prediction("", None, False, [], error=str(exc))
        where = f"{self.client.base_url}/api/chat"
        citations = [_passage(c, where) for c in reply.get("citations") or []]
        return Prediction(str(reply.get("answer") or ""), reply.get("answer_span"),
                          bool(reply.get("abstained")), citations,
                          reply.get("resolved_question"), reply.get("reason"))

    def search(self, query: str, top_k: int, retriever: str) -> list[Passage]:
        try:
            hits = self.client.search(query, top_k)
        except ServerReplyError as exc:
            logger.warning("search %r: %s", query, exc)
            return []
        return [_passage(h, f"{self.client.base_url}/api/search") for h in hits]
