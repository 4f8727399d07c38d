"""The generative answerer against an OpenAI-compatible endpoint served by httpx's
MockTransport: the wire format, grounding rules and the fallback to the extractive answer."""

import json

import httpx
import pytest

from retriever.search import Searcher
from service.answering import Citation, QAPipeline
from service.answering.generative import GeneratorError, OpenAICompatibleGenerator

CITATIONS = [Citation(1, "binh-phuoc", "binh-phuoc#3", "Định vị Bình Phước", "Bình Phước",
                      "Bình Phước đứng thứ 9 cả nước.", 0, 30, 0.03)]


def generator_replying(content: str | None, status: int = 200,
                       seen: list[dict[str, object]] | None = None) -> OpenAICompatibleGenerator:
    def handle(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if seen is not None:
            seen.append({"url": str(request.url), "auth": request.headers.get("authorization"),
                         **body})
        if content is None:
            return httpx.Response(status, json={"error": "down"})
        return httpx.Response(status, json={"choices": [{"message": {"role": "assistant",
                                                                     "content": content}}]})

    client = httpx.Client(transport=httpx.MockTransport(handle))
    return OpenAICompatibleGenerator("http://llm.local/v1", "qwen", "secret", client=client)


def test_request_is_grounded_in_the_numbered_passages() -> None:
    seen: list[dict[str, object]] = []
    text = generator_replying("Bình Phước đứng thứ 9 cả nước [1].", seen=seen).generate(
        "Bình Phước xếp thứ mấy?", CITATIONS)
    assert text == "Bình Phước đứng thứ 9 cả nước [1]."
    request = seen[0]
    assert request["url"] == "http://llm.local/v1/chat/completions"
    assert request["auth"] == "Bearer secret" and request["model"] == "qwen"
    messages = request["messages"]
    assert isinstance(messages, list) and "[1] Định vị Bình Phước" in messages[1]["content"]


@pytest.mark.parametrize(("content", "status"), [
    ("Bình Phước đứng thứ 9 [2].", 200),  # cites a passage it was not given
    ("Bình Phước đứng thứ 9.", 200),  # cites nothing
    (None, 500),
])
def test_replies_outside_the_rules_are_refused(content: str | None, status: int) -> None:
    with pytest.raises(GeneratorError):
        generator_replying(content, status).generate("?", CITATIONS)


def test_pipeline_falls_back_to_the_extractive_answer(sample_searcher: Searcher) -> None:
    question = "Bình Phước xếp hạng chuyển đổi số thứ mấy?"
    broken = QAPipeline(sample_searcher, generator=generator_replying(None, 503))
    assert "thứ 9" in broken.answer(question).text
    working = QAPipeline(sample_searcher,
                         generator=generator_replying("Thứ 9 cả nước, theo bài viết [1]."))
    answer = working.answer(question)
    assert answer.text == "Thứ 9 cả nước, theo bài viết [1]." and answer.span == "thứ 9"


def test_generator_url_is_checked() -> None:
    with pytest.raises(ValueError, match="http"):
        OpenAICompatibleGenerator("llm.local", "m")
