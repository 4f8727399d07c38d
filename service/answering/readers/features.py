"""Question + passage -> model windows, the same way in training and at inference.

Hugging Face's question-answering recipe: the question's tokens, then a window of the
passage's tokens; a passage longer than one window is read in overlapping windows (`stride`
tokens shared) so that an answer cut by one window is whole in the next. Each passage token
keeps its character offsets, so a span of tokens maps back onto the passage text exactly.
Windows are capped per passage and per question: a 50,000-character passage costs a bounded
number of forward passes, not one per 200 tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tokenizers import Tokenizer

BOS_ID = 0  # <s>, read as the "no answer" position (SQuAD 2.0 style)
PAD_ID = 1
EOS_ID = 2


@dataclass(frozen=True)
class WindowSettings:
    """How passages are cut into windows; validated at construction."""

    max_length: int = 256
    stride: int = 64
    max_question_tokens: int = 64
    max_windows_per_passage: int = 4
    # Characters of a passage read at all: a pasted book is not a passage.
    max_passage_chars: int = 20_000

    def __post_init__(self) -> None:
        if self.max_length < 32 or self.max_length > 512:
            raise ValueError("max_length must be between 32 and 512 tokens")
        if not 8 <= self.max_question_tokens <= self.max_length // 2:
            raise ValueError("max_question_tokens must be between 8 and max_length / 2")
        if not 0 <= self.stride < self.context_tokens:
            raise ValueError("stride must be >= 0 and smaller than a window's passage part")
        if self.max_windows_per_passage < 1 or self.max_passage_chars < 1:
            raise ValueError("max_windows_per_passage and max_passage_chars must be >= 1")

    @property
    def context_tokens(self) -> int:
        """Passage tokens in a window with the longest question: <s> q </s></s> p </s>."""
        return self.max_length - self.max_question_tokens - 4


@dataclass(frozen=True)
class Window:
    """One model input: `input_ids` = <s> question </s></s> passage-part </s>.

    Token `context_start + i` is passage token `first_token + i`, whose characters in the
    passage text are `offsets[i]`.
    """

    passage_index: int
    input_ids: list[int]
    context_start: int
    offsets: list[tuple[int, int]]

    @property
    def context_end(self) -> int:
        """One past the last passage token of the window."""
        return self.context_start + len(self.offsets)


@dataclass(frozen=True)
class EncodedPassage:
    ids: list[int]
    offsets: list[tuple[int, int]]


class WindowMaker:
    """Tokenises questions and passages with the base model's tokenizer and cuts windows."""

    def __init__(self, tokenizer: Tokenizer, settings: WindowSettings | None = None) -> None:
        self.tokenizer = tokenizer
        self.settings = settings or WindowSettings()

    @classmethod
    def from_folder(cls, folder: Path, settings: WindowSettings | None = None) -> WindowMaker:
        tokenizer = Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))
        tokenizer.no_truncation()
        tokenizer.no_padding()
        return cls(tokenizer, settings)

    def question_ids(self, question: str) -> list[int]:
        ids = self.tokenizer.encode(question, add_special_tokens=False).ids
        return ids[: self.settings.max_question_tokens]

    def encode_passage(self, text: str) -> EncodedPassage:
        encoding = self.tokenizer.encode(text[: self.settings.max_passage_chars],
                                         add_special_tokens=False)
        # Some pieces map to no character (a lone "▁"): they can be inside a span, never
        # its first or last token (see nbest.py), so they keep an empty offset.
        return EncodedPassage(list(encoding.ids), [tuple(o) for o in encoding.offsets])

    def windows(self, question_ids: list[int], passage: EncodedPassage,
                passage_index: int = 0, max_windows: int | None = None) -> list[Window]:
        """The passage's windows, first to last, at most `max_windows` (default: settings)."""
        limit = self.settings.max_windows_per_passage if max_windows is None else max_windows
        head = [BOS_ID, *question_ids, EOS_ID, EOS_ID]
        room = self.settings.max_length - len(head) - 1
        step = room - self.settings.stride
        total = len(passage.ids)
        found: list[Window] = []
        first = 0
        while len(found) < limit:
            last = min(first + room, total)
            ids = head + passage.ids[first:last] + [EOS_ID]
            found.append(Window(passage_index, ids, len(head), passage.offsets[first:last]))
            if last >= total:
                break
            first += step
        return found

    def window_around(self, question_ids: list[int], passage: EncodedPassage,
                      start_char: int, end_char: int, passage_index: int = 0) -> Window:
        """The one window of the passage centred on characters start_char..end_char (a
        sentence chosen before reading): its beginning when they do not fit in one."""
        head = [BOS_ID, *question_ids, EOS_ID, EOS_ID]
        room = self.settings.max_length - len(head) - 1
        total = len(passage.ids)
        inside = [i for i, (a, b) in enumerate(passage.offsets)
                  if b > start_char and a < end_char]
        if not inside or total <= room:
            first = 0
        else:
            needed = inside[-1] - inside[0] + 1
            first = inside[0] if needed >= room else inside[0] - (room - needed) // 2
            first = max(0, min(first, total - room))
        last = min(first + room, total)
        ids = head + passage.ids[first:last] + [EOS_ID]
        return Window(passage_index, ids, len(head), passage.offsets[first:last])
