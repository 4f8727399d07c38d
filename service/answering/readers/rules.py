"""`RuleReader`: the hand-written extractor (extractive.py) behind the Reader protocol.

It scores sentences by the question's IDF-weighted words, the asked span type, alignment
and (optionally) sentence similarity, and holds candidates to the question's constraints.
Its reading has one candidate (the extractor's pick) and no no-answer score: it declines
through its confidence and its unmet constraints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from retriever.coverage import IdfLookup
from retriever.text.query_expansion import query_expansion
from retriever.types import Passage
from service.answering.extractive import Extraction, Similarity, best_extraction
from service.answering.readers.base import Candidate, ReaderKind, Reading, ReadRequest
from service.answering.verify import candidate_about

# The sentence similarity of a question's text against sentences (semantic.py).
SentenceScorer = Callable[[str, list[str]], object]


def candidate_of(extraction: Extraction) -> Candidate:
    segment, span = extraction.sentence, extraction.span
    start = segment.start + span.start if span is not None else segment.start
    end = segment.start + span.end if span is not None else segment.start
    return Candidate(extraction.passage_index, start, end, span.text if span else None,
                     segment.start, segment.end, extraction.answer_text, extraction.score,
                     {"rules": extraction.score}, extraction.unmet)


@dataclass
class RuleReader:
    idf: IdfLookup
    similarity: SentenceScorer | None = None
    lead_in: Callable[[Passage], str] | None = None
    kind: ReaderKind = ReaderKind.RULES

    def extraction(self, request: ReadRequest) -> Extraction | None:
        question = request.question
        similarity: Similarity | None = None
        if self.similarity is not None:
            scorer, compared = self.similarity, request.asked or question.text
            similarity = lambda texts: scorer(compared, texts)  # noqa: E731
        provinces = question.provinces

        def about(passage: Passage, sentence: str) -> bool:
            return candidate_about(passage, sentence, provinces)

        return best_extraction(question, request.passages, self.idf, request.focus,
                               expansion=f"{query_expansion(question.text)} {request.context}",
                               similarity=similarity, about=about, lead_in=self.lead_in)

    def read(self, request: ReadRequest) -> Reading:
        extraction = self.extraction(request) if request.passages else None
        candidates = [candidate_of(extraction)] if extraction is not None else []
        return Reading(self.kind, candidates, None)
