"""What the service says in words of its own: declines, small-talk replies, and the English
frame around a Vietnamese answer. Vietnamese and English; nothing else is worded here."""

from __future__ import annotations

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
