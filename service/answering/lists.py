"""Numbers listed one after another in a sentence, and what each item's own words are.

"đã thành lập 9 tổ ... cấp huyện, 151 tổ ... cấp xã và 450 tổ ... cấp khu phố" and "tỷ lệ ...
cấp tỉnh đạt 100%, cấp huyện đạt 95%, cấp xã đạt 80%": the words before the list stand before
every item, and the items differ only in their own labels and units. The answerer reads each
item as its own label right after the list's lead-in (extractive.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from service.answering.spans import Span


@dataclass(frozen=True)
class ListItem:
    """A span as one item of a list in its segment: where the words all items share end
    (the lead-in "đã thành lập", "tỷ lệ ... cấp tỉnh đạt" up to the first item's label) and
    where this item's own label starts ("cấp huyện đạt" of ", cấp huyện đạt 95%"; the span
    itself when items have no labels)."""

    shared_end: int
    label_start: int
    next_start: int | None = None  # where the next item's label starts; None for the last


# Between two items: a comma, semicolon or "và", then the next item's label of a few words.
_ITEM_GAP_RE = re.compile(r"\s*(?:[,;]\s*(?:và\s+)?|và\s+)(?P<label>(?:[^\W\d_]+\s+){0,4})",
                          re.IGNORECASE)
_WORD_BEFORE_RE = re.compile(r"[^\W\d_]+\s*$")


def list_items(spans: Sequence[Span], segment: str) -> dict[Span, ListItem]:
    """The spans that are items of a list, each with its `ListItem`.

    In "đã thành lập 9 tổ cấp huyện, 151 tổ cấp xã và 450 tổ cấp ấp" the lead-in "đã thành
    lập" stands before every item; in "tỷ lệ ... cấp tỉnh đạt 100%, cấp huyện đạt 95%" so
    does "tỷ lệ ...", and each item has its own label, the first item's as many words long
    as the second's.
    """
    chains: list[list[tuple[Span, int]]] = []  # each item with where its label starts
    for span in sorted(spans, key=lambda s: s.start):
        label_start = _label_as_next_item(chains[-1], span, segment) if chains else None
        if label_start is None:
            chains.append([(span, span.start)])
        else:
            chains[-1].append((span, label_start))
    items: dict[Span, ListItem] = {}
    for chain in chains:
        if len(chain) < 2:
            continue
        head, (second, second_label) = chain[0][0], chain[1]
        starts = [_words_before(segment, head.start,
                                len(segment[second_label:second.start].split())),
                  *(label_start for _, label_start in chain[1:])]
        for (span, _), label_start, next_start in zip(chain, starts, [*starts[1:], None],
                                                      strict=True):
            items[span] = ListItem(starts[0], label_start, next_start)
    return items


def _label_as_next_item(chain: list[tuple[Span, int]], span: Span, segment: str) -> int | None:
    """Where `span`'s label starts when it is the next item of the list `chain`, else None.

    A label must share a word with the item's before it ("cấp huyện đạt" and "cấp tỉnh
    đạt"): in "384.403 km, lớn khoảng 30 lần" the second number is no item of a list.
    """
    previous, previous_label = chain[-1]
    gap = (_ITEM_GAP_RE.fullmatch(segment[previous.end:span.start])
           if previous.end <= span.start else None)
    if gap is None:
        return None
    label = gap.group("label").casefold().split()
    if label:
        if len(chain) == 1:
            previous_label = _words_before(segment, previous.start, len(label))
        if not set(label) & set(segment[previous_label:previous.start].casefold().split()):
            return None
    return span.start - len(gap.group("label"))


def _words_before(text: str, end: int, count: int) -> int:
    """Where the `count` words before `end` start (fewer if the text has fewer)."""
    start = end
    for _ in range(count):
        word = _WORD_BEFORE_RE.search(text, 0, start)
        if word is None:
            break
        start = word.start()
    return start
