import json
from pathlib import Path

import pytest

from index.reindex import reindex
from index.store import CorpusIndex, IndexSettings, chunk_segment_texts, current_version
from retriever.encoder import Encoder
from retriever.errors import IndexCorruptError, IndexMismatchError
from retriever.types import Document
from service import cli
from tests.conftest import CountingEncoder, as_format_1

ADDED = Document("tra-vinh", "Trà Vinh số hoá hồ sơ",
                 "Trà Vinh đã số hoá 120.000 hồ sơ hộ tịch.", province="Trà Vinh")


@pytest.fixture
def old_index(tiny_documents: list[Document], encoder: Encoder, index_dir: Path) -> Path:
    """A format-1 index holding a document the corpus does not (added with `index add`)."""
    built = CorpusIndex.build(tiny_documents, encoder).with_documents([ADDED], encoder)
    built.save(index_dir)
    as_format_1(index_dir)
    with pytest.raises(IndexMismatchError, match="hoidap index reindex"):
        CorpusIndex.load(index_dir)
    return index_dir


def test_an_old_index_is_rebuilt_from_its_own_documents(
        old_index: Path, tiny_documents: list[Document],
        counting_encoder: CountingEncoder) -> None:
    rebuilt = reindex(old_index, counting_encoder, IndexSettings())
    loaded = CorpusIndex.load(old_index, model_id=counting_encoder.model_id)
    assert set(loaded.documents) == {d.doc_id for d in tiny_documents} | {ADDED.doc_id}
    assert loaded.chunks == rebuilt.chunks and len(loaded.segments) > 0
    # Chunk vectors are reused; only the segments format 1 lacked are embedded.
    assert counting_encoder.passages_encoded == len(chunk_segment_texts(loaded.chunks))
    hits = loaded.searcher(counting_encoder).search("Trà Vinh số hoá bao nhiêu hồ sơ?", 1)
    assert hits[0].chunk.doc_id == ADDED.doc_id


def test_a_current_index_is_rebuilt_without_embedding(
        tiny_documents: list[Document], encoder: Encoder, counting_encoder: CountingEncoder,
        index_dir: Path) -> None:
    CorpusIndex.build(tiny_documents, encoder).save(index_dir)
    reindex(index_dir, counting_encoder, IndexSettings(folded_field=False))
    assert counting_encoder.passages_encoded == 0
    assert CorpusIndex.load(index_dir).bm25_folded is None  # the new settings apply


def test_vectors_of_another_model_are_embedded_again(
        old_index: Path, counting_encoder: CountingEncoder) -> None:
    manifest_path = current_version(old_index) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["model"] = "some/other-model"
    manifest_path.write_text(json.dumps(manifest))
    rebuilt = reindex(old_index, counting_encoder, IndexSettings())
    assert counting_encoder.passages_encoded == (len(rebuilt.chunks)
                                                 + len(chunk_segment_texts(rebuilt.chunks)))


def test_vectors_that_fail_their_checksums_are_embedded_again(
        tiny_documents: list[Document], encoder: Encoder, counting_encoder: CountingEncoder,
        index_dir: Path) -> None:
    CorpusIndex.build(tiny_documents, encoder).save(index_dir)
    embeddings = current_version(index_dir) / "embeddings.npy"
    data = bytearray(embeddings.read_bytes())
    data[-8:] = b"\xff" * 8  # still loads, with a garbled last vector
    embeddings.write_bytes(bytes(data))
    rebuilt = reindex(index_dir, counting_encoder, IndexSettings())
    assert counting_encoder.passages_encoded == len(rebuilt.chunks)  # segments were intact


def test_a_truncated_vector_file_is_embedded_again(
        old_index: Path, counting_encoder: CountingEncoder) -> None:
    folder = current_version(old_index)
    (folder / "embeddings.npy").write_bytes(b"")
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["files"]  # no checksums to catch it: reading it fails instead
    (folder / "manifest.json").write_text(json.dumps(manifest))
    rebuilt = reindex(old_index, counting_encoder, IndexSettings())
    assert counting_encoder.passages_encoded == (len(rebuilt.chunks)
                                                 + len(chunk_segment_texts(rebuilt.chunks)))


def test_unreadable_documents_are_a_clear_error_and_the_old_index_stays(
        old_index: Path, counting_encoder: CountingEncoder) -> None:
    folder = current_version(old_index)
    (folder / "documents.jsonl").write_text('{"doc_id": "x", "tit')
    with pytest.raises(IndexCorruptError, match="documents.jsonl"):
        reindex(old_index, counting_encoder, IndexSettings())
    assert current_version(old_index) == folder


def test_cli_reindex(old_index: Path, monkeypatch: pytest.MonkeyPatch, encoder: Encoder,
                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("service.engine.encoder_for", lambda _settings: encoder)
    assert cli.main(["index", "reindex", "--index-dir", str(old_index)]) == 0
    assert "4 documents" in capsys.readouterr().out
    assert cli.main(["index", "reindex", "--backend", "postgres",
                     "--dsn", "postgresql://nobody@localhost/none"]) == 2
    assert "files-backend" in capsys.readouterr().err
