"""Fine-tunes the span reader on CPU, resumably: `hoidap reader train`.

Features as Hugging Face's question-answering examples: each (question, context) becomes
its windows (features.py); a window holding the whole gold answer is labelled with its
first and last token, every other window with position 0 ("no answer"). Training is
cross-entropy on start and end, AdamW with linear warm-up and decay. bf16 autocast is on
only where the CPU computes bf16 in hardware (`cpu_has_native_bf16()`): there it is 2.5x
faster than fp32 (measured on AVX512-BF16 cores), but on an AVX2-only core bf16 is
emulated and a step took 13x *longer* than in fp32 (measured). A checkpoint every
`checkpoint_every` steps holds the trainable weights, the optimiser and the step, so an
interrupted run resumes where it stopped with the same data order.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

from retriever.onnx_encoder import padded_batch
from service.answering.readers.features import PAD_ID, WindowMaker, WindowSettings
from service.answering.readers.model import SpanReaderModel
from service.answering.readers.training_data import QAExample
from service.answering.readers.weights import (
    WEIGHTS_FILE,
    ReaderManifest,
    sha256_of,
    write_manifest,
)

logger = logging.getLogger(__name__)

CHECKPOINT_FILE = "checkpoint.pt"


def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes bf16 in hardware (AVX512-BF16 or AMX); without it torch
    emulates bf16 and autocast makes training an order of magnitude slower."""
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    try:
        return any(getattr(torch.cpu, name)() for name in checks if hasattr(torch.cpu, name))
    except RuntimeError:  # a torch build without the check: assume the safe (fp32) path
        return False


@dataclass(frozen=True)
class TrainSettings:
    epochs: float = 1.0
    batch_size: int = 16
    learning_rate: float = 1e-4
    head_learning_rate: float = 1e-3
    warmup_share: float = 0.06
    weight_decay: float = 0.01
    trainable_layers: int = 8
    # Windows without the answer kept per answerable question (the rest teach little).
    negatives_per_question: int = 1
    seed: int = 13
    bf16: bool | None = None  # None: on where the CPU has native bf16 (cpu_has_native_bf16)
    threads: int = 2
    checkpoint_every: int = 50
    max_minutes: float | None = None  # stop (checkpointed) after this long; resume later
    windows: WindowSettings = field(default_factory=WindowSettings)

    def __post_init__(self) -> None:
        if self.epochs <= 0 or self.batch_size < 1 or self.learning_rate <= 0:
            raise ValueError("epochs, batch_size and learning_rate must be positive")
        if self.checkpoint_every < 1:
            raise ValueError("checkpoint_every must be >= 1")
        if self.bf16 is None:
            object.__setattr__(self, "bf16", cpu_has_native_bf16())


@dataclass(frozen=True)
class Feature:
    input_ids: list[int]
    start: int
    end: int


def _token_span(offsets: Sequence[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """The first and last window tokens covering characters start..end; (-1, -1) when the
    span is not wholly inside the window."""
    first = last = -1
    for i, (a, b) in enumerate(offsets):
        if b <= a:
            continue
        if first < 0 and b > start:
            if a > start and i == 0:
                return -1, -1  # the window starts inside the answer
            first = i
        if a < end:
            last = i
    if first < 0 or last < first or offsets[last][1] < end:
        return -1, -1
    return first, last


def features_of(examples: Sequence[QAExample], maker: WindowMaker,
                negatives_per_question: int, seed: int) -> list[Feature]:
    rng = random.Random(seed)
    out: list[Feature] = []
    for example in examples:
        question = maker.question_ids(example.question)
        passage = maker.encode_passage(example.context)
        windows = maker.windows(question, passage, max_windows=64)
        positives, negatives = [], []
        for window in windows:
            span = (-1, -1)
            if example.answers:
                span = _token_span(window.offsets, *example.answers[0])
            if span[0] >= 0:
                positives.append(Feature(window.input_ids, window.context_start + span[0],
                                         window.context_start + span[1]))
            else:
                negatives.append(Feature(window.input_ids, 0, 0))
        rng.shuffle(negatives)
        keep = negatives_per_question if example.answers else max(1, negatives_per_question)
        out.extend(positives + negatives[:keep])
    return out


def _batches(features: Sequence[Feature], batch_size: int, seed: int) -> list[list[int]]:
    """Batches of similar lengths (little padding), in a seeded random order."""
    rng = random.Random(seed)
    order = list(range(len(features)))
    rng.shuffle(order)
    pool = batch_size * 32
    batches: list[list[int]] = []
    for i in range(0, len(order), pool):
        chunk = sorted(order[i:i + pool], key=lambda j: len(features[j].input_ids))
        batches.extend(chunk[k:k + batch_size] for k in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def _collate(features: Sequence[Feature]) -> tuple[torch.Tensor, ...]:
    batch = padded_batch([f.input_ids for f in features], PAD_ID)
    return (torch.from_numpy(batch["input_ids"]), torch.from_numpy(batch["attention_mask"]),
            torch.tensor([f.start for f in features]), torch.tensor([f.end for f in features]))


@dataclass
class TrainResult:
    steps: int
    losses: list[float]
    seconds: float
    features: int
    features_per_second: float
    finished: bool


class ReaderTrainer:
    """Trains a SpanReaderModel from the base folder into `out_dir`."""

    def __init__(self, base_folder: Path, base_model_id: str, out_dir: Path,
                 settings: TrainSettings | None = None,
                 model: SpanReaderModel | None = None) -> None:
        self.settings = settings or TrainSettings()
        self.base_model_id = base_model_id
        self.out_dir = Path(out_dir)
        self.maker = WindowMaker.from_folder(base_folder, self.settings.windows)
        self.model = model if model is not None else SpanReaderModel.from_base(base_folder)
        self.trainable = self.model.trainable_names(self.settings.trainable_layers)

    def train(self, examples: Sequence[QAExample], sources: dict[str, int] | None = None
              ) -> TrainResult:
        s = self.settings
        torch.manual_seed(s.seed)
        torch.set_num_threads(s.threads)
        features = features_of(examples, self.maker, s.negatives_per_question, s.seed)
        if not features:
            raise ValueError("no training features: every example was empty")
        per_epoch = math.ceil(len(features) / s.batch_size)
        total_steps = max(1, round(per_epoch * s.epochs))
        names = set(self.trainable)
        head, body = [], []
        for name, param in self.model.named_parameters():
            param.requires_grad = name in names
            if name in names:
                (head if name.startswith("qa_outputs.") else body).append(param)
        optimiser = torch.optim.AdamW(
            [{"params": body, "lr": s.learning_rate},
             {"params": head, "lr": s.head_learning_rate}], weight_decay=s.weight_decay)
        warmup = max(1, round(total_steps * s.warmup_share))

        def factor(step: int) -> float:
            if step < warmup:
                return (step + 1) / warmup
            return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

        scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, factor)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        checkpoint = self.out_dir / CHECKPOINT_FILE
        step, losses = 0, []
        if checkpoint.exists():
            state = torch.load(checkpoint, weights_only=False)
            if state["total_steps"] != total_steps or state["features"] != len(features):
                raise ValueError(f"{checkpoint} is of another run (other data or settings); "
                                 "remove it or use another --out")
            self.model.load_state_dict(state["trainable"], strict=False)
            optimiser.load_state_dict(state["optimiser"])
            scheduler.load_state_dict(state["scheduler"])
            step, losses = state["step"], state["losses"]
            logger.info("resumed at step %d of %d", step, total_steps)
        schedule: list[list[int]] = []
        for epoch in range(math.ceil(s.epochs)):
            schedule.extend(_batches(features, s.batch_size, s.seed + epoch))
        schedule = schedule[:total_steps]
        self.model.train()
        started = time.perf_counter()
        done_features = 0
        loss_fn = torch.nn.CrossEntropyLoss()
        stopped_early = False
        while step < total_steps:
            batch = [features[i] for i in schedule[step]]
            ids, mask, starts, ends = _collate(batch)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=s.bf16):
                start_logits, end_logits = self.model(ids, mask)
            loss = (loss_fn(start_logits.float(), starts) + loss_fn(end_logits.float(), ends)) / 2
            loss.backward()
            torch.nn.utils.clip_grad_norm_(body + head, 1.0)
            optimiser.step()
            scheduler.step()
            optimiser.zero_grad(set_to_none=True)
            losses.append(loss.item())
            step += 1
            done_features += len(batch)
            elapsed = time.perf_counter() - started
            if step % 10 == 0 or step == total_steps:
                logger.info("step %d/%d loss %.3f (mean of last 50: %.3f) %.1f features/s",
                            step, total_steps, losses[-1], float(np.mean(losses[-50:])),
                            done_features / elapsed)
            out_of_time = s.max_minutes is not None and elapsed > s.max_minutes * 60
            if step % s.checkpoint_every == 0 or step == total_steps or out_of_time:
                self._checkpoint(checkpoint, optimiser, scheduler, step, total_steps,
                                 len(features), losses)
            if out_of_time and step < total_steps:
                stopped_early = True
                logger.info("stopping after %.1f min at step %d; run again to resume",
                            elapsed / 60, step)
                break
        elapsed = time.perf_counter() - started
        finished = not stopped_early and step >= total_steps
        # A run stopped by its time budget is exported too (marked unfinished): its weights
        # are usable, and running again resumes and re-exports.
        self.export(sources or {}, step, len(features), losses, finished)
        return TrainResult(step, losses, elapsed, len(features),
                           done_features / elapsed if elapsed else 0.0, finished)

    def _checkpoint(self, path: Path, optimiser, scheduler, step: int, total_steps: int,
                    features: int, losses: list[float]) -> None:
        state = {"trainable": {n: p.detach().clone() for n, p in self.model.named_parameters()
                               if n in set(self.trainable)},
                 "optimiser": optimiser.state_dict(), "scheduler": scheduler.state_dict(),
                 "step": step, "total_steps": total_steps, "features": features,
                 "losses": losses}
        tmp = path.with_suffix(".tmp")
        torch.save(state, tmp)
        tmp.replace(path)

    def export(self, sources: dict[str, int], steps: int, features: int,
               losses: list[float], finished: bool = True) -> ReaderManifest:
        """The shipped form: trainable tensors in fp16 and the manifest."""
        tensors = {n: p.detach().to(torch.float16).contiguous()
                   for n, p in self.model.named_parameters() if n in set(self.trainable)}
        weights = self.out_dir / WEIGHTS_FILE
        save_file(tensors, str(weights))
        settings = asdict(self.settings)
        settings.pop("windows")
        manifest = ReaderManifest(
            base_model=self.base_model_id, trainable_layers=self.settings.trainable_layers,
            windows=self.settings.windows, weights_sha256=sha256_of(weights),
            training={"settings": settings, "sources": sources, "steps": steps,
                      "finished": finished,
                      "features": features,
                      "final_loss_mean_50": float(np.mean(losses[-50:])) if losses else None})
        write_manifest(self.out_dir, manifest)
        (self.out_dir / "losses.json").write_text(json.dumps(losses), "utf-8")
        return manifest
