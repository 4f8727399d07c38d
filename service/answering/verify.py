"""Whether a candidate answer meets what the question pins down, and what to say if none does.

Word overlap alone answers near-misses confidently: "Bến Tre đứng thứ mấy?" with "Bến Tre
thuộc nhóm 30 tỉnh dẫn đầu", "năm 2021" with a 2020 figure, "Chủ tịch UBND tỉnh X là ai?"
with a sentence naming nobody. These checks hold a candidate sentence to the question's own
constraints; a sentence that fails one is not used, and when every candidate fails, the
answer says which constraint the articles do not meet instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from retriever.text.gazetteer import canonical_province, find_provinces
from retriever.text.normalize import fold_diacritics, match_form
from retriever.types import Passage
from service.answering.question import QuestionInfo, QuestionKind
from service.answering.reasons import DeclineReason
from service.answering.spans import Span

# How far (characters) an office may stand from the name of who holds it: "Ông Nguyễn Minh
# Quang - Giám đốc Sở ..." and "Phó Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh- Lữ Quang Ngời".
ROLE_WINDOW = 45



def missing_years(years: Sequence[str], *texts: str) -> list[str]:
    """The question's years that none of `texts` mentions ("năm 2021" is not answered by a
    passage that speaks only of 2020)."""
    return [y for y in years if not any(re.search(rf"(?<!\d){y}(?!\d)", t) for t in texts)]


def names_other_province(sentence: str, provinces: Sequence[str]) -> bool:
    """The sentence names provinces, none of them one the question asks about: it reports
    another province's fact even when its article is about the asked one."""
    if not provinces:
        return False
    named = {name for name, _count in find_provinces(sentence)}
    return bool(named) and not named & set(provinces)


def _role_positions(folded: str, role: str) -> list[tuple[int, int]]:
    """Where `role` (folded, "pho chu tich" or "chu tich") is written; a plain office does
    not match its deputy ("Phó Chủ tịch" is not "Chủ tịch")."""
    deputy = role.startswith("pho ")
    plain = role[4:] if deputy else role
    positions = []
    for match in re.finditer(rf"(?<!\w){re.escape(plain)}(?!\w)", folded):
        before = folded[max(0, match.start() - 4):match.start()]
        is_deputy = before.endswith("pho ")
        if is_deputy == deputy:
            positions.append((match.start() - (4 if is_deputy else 0), match.end()))
    return positions


def _gap(span: Span, start: int, end: int) -> int:
    """Characters between `span` and the text at start..end (negative when they overlap)."""
    return start - span.end if span.end <= start else span.start - end


def holds_role(sentence: str, person: Span, roles: Sequence[str]) -> bool:
    """A person span stands next to one of the offices the question names."""
    if not roles:
        return True
    # Folding keeps one character per character of NFC text, so offsets carry over.
    folded = fold_diacritics(sentence.casefold())
    for role in roles:
        for start, end in _role_positions(folded, role):
            if _gap(person, start, end) <= ROLE_WINDOW:
                return True
    return False


def named_near(sentence: str, span: Span, name: str) -> Span | None:
    """Where `name` (a person the question names) is written within ROLE_WINDOW of the span,
    the nearest of its mentions; None when it is not."""
    folded, target = fold_diacritics(sentence).casefold(), fold_diacritics(name).casefold()
    if len(folded) != len(sentence):  # rare letters casefold to two: positions would drift
        folded, target = fold_diacritics(sentence), fold_diacritics(name)
    nearest: tuple[int, re.Match[str]] | None = None
    for match in re.finditer(re.escape(target), folded, flags=re.IGNORECASE):
        gap = _gap(span, *match.span())
        if gap <= ROLE_WINDOW and (nearest is None or gap < nearest[0]):
            nearest = (gap, match)
    if nearest is None:
        return None
    start, end = nearest[1].span()
    return Span(sentence[start:end], start, end)


def unmet_message(question: QuestionInfo, reason: DeclineReason) -> str:
    """The first sentence of an abstention that says which constraint no passage met."""
    if reason == DeclineReason.YEAR:
        return (f"Xin lỗi, các bài viết hiện có không có thông tin của năm "
                f"{', '.join(question.years)} cho câu hỏi này nên tôi chưa trả lời được.")
    if reason == DeclineReason.ROLE:
        roles = ", ".join(question.roles)
        return (f"Xin lỗi, các bài viết hiện có không nêu tên người giữ chức vụ bạn hỏi "
                f"({_display(question.text, roles)}) nên tôi chưa trả lời được.")
    if reason == DeclineReason.COUNT:
        return (f"Xin lỗi, các bài viết hiện có không nêu số {question.counted} "
                "nên tôi chưa trả lời được.")
    if reason == DeclineReason.TYPE:
        what = {QuestionKind.RANK: "thứ hạng", QuestionKind.NUMBER: "con số",
                QuestionKind.DATE: "thời điểm", QuestionKind.PERSON: "tên người",
                }.get(question.kind, "thông tin")
        return (f"Xin lỗi, các bài viết hiện có không nêu {what} mà câu hỏi này cần "
                "nên tôi chưa trả lời được.")
    return "Xin lỗi, tôi không tìm thấy câu trả lời cho câu hỏi này trong các bài viết."


def _display(text: str, folded_roles: str) -> str:
    """The question's own spelling of its office(s) when it can be found, else the folded."""
    lowered = match_form(text)
    folded = fold_diacritics(lowered)
    found = []
    for role in folded_roles.split(", "):
        position = folded.find(role)
        found.append(lowered[position:position + len(role)] if position >= 0 and len(
            folded) == len(lowered) else role)
    return ", ".join(found)


@lru_cache(maxsize=8192)
def provinces_named(text: str) -> frozenset[str]:
    """Provinces a passage or sentence names (cached: passages return for many questions)."""
    return frozenset(name for name, _count in find_provinces(text))


def is_about(passage: Passage, provinces: Sequence[str], text: str) -> bool:
    """The passage's own province is asked about, or `text` names one that is."""
    chunk = passage.chunk
    if chunk.province and canonical_province(chunk.province) in provinces:
        return True
    return bool(provinces_named(text) & set(provinces))


def about_provinces(passage: Passage, provinces: Sequence[str]) -> bool:
    return not provinces or is_about(passage, provinces, passage.chunk.text)


def sentence_about(passage: Passage, sentence: str, provinces: Sequence[str]) -> bool:
    return is_about(passage, provinces, sentence)


def candidate_about(passage: Passage, sentence: str, provinces: Sequence[str]) -> bool:
    """A candidate sentence may answer a question about `provinces`: its passage or itself
    is about one of them, and it reports no other province's fact alone."""
    return not provinces or (sentence_about(passage, sentence, provinces)
                             and not names_other_province(sentence, provinces))
