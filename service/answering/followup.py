"""Follow-up questions: carry the province and topic of earlier turns into a short question.

"Còn kinh tế số thì sao?" after "Bình Phước xếp hạng chuyển đổi số thứ mấy?" becomes
"kinh tế số Bình Phước xếp hạng chuyển đổi số thứ mấy?" with "kinh tế số" as its focus;
"Thế còn Tiền Giang?" swaps the province; "tỉnh đó" and "ở đó" name the earlier province.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from retriever.text.gazetteer import find_provinces
from retriever.text.normalize import fold_diacritics, normalize
from service.answering.types import Turn

# Matched on the accent-folded, lower-cased message.
_ELLIPSIS_RE = re.compile(
    r"^\s*(?:(?:the|vay|con|and|what|how)\s+)*(?:con|about|what about|how about)\s+(.+?)"
    r"(?:\s+(?:thi sao|the nao|ra sao|nhu the nao|thi the nao|nua|then))?\s*[?.!]*\s*$"
)
_DEICTIC_RE = re.compile(
    r"\b(?:tinh|thanh pho|dia phuong|noi)\s+(?:do|nay|ay|day)\b|\b(?:o|tai)\s+(?:do|day)\b"
    r"|\b(?:that|this) province\b|\bthere\b"
)
MAX_HISTORY_TURNS = 20
# A question this long that names no province is taken as a new question, not a follow-up.
SELF_CONTAINED_WORDS = 14


@dataclass(frozen=True)
class ResolvedQuestion:
    text: str  # what is searched and answered
    focus: str = ""  # the new topic of an elliptic follow-up, weighed up when scoring
    carried_province: str | None = None
    previous_question: str | None = None
    # The previous question, for a follow-up that leans on it without naming its topic
    # ("Do doanh nghiệp nào triển khai?"): searched along and weighed low when scoring.
    context: str = ""
    # A question that names no province and does not point back ("tỉnh đó", "Còn ..."):
    # its own words, to be answered from `within`'s articles only, so that the
    # conversation's province narrows the search without standing in for evidence
    # ("Giá vàng hôm nay bao nhiêu?" after a Bình Phước question is declined, not answered
    # with a Bình Phước sentence).
    own: str = ""
    within: str | None = None


def _previous_questions(history: Sequence[Turn]) -> list[str]:
    return [normalize(t.content) for t in reversed(history[-MAX_HISTORY_TURNS:])
            if t.role == "user" and t.content.strip()]


def _province_of(texts: Sequence[str]) -> str | None:
    for text in texts:
        found = find_provinces(text)
        if found:
            return found[0][0]
    return None


def _span_of(text: str, folded_start: int, folded_end: int) -> str:
    # fold_diacritics keeps one character per character for Vietnamese, so offsets carry over.
    return text[folded_start:folded_end]


def resolve_followup(message: str, history: Sequence[Turn]) -> ResolvedQuestion:
    text = normalize(message)
    previous = _previous_questions(history)
    if not previous:
        return ResolvedQuestion(text)
    earlier = resolve_followup(previous[0], _history_before_last_user_turn(history))
    last_question = earlier.text
    folded = fold_diacritics(text).casefold()
    provinces_here = [name for name, _n in find_provinces(text)]
    ellipsis = _ELLIPSIS_RE.match(folded)
    carried = _province_of([last_question, *previous[1:]])

    if ellipsis:
        topic = _span_of(text, ellipsis.start(1), ellipsis.end(1)).strip(" ?.!,")
        topic_provinces = [name for name, _n in find_provinces(topic)]
        if topic_provinces:
            # "Thế còn Tiền Giang?": the same question about another province.
            old = _province_of([last_question])
            if old:
                swapped = re.sub(re.escape(old), topic_provinces[0], last_question,
                                 flags=re.IGNORECASE)
                if swapped != last_question:
                    return ResolvedQuestion(swapped, "", None, last_question)
            return ResolvedQuestion(f"{topic} {last_question}", "", None, last_question)
        swapped = swap_sibling(last_question, topic)
        if swapped is not None:
            # "Còn cấp xã?" after "... cấp tỉnh ...": the same question about the sibling.
            return ResolvedQuestion(swapped, topic, carried, last_question)
        return ResolvedQuestion(f"{topic} {last_question}", topic, carried, last_question)

    if provinces_here or len(text.split()) >= SELF_CONTAINED_WORDS:
        return ResolvedQuestion(text, "", None, last_question)
    if carried is None:
        return ResolvedQuestion(text, "", None, last_question, last_question)
    deictic = _DEICTIC_RE.search(folded)
    if deictic:
        resolved = text[:deictic.start()] + carried + text[deictic.end():]
        if re.match(r"(?:o|tai)\s", folded[deictic.start():]):
            resolved = text[:deictic.start()] + f"ở {carried}" + text[deictic.end():]
        return ResolvedQuestion(resolved, "", carried, last_question, last_question)
    return ResolvedQuestion(f"{carried}: {text}", "", carried, last_question, last_question,
                            own=text, within=carried)


MAX_SIBLING_WORDS = 4


def swap_sibling(question: str, topic: str) -> str | None:
    """`question` with the phrase that `topic` is a sibling of replaced by `topic`: a phrase
    as long, with the same first word (Vietnamese puts the head first: "cấp xã" for "cấp
    tỉnh", "tổ công nghệ số" for "tổ chuyển đổi số"). None when there is no such phrase."""
    words = topic.split()
    if not 2 <= len(words) <= MAX_SIBLING_WORDS or not all(w.isalpha() for w in words):
        return None
    folded_question = fold_diacritics(question).casefold()
    if len(folded_question) != len(question):  # rare letters casefold to two: offsets drift
        return None
    folded_words = fold_diacritics(topic).casefold().split()
    pattern = rf"(?<!\w){re.escape(folded_words[0])}(?:\s+\w+){{{len(words) - 1}}}(?!\w)"
    for match in re.finditer(pattern, folded_question):
        if match.group(0).split() != folded_words:
            return question[:match.start()] + topic + question[match.end():]
    return None


def _history_before_last_user_turn(history: Sequence[Turn]) -> list[Turn]:
    turns = list(history[-MAX_HISTORY_TURNS:])
    for i in range(len(turns) - 1, -1, -1):
        if turns[i].role == "user":
            return turns[:i]
    return []
