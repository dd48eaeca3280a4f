"""Settings, read from ASSISTANT_* environment variables and an optional .env file."""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
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

from .errors import ConfigError  # noqa: E402 - after the environment above

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    # hide_input_in_errors: a model validator's error quotes the whole input otherwise,
    # tokens and passwords included (the secrets of the web section, the LLM key).
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=".env",
                                      extra="ignore", hide_input_in_errors=True)

    index_dir: Path = Field(default=REPO_ROOT / "index",
                            description="ASSISTANT_INDEX_DIR: the embedded Chroma store")
    chroma_host: str = Field(default="", description="ASSISTANT_CHROMA_HOST: a `chroma run` "
                                                     "server to use instead (HttpClient)")
    chroma_port: int = Field(default=8000, ge=1, le=65535)
    # A hung server is then a StoreError instead of a question that never returns.
    chroma_timeout: float = Field(default=60.0, gt=0, description="ASSISTANT_CHROMA_TIMEOUT: "
                                  "seconds a Chroma server may take per request")
    # "{index}" expands to a hash of index_dir: several logical indexes on one Chroma server.
    collection: str = Field(default="articles", description="ASSISTANT_COLLECTION: name "
                            "prefix of the collections (several corpora per store)")
    embed_model_dir: str = Field(default="", description="ASSISTANT_EMBED_MODEL_DIR: a local "
                                 "ONNX model folder; empty: the bundled all-MiniLM-L6-v2")
    # Its vectors are another model's: an index built with one refuses the other.
    # Unset: the int8 model for a new index, and for an existing one the model it was built
    # with (an index built before int8 was the default keeps fp32 until rebuilt).
    embed_fast: bool | None = Field(default=None, description="ASSISTANT_EMBED_FAST: 1 = the "
                                    "int8 model (~1.4x faster ingest, cosine ~0.99 to fp32), 0 = "
                                    "fp32; unset: int8 for a new index, else what the index "
                                    "holds")
    embed_threads: int = Field(default=0, ge=0, description="ASSISTANT_EMBED_THREADS: "
                               "onnxruntime threads for embedding; 0 = all cores")
    # An OpenAI-compatible /v1/embeddings service instead of the bundled model (a GPU
    # service that N workers share: docs/deploy.md). Its vectors are its model's: an index
    # built with one refuses the other.
    embed_base_url: str = Field(default="", description="ASSISTANT_EMBED_BASE_URL: an "
                                "OpenAI-compatible embeddings endpoint (…/v1); empty: the "
                                "bundled model")
    embed_model: str = Field(default="", description="ASSISTANT_EMBED_MODEL: the model name "
                             "the endpoint serves (required with ASSISTANT_EMBED_BASE_URL)")
    embed_api_key: SecretStr = Field(default=SecretStr(""), description="ASSISTANT_EMBED_"
                                     "API_KEY: its key (local servers need none)")
    embed_batch: int = Field(default=64, ge=1, le=2048, description="ASSISTANT_EMBED_BATCH: "
                             "texts per request")
    embed_concurrency: int = Field(default=4, ge=1, le=64, description="ASSISTANT_EMBED_"
                                   "CONCURRENCY: requests in flight at once")
    embed_timeout: float = Field(default=30.0, gt=0, le=600, description="ASSISTANT_EMBED_"
                                 "TIMEOUT: seconds per request")
    embed_retries: int = Field(default=3, ge=0, le=10, description="ASSISTANT_EMBED_RETRIES: "
                               "retries of a failed request (bounded exponential backoff)")

    @model_validator(mode="after")
    def _check_remote_embedder(self) -> "Settings":
        if self.embed_base_url and not self.embed_model:
            raise ConfigError("ASSISTANT_EMBED_MODEL: set the model name the embeddings "
                              f"endpoint {self.embed_base_url} serves")
        if self.embed_base_url and not self.embed_base_url.startswith(("http://", "https://")):
            raise ConfigError(f"ASSISTANT_EMBED_BASE_URL: {self.embed_base_url!r} is not an "
                              "http(s) URL like http://gpu-box:8080/v1")
        return self

    chunk_tokens: int = Field(default=240, ge=16, description="ASSISTANT_CHUNK_TOKENS: "
                              "passage size in embedder tokens (MiniLM reads at most 256)")
    chunk_overlap: int = Field(default=24, ge=0, description="ASSISTANT_CHUNK_OVERLAP: tokens "
                               "two neighbouring passages share")
    extract_quotes: bool = Field(default=True, description="ASSISTANT_EXTRACT_QUOTES: build "
                                 "the quote index (who said what) at ingest, with spaCy")
    max_question_chars: int = Field(default=2000, ge=1, description="ASSISTANT_MAX_QUESTION_"
                                    "CHARS: longer questions get a clear refusal")
    top_k: int = Field(default=5, ge=1, le=100, description="ASSISTANT_TOP_K: passages "
                       "retrieved per question")
    # Calibrated: docs/benchmarks.md, "The not covered threshold".
    min_score: float = Field(default=0.25, ge=-1, le=1, description="ASSISTANT_MIN_SCORE: "
                             "cosine similarity under which a passage counts as noise")
    seeds_dir: Path = Field(default=REPO_ROOT / "seeds", description="ASSISTANT_SEEDS_DIR: "
                            "articles indexed when the index is empty (first run)")
    data_dir: Path = Field(default=REPO_ROOT / "data", description="ASSISTANT_DATA_DIR: local "
                           "state: conversations, feedback, uploads, session key (SQLite, files)")
    # Any OpenAI-compatible endpoint; with neither base url nor model set, answers stay
    # extractive. The key falls back to OPENAI_API_KEY.
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: SecretStr = Field(default=SecretStr(""),
                                   description="The endpoint's key; empty: OPENAI_API_KEY")
    llm_timeout: float = Field(default=30.0, gt=0, description="Seconds per LLM request")
    llm_max_retries: int = Field(default=2, ge=0, description="Retries on 429/5xx")
    llm_max_tokens: int = Field(default=512, ge=16, le=32768, description="ASSISTANT_LLM_MAX_"
                                "TOKENS: the longest answer an LLM may write, in tokens")
    llm_rewrite_max_tokens: int = Field(default=64, ge=8, le=4096, description="ASSISTANT_LLM_"
                                        "REWRITE_MAX_TOKENS: the longest follow-up rewrite")

    @field_validator("llm_api_key")
    @classmethod
    def _key_from_openai_env(cls, v: SecretStr) -> SecretStr:
        return v if v.get_secret_value() else SecretStr(os.environ.get("OPENAI_API_KEY", ""))

    @model_validator(mode="after")
    def _check_chunking(self) -> "Settings":
        if self.chunk_overlap >= self.chunk_tokens:
            raise ConfigError(f"ASSISTANT_CHUNK_OVERLAP ({self.chunk_overlap}) must be smaller "
                              f"than ASSISTANT_CHUNK_TOKENS ({self.chunk_tokens})")
        return self

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

    # -- the write queue (assistant/jobs.py, docs/deploy.md "How writes flow") ------------
    queue_url: str = Field(default="", description="ASSISTANT_QUEUE_URL: the job queue; empty: "
                           "SQLite under the data dir (workers in the server); redis://host:"
                           "port/db: a Redis shared by `assistant worker` processes")
    job_retries: int = Field(default=2, ge=0, le=10, description="ASSISTANT_JOB_RETRIES: "
                             "times a failed job is tried again")

    @field_validator("queue_url")
    @classmethod
    def _check_queue_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError(f"ASSISTANT_QUEUE_URL: {value!r} is not a Redis URL like "
                              "redis://127.0.0.1:6379/0 (leave it empty for the built-in "
                              "SQLite queue)")
        return value

    # -- fetching URLs and feeds (assistant/ingest/fetch.py, README "News feeds") ----------
    fetch_allow: str = Field(default="", description="ASSISTANT_FETCH_ALLOW: hosts "
                             "(.example.com: and its subdomains) or IPs/CIDRs that may be "
                             "fetched although internal (loopback, private, link-local)")
    fetch_timeout: float = Field(default=15.0, gt=0, le=600, description="ASSISTANT_FETCH_"
                                 "TIMEOUT: seconds one fetch (redirects included) may take")
    fetch_max_mb: float = Field(default=10.0, gt=0, le=500, description="ASSISTANT_FETCH_"
                                "MAX_MB: the largest page or feed fetched")
    fetch_max_redirects: int = Field(default=5, ge=0, le=20, description="ASSISTANT_FETCH_"
                                     "MAX_REDIRECTS: redirects followed (each one checked)")
    fetch_max_items: int = Field(default=200, ge=1, le=100_000, description="ASSISTANT_FETCH_"
                                 "MAX_ITEMS: items taken from one feed or sitemap per run "
                                 "(the newest)")
    feed_every: str = Field(default="15m", description="ASSISTANT_FEED_EVERY: how often a "
                            "feed is polled unless `feeds add --every` says otherwise")
    feed_polling: bool = Field(default=True, description="ASSISTANT_FEED_POLLING: the server "
                               "polls the registered feeds (off: only `assistant feeds poll`)")
    feed_tick: float = Field(default=15.0, ge=0.1, le=3600, description="ASSISTANT_FEED_TICK: "
                             "seconds between the server's looks for due feeds")

    @field_validator("fetch_allow")
    @classmethod
    def _check_fetch_allow(cls, value: str) -> str:
        for item in split_list(value):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                if not re.fullmatch(r"\.?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?", item):
                    raise ConfigError(f"ASSISTANT_FETCH_ALLOW: {item!r} is not a host name, "
                                      "IP address or network (e.g. feeds.intranet, "
                                      "10.1.0.0/16)") from None
        return value

    @field_validator("feed_every")
    @classmethod
    def _check_feed_every(cls, value: str) -> str:
        parse_interval(value, "ASSISTANT_FEED_EVERY")
        return value

    @property
    def fetch_allow_list(self) -> list[str]:
        return split_list(self.fetch_allow)

    @property
    def feed_every_seconds(self) -> float:
        return parse_interval(self.feed_every, "ASSISTANT_FEED_EVERY")

    # -- the web app (assistant/web, docs/embedding.md) --------------------------------------
    # Every value is checked here, when Settings is built: a typo fails loudly at start-up,
    # never per request. The web modules read the parsed forms (origins, auth_modes, rate…).
    host: str = Field(default="127.0.0.1", description="Where `assistant serve` listens "
                                                       "(ASSISTANT_HOST)")
    port: int = Field(default=7860, description="Port `assistant serve` listens on "
                                                "(ASSISTANT_PORT)")
    allowed_origins: str = Field(
        default="", description="ASSISTANT_ALLOWED_ORIGINS: origins (scheme://host[:port], "
                                "comma-separated) allowed to frame /widget (CSP frame-ancestors) "
                                "and to call the API (CORS); '*' alone: any origin, without "
                                "credentials. Empty: same origin only")
    auth_mode: str = Field(
        default="none", description="ASSISTANT_AUTH_MODE: none (local default: bind "
                                    "127.0.0.1) | token | basic | proxy; several: 'token,proxy'")
    auth_token: SecretStr = Field(default=SecretStr(""),
                                  description="ASSISTANT_AUTH_TOKEN: shared token, as "
                                              "Bearer header or ?token=")
    admin_token: SecretStr = Field(default=SecretStr(""),
                                   description="ASSISTANT_ADMIN_TOKEN: token that also grants "
                                               "the admin role")
    basic_users: SecretStr = Field(default=SecretStr(""),
                                   description="ASSISTANT_BASIC_USERS: user:password,… (or "
                                               "user:sha256:HEX)")
    admin_users: str = Field(default="", description="ASSISTANT_ADMIN_USERS: users (basic or "
                                                     "proxy) with the admin role, comma-separated")
    proxy_header: str = Field(default="X-Forwarded-User",
                              description="ASSISTANT_PROXY_HEADER: the header carrying the user "
                                          "name in auth mode proxy")
    trusted_proxies: str = Field(default="", description="ASSISTANT_TRUSTED_PROXIES: IPs/CIDRs "
                                                         "allowed to send the proxy header and "
                                                         "X-Forwarded-For")
    rate_limit: str = Field(
        default="30/minute", description="ASSISTANT_RATE_LIMIT: questions per user, "
                                         "'N/second|minute|hour' (or '5/10s'); '0' or 'off' "
                                         "disables. In auth mode none (one local user) it "
                                         "applies only when set explicitly")
    root_path: str = Field(default="", description="ASSISTANT_ROOT_PATH: public sub-path "
                                                   "behind a reverse proxy, e.g. /assistant")
    upload_max_mb: float = Field(default=20.0, description="ASSISTANT_UPLOAD_MAX_MB: size "
                                                           "limit of one uploaded file")
    upload_max_files: int = Field(default=20, description="ASSISTANT_UPLOAD_MAX_FILES: files "
                                                          "per upload")

    # -- under load (docs/deploy.md "Under load") --------------------------------------------
    embed_cache: int = Field(
        default=20000, description="ASSISTANT_EMBED_CACHE: vectors of short texts (questions; "
                                   "answer sentences of an index built before sentence "
                                   "vectors were stored) kept by the server, LRU; ~1.6 kB "
                                   "each. 0 turns the cache off")
    answers_at_once: int = Field(
        default=0, description="ASSISTANT_ANSWERS_AT_ONCE: questions answered at once, per way "
                               "in (each Gradio page, the REST API); the others wait in line. "
                               "0 = automatic: 2 for extractive answers (CPU-bound), 16 with "
                               "an LLM (its answers mostly wait on the endpoint)")
    queue_max_size: int = Field(
        default=0, description="ASSISTANT_QUEUE_MAX_SIZE: questions waiting in a Gradio "
                               "page's queue before new ones are refused ('queue full'); "
                               "0 = no limit")
    api_threads: int = Field(
        default=40, description="ASSISTANT_API_THREADS: worker threads for the REST API's "
                                "synchronous handlers (/api/articles, /healthz, …)")

    @field_validator("auth_mode", "allowed_origins", "trusted_proxies", "rate_limit")
    @classmethod
    def _parses(cls, value: str, info) -> str:
        """Kept as written; the parsed form (a property below) is read where it is used."""
        _PARSERS[info.field_name](value)
        return value

    @field_validator("root_path")
    @classmethod
    def _normalise_root_path(cls, value: str) -> str:
        return normalise_root_path(value)

    @field_validator("proxy_header")
    @classmethod
    def _normalise_proxy_header(cls, value: str) -> str:
        return value.strip() or "X-Forwarded-User"

    @model_validator(mode="after")
    def _check_auth(self) -> "Settings":
        """What each auth mode needs (the modes themselves are checked by _check_auth_mode)."""
        modes = self.auth_modes
        if "token" in modes and not (self.auth_token.get_secret_value()
                                     or self.admin_token.get_secret_value()):
            raise ConfigError("auth mode token needs ASSISTANT_AUTH_TOKEN "
                              "(or ASSISTANT_ADMIN_TOKEN)")
        if "basic" in modes and not self.basic_user_table:
            raise ConfigError("auth mode basic needs ASSISTANT_BASIC_USERS")
        if "proxy" in modes and not self.trusted_networks:
            raise ConfigError("auth mode proxy needs ASSISTANT_TRUSTED_PROXIES (the proxy's "
                              "addresses): the header is never believed from anyone else")
        return self

    @property
    def auth_modes(self) -> set[str]:
        """ASSISTANT_AUTH_MODE as a set: {"none"}, or some of token, basic, proxy."""
        return parse_auth_modes(self.auth_mode)

    @property
    def origins(self) -> list[str]:
        """The allowed origins, normalised (scheme://host[:port], lower case); ["*"]: any."""
        return parse_origins(self.allowed_origins)

    @property
    def trusted_networks(self) -> list[IPNetwork]:
        return parse_networks(self.trusted_proxies)

    @property
    def basic_user_table(self) -> dict[str, str]:
        """user -> password (or "sha256:HEX"), in auth mode basic; {} in the others (where
        ASSISTANT_BASIC_USERS is not read)."""
        if "basic" not in self.auth_modes:
            return {}
        return parse_basic_users(self.basic_users.get_secret_value())

    @property
    def admins(self) -> set[str]:
        """ASSISTANT_ADMIN_USERS as a set of user names."""
        return set(split_list(self.admin_users))

    @property
    def rate(self) -> tuple[int, float] | None:
        """(questions, window in seconds), or None for no limit. In auth mode none (one local
        user) the limit applies only when ASSISTANT_RATE_LIMIT is set explicitly."""
        if self.auth_modes == {"none"} and "rate_limit" not in self.model_fields_set:
            return None
        return parse_rate(self.rate_limit)

    @property
    def answers_limit(self) -> int:
        return self.answers_at_once or (16 if self.llm_enabled else 2)


# -- the web settings' forms (Settings validates with these; the web modules read the results)

AUTH_MODES = frozenset({"none", "token", "basic", "proxy"})
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_RATE_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600,
               "hour": 3600, "d": 86400, "day": 86400}


def split_list(value: str) -> list[str]:
    """"a, b,,c" -> ["a", "b", "c"]: the form of every list-valued setting."""
    return [x.strip() for x in (value or "").split(",") if x.strip()]


def parse_auth_modes(value: str) -> set[str]:
    modes = {m.lower() for m in split_list(value)} or {"none"}
    unknown = modes - AUTH_MODES
    if unknown:
        raise ConfigError(f"ASSISTANT_AUTH_MODE: unknown mode(s) {', '.join(sorted(unknown))} "
                          f"(use {', '.join(sorted(AUTH_MODES))})")
    if "none" in modes and len(modes) > 1:
        raise ConfigError("ASSISTANT_AUTH_MODE: 'none' cannot be combined with other modes")
    return modes


def parse_origins(value: str) -> list[str]:
    """Normalised origins; '*' alone means any origin (no credentials)."""
    out = []
    for item in split_list(value):
        if item == "*":
            return ["*"]
        parts = urlsplit(item)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            raise ConfigError(f"ASSISTANT_ALLOWED_ORIGINS: {item!r} is not an origin like "
                              "https://intranet.example.com (scheme, host, optional port)")
        out.append(f"{parts.scheme}://{parts.netloc}".lower())
    return list(dict.fromkeys(out))


def parse_networks(value: str) -> list[IPNetwork]:
    nets = []
    for item in split_list(value):
        try:
            nets.append(ipaddress.ip_network(item, strict=False))
        except ValueError as e:
            raise ConfigError(f"ASSISTANT_TRUSTED_PROXIES: {item!r} is not an IP address or "
                              "network") from e
    return nets


def parse_basic_users(value: str) -> dict[str, str]:
    users = {}
    for item in split_list(value):
        name, sep, password = item.partition(":")
        if not sep or not name or not password:
            raise ConfigError("ASSISTANT_BASIC_USERS: use user:password or user:sha256:HEX, "
                              "comma-separated")
        users[name] = password
    return users


def parse_rate(value: str) -> tuple[int, float] | None:
    """'30/minute' -> (30, 60.0); '5/10s' -> (5, 10.0); '0', 'off', '' -> None."""
    v = (value or "").strip().lower()
    if v in ("", "0", "off", "none", "unlimited"):
        return None
    m = re.fullmatch(r"(\d+)\s*/\s*(\d*\.?\d*)\s*([a-z]+?)s?", v)
    if not m or m.group(3) not in _RATE_UNITS or int(m.group(1)) < 1:
        raise ConfigError(f"ASSISTANT_RATE_LIMIT: {value!r} is not like '30/minute', '5/10s' "
                          "or 'off'")
    return int(m.group(1)), float(m.group(2) or 1) * _RATE_UNITS[m.group(3)]


_INTERVAL_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_FEED_INTERVAL = 60.0


def parse_interval(value: str, what: str = "interval") -> float:
    """'15m' -> 900.0; '90s', '2h', '1d', a bare number of seconds; at least a minute (a
    feed polled more often than that is a burden on its publisher)."""
    v = (value or "").strip().lower()
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smhd]?)", v)
    if not m:
        raise ConfigError(f"{what}: {value!r} is not an interval like 15m, 2h, 1d or 90s")
    seconds = float(m.group(1)) * _INTERVAL_UNITS[m.group(2) or "s"]
    if seconds < MIN_FEED_INTERVAL:
        raise ConfigError(f"{what}: {value!r} is under a minute; poll feeds at most once a "
                          "minute")
    return seconds


def normalise_root_path(value: str) -> str:
    """"/assistant/" -> "/assistant"; "" stays "" (served at the root)."""
    value = (value or "").strip().rstrip("/")
    if value and not re.fullmatch(r"(/[A-Za-z0-9._~-]+)+", value):
        raise ConfigError(f"ASSISTANT_ROOT_PATH: {value!r} is not a path like /assistant")
    return value


_PARSERS = {"auth_mode": parse_auth_modes, "allowed_origins": parse_origins,
            "trusted_proxies": parse_networks, "rate_limit": parse_rate}


def get_settings(**overrides) -> Settings:
    """Settings from the environment (and .env), with the given overrides (None: not given).
    A bad value is a ConfigError naming its variable, e.g. "ASSISTANT_TOP_K: Input should be
    a valid integer"."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as e:
        raise ConfigError("; ".join(_problem(err) for err in e.errors())) from None


def _problem(err: dict) -> str:
    where = ".".join(str(x) for x in err.get("loc", ()))
    message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    if message.startswith("ASSISTANT_"):  # our own validators name the variable already
        return message
    return f"ASSISTANT_{where.upper()}: {message}" if where else message
