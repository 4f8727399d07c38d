"""A tiny span reader (random 2-layer BERT, the real tokenizer) for fast reader tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from retriever.e5_local import ensure_e5_folder
from service.answering.readers.features import WindowSettings
from service.answering.readers.training_data import QAExample

TINY_BASE_ID = "tiny-test-bert"


@pytest.fixture(scope="session")
def e5_folder(model_cache_dir: Path) -> Path:
    return ensure_e5_folder(model_cache_dir)


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory: pytest.TempPathFactory, e5_folder: Path) -> Path:
    """A base-model folder like the e5 one, with a tiny random BERT of the same vocabulary."""
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny-base")
    config = BertConfig(vocab_size=250037, hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64,
                        max_position_embeddings=512, pad_token_id=1)
    BertModel(config, add_pooling_layer=False).save_pretrained(str(folder))
    shutil.copy(e5_folder / "tokenizer.json", folder / "tokenizer.json")
    return folder


TINY_WINDOWS = WindowSettings(max_length=64, stride=16, max_question_tokens=24,
                              max_windows_per_passage=4)


def qa(question: str, context: str, answer: str | None, qid: str = "q") -> QAExample:
    spans: tuple[tuple[int, int], ...] = ()
    if answer is not None:
        start = context.index(answer)
        spans = ((start, start + len(answer)),)
    return QAExample(qid, question, context, spans, "test", f"test:{qid}")


TINY_EXAMPLES = [
    qa("Bình Phước xếp hạng chuyển đổi số thứ mấy?",
       "Năm 2023, Bình Phước đã vươn lên đứng vị trí thứ 9 cả nước về chuyển đổi số.",
       "thứ 9", "a"),
    qa("Tỉnh có bao nhiêu dịch vụ công trực tuyến?",
       "Tỉnh có 1.506 dịch vụ công trực tuyến toàn trình.", "1.506", "b"),
    qa("Ai là chủ tịch?", "Ông Trần Văn Hai là chủ tịch UBND tỉnh.", "Trần Văn Hai", "c"),
    qa("Giá vàng hôm nay bao nhiêu?", "Tỉnh có 9 tổ công nghệ số cộng đồng.", None, "d"),
]
