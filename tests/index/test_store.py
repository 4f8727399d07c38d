import json
import os
from pathlib import Path

import numpy as np
import pytest

from index.facts import FACTS_VERSION
from index.store import (
    CURRENT_LINK,
    VERSIONS_DIR,
    CorpusIndex,
    IndexSettings,
    chunk_segment_texts,
    current_version,
)
from retriever.analyzer import Analyzer
from retriever.encoder import Encoder
from retriever.errors import (
    DocumentNotFoundError,
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
)
from retriever.types import Document
from tests.conftest import CountingEncoder, as_format_1


def _ids(corpus_index: CorpusIndex, encoder: Encoder, query: str) -> list[str]:
    return [p.chunk_id for p in corpus_index.searcher(encoder).search(query, 5)]


def test_save_load_round_trip(tiny_documents: list[Document], encoder: Encoder,
                              index_dir: Path) -> None:
    built = CorpusIndex.build(tiny_documents, encoder)
    built.save(index_dir)
    loaded = CorpusIndex.load(index_dir, model_id=encoder.model_id)
    assert loaded.chunks == built.chunks
    assert loaded.documents == built.documents
    np.testing.assert_array_equal(loaded.embeddings, built.embeddings)
    np.testing.assert_array_equal(loaded.segments.keys, built.segments.keys)
    np.testing.assert_array_equal(loaded.segments.vectors, built.segments.vectors)
    query = "tổ công nghệ số cộng đồng"
    assert _ids(loaded, encoder, query) == _ids(built, encoder, query)
    manifest = json.loads((current_version(index_dir) / "manifest.json").read_text())
    assert manifest["model"] == encoder.model_id and manifest["dimension"] == 384
    assert set(manifest["documents"]) == {"an-giang", "ca-mau", "hoa-binh"}
    assert {"normalizer_version", "chunking", "analyzer", "files"} <= set(manifest)
    assert manifest["segment_count"] == len(built.segments) > 0
    assert {"segment_keys.npy", "segment_vectors.npy"} <= set(manifest["files"])


def test_every_segment_of_every_chunk_has_a_vector(tiny_documents: list[Document],
                                                  encoder: Encoder) -> None:
    built = CorpusIndex.build(tiny_documents, encoder)
    texts = chunk_segment_texts(built.chunks)
    assert len(built.segments) == len(texts) >= len(built.chunks)
    vectors = encoder.encode_passages(texts)
    for text, vector in zip(texts, vectors, strict=True):
        stored = built.segments.get(text)
        assert stored is not None and abs(float(stored @ vector) - 1.0) < 1e-3


def test_hnsw_option(tiny_documents: list[Document], encoder: Encoder, index_dir: Path) -> None:
    built = CorpusIndex.build(tiny_documents, encoder, IndexSettings(dense_kind="hnsw"))
    built.save(index_dir)
    loaded = CorpusIndex.load(index_dir)
    assert loaded.dense.kind == "hnsw"
    best = loaded.searcher(encoder).search("IOC đi vào hoạt động năm nào", 1, retriever="dense")
    assert best[0].doc_id == "hoa-binh"


def test_missing_index(index_dir: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="hoidap index build"):
        CorpusIndex.load(index_dir)


@pytest.mark.parametrize("victim", ["chunks.jsonl", "embeddings.npy", "dense.faiss",
                                    "bm25/bm25.npz", "segment_vectors.npy",
                                    "segment_keys.npy"])
def test_corrupt_file_is_detected(tiny_documents: list[Document], encoder: Encoder,
                                  index_dir: Path, victim: str) -> None:
    CorpusIndex.build(tiny_documents, encoder).save(index_dir)
    path = current_version(index_dir) / victim
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match="corrupt"):
        CorpusIndex.load(index_dir)


@pytest.mark.parametrize("victim", ["dense.faiss", "segment_vectors.npy", "segment_keys.npy"])
def test_missing_file_is_detected(tiny_documents: list[Document], encoder: Encoder,
                                  index_dir: Path, victim: str) -> None:
    CorpusIndex.build(tiny_documents, encoder).save(index_dir)
    (current_version(index_dir) / victim).unlink()
    with pytest.raises(IndexCorruptError, match="missing"):
        CorpusIndex.load(index_dir)


def test_garbled_manifest_is_detected(tiny_documents: list[Document], encoder: Encoder,
                                      index_dir: Path) -> None:
    CorpusIndex.build(tiny_documents, encoder).save(index_dir)
    (current_version(index_dir) / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorruptError):
        CorpusIndex.load(index_dir)


def test_other_model_is_refused(tiny_documents: list[Document], encoder: Encoder,
                                index_dir: Path) -> None:
    CorpusIndex.build(tiny_documents, encoder).save(index_dir)
    with pytest.raises(IndexMismatchError, match="model"):
        CorpusIndex.load(index_dir, model_id="some/other-model")


def test_other_analyzer_settings_are_refused(tiny_documents: list[Document], encoder: Encoder,
                                             index_dir: Path) -> None:
    CorpusIndex.build(tiny_documents, encoder).save(index_dir)
    with pytest.raises(IndexMismatchError, match="analyzer"):
        CorpusIndex.load(index_dir, IndexSettings(analyzer=Analyzer(bigrams=False)))


def test_older_format_is_refused(tiny_documents: list[Document], encoder: Encoder,
                                 index_dir: Path) -> None:
    CorpusIndex.build(tiny_documents, encoder).save(index_dir)
    manifest_path = current_version(index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = 0
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match="format version"):
        CorpusIndex.load(index_dir)


def test_an_index_from_before_segment_vectors_is_refused(
        tiny_documents: list[Document], encoder: Encoder, index_dir: Path) -> None:
    """Format 1 had no segment vectors: such an index must be rebuilt, not half-used."""
    CorpusIndex.build(tiny_documents, encoder).save(index_dir)
    as_format_1(index_dir)
    with pytest.raises(IndexMismatchError, match="format version 1; this hoidap reads 2"):
        CorpusIndex.load(index_dir)


def test_segment_vectors_not_listed_in_the_manifest_are_refused(
        tiny_documents: list[Document], encoder: Encoder, index_dir: Path) -> None:
    CorpusIndex.build(tiny_documents, encoder).save(index_dir)
    folder = current_version(index_dir)
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["files"]["segment_vectors.npy"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "segment_vectors.npy").write_bytes(b"garbage")
    with pytest.raises(IndexCorruptError, match="segment vectors"):
        CorpusIndex.load(index_dir)


def test_a_killed_save_leaves_the_old_index_working(
    tiny_documents: list[Document], encoder: Encoder, index_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    CorpusIndex.build(tiny_documents[:2], encoder).save(index_dir)
    bigger = CorpusIndex.build(tiny_documents, encoder)

    def dies_halfway(self: CorpusIndex, folder: Path) -> None:
        (folder / "documents.jsonl").write_text("partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(CorpusIndex, "_write", dies_halfway)
    with pytest.raises(KeyboardInterrupt):
        bigger.save(index_dir)
    monkeypatch.undo()
    assert set(CorpusIndex.load(index_dir).documents) == {"an-giang", "ca-mau"}
    assert not [p for p in (index_dir / VERSIONS_DIR).iterdir() if p.name.startswith(".")]


def test_saving_again_switches_current_and_prunes_old_versions(
    tiny_documents: list[Document], encoder: Encoder, index_dir: Path
) -> None:
    corpus_index = CorpusIndex.build(tiny_documents, encoder)
    for _ in range(4):
        corpus_index.save(index_dir)
    versions = [p for p in (index_dir / VERSIONS_DIR).iterdir()]
    assert len(versions) == 2
    assert os.path.islink(index_dir / CURRENT_LINK)


def test_add_embeds_only_new_chunks(tiny_documents: list[Document],
                                    counting_encoder: CountingEncoder) -> None:
    base = CorpusIndex.build(tiny_documents[:2], counting_encoder)
    before = counting_encoder.passages_encoded
    grown = base.with_documents([tiny_documents[2]], counting_encoder)
    new_chunks = len(grown.chunks) - len(base.chunks)
    new_segments = len(grown.segments) - len(base.segments)
    assert new_segments == len(chunk_segment_texts(grown.chunks[-new_chunks:]))
    assert counting_encoder.passages_encoded - before == new_chunks + new_segments
    for key in base.segments.keys.tolist():  # reused as they were, not re-embedded
        assert np.array_equal(grown.segments.by_keys([key]), base.segments.by_keys([key]))
    assert set(grown.documents) == {"an-giang", "ca-mau", "hoa-binh"}
    best = grown.searcher(counting_encoder.inner).search("IOC hoạt động năm nào", 1)
    assert best[0].doc_id == "hoa-binh"


def test_updating_a_document_replaces_it(tiny_documents: list[Document],
                                         counting_encoder: CountingEncoder) -> None:
    base = CorpusIndex.build(tiny_documents, counting_encoder)
    old = tiny_documents[2]
    changed = Document(old.doc_id, old.title, old.text + "\nTỉnh có 25 điểm wifi miễn phí.",
                       province=old.province)
    updated = base.with_documents([changed], counting_encoder)
    assert len(updated.documents) == 3
    assert "wifi" in updated.document("hoa-binh").text
    assert sum("wifi" in c.text for c in updated.chunks) == 1


def test_remove_needs_no_embedding(tiny_documents: list[Document],
                                   counting_encoder: CountingEncoder) -> None:
    base = CorpusIndex.build(tiny_documents, counting_encoder)
    before = counting_encoder.passages_encoded
    smaller = base.without_documents(["ca-mau"])
    assert counting_encoder.passages_encoded == before
    kept = chunk_segment_texts(smaller.chunks)
    assert len(smaller.segments) == len(kept) < len(base.segments)
    assert all(smaller.segments.get(t) is not None for t in kept)
    assert "ca-mau" not in smaller.documents
    assert all(c.doc_id != "ca-mau" for c in smaller.chunks)
    passages = smaller.searcher(counting_encoder).search("1.506 dịch vụ công", 5)
    assert all(p.doc_id != "ca-mau" for p in passages)


def test_remove_unknown_document(tiny_documents: list[Document], encoder: Encoder) -> None:
    base = CorpusIndex.build(tiny_documents, encoder)
    with pytest.raises(DocumentNotFoundError, match="nope"):
        base.without_documents(["nope"])
    with pytest.raises(DocumentNotFoundError):
        base.document("nope")


def test_stats(tiny_documents: list[Document], encoder: Encoder) -> None:
    stats = CorpusIndex.build(tiny_documents, encoder).stats()
    assert stats["documents"] == 3 and stats["chunks"] >= 3
    assert stats["provinces"] == ["An Giang", "Cà Mau", "Hòa Bình"]


def test_document_pages(tiny_documents: list[Document], encoder: Encoder) -> None:
    corpus_index = CorpusIndex.build(tiny_documents, encoder)
    whole = corpus_index.document_page(0, 10)
    assert whole.total == 3
    assert [d.doc_id for d in whole.documents] == sorted(d.doc_id for d in tiny_documents)
    assert sum(d.chunks for d in whole.documents) == len(corpus_index.chunks)
    first, rest = corpus_index.document_page(0, 1), corpus_index.document_page(1, 5)
    assert first.documents + rest.documents == whole.documents
    assert corpus_index.document_page(3, 1).documents == []
    for offset, limit in ((-1, 1), (0, 0)):
        with pytest.raises(ValueError, match="offset >= 0 and limit >= 1"):
            corpus_index.document_page(offset, limit)


def test_rebuilt_rechunks_and_embeds_only_changed_text(
    tiny_documents: list[Document], counting_encoder: CountingEncoder,
) -> None:
    corpus_index = CorpusIndex.build(tiny_documents, counting_encoder)
    embedded = counting_encoder.passages_encoded
    same = corpus_index.rebuilt(counting_encoder, IndexSettings())
    assert counting_encoder.passages_encoded == embedded
    assert [c.chunk_id for c in same.chunks] == [c.chunk_id for c in corpus_index.chunks]
    assert np.allclose(same.embeddings, corpus_index.embeddings)
    hnsw = corpus_index.rebuilt(counting_encoder, IndexSettings(dense_kind="hnsw"))
    assert hnsw.manifest.dense_kind == "hnsw"
    assert set(hnsw.documents) == {d.doc_id for d in tiny_documents}
    smaller = corpus_index.rebuilt(counting_encoder, IndexSettings(chunk_target_words=20,
                                                                   chunk_max_words=20))
    assert len(smaller.chunks) > len(corpus_index.chunks)
    assert counting_encoder.passages_encoded > embedded  # new chunk texts are embedded


RANKED = Document("ranked", "DTI 2023 của Phú Yên",
                  "Theo DTI 2023, Phú Yên xếp thứ 30/63, tăng 7 bậc so với năm 2022.")


def test_facts_are_built_saved_and_loaded_with_the_index(
        tiny_documents: list[Document], encoder: Encoder, index_dir: Path) -> None:
    built = CorpusIndex.build([*tiny_documents, RANKED], encoder)
    mine = [f for f in built.facts if f.doc_id == "ranked"]
    assert [(f.subject, f.measure.value, f.value, f.year) for f in mine] == [
        ("Phú Yên", "rank", 30.0, 2023), ("Phú Yên", "rank_change", 7.0, 2023)]
    built.save(index_dir)
    manifest = json.loads((current_version(index_dir) / "manifest.json").read_text())
    assert manifest["facts_version"] == FACTS_VERSION and manifest["fact_count"] == len(built.facts)
    assert "facts.jsonl" in manifest["files"]
    assert CorpusIndex.load(index_dir, model_id=encoder.model_id).facts == built.facts


def test_facts_follow_their_documents(tiny_documents: list[Document],
                                      encoder: Encoder) -> None:
    built = CorpusIndex.build(tiny_documents, encoder)
    added = built.with_documents([RANKED], encoder)
    assert {f.doc_id for f in added.facts} - {f.doc_id for f in built.facts} == {"ranked"}
    changed = added.with_documents(
        [Document("ranked", RANKED.title, "Theo DTI 2023, Phú Yên xếp thứ 29/63.")], encoder)
    assert [f.value for f in changed.facts if f.doc_id == "ranked"] == [29.0]
    removed = changed.without_documents(["ranked"])
    assert all(f.doc_id != "ranked" for f in removed.facts)


def test_facts_of_another_extractor_version_are_extracted_again(
        tiny_documents: list[Document], encoder: Encoder, index_dir: Path) -> None:
    built = CorpusIndex.build([*tiny_documents, RANKED], encoder)
    built.manifest.facts_version = None  # as an index from before facts
    built.save(index_dir)
    loaded = CorpusIndex.load(index_dir, model_id=encoder.model_id)
    assert loaded.facts == built.facts


def test_a_facts_file_that_disagrees_with_the_manifest_is_corrupt(
        tiny_documents: list[Document], encoder: Encoder, index_dir: Path) -> None:
    built = CorpusIndex.build([*tiny_documents, RANKED], encoder)
    built.manifest.fact_count += 1
    built.save(index_dir)
    with pytest.raises(IndexCorruptError, match="facts"):
        CorpusIndex.load(index_dir, model_id=encoder.model_id)
