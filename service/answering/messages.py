"""What the service says in words of its own: declines, small-talk replies, and the English
frame around a Vietnamese answer. Vietnamese and English; nothing else is worded here."""

from __future__ import annotations

from index.facts import FactHit
from service.answering.facts import quoted
from service.answering.question import QuestionInfo, QuestionKind
from service.answering.reasons import DeclineReason
from service.answering.scope import CorpusScope
from service.answering.small_talk import SmallTalk
from service.answering.verify import unmet_message

_CONSTRAINT_REASONS = (DeclineReason.YEAR, DeclineReason.ROLE, DeclineReason.COUNT,
                       DeclineReason.TYPE)
_ENGLISH_KINDS = {QuestionKind.RANK: "a rank", QuestionKind.NUMBER: "a number",
                  QuestionKind.DATE: "a date", QuestionKind.PERSON: "a person's name"}


def _vietnamese_opening(reason: DeclineReason, about: str, question: QuestionInfo | None
                        ) -> str:
    if reason in _CONSTRAINT_REASONS and question is not None:
        return unmet_message(question, reason)
    if reason == DeclineReason.INDEX and about:
        of = f" của {', '.join(question.provinces)}" if question and question.provinces else ""
        return (f"Xin lỗi, các bài viết hiện có không nêu {about}{of} "
                "nên tôi chưa trả lời được.")
    if reason == DeclineReason.ELSEWHERE and question is not None:
        asked = ", ".join(question.provinces)
        where = f" (chỉ có của {about})" if about else ""
        return (f"Xin lỗi, các bài viết hiện có không nêu thông tin này cho {asked}{where} "
                "nên tôi chưa trả lời được.")
    if reason == DeclineReason.COMPARE and about:
        return (f"Xin lỗi, các bài viết hiện có không nêu số liệu của {about} để so sánh "
                "nên tôi chưa trả lời được.")
    if reason == DeclineReason.PROVINCE and about:
        return f"Xin lỗi, các bài viết hiện có không nói về {about} nên tôi chưa trả lời được."
    if reason == DeclineReason.TERM and about:
        return (f"Xin lỗi, các bài viết hiện có không nhắc đến “{about}” "
                "nên tôi chưa trả lời được câu hỏi này.")
    return "Xin lỗi, tôi không tìm thấy câu trả lời cho câu hỏi này trong các bài viết."


def _english_opening(reason: DeclineReason, about: str, question: QuestionInfo | None) -> str:
    if reason == DeclineReason.YEAR and question is not None and question.years:
        return (f"Sorry, the articles have no information for {', '.join(question.years)} "
                "on this question.")
    if reason == DeclineReason.INDEX and about:
        of = f" for {', '.join(question.provinces)}" if question and question.provinces else ""
        return f"Sorry, the articles do not give the {about}{of}."
    if reason == DeclineReason.ROLE:
        return "Sorry, the articles do not name who holds the office you ask about."
    if reason == DeclineReason.COUNT:
        return "Sorry, the articles do not give the number you ask for."
    if reason == DeclineReason.TYPE and question is not None:
        what = _ENGLISH_KINDS.get(question.kind, "the information")
        return f"Sorry, the articles do not state {what} for this question."
    if reason == DeclineReason.ELSEWHERE and question is not None:
        where = f" (only for {about})" if about else ""
        return (f"Sorry, the articles do not give this for {', '.join(question.provinces)}"
                f"{where}.")
    if reason == DeclineReason.COMPARE and about:
        return f"Sorry, the articles give no figure for {about} to compare."
    if reason == DeclineReason.PROVINCE and about:
        return f"Sorry, the articles are not about {about}, so I cannot answer."
    if reason == DeclineReason.TERM and about:
        return f"Sorry, the articles do not mention “{about}”, so I cannot answer."
    return "Sorry, I could not find the answer to this question in the articles."


def abstention_message(scope: CorpusScope, reason: DeclineReason, about: str,
                       language: str = "vi", question: QuestionInfo | None = None) -> str:
    """Why the question is declined, then what can be asked instead."""
    if language == "en":
        return f"{_english_opening(reason, about, question)} {scope.offer('en')}"
    return f"{_vietnamese_opening(reason, about, question)} {scope.offer('vi')}"


def small_talk_reply(kind: SmallTalk, language: str, scope: CorpusScope) -> str:
    english = language == "en"
    if kind == SmallTalk.THANKS:
        return ("You're welcome! Ask another question any time." if english
                else "Rất vui được giúp bạn! Bạn cứ hỏi tiếp nếu cần.")
    if kind == SmallTalk.BYE:
        return "Goodbye!" if english else "Tạm biệt, hẹn gặp lại bạn!"
    hello = ("Hello! " if english else "Xin chào! ") if kind == SmallTalk.GREETING else ""
    if english:
        return (f"{hello}I answer questions from the articles here, quoting the passage each "
                f"answer comes from. {scope.offer('en')}{_example(scope, 'en')}")
    return (f"{hello}Tôi trả lời câu hỏi dựa trên các bài viết hiện có và dẫn đoạn văn của "
            f"mỗi câu trả lời. {scope.offer('vi')}{_example(scope, 'vi')}")


def _example(scope: CorpusScope, language: str) -> str:
    if not (scope.provinces and scope.digital):
        return ""
    province = scope.provinces[0]
    if language == "en":
        return f" For example: “What is {province}'s digital transformation rank?”"
    return f" Ví dụ: “{province} xếp hạng chuyển đổi số thứ mấy?”"


def in_english(sentence: str, span: str | None) -> str:
    """An answer to an English question: the cited Vietnamese sentence, framed in English."""
    short = f" In short: {span}." if span else ""
    return f"The articles say (in Vietnamese): “{sentence}” [1].{short}"


def _dated(hit: FactHit, language: str) -> str:
    if not hit.published:
        return "an article" if language == "en" else "một bài viết"
    return f"the article of {hit.published}" if language == "en" else f"bài ngày {hit.published}"


def _marks(refs: list[int]) -> str:
    return "".join(f"[{n}]" for n in dict.fromkeys(refs))


def fact_answer(hits: list[FactHit], refs: list[int], spans: list[str], index: str,
                year: int | None, language: str = "vi") -> str:
    """An answer from facts, hit i cited as [refs[i]]: the sentence stating it and, when
    the sentence does not say it, the index and year it is of; other articles stating the
    same are cited after it. Articles that disagree are all quoted, newest first, dated."""
    english = language == "en"
    of = f"{index} {year}" if year is not None else index
    if len({h.fact.value for h in hits}) == 1:
        hit = hits[0]
        if english:
            also = _marks([r for r in refs if r != refs[0]])
            return (in_english(quoted(hit), spans[0])
                    + f" ({of}{'; also ' + also if also else ''})")
        stated = str(year) in quoted(hit) if year is not None else True
        note = "" if stated else f" (số liệu {index} năm {year})"
        return f"{quoted(hit).rstrip(' .')} {_marks(refs)}{note}."
    each = "; ".join(f"{_dated(h, language)}: “{quoted(h)}” [{n}]"
                     for h, n in zip(hits, refs, strict=True))
    if english:
        return f"The articles disagree on {of}: {each}."
    return f"Các bài viết nêu khác nhau về {of}: {each}."


def place_answer(hits: list[FactHit], refs: list[int], place: str, index: str,
                 year: int | None, language: str = "vi") -> str:
    """Who holds a place ("đứng đầu", "đứng cuối") on an index: the first sentence saying
    so quoted, the others cited."""
    of = f"{index} {year}" if year is not None else index
    holders = " và ".join(dict.fromkeys(h.fact.subject for h in hits))
    if language == "en":
        where = "First" if place == "first" else "Last"
        return (f"{where} on {of}: {holders} {_marks(refs)}. The articles say (in "
                f"Vietnamese): “{quoted(hits[0])}” [{refs[0]}].")
    where = "Đứng đầu" if place == "first" else "Đứng cuối"
    return f"{where} {of} là {holders} {_marks(refs)}: “{quoted(hits[0])}” [{refs[0]}]."


def top_answer(hits: list[FactHit], refs: list[int], top_n: int, index: str,
               year: int | None, language: str = "vi") -> str:
    """The first N of a ranking, in order, each cited."""
    of = f"{index} {year}" if year is not None else index
    listed = ", ".join(f"{h.fact.subject} [{n}]" for h, n in zip(hits, refs, strict=True))
    if language == "en":
        return f"The top {top_n} on {of}: {listed}."
    return f"Top {top_n} {of} gồm: {listed}."


def _decimal(value: float) -> str:
    """A number as Vietnamese articles write it: "0,13", "5"."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def change_between_years(hits: list[FactHit], refs: list[int], subject: str, index: str,
                         ranks: bool, language: str = "vi") -> tuple[str, str]:
    """(the answer, its short span) for a subject's change between two years' facts, the
    newer first: a better rank is a smaller number."""
    newer, older = hits
    assert newer.fact.value is not None and older.fact.value is not None
    gained = (older.fact.value - newer.fact.value) if ranks else (
        newer.fact.value - older.fact.value)
    amount = _decimal(abs(gained))
    english = language == "en"
    if gained == 0:
        span = "unchanged" if english else "giữ nguyên"
    elif english:
        span = f"{'up' if gained > 0 else 'down'} {amount} {'places' if ranks else 'points'}"
    else:
        span = f"{'tăng' if gained > 0 else 'giảm'} {amount} {'bậc' if ranks else 'điểm'}"
    years = (newer.fact.year, older.fact.year)
    stated = [f"{_value(h, ranks, language)} {'in' if english else 'năm'} {y} [{n}]"
              for h, y, n in zip((newer, older), years, refs, strict=True)]
    if english:
        return f"{subject} on {index}: {span} ({stated[0]}; {stated[1]}).", span
    return f"{subject} {span} về {index}: {stated[0]}, {stated[1]}.", span


def _value(hit: FactHit, ranks: bool, language: str) -> str:
    value = hit.fact.value
    assert value is not None
    if not ranks:
        return f"{_decimal(value)} {'points' if language == 'en' else 'điểm'}"
    of = f"/{hit.fact.out_of}" if hit.fact.out_of else ""
    return f"{'rank ' if language == 'en' else 'thứ '}{int(value)}{of}"


def bridge_place(holder: str, place: str, index: str, year: int | None, n: int,
                 language: str = "vi") -> str:
    """The first half of a bridge answer: whose place it is, cited [n]."""
    of = f"{index} {year}" if year is not None else index
    if language == "en":
        return f"{holder} was {'first' if place == 'first' else 'last'} on {of} [{n}]."
    return f"{holder} {'đứng đầu' if place == 'first' else 'đứng cuối'} {of} [{n}]."


def year_not_covered(hits: list[FactHit], refs: list[int], spans: list[str], subject: str,
                     index: str, asked: int, language: str = "vi") -> str:
    """A decline that offers what the articles have: the subject's index in other years."""
    rows = zip(hits, spans, refs, strict=True)
    if language == "en":
        have = ", ".join(f"{index} {h.fact.year} for {subject} ({s}) [{n}]" for h, s, n in rows)
        return f"The articles have {have}, not {asked}."
    have = ", ".join(f"{index} {h.fact.year} của {subject} ({s}) [{n}]" for h, s, n in rows)
    return f"Các bài viết có {have}, không có năm {asked}."
