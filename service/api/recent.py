"""The answers this server gave lately, by answer id: what feedback on an answer refers to.

Kept in memory (the last `size` answers) rather than trusted from the client, so feedback
stores the question and answer that were really given. Behind several app servers, feedback
must reach the server that answered (sticky sessions) or it is refused as unknown.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from retriever.lru import LRUCache

RECENT_ANSWERS = 10_000


@dataclass(frozen=True)
class GivenAnswer:
    question: str  # as typed
    resolved_question: str  # as answered, after follow-up resolution
    answer: str
    abstained: bool
    citation_ids: tuple[str, ...]  # chunk ids of the passages the answer cites


class RecentAnswers:
    def __init__(self, size: int = RECENT_ANSWERS) -> None:
        self._answers: LRUCache[str, GivenAnswer] = LRUCache(size)

    def remember(self, given: GivenAnswer) -> str:
        """A new answer id for `given`."""
        answer_id = uuid.uuid4().hex
        self._answers.put(answer_id, given)
        return answer_id

    def get(self, answer_id: str) -> GivenAnswer | None:
        return self._answers.get(answer_id)
