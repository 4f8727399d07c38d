import json
from dataclasses import replace
from pathlib import Path

import pytest

from eval.dataset import Question
from eval.indexes import ablations, cached_corpus_index, default_cache_dir
from eval.runner import (
    InProcessBackend,
    Prediction,
    QuestionResult,
    RunResult,
    hit_curve,
    run_questions,
    score_question,
    summarize,
)
from index.store import CorpusIndex, current_version
from retriever.encoder import Encoder
from retriever.search import Searcher
from retriever.types import Chunk, Document, Passage
from service.config import Settings
from tests.conftest import CountingEncoder


def passage(doc_id: str, text: str) -> Passage:
    return Passage(Chunk(f"{doc_id}#0", doc_id, text, 0, len(text), doc_id), 1.0)


def question(qid: str, answers: list[str], doc_id: str | None = None,
             evidence: str | None = None, qtype: str = "factoid",
             text: str = "Câu hỏi?") -> Question:
    return Question(qid, text, answers, doc_id, evidence, qtype)


RIGHT = passage("ca-mau", "Tỉnh có 1.506 dịch vụ công trực tuyến toàn trình.")
OTHER = passage("an-giang", "Hiện toàn tỉnh đã thành lập 9 tổ công nghệ số cộng đồng.")
CA_MAU = question("cm", ["1.506"], "ca-mau", "1.506 dịch vụ công trực tuyến")


def handmade_results() -> list[QuestionResult]:
    miss = score_question(
        question("miss", ["9 tổ"], "an-giang", "thành lập 9 tổ", "factoid"),
        Prediction("Tỉnh có 1.506 dịch vụ [1].", None, False, [RIGHT]), None, 10.0)
    rank3 = score_question(
        CA_MAU, Prediction("Tỉnh có 1506 dịch vụ công [1].", "1506", False,
                           [OTHER, OTHER, RIGHT]), 3, 20.0)
    abstain_right = score_question(
        question("un", [], qtype="unanswerable"),
        Prediction("Xin lỗi, các bài viết không nói về điều này.", None, True, []), None, 30.0)
    abstain_wrong = score_question(
        question("ab", ["1.506"], "ca-mau", "1.506 dịch vụ", "paraphrase"),
        Prediction("Xin lỗi, không rõ. 1.506", None, True, [RIGHT]), 1, 40.0)
    return [miss, rank3, abstain_right, abstain_wrong]


def test_the_first_citation_is_scored_apart() -> None:
    first = score_question(CA_MAU, Prediction("Tỉnh có 1506 dịch vụ công [1].", "1506", False,
                                              [RIGHT, OTHER]), 1, 5.0)
    assert first.first_cited and first.citation_hit
    assert summarize([first])["cite@1"] == 1.0


def test_scoring_handmade_cases() -> None:
    miss, rank3, abstain_right, abstain_wrong = handmade_results()
    assert not miss.correct and not miss.citation_hit and miss.first_hit_rank is None
    assert rank3.correct and rank3.citation_hit and rank3.span_em == 1.0
    # Its evidence is cited third: a citation hit, but not the answer's [1].
    assert not rank3.first_cited
    assert abstain_right.correct and abstain_right.first_hit_rank is None
    # An abstention on an answerable question is wrong even if its text holds the answer.
    assert not abstain_wrong.correct and not abstain_wrong.citation_hit


def test_summary_of_handmade_cases() -> None:
    metrics = summarize(handmade_results())
    assert (metrics["n"], metrics["answerable"], metrics["unanswerable"]) == (4, 3, 1)
    # Ranks of the answerable ones: None, 3, 1.
    assert metrics["hit@1"] == pytest.approx(1 / 3)
    assert metrics["hit@5"] == pytest.approx(2 / 3)
    assert metrics["mrr@10"] == pytest.approx((1 / 3 + 1) / 3)
    assert metrics["accuracy"] == pytest.approx(1 / 3)
    assert metrics["span_em"] == pytest.approx(1 / 3)
    assert metrics["citation_accuracy"] == pytest.approx(1 / 3)
    assert metrics["cite@1"] == 0.0
    assert metrics["abstain_unanswerable"] == 1.0
    assert metrics["wrong_abstain"] == pytest.approx(1 / 3)
    assert metrics["latency_p50_ms"] == 25.0
    assert metrics["latency_p95_ms"] == pytest.approx(38.5)


def test_a_single_rank_3_hit() -> None:
    metrics = summarize([handmade_results()[1]])
    assert (metrics["hit@1"], metrics["hit@5"]) == (0.0, 1.0)
    assert metrics["mrr@10"] == pytest.approx(1 / 3)
    assert metrics["abstain_unanswerable"] is None  # nothing to measure


def test_breakdown_by_type_and_curve() -> None:
    run = RunResult("hybrid", "default", handmade_results())
    assert set(run.by_type) == {"factoid", "unanswerable", "paraphrase"}
    assert run.by_type["factoid"]["hit@5"] == 0.5
    assert run.by_type["unanswerable"]["accuracy"] is None
    curve = hit_curve(run.results)
    assert list(curve) == list(range(1, 11))
    assert curve[1] == pytest.approx(1 / 3) and curve[3] == pytest.approx(2 / 3)
    json.dumps(run.to_dict())
    assert RunResult("hybrid", "no folded field", []).label == "hybrid / no folded field"


QUESTIONS = [
    Question("ag-to", "An Giang đã thành lập bao nhiêu tổ công nghệ số cộng đồng?", ["9 tổ"],
             "an-giang", "thành lập 9 tổ công nghệ số cộng đồng", "factoid"),
    Question("cm-dvc", "Cà Mau có bao nhiêu dịch vụ công trực tuyến toàn trình?", ["1506"],
             "ca-mau", "1.506 dịch vụ công trực tuyến toàn trình", "factoid"),
    Question("hb-ioc", "trung tam dieu hanh thong minh hoa binh hoat dong nam nao",
             ["2022"], "hoa-binh", "đi vào hoạt động năm 2022", "no-diacritics"),
    Question("ag-tyle", "Còn tỷ lệ hồ sơ xử lý trực tuyến của tỉnh đó?", ["78,9%"], "an-giang",
             "Tỷ lệ hồ sơ xử lý trực tuyến đạt 78,9%", "followup",
             [{"role": "user", "content": "An Giang có bao nhiêu tổ công nghệ số?"},
              {"role": "assistant", "content": "An Giang có 9 tổ công nghệ số cộng đồng [1]."}]),
    Question("un-ct", "Cần Thơ có bao nhiêu trạm 5G?", [], None, None, "unanswerable"),
]


@pytest.fixture
def tiny_searcher(tiny_documents: list[Document], encoder: Encoder) -> Searcher:
    return CorpusIndex.build(tiny_documents, encoder).searcher(encoder)


def test_runner_in_process_on_a_tiny_corpus(tiny_searcher: Searcher) -> None:
    run = run_questions(InProcessBackend(tiny_searcher), QUESTIONS, "hybrid")
    assert [r.id for r in run.results] == [q.id for q in QUESTIONS]
    overall = run.overall
    assert (overall["n"], overall["answerable"], overall["errors"]) == (5, 4, 0)
    assert overall["hit@1"] == 1.0 and overall["mrr@10"] == 1.0
    assert all(r.latency_ms > 0 for r in run.results)
    assert all(r.cited for r in run.results if not r.abstained)
    assert set(run.by_type) == {"factoid", "no-diacritics", "followup", "unanswerable"}
    for value in (overall["accuracy"], overall["span_f1"], overall["citation_accuracy"]):
        assert 0.0 <= value <= 1.0
    json.dumps(run.to_dict())


def test_each_retriever_runs(tiny_searcher: Searcher) -> None:
    for name in ("bm25", "dense"):
        run = run_questions(InProcessBackend(tiny_searcher), QUESTIONS[:2], name)
        assert run.retriever == name and run.overall["hit@5"] == 1.0


class ResolvingBackend(InProcessBackend):
    """The real pipeline, with a follow-up resolution it may not do yet: checks that the
    retrieval metrics search what the pipeline resolved the question to."""

    searched: list[str]

    def answer(self, question: Question, retriever: str) -> Prediction:
        prediction = super().answer(question, retriever)
        if question.history:
            resolved = "Tỷ lệ hồ sơ xử lý trực tuyến của An Giang?"
            return replace(prediction, resolved_question=resolved)
        return prediction

    def search(self, query: str, top_k: int, retriever: str) -> list[Passage]:
        self.searched.append(query)
        return super().search(query, top_k, retriever)


def test_follow_ups_are_searched_as_resolved(tiny_searcher: Searcher) -> None:
    backend = ResolvingBackend(tiny_searcher)
    backend.searched = []
    run = run_questions(backend, QUESTIONS, "bm25")
    assert "Tỷ lệ hồ sơ xử lý trực tuyến của An Giang?" in backend.searched
    assert QUESTIONS[3].question not in backend.searched
    assert len(backend.searched) == 4  # unanswerable questions are not searched
    assert run.results[3].resolved_question == "Tỷ lệ hồ sơ xử lý trực tuyến của An Giang?"


def test_a_refused_question_is_an_error_not_a_crash(tiny_searcher: Searcher) -> None:
    too_long = Question("long", "dài " * 1000, ["x"], "ca-mau", "1.506", "factoid")
    run = run_questions(InProcessBackend(tiny_searcher), [too_long, QUESTIONS[1]])
    assert run.results[0].error and not run.results[0].correct
    assert run.overall["errors"] == 1 and run.results[1].first_hit_rank == 1


def write_corpus(path: Path, documents: list[Document]) -> Path:
    lines = [json.dumps({"doc_id": d.doc_id, "title": d.title, "text": d.text,
                         "province": d.province, "published": d.published},
                        ensure_ascii=False) for d in documents]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_corpus_index_is_cached_and_updated(tmp_path: Path, tiny_documents: list[Document],
                                               counting_encoder: CountingEncoder) -> None:
    corpus = write_corpus(tmp_path / "corpus.jsonl", tiny_documents)
    settings = Settings(index_dir=tmp_path / "index")
    cache = default_cache_dir(settings, corpus)
    assert cache.parent == tmp_path / "eval" and cache.name.startswith(f"{tmp_path.name}-corpus-")

    built = cached_corpus_index(corpus, cache, settings, counting_encoder)  # type: ignore[arg-type]
    first_version, embedded = current_version(cache), counting_encoder.passages_encoded
    assert embedded == len(built.chunks) + len(built.segments) > 0  # chunks and segments
    # Unchanged corpus: loaded as it is.
    again = cached_corpus_index(corpus, cache, settings, counting_encoder)  # type: ignore[arg-type]
    assert current_version(cache) == first_version
    assert counting_encoder.passages_encoded == embedded
    assert len(again.chunks) == len(built.chunks)
    # One document changed: only its passage and its one sentence are embedded.
    changed = [*tiny_documents[:2], Document("hoa-binh", tiny_documents[2].title,
                                             "IOC của tỉnh hoạt động từ năm 2023.",
                                             province="Hòa Bình")]
    write_corpus(corpus, changed)
    cached_corpus_index(corpus, cache, settings, counting_encoder)  # type: ignore[arg-type]
    assert counting_encoder.passages_encoded == embedded + 2
    # Other index settings (IndexMismatchError on load): rebuilt without embedding anything.
    no_bigrams = Settings(index_dir=tmp_path / "index", bigrams=False)
    rebuilt = cached_corpus_index(corpus, cache, no_bigrams, counting_encoder)  # type: ignore[arg-type]
    assert counting_encoder.passages_encoded == embedded + 2
    assert rebuilt.manifest.analyzer["bigrams"] is False


def test_ablation_variants_reuse_vectors(tiny_documents: list[Document],
                                         counting_encoder: CountingEncoder) -> None:
    corpus_index = CorpusIndex.build(tiny_documents, counting_encoder)  # type: ignore[arg-type]
    embedded = counting_encoder.passages_encoded
    variants = dict(ablations(Settings(), corpus_index, counting_encoder))  # type: ignore[arg-type]
    assert list(variants) == ["no accent restoration", "no folded field",
                              "no abbreviation expansion", "no syllable bigrams",
                              "no question expansion"]
    assert counting_encoder.passages_encoded == embedded
    for searcher in variants.values():
        assert searcher.search("Cà Mau dịch vụ công trực tuyến", 1)[0].doc_id == "ca-mau"
    # A technique already off is not ablated again.
    fewer = dict(ablations(Settings(folded_field=False, restore_accents="off"), corpus_index,
                           counting_encoder))  # type: ignore[arg-type]
    assert "no folded field" not in fewer and "no accent restoration" not in fewer
