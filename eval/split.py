"""The reader's fixed split of the external sets by document (eval/data/reader_split.json).

The trained reader learnt from the `train` documents' questions, its thresholds were set on
`validation`, and every number we report is on `test`. The file is written by
`scripts/write_reader_split` from service.answering.readers.training_data.split_documents.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

from eval.dataset import Question
from retriever.errors import InvalidInputError
from service.answering.readers.training_data import side_of

SPLIT_FILE = "reader_split.json"


@lru_cache(maxsize=1)
def reader_split() -> dict[str, object]:
    text = resources.files("eval").joinpath(f"data/{SPLIT_FILE}").read_text("utf-8")
    return json.loads(text)


def questions_of_split(questions: Sequence[Question], dataset: Path, side: str) -> list[Question]:
    """The questions of `dataset` (an external set's dev.jsonl) on `side` of the split."""
    name = Path(dataset).resolve().parent.name
    sets = reader_split()["sets"]
    assert isinstance(sets, dict)
    if name not in sets:
        raise InvalidInputError(f"--split: {dataset} is not one of the split sets "
                                f"({', '.join(sorted(sets))})")
    split = sets[name]
    return [q for q in questions if side_of(q.doc_id, q.id, split) == side]
