"""`hoidap eval`: measure retrieval, answers, abstention and latency on a question set.

    hoidap eval --dataset FILE [--corpus PATH] [--index-dir DIR] [--url URL]
                [--retriever bm25|dense|hybrid] [--json OUT] [--report DIR] [--ablations]

In-process by default: with --corpus, that corpus is indexed and the index cached (see
eval/indexes.py for where); without it, the configured corpus and index are used, built on
first use. With --url, a running server is evaluated through /api/chat and /api/search only.
The summary table goes to stdout; errors are HoidapErrors, turned into one line by the CLI.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from eval.dataset import Question, load_questions
from eval.indexes import ablations, cached_corpus_index, default_cache_dir
from eval.report import format_table, write_json, write_misses, write_report
from eval.runner import Backend, InProcessBackend, RunResult, run_questions
from eval.split import questions_of_split
from index.postgres.reader import PostgresIndex
from index.store import CorpusIndex
from retriever.errors import InvalidInputError
from service import engine
from service.config import Settings

logger = logging.getLogger(__name__)

RETRIEVERS = ("bm25", "dense", "hybrid")
SERVER_LABEL = "server"


def _run(backend: Backend, questions: Sequence[Question], retriever: str,
         variant: str = "default") -> RunResult:
    label = retriever if variant == "default" else f"{retriever} / {variant}"
    with tqdm(total=len(questions), desc=label, unit="q", disable=None, leave=False) as bar:
        return run_questions(backend, questions, retriever, variant,
                             progress=lambda done, total: bar.update(1))


def _in_process(args: argparse.Namespace, settings: Settings,
                questions: Sequence[Question]) -> tuple[list[RunResult], dict[str, Any]]:
    if settings.backend == "postgres" and (args.corpus is not None or args.ablations):
        raise InvalidInputError(
            "--corpus and --ablations build indexes of the files backend; with --backend "
            "postgres, load the corpus with `hoidap index build --backend postgres --corpus "
            "...` and evaluate the database's index")
    encoder = engine.encoder_for(settings)
    corpus_index: CorpusIndex | PostgresIndex
    if args.corpus is not None:
        index_dir = args.index_dir or default_cache_dir(settings, args.corpus)
        corpus_index = cached_corpus_index(args.corpus, index_dir, settings, encoder,
                                           show_progress=True)
        corpus = str(args.corpus)
    else:
        index_dir = settings.index_dir
        corpus_index = engine.open_index(settings, encoder, show_progress=True)
        corpus = str(settings.corpus) if settings.corpus else "built-in sample corpus"
    searcher = engine.make_searcher(settings, corpus_index, encoder)
    retrievers = [args.retriever] if args.retriever else list(RETRIEVERS)
    readers = getattr(args, "reader", None) or [settings.reader]
    runs = []
    for reader in readers:
        reader_settings = settings.model_copy(update={"reader": reader})
        backend = InProcessBackend(searcher, engine.make_pipeline(reader_settings, searcher))
        variant = f"reader={reader.value}" if len(readers) > 1 else "default"
        runs.extend(_run(backend, questions, name, variant) for name in retrievers)
    if args.ablations:
        assert isinstance(corpus_index, CorpusIndex)  # refused above for the postgres backend
        for variant, variant_searcher in ablations(settings, corpus_index, encoder):
            backend = InProcessBackend(variant_searcher,
                                       engine.make_pipeline(settings, variant_searcher))
            runs.append(_run(backend, questions, "hybrid", variant))
    meta = {"mode": "in-process", "corpus": corpus,
            "readers": [r.value for r in readers],
            "index_dir": str(index_dir),
            "documents": len(corpus_index.documents), "chunks": len(corpus_index.chunks),
            "model": corpus_index.manifest.model, "backend": settings.backend}
    return runs, meta


def _server(args: argparse.Namespace,
            questions: Sequence[Question]) -> tuple[list[RunResult], dict[str, Any]]:
    from eval.http_client import ServerBackend, ServerClient

    unusable = [option for option, given in (("--ablations", args.ablations),
                                             ("--corpus", args.corpus is not None),
                                             ("--index-dir", args.index_dir is not None))
                if given]
    if unusable:
        raise InvalidInputError(f"{', '.join(unusable)} cannot be used with --url: the server "
                                "has its own corpus and index")
    if args.retriever not in (None, "hybrid"):
        raise InvalidInputError("--retriever cannot be used with --url: the server's API "
                                "chooses its own retriever")
    client = ServerClient(args.url)
    client.check()
    runs = [_run(ServerBackend(client), questions, SERVER_LABEL)]
    return runs, {"mode": "server", "url": args.url}


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Run the evaluation the parsed `hoidap eval` arguments ask for; 0 on success."""
    dataset: Path = args.dataset
    questions = load_questions(dataset)
    if getattr(args, "split", None):
        questions = questions_of_split(questions, dataset, args.split)
    if args.url:
        runs, meta = _server(args, questions)
    else:
        runs, meta = _in_process(args, settings, questions)
    answerable = sum(1 for q in questions if q.answerable)
    meta = {"dataset": str(dataset), "questions": len(questions), "answerable": answerable,
            **meta}
    sys.stdout.write(f"{dataset}: {len(questions)} questions ({answerable} answerable)\n")
    sys.stdout.write(format_table(runs))
    errors = sum(run.overall["errors"] for run in runs)
    if errors:
        sys.stdout.write(f"{errors} answers were refused with an error (see the JSON)\n")
    if args.json_out is not None:
        write_json(args.json_out, runs, meta)
        sys.stdout.write(f"metrics written to {args.json_out}\n")
    misses = getattr(args, "misses", None)
    if misses is not None:
        rows = write_misses(misses, runs)
        sys.stdout.write(f"{rows} misses written to {misses}\n")
    if args.report is not None:
        write_report(args.report, runs, meta)
        sys.stdout.write(f"report written to {args.report}\n")
    return 0
