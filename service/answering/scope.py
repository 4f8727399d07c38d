"""What the indexed articles are about, as a decline or a help reply says it.

A corpus of provincial news offers its provinces ("Tôi có thể trả lời về chuyển đổi số
của: An Giang, ..."); a corpus that is not about provinces (Wikipedia, university rules)
offers a few of its own titles, and says nothing of chuyển đổi số unless it is about it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from retriever.text.normalize import fold_diacritics
from retriever.types import Chunk

MAX_LISTED_PROVINCES = 12
MAX_LISTED_TOPICS = 3
# A corpus "is about provinces" when this share of its passages is tagged with one, and
# about chuyển đổi số when this share of its documents uses the words.
PROVINCE_SHARE = 0.5
DIGITAL_SHARE = 0.3
_DIGITAL = ("chuyen doi so", "digital transformation")


@dataclass(frozen=True)
class CorpusScope:
    provinces: tuple[str, ...] = ()  # only when the corpus is about provinces
    topics: tuple[str, ...] = ()  # a few document titles otherwise
    digital: bool = False  # about chuyển đổi số

    @classmethod
    def of(cls, chunks: Sequence[Chunk]) -> CorpusScope:
        if not chunks:
            return cls()
        tagged = [c.province for c in chunks if c.province]
        provinces = tuple(sorted(set(tagged))) if len(tagged) >= PROVINCE_SHARE * len(
            chunks) else ()
        titles: dict[str, str] = {}
        digital: dict[str, bool] = {}
        for chunk in chunks:
            titles.setdefault(chunk.doc_id, chunk.title.strip())
            folded = fold_diacritics(f"{chunk.title} {chunk.text}").casefold()
            digital[chunk.doc_id] = digital.get(chunk.doc_id, False) or any(
                words in folded for words in _DIGITAL)
        topics = tuple(dict.fromkeys(t for t in titles.values() if t))[:MAX_LISTED_TOPICS]
        return cls(provinces, () if provinces else topics,
                   sum(digital.values()) >= DIGITAL_SHARE * len(digital))

    def offer(self, language: str = "vi") -> str:
        """One sentence on what can be asked."""
        listed = list(self.provinces[:MAX_LISTED_PROVINCES])
        more = len(self.provinces) - len(listed)
        if language == "en":
            if listed:
                what = "digital transformation in" if self.digital else "articles about"
                tail = f" and {more} other provinces" if more else ""
                return f"I can answer about {what}: {', '.join(listed)}{tail}."
            if self.topics:
                return ("I can answer from the articles, for example: "
                        f"{'; '.join(self.topics)}.")
            return "Try asking another way, about what the articles say."
        if listed:
            what = "chuyển đổi số của" if self.digital else "các bài viết về"
            tail = f" và {more} tỉnh khác" if more else ""
            return (f"Tôi có thể trả lời về {what}: {', '.join(listed)}{tail}. "
                    "Bạn hãy thử hỏi về các tỉnh này.")
        if self.topics:
            return ("Tôi có thể trả lời về nội dung các bài viết, ví dụ: "
                    f"{'; '.join(self.topics)}.")
        return "Bạn hãy thử hỏi cách khác hoặc hỏi về nội dung có trong các bài viết."
