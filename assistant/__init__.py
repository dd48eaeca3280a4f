"""Article assistant: grounded, cited answers over news articles.

    from assistant import Assistant, Settings
    a = Assistant(Settings(index_dir="index"))
    a.ingest(["seeds/"])
    print(a.ask("Who said what about the ceasefire?").to_json())

docs/architecture.md maps the modules.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

# Before numpy loads OpenBLAS: one BLAS thread. Its only real work here is spaCy's parse
# (quotes/parse.py), which runs beside the embedder while ingesting, and onnxruntime's own
# pool already uses every core; two BLAS threads there made ingest slower, not faster
# (docs/quotes.md, stop 38). A value the environment sets wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .config import Settings, get_settings
from .errors import (
    AssistantError,
    AuthError,
    ConfigError,
    DateError,
    EmbedderError,
    LLMError,
    LoadError,
    QuestionError,
    QuoteModelError,
    StoreError,
)
from .types import Answer, Article, Chunk, Citation, Hit, IndexedQuote

if TYPE_CHECKING:
    from .core import Assistant

__all__ = ["Answer", "Article", "Assistant", "AssistantError", "AuthError", "Chunk",
           "Citation", "ConfigError", "DateError", "EmbedderError", "Hit", "IndexedQuote",
           "LLMError", "LoadError", "QuestionError", "QuoteModelError", "Settings",
           "StoreError", "get_settings"]


def __getattr__(name: str):
    # Assistant is imported on first use: it pulls in chromadb, onnxruntime and spaCy (~2 s),
    # which `assistant --help` or a script that only reads Settings should not wait for.
    if name == "Assistant":
        from .core import Assistant

        return Assistant
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
