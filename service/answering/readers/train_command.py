"""`hoidap reader train`: which data the shipped reader learns from, and the run itself."""

from __future__ import annotations

import logging
import random
from collections import Counter
from pathlib import Path

from service.answering.readers.template_data import SOURCE as TEMPLATE_SOURCE
from service.answering.readers.template_data import template_examples, training_side_texts
from service.answering.readers.training import ReaderTrainer, TrainResult, TrainSettings
from service.answering.readers.training_data import (
    QA_TRAIN_FILES,
    QAExample,
    external_split,
    load_source,
)

logger = logging.getLogger(__name__)

# Everything in shared/qa-train plus the training documents of the external sets; the
# English SQuAD sample is capped so that Vietnamese stays most of what is learnt.
DEFAULT_SOURCES = (*QA_TRAIN_FILES, "viquad2", "uit-regulations", "vi-wiki-qa")
DEFAULT_LIMITS = {"squad2-en": 2000, TEMPLATE_SOURCE: 3000}
# Not in the defaults: the template questions (template_data.py), `--sources ...,templates`.
KNOWN_SOURCES = (*DEFAULT_SOURCES, TEMPLATE_SOURCE)


def check_sources(sources: tuple[str, ...]) -> None:
    unknown = [s for s in sources if s not in KNOWN_SOURCES]
    if unknown or not sources:
        raise ValueError(f"unknown training source(s) {', '.join(unknown) or '(none given)'}; "
                         f"known: {', '.join(KNOWN_SOURCES)}")


def training_examples(shared: Path, sources: tuple[str, ...] = DEFAULT_SOURCES,
                      limits: dict[str, int] | None = None, seed: int = 13
                      ) -> tuple[list[QAExample], dict[str, int]]:
    """The examples of `sources` (each capped by `limits`, a seeded sample) and their counts."""
    check_sources(sources)
    limits = DEFAULT_LIMITS if limits is None else limits
    split = external_split(shared)
    rng = random.Random(seed)
    examples: list[QAExample] = []
    counts: Counter[str] = Counter()
    for source in sources:
        found = (template_examples(training_side_texts(shared, split), seed=seed)
                 if source == TEMPLATE_SOURCE else load_source(shared, source, split, "train"))
        if source in limits and len(found) > limits[source]:
            found = rng.sample(found, limits[source])
        examples.extend(found)
        counts[source] = len(found)
    return examples, dict(counts)


def train_reader(shared: Path, out_dir: Path, base_folder: Path, base_model_id: str,
                 settings: TrainSettings, sources: tuple[str, ...] = DEFAULT_SOURCES,
                 limits: dict[str, int] | None = None, max_examples: int | None = None
                 ) -> TrainResult:
    examples, counts = training_examples(shared, sources, limits, settings.seed)
    if max_examples is not None:
        examples = random.Random(settings.seed).sample(examples, min(max_examples,
                                                                     len(examples)))
        counts = dict(Counter(e.source for e in examples))
    logger.info("training on %d examples (bf16 %s): %s", len(examples),
                "on" if settings.bf16 else "off", counts)
    trainer = ReaderTrainer(base_folder, base_model_id, out_dir, settings)
    return trainer.train(examples, counts)
