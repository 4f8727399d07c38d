"""The `hoidap` command. Errors become one line on stderr and a non-zero exit code."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import textwrap
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from index.postgres.db import describe_dsn
from index.postgres.reader import PostgresIndex
from index.reindex import reindex
from index.store import CorpusIndex
from retriever.errors import (
    BackendUnavailableError,
    DocumentError,
    DocumentNotFoundError,
    HoidapError,
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
    InvalidInputError,
    ModelUnavailableError,
    code_for,
)
from retriever.types import Passage, SearchFilter
from service import engine
from service.answering.readers.base import ReaderKind
from service.config import Settings

logger = logging.getLogger("hoidap")

EXIT_CODES: dict[type[HoidapError], int] = {
    InvalidInputError: 2,
    DocumentError: 3,
    DocumentNotFoundError: 3,
    IndexNotFoundError: 4,
    IndexCorruptError: 4,
    IndexMismatchError: 4,
    ModelUnavailableError: 5,
    BackendUnavailableError: 6,
}


def exit_code(error: HoidapError) -> int:
    return code_for(error, EXIT_CODES, 1)


def _iso_date(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date YYYY-MM-DD") from error


def _readers(value: str) -> list[ReaderKind]:
    try:
        return [ReaderKind(v.strip()) for v in value.split(",") if v.strip()]
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"{value!r}: readers are {', '.join(k.value for k in ReaderKind)}") from error


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hoidap", description="Vietnamese question answering over digital-transformation news"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    commands = parser.add_subparsers(dest="command", required=True)

    def common(sub: argparse.ArgumentParser, corpus: bool = True) -> None:
        sub.add_argument("--index-dir", type=Path, help="index folder (HOIDAP_INDEX_DIR)")
        sub.add_argument("--backend", choices=["files", "postgres"],
                         help="where the index lives (HOIDAP_BACKEND, default files)")
        sub.add_argument("--dsn", help="PostgreSQL connection string (HOIDAP_DSN)")
        if corpus:
            sub.add_argument("--corpus", type=Path,
                             help="corpus folder or JSONL (default: built-in sample)")

    index = commands.add_parser("index", help="build and maintain the index")
    index_commands = index.add_subparsers(dest="index_command", required=True)
    build = index_commands.add_parser("build", help="build the index of a corpus")
    common(build)
    build.add_argument("--dense-index", choices=["flat", "hnsw"], help="FAISS index kind")
    add = index_commands.add_parser("add", help="add or update documents from a file/folder")
    add.add_argument("path", type=Path)
    common(add, corpus=False)
    remove = index_commands.add_parser("remove", help="remove documents by id")
    remove.add_argument("doc_ids", nargs="+", metavar="DOC_ID")
    common(remove, corpus=False)
    reindex = index_commands.add_parser(
        "reindex", help="rebuild the index from the documents it holds (after an upgrade that "
        "changed the index format, or to apply new settings); unchanged vectors are reused")
    common(reindex, corpus=False)
    stats = index_commands.add_parser("stats", help="describe the index")
    stats.add_argument("--json", action="store_true")
    common(stats, corpus=False)

    search = commands.add_parser("search", help="search passages (builds the index if missing)")
    search.add_argument("query")
    search.add_argument("--top-k", type=int, default=5)
    search.add_argument("--province", help="only passages about this province")
    search.add_argument("--from", dest="published_from", metavar="YYYY-MM-DD", type=_iso_date)
    search.add_argument("--to", dest="published_to", metavar="YYYY-MM-DD", type=_iso_date)
    search.add_argument("--retriever", choices=["hybrid", "bm25", "dense"], default="hybrid")
    search.add_argument("--json", action="store_true", help="print JSON")
    common(search)

    serve = commands.add_parser("serve", help="serve the chat API, widget and pages")
    serve.add_argument("--host", help="address to bind (HOIDAP_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (HOIDAP_PORT, default 8000)")
    common(serve)

    evaluate = commands.add_parser("eval", help="measure retrieval and answers on a question set")
    evaluate.add_argument("--dataset", type=Path, required=True,
                          help="question set (JSONL in the shared QA format)")
    evaluate.add_argument("--url", help="evaluate a running server at this base URL instead")
    evaluate.add_argument("--retriever", choices=["hybrid", "bm25", "dense"],
                          help="only this retriever (default: all three)")
    evaluate.add_argument("--json", dest="json_out", type=Path, help="write all metrics here")
    evaluate.add_argument("--report", type=Path, metavar="DIR",
                          help="write a Markdown report, a CSV of misses and PNG plots here")
    evaluate.add_argument("--ablations", action="store_true",
                          help="also run with each Vietnamese technique switched off")
    evaluate.add_argument("--reader", type=_readers, metavar="rules|neural|auto[,...]",
                          help="which reader answers (HOIDAP_READER); several, comma-"
                          "separated, are run side by side")
    evaluate.add_argument("--misses", type=Path, metavar="CSV",
                          help="write one row per question answered wrongly here")
    evaluate.add_argument("--split", choices=["test", "validation", "train"],
                          help="only the questions of this side of the reader's document "
                          "split (external sets; see eval/data/reader_split.json)")
    common(evaluate)

    reader = commands.add_parser("reader", help="train the span reader")
    reader_commands = reader.add_subparsers(dest="reader_command", required=True)
    train = reader_commands.add_parser(
        "train", help="fine-tune the span reader from shared/qa-train and the training "
        "documents of shared/external (resumes an interrupted run in --out)")
    train.add_argument("--shared", type=Path, default=Path("../shared"),
                       help="the shared data folder (default ../shared)")
    train.add_argument("--out", type=Path, required=True, help="folder for checkpoints, "
                       "reader.safetensors and manifest.json")
    train.add_argument("--epochs", type=float, default=1.0)
    train.add_argument("--layers", type=int, default=8, help="top encoder layers fine-tuned")
    train.add_argument("--batch-size", type=int, default=16)
    train.add_argument("--learning-rate", type=float, default=1e-4)
    train.add_argument("--max-minutes", type=float, help="stop (checkpointed) after this long")
    train.add_argument("--max-examples", type=int, help="a seeded sample of this many examples")
    train.add_argument("--sources", help="comma-separated training sources (default: all but "
                       "'templates', the template questions over raw text)")
    train.add_argument("--seed", type=int, default=13,
                       help="seed of the example sample, data order and initialisation")
    train.add_argument("--bf16", choices=("auto", "on", "off"), default="auto",
                       help="bf16 autocast (auto: only on a CPU with native bf16; emulated "
                       "bf16 is an order of magnitude slower than fp32)")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    for option, field in (("index_dir", "index_dir"), ("corpus", "corpus"),
                          ("dense_index", "dense_index"), ("host", "host"), ("port", "port"),
                          ("backend", "backend"), ("dsn", "dsn")):
        value = getattr(args, option, None)
        if value is not None:
            overrides[field] = value
    readers = getattr(args, "reader", None)
    if readers:
        overrides["reader"] = readers[0]
    return Settings(**overrides)


def passage_dict(passage: Passage) -> dict[str, Any]:
    chunk = passage.chunk
    return {
        "chunk_id": chunk.chunk_id, "doc_id": chunk.doc_id, "title": chunk.title,
        "province": chunk.province, "published": chunk.published, "text": chunk.text,
        "start": chunk.start, "end": chunk.end, "score": passage.score,
        "ranks": passage.ranks, "scores": passage.scores,
    }


def _print_passages(passages: list[Passage]) -> None:
    if not passages:
        print("Không tìm thấy đoạn văn nào phù hợp. (no matching passage)")
    for n, passage in enumerate(passages, start=1):
        chunk = passage.chunk
        parts = ", ".join(f"{k} #{v}" for k, v in passage.ranks.items())
        print(f"[{n}] {chunk.title} — {chunk.province or 'không rõ tỉnh'}")
        print(f"    {chunk.doc_id} [{chunk.start}:{chunk.end}]  score {passage.score:.4f}"
              f"  ({parts})")
        print(textwrap.indent(textwrap.fill(chunk.text, width=96), "    "))
        print()


def _run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.command == "serve":
        from service.api.server import serve

        serve(settings)
        return 0
    if args.command == "eval":
        from eval.command import run_eval

        return run_eval(args, settings)
    if args.command == "reader":
        return _train_reader(args, settings)
    if args.command == "search":
        encoder = engine.encoder_for(settings)
        corpus_index = engine.open_index(settings, encoder, show_progress=True)
        searcher = engine.make_searcher(settings, corpus_index, encoder)
        search_filter = SearchFilter(args.province, args.published_from, args.published_to)
        passages = searcher.search(args.query, args.top_k, search_filter, args.retriever)
        if args.json:
            print(json.dumps([passage_dict(p) for p in passages], ensure_ascii=False, indent=2))
        else:
            _print_passages(passages)
        return 0
    if settings.backend == "postgres":
        return _postgres_index(args, settings)
    if args.index_command == "stats":
        corpus_index = CorpusIndex.load(settings.index_dir)
        _print_stats({"index_dir": str(settings.index_dir), **corpus_index.stats()}, args.json)
        return 0
    encoder = engine.encoder_for(settings)
    if args.index_command == "build":
        corpus_index = engine.build_index(settings, encoder, show_progress=True)
    elif args.index_command == "reindex":
        corpus_index = reindex(settings.index_dir, encoder, engine.index_settings(settings),
                               show_progress=True)
    else:
        current = CorpusIndex.load(settings.index_dir, engine.index_settings(settings),
                                   encoder.model_id)
        if args.index_command == "add":
            documents = engine.read_documents(args.path).documents
            corpus_index = current.with_documents(documents, encoder, show_progress=True)
        else:
            corpus_index = current.without_documents(args.doc_ids)
        corpus_index.save(settings.index_dir)
    print(f"index at {settings.index_dir}: {len(corpus_index.documents)} documents, "
          f"{len(corpus_index.chunks)} chunks")
    return 0


def _train_reader(args: argparse.Namespace, settings: Settings) -> int:
    from retriever.e5_local import e5_model_id, ensure_e5_folder
    from service.answering.readers.train_command import (
        DEFAULT_SOURCES,
        check_sources,
        train_reader,
    )
    from service.answering.readers.training import TrainSettings

    if not (args.shared / "qa-train").is_dir():
        raise InvalidInputError(f"{args.shared / 'qa-train'} is not a folder: give the shared "
                                "data folder with --shared")
    sources = (tuple(s.strip() for s in args.sources.split(",") if s.strip())
               if args.sources is not None else DEFAULT_SOURCES)
    try:
        check_sources(sources)
        train_settings = TrainSettings(epochs=args.epochs, batch_size=args.batch_size,
                                       learning_rate=args.learning_rate,
                                       trainable_layers=args.layers,
                                       max_minutes=args.max_minutes, threads=settings.threads
                                       or 2, seed=args.seed,
                                       bf16={"auto": None, "on": True, "off": False}[args.bf16])
    except ValueError as error:
        raise InvalidInputError(str(error)) from error
    base = ensure_e5_folder(settings.model_cache_dir)
    try:
        result = train_reader(args.shared, args.out, base, e5_model_id(base), train_settings,
                              sources, max_examples=args.max_examples)
    except ValueError as error:
        raise InvalidInputError(str(error)) from error
    state = "finished" if result.finished else "stopped early (run again to resume)"
    print(f"reader {state}: {result.steps} steps, {result.features} features, "
          f"{result.features_per_second:.1f} features/s, written to {args.out}")
    return 0


def _postgres_index(args: argparse.Namespace, settings: Settings) -> int:
    """`hoidap index ...` with the postgres backend: each change one transaction."""
    if args.index_command == "stats":
        corpus_index = PostgresIndex.open(engine.dsn(settings))
        try:
            _print_stats(corpus_index.stats(), args.json)
        finally:
            corpus_index.close()
        return 0
    if args.index_command == "reindex":
        raise InvalidInputError("`hoidap index reindex` rebuilds a files-backend index; a "
                                "PostgreSQL index is rebuilt from the corpus with `hoidap "
                                "index build --backend postgres`, after which documents "
                                "added later must be added again")
    writer = engine.postgres_writer(settings, engine.encoder_for(settings))
    if args.index_command == "build":
        result = writer.build(engine.read_documents(settings.corpus).documents,
                              show_progress=True)
    elif args.index_command == "add":
        result = writer.add(engine.read_documents(args.path).documents, show_progress=True)
    else:
        result = writer.remove(args.doc_ids)
    print(f"index in {describe_dsn(engine.dsn(settings))}: {result.documents} documents, "
          f"{result.chunks} chunks ({result.written} written, {result.removed} removed, "
          f"{result.embedded} passages embedded)")
    return 0


def _print_stats(stats: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(stats, ensure_ascii=False, indent=2))
    else:
        for key, value in stats.items():
            print(f"{key:>17}: {value}")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return _run(args)
    except HoidapError as error:
        print(f"hoidap: error: {error}", file=sys.stderr)
        return exit_code(error)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in error.errors()
        )
        print(f"hoidap: error: invalid configuration: {problems}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hoidap: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
