"""Settings, read from ASSISTANT_* environment variables and an optional .env file."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Hidden network calls, off before any of these libraries is imported.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# llama-index bundles tiktoken's files; without this, tiktoken tries to download them.
try:
    import importlib.util

    _spec = importlib.util.find_spec("llama_index.core")
    if _spec and _spec.submodule_search_locations:
        os.environ.setdefault(
            "TIKTOKEN_CACHE_DIR",
            str(Path(list(_spec.submodule_search_locations)[0]) / "_static" / "tiktoken_cache"))
except ModuleNotFoundError:  # pragma: no cover - llama-index is a hard dependency
    pass

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=".env",
                                      extra="ignore")

    index_dir: Path = Field(default=REPO_ROOT / "index",
                            description="Embedded Chroma store (PersistentClient)")
    chroma_host: str = Field(default="", description="Chroma server host: switches to HttpClient")
    chroma_port: int = 8000
    # Seconds a Chroma server may take to answer one request (a hung server is then a
    # StoreError instead of a question that never returns); ingest writes are batches.
    chroma_timeout: float = Field(default=60.0, gt=0)
    # "{index}" expands to a hash of index_dir: several logical indexes on one Chroma server.
    collection: str = Field(default="articles", description="Name prefix of the collections")
    embed_model_dir: str = Field(default="", description="Local ONNX model folder; default MiniLM")
    # Opt-in int8 model (~1.3-2x faster ingest, cosine ~0.995 to the default). Its vectors are
    # another model's: an index built with one refuses the other.
    embed_fast: bool = False
    # onnxruntime threads for embedding; 0 = all cores.
    embed_threads: int = 0
    chunk_tokens: int = 240
    chunk_overlap: int = 24
    # Who-said-what: attributions are extracted at ingest (spaCy) into the quote index.
    extract_quotes: bool = True
    max_question_chars: int = 2000
    top_k: int = 5
    # Cosine similarity under which a passage counts as noise (calibrated: docs/benchmarks.md).
    min_score: float = 0.25
    seeds_dir: Path = REPO_ROOT / "seeds"
    data_dir: Path = Field(default=REPO_ROOT / "data",
                           description="Conversations and other local state (SQLite)")
    # Any OpenAI-compatible endpoint; with neither base url nor model set, answers stay
    # extractive. The key falls back to OPENAI_API_KEY.
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = Field(default_factory=lambda: os.environ.get("OPENAI_API_KEY", ""))
    llm_timeout: float = 30.0
    llm_max_retries: int = 2

    @model_validator(mode="after")
    def _expand_collection(self) -> "Settings":
        if "{index}" in self.collection:
            digest = hashlib.sha1(str(Path(self.index_dir).resolve()).encode()).hexdigest()[:10]
            self.collection = self.collection.replace("{index}", digest)
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{1,500}[A-Za-z0-9]", self.collection):
            raise ValueError(f"collection name {self.collection!r}: use 3-500 characters of "
                             "letters, digits, '.', '_' and '-', starting and ending with a "
                             "letter or digit")
        return self

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url or self.llm_model)
    host: str = "127.0.0.1"
    port: int = 7860

    # -- the web app (assistant/web, docs/embedding.md) --------------------------------------
    # Origins (scheme://host[:port], comma-separated) allowed to frame /widget (CSP
    # frame-ancestors) and to call the API (CORS). Empty: same origin only.
    allowed_origins: str = ""
    # none (local default: bind 127.0.0.1) | token | basic | proxy; several: "token,proxy".
    auth_mode: str = "none"
    auth_token: str = Field(default="", description="Shared token: Bearer header or ?token=")
    admin_token: str = Field(default="", description="Token that also grants the admin role")
    basic_users: str = Field(default="", description="user:password,… (or user:sha256:HEX)")
    admin_users: str = Field(default="", description="Users (basic or proxy) with the admin role")
    proxy_header: str = "X-Forwarded-User"
    trusted_proxies: str = Field(default="", description="IPs/CIDRs allowed to send the header")
    # Questions per user: "N/second|minute|hour"; "0" or "off" disables. Applies in every
    # auth mode when set explicitly; in auth mode none (one local user) only when set.
    rate_limit: str = "30/minute"
    root_path: str = Field(default="", description="Public sub-path behind a reverse proxy")
    upload_max_mb: float = 20.0
    upload_max_files: int = 20

    # -- under load (docs/deploy.md "Under load") --------------------------------------------
    # Vectors of short texts (questions, the answer sentences the extractive answerer scores)
    # kept by the server, LRU; ~1.6 kB each. 0 turns the cache off.
    embed_cache: int = 20000
    # Questions answered at once, per way in: each Gradio page (chat, widget) and the REST
    # API (/api/ask, /api/ask/stream); the others wait in line (first come, first served).
    # 0 = automatic: 2 for extractive answers (CPU-bound: more at once only shares 2 cores
    # more thinly), 16 with an LLM (its answers mostly wait on the endpoint).
    answers_at_once: int = 0
    # Gradio: questions waiting in a page's queue before new ones are refused ("queue full");
    # 0 = no limit.
    queue_max_size: int = 0
    # REST: worker threads for the synchronous handlers (/api/articles, /healthz, …).
    api_threads: int = 40

    @property
    def answers_limit(self) -> int:
        return self.answers_at_once or (16 if self.llm_enabled else 2)


def get_settings(**overrides) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
