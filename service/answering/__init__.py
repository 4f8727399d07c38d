"""Answers questions from retrieved passages, with citations, abstention and follow-ups."""

from service.answering.pipeline import QAPipeline
from service.answering.types import Answer, Citation, Turn

__all__ = ["Answer", "Citation", "QAPipeline", "Turn"]
