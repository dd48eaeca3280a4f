"""The one library API that the CLI, the REST API and the chat UI all call."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from pathlib import Path

from .answer import extractive
from .config import Settings, get_settings
from .embed import Embedder, get_embedder
from .ingest.pipeline import IngestReport, ingest
from .retrieve import Retriever
from .store import ArticleInfo, Store
from .types import Answer, Article, Hit


class Assistant:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or get_settings()

    @cached_property
    def embedder(self) -> Embedder:
        return get_embedder(self.settings.embed_model_dir or None)

    @cached_property
    def store(self) -> Store:
        return Store(self.settings, self.embedder.name, self.embedder.dim)

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.store, self.embedder)

    # -- articles --------------------------------------------------------------------------

    def ingest(self, paths: list[str | Path], progress: bool | None = None) -> IngestReport:
        return ingest([Path(p) for p in paths], self.store, self.embedder,
                      chunk_tokens=self.settings.chunk_tokens,
                      chunk_overlap=self.settings.chunk_overlap, progress=progress)

    def ensure_seeded(self) -> IngestReport | None:
        """Index seeds/ when the index is empty (first run)."""
        if self.store.count_articles() == 0 and self.settings.seeds_dir.is_dir():
            return self.ingest([self.settings.seeds_dir])
        return None

    def articles(self) -> list[ArticleInfo]:
        return self.store.list_articles()

    def article(self, article_id: str) -> Article | None:
        return self.store.get_article(article_id)

    def delete(self, article_id: str) -> bool:
        return self.store.delete_article(article_id)

    # -- questions -------------------------------------------------------------------------

    def search(self, question: str, k: int | None = None) -> list[Hit]:
        return self.retriever.search(question, k or self.settings.top_k)

    def ask(self, question: str) -> Answer:
        question = " ".join(question.split())
        if not question:
            return Answer(question="", answer="Please ask a question.",
                          warnings=["empty question"])
        qvec = self.retriever.embed_query(question)
        hits = self.retriever.search(question, self.settings.top_k, vector=qvec)
        return extractive.answer(question, hits, qvec, self.embedder, self.settings.min_score)

    def ask_stream(self, question: str) -> Iterator[str | Answer]:
        """Text pieces as they are ready, then the final Answer (citations attached)."""
        result = self.ask(question)
        for word in result.answer.split(" "):
            yield word + " "
        yield result
