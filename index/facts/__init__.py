"""Ranking facts extracted from articles at ingest: which subject (province or unit), which
index (DTI and its pillars, PCI, PAPI, PAR INDEX, SIPAS, ICT Index), which year and which
measure (rank, score, change, top-N, target) a sentence or a table row states, with the
exact source span."""

from index.facts.extract import FactExtractor, extract_facts
from index.facts.types import (
    FACTS_VERSION,
    Fact,
    FactHit,
    FactPage,
    FactQuery,
    FactSource,
    Level,
    Measure,
    RankingIndex,
    subject_key,
    subject_order,
)

__all__ = ["FACTS_VERSION", "Fact", "FactExtractor", "FactHit", "FactPage", "FactQuery",
           "FactSource", "Level", "Measure", "RankingIndex", "extract_facts", "subject_key",
           "subject_order"]
