"""Settings: the only place hoidap reads the environment (variables prefixed HOIDAP_)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, IPvAnyNetwork, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from retriever.e5_local import E5_ALIAS
from retriever.fusion import DEFAULT_WEIGHTS
from retriever.rerank import RERANK_WEIGHT
from service.answering.followup import MAX_HISTORY_TURNS
from service.answering.pipeline import (
    ANSWER_CACHE_SIZE,
    DEFAULT_MIN_CONFIDENCE,
    DEFAULT_NEURAL_MIN_PROBABILITY,
)
from service.answering.readers.base import DEFAULT_READER, ReaderKind
from service.answering.readers.choice import DEFAULT_SWITCH_PROBABILITY
from service.answering.readers.neural import DEFAULT_MAX_WINDOWS

KIB = 1024
MIB = 1024 * KIB
MIN_ADMIN_KEY_CHARS = 16
# scheme://host[:port], nothing after: browsers send an Origin exactly like this.
_ORIGIN_RE = re.compile(r"^https?://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?$")
# CSP's frame-ancestors also takes a leading "*." for every subdomain.
_FRAME_ANCESTOR_RE = re.compile(r"^https?://(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?$")


def _data_home() -> Path:
    return Path.home() / ".local" / "share" / "hoidap"


def _cache_home() -> Path:
    return Path.home() / ".cache" / "hoidap"


class Settings(BaseSettings):
    """Validated at construction; every field can be set as HOIDAP_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="HOIDAP_", extra="ignore")

    corpus: Path | None = Field(
        default=None, description="corpus folder or JSONL file; default: the built-in sample"
    )
    index_dir: Path = Field(default_factory=lambda: _data_home() / "index")
    model: str = Field(
        default=E5_ALIAS,
        description="embedding model: the built-in e5 alias, or a local sentence-transformers "
        "folder (never downloaded)",
    )
    model_cache_dir: Path = Field(default_factory=lambda: _cache_home() / "models")
    backend: Literal["files", "postgres"] = Field(
        default="files", description="where the index lives: files (FAISS, one process) or "
        "postgres (PostgreSQL + pgvector at `dsn`, shared by processes and replicas)",
    )
    dsn: SecretStr | None = Field(
        default=None, description="PostgreSQL connection string of the postgres backend, e.g. "
        "postgresql://hoidap@db.example/hoidap (a read replica's for a service)",
    )
    primary_dsn: SecretStr | None = Field(
        default=None, description="postgres backend, when `dsn` is a read replica: the "
        "primary's connection string, where the admin API's changes (and feedback) are "
        "written; default: `dsn`",
    )
    feedback_dsn: SecretStr | None = Field(
        default=None, description="postgres backend: where feedback on answers is written "
        "and read, if not `primary_dsn` (or `dsn`)",
    )
    dense_index: Literal["flat", "hnsw"] = "flat"
    folded_field: bool = True
    bigrams: bool = True
    expand_abbreviations: bool = True
    restore_accents: Literal["corpus", "pyvi", "off"] = "corpus"
    rrf_k: int = Field(default=60, ge=1)
    chunk_target_words: int = Field(default=200, ge=20, le=400)
    chunk_max_words: int = Field(default=330, ge=20, le=400)
    bm25_weight: float = Field(default=DEFAULT_WEIGHTS["bm25"], ge=0)
    dense_weight: float = Field(default=DEFAULT_WEIGHTS["dense"], ge=0)
    rerank_weight: float = Field(
        default=RERANK_WEIGHT, ge=0, le=1,
        description="re-ranking of the hybrid's top 20: weight of the best 3-sentence window's "
        "coverage of the query, added to min-max-scaled BM25 (share 0.4) and dense scores; "
        "0 = off (plain reciprocal-rank fusion)",
    )
    threads: int | None = Field(default=2, ge=1, description="CPU threads for the encoder")
    encoder_backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        default="onnx",
        description="run the embedding model with ONNX Runtime (exported once from the local "
        "model folder, same vectors), with torch, or as int8 with ONNX Runtime (faster, "
        "slightly different vectors: indexes must be built with it)",
    )
    answer_cache_size: int = Field(default=ANSWER_CACHE_SIZE, ge=0, le=1_000_000,
                                   description="identical questions answered from memory; 0: off")
    reader: ReaderKind = Field(
        default=DEFAULT_READER,
        description="who picks the answer: neural (our trained reader), rules (the "
        "hand-written extractor) or auto (the rules' sentence and decision, the trained "
        "reader's span inside it; falls back to rules, logged, when the trained reader "
        "cannot be loaded)",
    )
    answer_from_facts: bool = Field(
        default=True, description="answer ranking questions (a subject's rank, score or "
        "change on DTI, PCI, PAPI, ... in a year; who came first or last) from the facts "
        "extracted at ingest, cited to their sentence, before the readers",
    )
    reader_dir: Path | None = Field(
        default=None, description="folder of a trained reader (manifest.json + "
        "reader.safetensors, `hoidap reader train`); default: the one shipped with hoidap",
    )
    reader_int8: bool = Field(default=True, description="run the trained reader as int8")
    reader_max_windows: int = Field(
        default=DEFAULT_MAX_WINDOWS, ge=1, le=64,
        description="windows of passage text the trained reader reads per question (cost "
        "grows with each)",
    )
    reader_min_probability: float = Field(
        default=DEFAULT_NEURAL_MIN_PROBABILITY, ge=0, le=1,
        description="the trained reader's weakest best-span probability still answered",
    )
    reader_decline_on_null: bool = Field(
        default=False, description="neural: decline when the trained reader's no-answer "
        "probability beats its best span's (measured: costs more answers than it saves)",
    )
    reader_switch_probability: float = Field(
        default=DEFAULT_SWITCH_PROBABILITY, ge=0, le=1,
        description="auto: how sure the trained reader must be of a span outside the rules' "
        "sentence for its own sentence to be the answer",
    )
    answer_top_k: int = Field(default=5, ge=1, le=20, description="passages per answer")
    min_confidence: float = Field(
        default=DEFAULT_MIN_CONFIDENCE, ge=0, le=1,
        description="weakest evidence still answered (see docs/operations.md)",
    )
    max_history_turns: int = Field(
        default=MAX_HISTORY_TURNS, ge=0, le=MAX_HISTORY_TURNS,
        description="conversation turns a chat request may carry (the API's hard limit is 20)",
    )
    generator_url: str | None = Field(
        default=None, description="OpenAI-compatible base URL (e.g. http://127.0.0.1:8080/v1); "
        "off when unset: the extractive answerer answers"
    )
    generator_model: str = "local-model"
    generator_api_key: str | None = None
    generator_timeout_s: float = Field(default=20.0, gt=0, le=300)
    cors_origins: list[str] = Field(
        default_factory=list,
        description="origins (https://host) whose pages may embed the widget and call the API; "
        "empty: only pages served by hoidap itself",
    )
    frame_ancestors: list[str] = Field(
        default_factory=list,
        description="origins whose pages may show hoidap's pages in a frame, besides hoidap "
        "itself (CSP frame-ancestors; \"https://*.tinh.gov.vn\" allowed)",
    )
    admin_api_key: SecretStr | None = Field(
        default=None,
        description=f"bearer key of the admin API (at least {MIN_ADMIN_KEY_CHARS} characters); "
        "unset: the admin API is disabled",
    )
    rate_limit_per_minute: float = Field(
        default=60, ge=0,
        description="questions and searches one client may ask per minute, sustained; 0 = off",
    )
    rate_limit_burst: int = Field(default=20, ge=1, description="... and in a burst")
    trusted_proxies: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="reverse proxies (addresses or networks) whose X-Forwarded-For names the "
        "client; empty: the connecting address is the client",
    )
    max_request_bytes: int = Field(default=256 * KIB, ge=KIB,
                                   description="largest request body outside the admin upload")
    max_upload_bytes: int = Field(default=64 * MIB, ge=KIB,
                                  description="largest admin upload request (all files)")
    max_upload_file_bytes: int = Field(default=10 * MIB, ge=1,
                                       description="largest single uploaded file")
    index_worker: Literal["process", "inline"] = Field(
        default="process",
        description="where an admin upload or reindex embeds its passages: a child process "
        "at low CPU priority (answering keeps its speed meanwhile) or the server's own "
        "encoder (inline: faster alone, but it takes the answering threads' CPU)",
    )
    index_threads: int = Field(default=1, ge=1, le=64,
                               description="threads of that embedding process")
    answer_timeout_s: float = Field(
        default=30.0, gt=0, le=600,
        description="longest a question or search may take before a 504; keep it above "
        "generator_timeout_s",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @model_validator(mode="after")
    def _dsn_for_postgres(self) -> Settings:
        if self.backend == "postgres" and not self.dsn:
            raise ValueError("the postgres backend needs a DSN (HOIDAP_DSN or --dsn)")
        return self

    @field_validator("cors_origins", mode="after")
    @classmethod
    def _origins(cls, values: list[str]) -> list[str]:
        return [_checked_origin(v, _ORIGIN_RE) for v in values]

    @field_validator("frame_ancestors", mode="after")
    @classmethod
    def _ancestors(cls, values: list[str]) -> list[str]:
        return [_checked_origin(v, _FRAME_ANCESTOR_RE) for v in values]

    @field_validator("admin_api_key", mode="after")
    @classmethod
    def _admin_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None  # an empty variable leaves the admin API disabled
        secret = value.get_secret_value()
        if len(secret) < MIN_ADMIN_KEY_CHARS or secret != secret.strip():
            raise ValueError(f"must be at least {MIN_ADMIN_KEY_CHARS} characters, without "
                             "surrounding spaces (e.g. `openssl rand -hex 32`)")
        return value

    @field_validator("corpus", "index_dir", "model_cache_dir", "reader_dir", mode="after")
    @classmethod
    def _expand_user(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None


def _checked_origin(value: str, pattern: re.Pattern[str]) -> str:
    origin = value.strip().lower()
    if not pattern.match(origin):
        raise ValueError(f"{value!r} is not an origin like https://tinh.gov.vn "
                         "(scheme and host, optional port, no path or trailing slash)")
    return origin
