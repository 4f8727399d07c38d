"""Start/end logits of windows -> the n-best spans of a question (post-processing apart
from the model, as in Hugging Face's question-answering examples).

A span's score is its start logit plus its end logit; "no answer" is the <s> position's
start plus end logit. Both are turned into one probability distribution per question over
every window's spans and its null: a softmax over [null, spans...], so scores compare
across windows and passages, and the null's share is the reader's no-answer probability.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from service.answering.readers.features import Window

MAX_ANSWER_TOKENS = 40
TOP_STARTS = 20


@dataclass(frozen=True)
class SpanScore:
    window: int  # index into the windows
    passage_index: int
    start_char: int
    end_char: int
    logit: float  # start + end logit


def best_spans(windows: Sequence[Window], start_logits: np.ndarray, end_logits: np.ndarray,
               n_best: int = 20, max_answer_tokens: int = MAX_ANSWER_TOKENS
               ) -> tuple[list[SpanScore], float]:
    """The `n_best` spans over all windows by logit, and the best (lowest-cost) null logit:
    the null of the window most sure there is no answer is the one compared, as in SQuAD 2.0's
    reference post-processing (the minimum over features)."""
    found: list[SpanScore] = []
    null = float("inf")
    for w, window in enumerate(windows):
        starts, ends = start_logits[w], end_logits[w]
        null = min(null, float(starts[0] + ends[0]))
        lo, hi = window.context_start, window.context_end
        if hi <= lo:
            continue
        s_part, e_part = starts[lo:hi], ends[lo:hi]
        top_s = np.argsort(-s_part)[:TOP_STARTS]
        top_e = np.argsort(-e_part)[:TOP_STARTS]
        for i in top_s:
            a, _ = window.offsets[i]
            if window.offsets[i][1] <= a:
                continue  # a piece with no characters cannot start a span
            for j in top_e:
                if j < i or j - i + 1 > max_answer_tokens:
                    continue
                _, b = window.offsets[j]
                if b <= window.offsets[j][0]:
                    continue
                found.append(SpanScore(w, window.passage_index, a, b,
                                       float(s_part[i] + e_part[j])))
    # The same characters read in two overlapping windows: keep the better.
    best: dict[tuple[int, int, int], SpanScore] = {}
    for span in found:
        key = (span.passage_index, span.start_char, span.end_char)
        if key not in best or span.logit > best[key].logit:
            best[key] = span
    ranked = sorted(best.values(), key=lambda s: -s.logit)[:n_best]
    return ranked, (null if windows else 0.0)


def probabilities(spans: Sequence[SpanScore], null: float) -> tuple[list[float], float]:
    """Softmax over the null and the spans: each span's probability, and the null's."""
    logits = np.array([null, *(s.logit for s in spans)], dtype=np.float64)
    if logits.size == 0:
        return [], 1.0
    weights = np.exp(logits - logits.max())
    weights /= weights.sum()
    return [float(x) for x in weights[1:]], float(weights[0])
