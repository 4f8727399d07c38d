"""The default answerer: picks the sentence that answers, then the span the question asks for.

No language model: sentences of the retrieved passages are scored by how much of the
question's weighted vocabulary (IDF from the index) they contain, with credit for the
passage's title/province (paragraphs rarely name their province) and for containing a
span of the asked type (a number for "bao nhiêu", a rank for "thứ mấy").
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

import numpy as np

from retriever.coverage import (
    IdfLookup,
    Unit,
    coverage,
    is_stop,
    passage_units,
    query_weights,
    text_tokens,
)
from retriever.text.normalize import fold_diacritics, match_form
from retriever.text.sentences import Sentence, clause_around
from retriever.types import Passage
from service.answering.lists import ListItem, list_items
from service.answering.question import (
    ORDINAL_RE,
    QuestionInfo,
    QuestionKind,
    around_question_word,
)
from service.answering.reasons import DeclineReason
from service.answering.spans import (
    Span,
    candidate_spans,
    expansion_spans,
    has_date_part,
    headed_name_spans,
    unit_after,
)
from service.answering.verify import holds_role, missing_years, named_near
from service.answering.wordlists import word_list

# Whether the sentence at hand may answer the question at all: the pipeline's check that it
# is about the province asked (see verify.names_other_province).
SentenceCheck = Callable[[Passage, str], bool]

Similarity = Callable[[list[str]], np.ndarray]

TYPE_BONUS = 0.10
MISSING_TYPE_FACTOR = 0.6
RANK_DECAY = 0.02
FOCUS_FACTOR = 0.5  # a follow-up's new topic absent from the sentence
EXPANSION_WEIGHT = 0.3
MAX_ANSWER_WORDS = 60
# Sentence similarity re-scores the lexically best segments: cosine above the baseline
# (e5 cosines of unrelated Vietnamese text sit near 0.8) adds to the lexical score.
SEMANTIC_CANDIDATES = 8
SEMANTIC_WEIGHT = 2.0
SEMANTIC_BASELINE = 0.8
# e5's cosines between a question and a sentence of the same language are rarely below this;
# candidates that could only win if the leader's were lower are embedded only when it is.
SEMANTIC_PRUNE_FLOOR = 0.7
DEFINITION_BONUS = 0.3  # "X là ...", "... (X)" for a "X là gì?" question
# Spans of the asked type here, but none bound to what the question pins down: a number
# that counts something else, a person without the office asked about, a name that is not
# of the thing asked ("học viện nào").
UNBOUND_FACTOR = 0.6
COUNTED_SHARE = 1 / 3  # of what is counted (IDF-weighted) a number's unit must name
RANK_TOPIC_FLOOR = 0.7  # a rank's segment without any of what the question ranks
_RANKING_WORDS = " ".join(word_list("vi", "ranking_words"))
MISSING_YEAR_FACTOR = 0.6  # the question names a year this part of the text does not
PROXIMITY_CHARS = 30.0
# Alignment of the question's words around its question word (see _alignment). Chosen on
# all four evaluation sets together (weight 1 or 2, decay 4 or 8 words, 4 or 6 question
# words): answer accuracy ours 0.944 -> 0.950, viquad2 0.637 -> 0.642, the other two
# unchanged; span F1 up on three sets (ours 0.625 -> 0.636), down on none.
ALIGNMENT_WEIGHT = 1.0
ALIGN_DECAY_WORDS = 4.0
ALIGN_QUESTION_WORDS = 4
ALIGN_WINDOW_WORDS = 30
# Of the question's words, those a number's span names in the words it counts: "151 tổ ...
# cấp xã" over "9 tổ ... cấp huyện" for "bao nhiêu tổ ... cấp xã".
UNIT_MATCH_WEIGHT = 1.0
# Words of a counted phrase that say nothing of what is counted. (Coverage's stop list
# also folds English "to" onto "tổ", so it cannot judge the accented unit words here; an
# English question's counted words arrive translated.)
_COUNT_STOP = frozenset(word_list("vi", "count_stop_words"))
_WORD_RE = re.compile(r"[^\W_]+(?:[.,/][^\W_]+)*")


def _defines(segment: str, subject: str) -> bool:
    text = fold_diacritics(match_form(segment))
    return any(form in text for form in (f"{subject} la ", f"({subject})", f"{subject} (",
                                         f"{subject} duoc hieu", f"{subject} nghia la"))


@lru_cache(maxsize=1)
def _glossary() -> tuple[tuple[str, str], ...]:
    text = resources.files("service.answering").joinpath("data/en_vi.tsv").read_text("utf-8")
    rows = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            english, _, vietnamese = line.partition("\t")
            rows.append((english.strip().casefold(), vietnamese.strip()))
    return tuple(sorted(rows, key=lambda r: -len(r[0])))


@lru_cache(maxsize=1024)
def english_to_vietnamese_terms(question: str) -> str:
    """Vietnamese words for the English phrases of a question (longest phrases first)."""
    text = f" {question.casefold()} "
    found = []
    for english, vietnamese in _glossary():
        pattern = rf"(?<![\w-]){re.escape(english)}(?![\w-])"
        if re.search(pattern, text):
            found.append(vietnamese)
            text = re.sub(pattern, " ", text)
    return " ".join(found)


def vietnamese_terms_of_english(question: QuestionInfo) -> str:
    """An English question as Vietnamese search words: provinces, glossary terms, numbers."""
    # "9th" is said "thứ 9" in the articles.
    numbers = " ".join(re.findall(r"(?:thứ )?\b\d[\w.,/%]*",
                                  ORDINAL_RE.sub(r"thứ \1", question.text)))
    return " ".join([*question.provinces, english_to_vietnamese_terms(question.text), numbers])


@dataclass(frozen=True)
class Extraction:
    passage_index: int
    sentence: Sentence
    span: Span | None
    answer_text: str  # the sentence, or the clause of it that holds the span
    score: float
    # The question's constraint this candidate fails (reasons.UNMET_REASONS), None if none.
    unmet: DeclineReason | None = None


class QuestionTerms:
    """The question's weighted tokens, in the accented or folded form the question uses."""

    def __init__(self, question: QuestionInfo, idf: IdfLookup, focus: str = "",
                 expansion: str = "") -> None:
        self.fold = not question.accented
        text = question.text
        if question.language == "en":
            # English words never occur in the articles: score the Vietnamese for them.
            text = vietnamese_terms_of_english(question)
            self.fold = False
        self._idf = idf
        self.weights = query_weights(text, idf, self.fold)
        self.total = sum(self.weights.values()) or 1.0
        self.focus = {t for t in self.tokens(focus) if not is_stop(t, self.fold)}
        counted = question.counted
        if question.language == "en" and counted:
            counted = english_to_vietnamese_terms(counted)
        self.counted = {"%"} if counted == "%" else {
            t for t in self.tokens(counted) if "_" not in t and t not in _COUNT_STOP}
        # Vietnamese puts the head noun first: "trạm" of "trạm thu phát sóng".
        heads = [t for t in _tokens_in_order(counted, self.fold) if t in self.counted]
        self.counted_head = heads[0] if heads and counted != "%" else ""
        self.subject = fold_diacritics(match_form(question.subject)) if question.subject else ""
        self.years = set(question.years)  # none for a "date" question: they are its answer
        # What a rank is the rank of ("kinh tế số" in "Kinh tế số của Bình Phước xếp thứ
        # mấy?"): the question's words less its places and its ranking words.
        self.topic: dict[str, float] = {}
        if question.kind == QuestionKind.RANK:
            place = set(self.tokens(" ".join(question.provinces)))
            ranking = set(self.tokens(_RANKING_WORDS))
            self.topic = {t: w for t, w in self.weights.items()
                          if t not in place and not set(t.split("_")) & ranking}
        before, after = around_question_word(text) if question.language == "vi" else ("", "")
        self.before_question_word = [t for t in _tokens_in_order(before, self.fold)
                                     if t in self.weights][-ALIGN_QUESTION_WORDS:]
        self.after_question_word = [t for t in _tokens_in_order(after, self.fold)
                                    if t in self.weights][:ALIGN_QUESTION_WORDS]
        self.side_weight = sum(self.weights[t] for t in
                               self.before_question_word + self.after_question_word)
        self.expansion = {t: EXPANSION_WEIGHT * idf(t, self.fold)
                          for t in self.tokens(expansion) if t not in self.weights
                          and not is_stop(t, self.fold)}

    def tokens(self, text: str) -> list[str]:
        return list(text_tokens(text, self.fold))

    def counts_head(self, text: str) -> bool:
        """`text` names the head of what is counted: "82/82 xã" for "xã, phường, thị trấn",
        "20 tỉnh" for "tỉnh, thành dẫn đầu", "4.500 thành viên" for "người"."""
        if not self.counted_head:
            return False
        tokens = self.tokens(text)
        if _unit_forms([self.counted_head]) & _unit_forms(tokens):
            return True
        # An English question's counted words arrive translated: "people" as "người dân".
        return (fold_diacritics(self.counted_head) == "nguoi"
                and any(fold_diacritics(t) in _PEOPLE for t in tokens))

    def counted_share(self, text: str) -> float:
        """The IDF-weighted share of what the question counts that `text` names (units of
        measure in any spelling): "90% dịch vụ công" shares only the common "công" with
        "tổ công nghệ số cộng đồng"; "3.200 trạm thu phát sóng" shares most of "cột phát
        sóng điện thoại"."""
        if not self.counted or self.counted == {"%"}:
            return 0.0
        found = _unit_forms(self.tokens(text))
        weights = {t: self._idf(t, self.fold) or 1.0 for t in self.counted}
        shared = sum(w for t, w in weights.items() if _unit_forms([t]) & found)
        return shared / sum(weights.values())

    def coverage(self, sentence: frozenset[str], context: frozenset[str]) -> float:
        return coverage(self.weights, sentence, context, self.expansion)


def _span_score(span: Span, segment: str, terms: QuestionTerms, question_text: str,
                sentence: str, item: ListItem | None = None) -> float:
    """How close a candidate span sits to the question's words within its segment, with a
    large bonus for a number whose unit is what the question counts (the more of its words,
    the more: "1.000 DN nhỏ" over "90% DN" for "bao nhiêu DN nhỏ"; `_unit_match`), and a
    bonus for the question's words around it in the question's order (`_alignment`)."""
    if _in_question(span.text, question_text, terms.fold):
        return -1.0  # the question's own number or name is not its answer
    if terms.counted == {"%"} and "%" not in span.text:
        return -1.0
    bonus = 0.0
    if terms.counted and terms.counted != {"%"}:
        bonus = terms.total * terms.counted_share(span.text)
    if terms.counted:
        bonus += UNIT_MATCH_WEIGHT * terms.total * _own_match(span, segment, terms, item)
    bonus += ALIGNMENT_WEIGHT * terms.total * _alignment(span, segment, sentence, terms, item)
    return bonus + terms.total * _closeness(span, segment, terms, item)


def _own_match(span: Span, segment: str, terms: QuestionTerms,
               item: ListItem | None = None) -> float:
    """The weighted share of the question's words (and word pairs: "cấp xã") among a number's
    own words: those its span runs on over ("tổ chuyển đổi số cộng đồng cấp xã" of "151 tổ
    ...") and, as an item of a list, its own label ("cấp xã đạt" of "..., cấp xã đạt 80%").

    Items of one list often count the same thing at different levels ("9 tổ ... cấp huyện,
    151 tổ ... cấp xã"): what the question names beyond the counted noun tells them apart.
    """
    first = _WORD_RE.match(span.text)
    own = span.text[first.end():] if first else ""
    if item is not None:
        own = f"{segment[item.label_start:span.start]} {own}"
    if not own.strip():
        return 0.0
    named = set(terms.tokens(own))
    return sum(w for t, w in terms.weights.items() if t in named) / terms.total


def _in_question(span: str, question: str, fold: bool) -> bool:
    """The span is written in the question (without accents in an unaccented one)."""
    if fold:
        return fold_diacritics(match_form(span)) in fold_diacritics(match_form(question))
    return match_form(span) in match_form(question)


def _alignment(span: Span, segment: str, sentence: str, terms: QuestionTerms,
               item: ListItem | None = None) -> float:
    """The weighted share of the question's words next to its question word that stand on
    the same side of the span in the sentence, in the same order, nearest first.

    A question is its answer's sentence with the answer replaced: in "tỷ lệ giao dịch
    thanh toán trực tuyến đạt bao nhiêu" the words before "bao nhiêu" come just before
    "30%" in "... trong đó tỷ lệ giao dịch thanh toán trực tuyến đạt từ 30% trở lên", not
    before the "80%" the same sentence opened with. Matches count less the farther they
    are from the span (ALIGN_DECAY_WORDS), so the words far back in a long sentence,
    before every span of it, decide nothing. An item of a list (`item`) has before it its
    own label, then the words before the whole list.
    """
    if not terms.side_weight:
        return 0.0
    offset = sentence.find(segment)
    if offset < 0:
        offset, sentence = 0, segment
    # A number's span runs on over the words it counts ("450 tổ ... cấp khu phố"), which
    # are the very words to align: the side after it starts after its first word.
    first = _WORD_RE.match(span.text)
    start = offset + span.start
    end = start + (first.end() if first else len(span.text))
    before: list[str] = []
    after: list[str] = []
    for word_start, word_end, tokens in _spelled_words(sentence, terms.fold):
        if word_end <= start:
            before.extend(tokens)
        elif word_start >= end:
            after.extend(tokens)
        elif word_start < start or word_end > end:
            # Text run together ("11năm 2005"): the parts of the word outside the span.
            before.extend(_tokens_in_order(sentence[word_start:start], terms.fold))
            after.extend(_tokens_in_order(sentence[max(end, word_start):word_end], terms.fold))
    if item is not None:
        # The other items and their labels stand between this one and the list's lead-in.
        before = (_tokens_in_order(sentence[:offset + item.shared_end], terms.fold)
                  + _tokens_in_order(segment[item.label_start:span.start], terms.fold))
    matched = (_ordered_overlap(terms.before_question_word[::-1],
                                before[::-1][:ALIGN_WINDOW_WORDS], terms.weights)
               + _ordered_overlap(terms.after_question_word, after[:ALIGN_WINDOW_WORDS],
                                  terms.weights))
    return matched / terms.side_weight


def _ordered_overlap(question: list[str], passage: list[str],
                     weights: dict[str, float]) -> float:
    """The heaviest common subsequence of the two word lists, a passage word's weight
    decaying with its position (0 = next to the span)."""
    if not question or not passage:
        return 0.0
    decay = [math.exp(-j / ALIGN_DECAY_WORDS) for j in range(len(passage))]
    previous = [0.0] * (len(passage) + 1)
    for word in question:
        current = [0.0]
        for j, other in enumerate(passage):
            best = max(previous[j + 1], current[j])
            current.append(max(best, previous[j] + weights[word] * decay[j]) if word == other
                           else best)
        previous = current
    return previous[-1]


def _closeness(span: Span, segment: str, terms: QuestionTerms,
               item: ListItem | None = None) -> float:
    """The IDF-weighted share of the question's words near the span (1.0: all adjacent).

    Each question word counts by how close its nearest occurrence is to the span: in
    "90% hồ sơ cấp tỉnh, 80% cấp huyện" the "cấp tỉnh" of the question picks 90%. An item
    of a list is read as if it followed the list's lead-in directly, without the other
    items: ", cấp huyện đạt 95%" right after "cấp tỉnh đạt 100%" is not near 100%.
    """
    nearest: dict[str, float] = {}
    for word in _WORD_RE.finditer(segment):
        if span.start <= word.start() < span.end:
            continue
        if item is not None and word.end() <= item.shared_end:
            distance = item.shared_end - word.end() + span.start - item.label_start
        elif item is not None and (word.start() < item.label_start or (
                item.next_start is not None and word.start() >= item.next_start)):
            continue  # another item's words
        else:
            distance = span.start - word.end() if word.end() <= span.start else (
                word.start() - span.end)
        closeness = math.exp(-max(distance, 0) / PROXIMITY_CHARS)
        for token in terms.tokens(word.group(0)):
            if token in terms.weights:
                nearest[token] = max(nearest.get(token, 0.0), closeness)
    return sum(terms.weights[t] * c for t, c in nearest.items()) / terms.total


def best_extraction(question: QuestionInfo, passages: Sequence[Passage], idf: IdfLookup,
                    focus: str = "", expansion: str = "",
                    similarity: Similarity | None = None,
                    about: SentenceCheck | None = None,
                    lead_in: Callable[[Passage], str] | None = None) -> Extraction | None:
    """The best-scoring segment of the passages and its span; with `similarity`, the
    lexically best few are re-scored with the embedding model's sentence similarity.

    Only segments that meet the question's constraints compete (verify.py): the province
    (`about`), the years it names (in the passage, its title or the text just before it,
    `lead_in`), and a span of the asked type bound to what it asks about. When none does,
    the best of the others is returned with `unmet` saying what failed.
    """
    terms = QuestionTerms(question, idf, focus, expansion)
    found: list[Extraction] = []
    for index, passage in enumerate(passages):
        chunk = passage.chunk
        title = text_tokens(f"{chunk.title} {chunk.province or ''}", terms.fold)
        years = missing_years(question.years, chunk.text, chunk.title)
        if years and lead_in is not None:
            years = missing_years(years, lead_in(passage))
        for unit in passage_units(chunk.text, terms.fold):
            extraction = _score_unit(question, terms, unit, title | unit.sentence_tokens, index,
                                     chunk.text)
            unmet = extraction.unmet
            if about is not None and not about(passage, unit.sentence_text):
                unmet = DeclineReason.PROVINCE
            elif years:
                unmet = DeclineReason.YEAR
            found.append(replace(extraction, unmet=unmet))
    if not found:
        return None
    if question.kind != QuestionKind.SENTENCE and all(e.span is None for e in found):
        # No candidate has a span of the asked type (names the span finders do not know,
        # "Charles Edward Magoon"): the type says nothing against any of them.
        found = [replace(e, score=e.score / MISSING_TYPE_FACTOR) for e in found]
    met = [e for e in found if not e.unmet]
    if question.abbreviation and question.kind == QuestionKind.SENTENCE:
        # "X là viết tắt của gì?" is answered by the sentence that spells X out, whenever
        # one was found: its span is the expansion (see expansion_spans).
        met = [e for e in met if e.span is not None] or met
    if not met:
        return max(found, key=lambda e: e.score)
    if similarity is not None:
        return _semantic_best(sorted(met, key=lambda e: -e.score)[:SEMANTIC_CANDIDATES],
                              similarity)
    return max(met, key=lambda e: e.score)


def _semantic_best(ranked: list[Extraction], similarity: Similarity) -> Extraction:
    """The best of `ranked` (lexically best first) after adding the semantic term.

    Embedding sentences is most of an answer's cost, so candidates too far behind to win
    even with a perfect cosine (1.0) against the leader's are embedded only if the leader's
    own similarity turns out low enough to let them: the result is the same as embedding all.
    """
    def rescored(batch: list[Extraction]) -> list[Extraction]:
        values = similarity([e.sentence.text for e in batch])
        return [replace(e, score=e.score + SEMANTIC_WEIGHT * (float(v) - SEMANTIC_BASELINE))
                for e, v in zip(batch, values, strict=True)]

    ceiling = SEMANTIC_WEIGHT * (1.0 - SEMANTIC_BASELINE)  # the most a cosine can add
    reach = ranked[0].score - SEMANTIC_WEIGHT * (1.0 - SEMANTIC_PRUNE_FLOOR)
    done = rescored([e for e in ranked if e.score >= reach])
    rest = [e for e in ranked if e.score < reach]
    best = max(done, key=lambda e: e.score)
    if rest and max(e.score for e in rest) + ceiling >= best.score:
        best = max([best, *rescored(rest)], key=lambda e: e.score)
    return best


def _score_unit(question: QuestionInfo, terms: QuestionTerms, unit: Unit,
                context: frozenset[str], index: int, passage: str = "") -> Extraction:
    segment = unit.segment
    score = terms.coverage(unit.tokens, context) - RANK_DECAY * index
    if terms.focus and not terms.focus <= unit.tokens | context:
        score *= FOCUS_FACTOR
    if terms.years and not all(y in unit.sentence_text for y in terms.years):
        score *= MISSING_YEAR_FACTOR
    if terms.topic:
        # A rank belongs to its own clause: "1.506 dịch vụ công ..., xếp thứ 3/63 ... cả
        # nước" ranks the online services, not the digital economy a question asks about.
        share = sum(w for t, w in terms.topic.items() if t in unit.tokens) / sum(
            terms.topic.values())
        score *= RANK_TOPIC_FLOOR + (1.0 - RANK_TOPIC_FLOOR) * share
    expansions = expansion_spans(segment.text, question.abbreviation)
    if expansions or (terms.subject and not question.abbreviation
                      and _defines(segment.text, terms.subject)):
        score += DEFINITION_BONUS
    unmet: DeclineReason | None = None
    scored: list[tuple[float, Span]] = []
    if question.kind != QuestionKind.SENTENCE:
        spans = candidate_spans(segment.text, question.kind)
        headed = headed_name_spans(segment.text, question.head)
        spans = headed + [s for s in spans if not any(h.start <= s.start < h.end for h in headed)]
        items = list_items(spans, segment.text)
        scored = [(_span_score(s, segment.text, terms, question.text, unit.sentence_text,
                               items.get(s)), s) for s in spans]
        scored = [(value, s) for value, s in scored if value >= 0]
        score = score + TYPE_BONUS if scored else score * MISSING_TYPE_FACTOR
        bound = [(value, s) for value, s in scored
                 if _bound(question, terms, segment.text, s, headed)]
        if scored and not bound:
            score *= UNBOUND_FACTOR
        unmet = _unmet(question, terms, scored, bound, passage)
        scored = bound or scored
    # The first of equally close spans, as max() over the candidates in text order.
    span = max(scored, key=lambda pair: pair[0])[1] if scored else None
    if span is None and expansions:
        span = expansions[0]
    anchor = (_named_person(question, segment.text, span)
              if question.kind == QuestionKind.ROLE else None)
    return Extraction(index, segment, span,
                      _answer_text(segment.text, span, unit.part, anchor), score, unmet)


def _bound(question: QuestionInfo, terms: QuestionTerms, segment: str, span: Span,
           headed: list[Span]) -> bool:
    """The span answers what the question pins down, not just its type (verify.py)."""
    if question.kind == QuestionKind.NUMBER and terms.counted and terms.counted != {"%"}:
        unit = unit_after(segment, span)
        return terms.counts_head(unit) or terms.counted_share(unit) >= COUNTED_SHARE
    if question.kind == QuestionKind.PERSON:
        return holds_role(segment, span, question.roles)
    if question.kind == QuestionKind.ROLE:
        return _named_person(question, segment, span) is not None or not _persons(question)
    if question.kind == QuestionKind.NAME and question.head:
        return span in headed
    if question.kind == QuestionKind.DATE:
        return has_date_part(span.text, question.date_part)
    if question.kind == QuestionKind.RANK:
        # "lần thứ XI", "năm thứ 12 liên tiếp" count occasions: a rank only when the
        # question asks "lần thứ mấy".
        occasion = re.search(r"\b(?:lần|năm|kỳ)\s*$", segment[max(0, span.start - 6):span.start],
                             re.IGNORECASE)
        return not (occasion and question.ranking
                    and "lan" not in fold_diacritics(question.text.casefold()).split())
    return True


def _unmet(question: QuestionInfo, terms: QuestionTerms, scored: list[tuple[float, Span]],
           bound: list[tuple[float, Span]], passage: str) -> DeclineReason | None:
    """The constraint a segment fails outright: a ranking question with no rank (of the
    kind asked), an amount question with no number, a count of something its passage never
    mentions, a person without the office asked about."""
    if question.kind == QuestionKind.RANK and question.ranking and not bound:
        return DeclineReason.TYPE
    if question.kind == QuestionKind.NUMBER and question.asks_amount and not scored:
        return DeclineReason.TYPE
    if (question.kind == QuestionKind.NUMBER and terms.counted and terms.counted != {"%"}
            and not bound and not _mentions_counted(question.counted, passage)):
        return DeclineReason.COUNT
    if question.kind == QuestionKind.PERSON and question.roles and not bound:
        return DeclineReason.ROLE
    return None


# Spellings of one unit of measure: "cao bao nhiêu mét?" is answered by "cao 200 m".
_UNIT_SPELLINGS = (
    ("met", "m"), ("km", "kilomet", "ki lo met", "cay so"), ("ha", "hecta", "hec ta"),
    ("kg", "kilogam", "ki lo gam", "can"), ("m2", "met vuong"), ("km2", "kilomet vuong"),
    ("usd", "do la", "dollar"), ("dong", "vnd"), ("lit", "l"), ("gio", "h"), ("phut", "p"),
)
_UNIT_ALIASES = {form: group for group in _UNIT_SPELLINGS for form in group}
# "Bao nhiêu người" counts people under any name ("4.500 thành viên", "1.200 cán bộ"); the
# other way round a "cán bộ" is not any person, so these are not spellings of one unit.
_PEOPLE = frozenset(word_list("vi", "people_nouns"))


def _tokens_in_order(text: str, fold: bool) -> list[str]:
    """The words of `text` in order, as text_tokens spells them (no bigrams)."""
    return [token for _, _, tokens in _spelled_words(text, fold) for token in tokens]


@lru_cache(maxsize=4096)  # a sentence's words are read once for all its candidate spans
def _spelled_words(text: str, fold: bool) -> tuple[tuple[int, int, tuple[str, ...]], ...]:
    """Each word of `text`: where it starts and ends, and its tokens as text_tokens spells
    them (no bigrams)."""
    tokens = text_tokens(text, fold)
    return tuple((word.start(), word.end(),
                  tuple(t for t in text_tokens(word.group(0), fold) if "_" not in t
                        and t in tokens))
                 for word in re.finditer(r"[^\W_]+", text))


def _unit_forms(tokens: Iterable[str]) -> set[str]:
    """The tokens and the spellings of any unit of measure among them (only units are
    compared folded: "tỉ" is not the "ty" of "công ty")."""
    forms = set(tokens)
    for token in list(forms):
        forms.update(_UNIT_ALIASES.get(fold_diacritics(token), ()))
    return forms


@lru_cache(maxsize=1024)  # asked for every segment of a passage: folded once per passage
def _mentions_counted(counted: str, passage: str) -> bool:
    """The passage names what is counted (its first two words: "trạm thu", "tỷ đồng"), so a
    number of it may be written in a way the unit check misses ("45 quốc gia" for "bao nhiêu
    nước" in a passage that says "nước" elsewhere). Words alone are not enough: "tỷ" of
    "tỷ trọng" is not "tỷ đồng"."""
    words = re.findall(r"[^\W\d_]+", fold_diacritics(counted.casefold()))[:2]
    if not words:
        return True
    folded = fold_diacritics(passage.casefold())
    heads = [" ".join(words)]
    if len(words) == 1:
        heads += [a for a in _UNIT_ALIASES.get(words[0], ()) if a != words[0]]
    patterns = (r"\s+".join(re.escape(w) for w in head.split()) for head in heads)
    return any(re.search(rf"(?<!\w){pattern}(?!\w)", folded) for pattern in patterns)


def _persons(question: QuestionInfo) -> list[str]:
    """People the question names ("Ông Lữ Quang Ngời giữ chức vụ gì?")."""
    return [t for t in question.required_terms if " " in t]


def _named_person(question: QuestionInfo, segment: str, span: Span | None) -> Span | None:
    """Where the person the question names stands next to `span` (an office) in `segment`."""
    if span is None:
        return None
    for name in _persons(question):
        anchor = named_near(segment, span, name)
        if anchor is not None:
            return anchor
    return None


def _answer_text(text: str, span: Span | None, part: bool, anchor: Span | None = None) -> str:
    """The clause that holds the span (and `anchor`: whose office it is, for a role)."""
    if span is not None and len(text.split()) > 30:
        start, end = span.start, span.end
        if anchor is not None:
            start, end = min(start, anchor.start), max(end, anchor.end)
        text = clause_around(text, start, end)
    text = text.rstrip(" .;:…")
    words = text.split()
    if len(words) > MAX_ANSWER_WORDS:
        text = " ".join(words[:MAX_ANSWER_WORDS]) + " …"
    if part:
        text = text[:1].upper() + text[1:]
    return text
