"""An optional generative answerer behind an OpenAI-compatible chat endpoint.

Off by default (no model runs offline here). When configured, it is asked to answer only
from the numbered passages the retriever found and to keep their [n] markers; a reply that
cites a passage it was not given, cites none, or fails in any way is discarded and the
extractive answer is used instead.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import httpx

from service.answering.types import Citation

logger = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "Bạn là trợ lý hỏi đáp về chuyển đổi số của các tỉnh. Chỉ trả lời dựa trên các đoạn "
    "văn được đánh số bên dưới, bằng tiếng Việt, tối đa hai câu, và ghi nguồn bằng [n] "
    "sau mỗi ý. Nếu các đoạn văn không trả lời được, hãy nói rõ là không có thông tin."
)
_MARKER_RE = re.compile(r"\[(\d+)\]")


class GeneratorError(Exception):
    """The generative endpoint failed or answered outside the rules."""


def cited_numbers(text: str) -> set[int]:
    """The [n] markers a text cites."""
    return {int(n) for n in _MARKER_RE.findall(text)}


class OpenAICompatibleGenerator:
    """Calls `POST {base_url}/chat/completions` with the question and numbered passages."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None,
                 timeout_s: float = 20.0, client: httpx.Client | None = None) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"generator URL must start with http:// or https://: {base_url!r}")
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = client or httpx.Client(timeout=timeout_s)

    def messages(self, question: str, citations: Sequence[Citation]) -> list[dict[str, str]]:
        sources = "\n\n".join(f"[{c.n}] {c.title}\n{c.text}" for c in citations)
        return [{"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": f"Các đoạn văn:\n{sources}\n\nCâu hỏi: {question}"}]

    def generate(self, question: str, citations: Sequence[Citation]) -> str:
        """A grounded answer citing only the given passages; GeneratorError otherwise."""
        body = {"model": self.model, "messages": self.messages(question, citations),
                "temperature": 0}
        try:
            response = self.client.post(self.url, json=body, headers=self.headers)
            response.raise_for_status()
            text = response.json()["choices"][0]["message"]["content"].strip()
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as error:
            raise GeneratorError(f"generator request failed: {error}") from error
        cited = cited_numbers(text)
        allowed = {c.n for c in citations}
        if not cited or not cited <= allowed:
            raise GeneratorError(f"generator cited {sorted(cited)} of {sorted(allowed)}")
        return text
