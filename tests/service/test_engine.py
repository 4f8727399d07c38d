"""`serve --corpus X` serves X: an index built from another corpus is rebuilt; one changed
document by document is not replaced silently."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from index.manifest import IndexManifest
from index.store import CorpusIndex, current_version
from retriever.encoder import Encoder
from retriever.errors import CorpusMismatchError
from retriever.types import Document
from service import cli, engine
from service.config import Settings


def _corpus(path: Path, documents: list[Document]) -> Path:
    path.write_text("".join(json.dumps(asdict(d), ensure_ascii=False) + "\n"
                            for d in documents), encoding="utf-8")
    return path


def _built_from(index_dir: Path) -> str | None:
    return IndexManifest.read(current_version(index_dir)).built_from


def test_the_corpus_given_is_the_corpus_served(tmp_path: Path, encoder: Encoder,
                                                tiny_documents: list[Document]) -> None:
    index_dir = tmp_path / "index"
    first = _corpus(tmp_path / "first.jsonl", tiny_documents[:2])
    second = _corpus(tmp_path / "second.jsonl", tiny_documents[1:])
    served = engine.open_index(Settings(index_dir=index_dir, corpus=first), encoder)
    assert sorted(served.documents) == ["an-giang", "ca-mau"]
    assert _built_from(index_dir) == str(first)
    version = current_version(index_dir)

    # The same corpus again: the index is loaded, not rebuilt.
    engine.open_index(Settings(index_dir=index_dir, corpus=first), encoder)
    assert current_version(index_dir) == version

    # Another corpus: rebuilt from it.
    served = engine.open_index(Settings(index_dir=index_dir, corpus=second), encoder)
    assert sorted(served.documents) == ["ca-mau", "hoa-binh"]
    assert current_version(index_dir) != version and _built_from(index_dir) == str(second)
    assert isinstance(served, CorpusIndex) and served.searcher(encoder).search(
        "trung tâm điều hành IOC", 1)[0].chunk.doc_id == "hoa-binh"


def test_an_index_changed_document_by_document_is_not_replaced(
        tmp_path: Path, encoder: Encoder, tiny_documents: list[Document],
        capsys: pytest.CaptureFixture[str]) -> None:
    index_dir = tmp_path / "index"
    corpus = _corpus(tmp_path / "corpus.jsonl", tiny_documents[:2])
    built = engine.open_index(Settings(index_dir=index_dir, corpus=corpus), encoder)
    assert isinstance(built, CorpusIndex)
    # What the admin API and `index add` do: the index is no longer its corpus.
    built.with_documents(tiny_documents[2:], encoder).save(index_dir)
    assert _built_from(index_dir) is None
    version = current_version(index_dir)

    # (ca-mau is "changed": its source file is another one.)
    other = _corpus(tmp_path / "other.jsonl", tiny_documents[1:2])
    settings = Settings(index_dir=index_dir, corpus=other)
    with pytest.raises(CorpusMismatchError, match="hoidap index build --corpus"):
        engine.check_corpus_served(settings)
    with pytest.raises(CorpusMismatchError, match=r"0 documents only in the corpus, 1 "
                       r"changed, 2 only in the index"):
        engine.open_index(settings, encoder)
    assert current_version(index_dir) == version  # nothing lost

    # `serve` says so in one line before it starts.
    assert cli.main(["serve", "--corpus", str(other), "--index-dir", str(index_dir)]) == 4
    err = capsys.readouterr().err
    assert err.startswith("hoidap: error: the index in ") and err.count("\n") == 1

    # Without --corpus the index is served as it is.
    served = engine.open_index(Settings(index_dir=index_dir), encoder)
    assert sorted(served.documents) == ["an-giang", "ca-mau", "hoa-binh"]

    # Reindexing keeps what the index was built from (here: nothing), and so does a
    # rebuild from the corpus `index build` records it.
    assert cli.main(["index", "build", "--corpus", str(other), "--index-dir",
                     str(index_dir)]) == 0
    assert _built_from(index_dir) == str(other)
    assert cli.main(["index", "reindex", "--index-dir", str(index_dir)]) == 0
    assert _built_from(index_dir) == str(other)
