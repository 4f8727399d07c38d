"""Settings: the only place hoidap reads the environment (variables prefixed HOIDAP_)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from retriever.e5_local import E5_ALIAS
from retriever.fusion import DEFAULT_WEIGHTS
from retriever.rerank import RERANK_WEIGHT
from service.answering.pipeline import ANSWER_CACHE_SIZE, DEFAULT_MIN_CONFIDENCE


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
        description="weight of sentence coverage when re-ranking hybrid results; 0 = off",
    )
    threads: int | None = Field(default=2, ge=1, description="CPU threads for the encoder")
    encoder_backend: Literal["torch", "onnx"] = Field(
        default="onnx",
        description="run the embedding model with ONNX Runtime (exported once from the local "
        "model folder, same vectors) or with torch",
    )
    answer_cache_size: int = Field(default=ANSWER_CACHE_SIZE, ge=0, le=1_000_000,
                                   description="identical questions answered from memory; 0: off")
    answer_top_k: int = Field(default=5, ge=1, le=20, description="passages per answer")
    min_confidence: float = Field(
        default=DEFAULT_MIN_CONFIDENCE, ge=0, le=1,
        description="weakest evidence still answered (see README)",
    )
    max_history_turns: int = Field(default=20, ge=0, le=100)
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
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @model_validator(mode="after")
    def _dsn_for_postgres(self) -> Settings:
        if self.backend == "postgres" and not self.dsn:
            raise ValueError("the postgres backend needs a DSN (HOIDAP_DSN or --dsn)")
        return self

    @field_validator("corpus", "index_dir", "model_cache_dir", mode="after")
    @classmethod
    def _expand_user(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None
