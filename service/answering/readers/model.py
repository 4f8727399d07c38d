"""The span reader as a torch module, for training and for the one-time ONNX export.

multilingual-e5-small (the BERT our retrieval embeds with) plus one linear layer that
gives every token a start and an end logit. Position 0 (<s>) is "no answer": SQuAD 2.0's
null score is its start + end logit. The word embeddings stay frozen: they are most of the
model (96M of 118M parameters), identical to the base model's, and need not be shipped.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from transformers import BertConfig, BertModel

HEAD_PREFIX = "qa_outputs."


class SpanReaderModel(nn.Module):
    def __init__(self, bert: BertModel) -> None:
        super().__init__()
        self.bert = bert
        self.qa_outputs = nn.Linear(bert.config.hidden_size, 2)
        nn.init.normal_(self.qa_outputs.weight, std=0.02)
        nn.init.zeros_(self.qa_outputs.bias)

    @classmethod
    def from_base(cls, folder: Path) -> SpanReaderModel:
        from transformers.utils import logging as hf_logging

        # The base folder holds e5's pooler, which a span reader does not use: the load
        # report listing it as unexpected would read like an error.
        level = hf_logging.get_verbosity()
        bar = hf_logging.is_progress_bar_enabled()
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        try:
            bert = BertModel.from_pretrained(str(folder), add_pooling_layer=False)
        finally:
            hf_logging.set_verbosity(level)
            if bar:
                hf_logging.enable_progress_bar()
        return cls(bert)

    @classmethod
    def from_config(cls, config: BertConfig) -> SpanReaderModel:
        return cls(BertModel(config, add_pooling_layer=False))

    def forward(self, input_ids: torch.Tensor,
                attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                           token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
        logits = self.qa_outputs(hidden)
        start, end = logits.unbind(dim=-1)
        # Padding can never be a span's end: very negative, finite (ONNX and fp16 safe).
        blocked = (attention_mask == 0)
        return start.masked_fill(blocked, -1e4), end.masked_fill(blocked, -1e4)

    def trainable_names(self, layers: int) -> list[str]:
        """Parameters fine-tuned with the top `layers` encoder layers (the rest, and every
        embedding, stay as in the base model)."""
        total = self.bert.config.num_hidden_layers
        if not 0 <= layers <= total:
            raise ValueError(f"trainable layers must be between 0 and {total}")
        prefixes = [f"bert.encoder.layer.{i}." for i in range(total - layers, total)]
        return [name for name, _ in self.named_parameters()
                if name.startswith(HEAD_PREFIX) or any(name.startswith(p) for p in prefixes)]
