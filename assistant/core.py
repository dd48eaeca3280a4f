"""The one library API that the CLI, the REST API and the chat UI all call."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cached_property
from pathlib import Path

from .answer import extractive
from .answer.llm import LLMAnswerer, llm_configured
from .chat import Conversations, Turn, rewrite_followup
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
        s = self.settings
        return get_embedder(s.embed_model_dir or None, s.embed_fast,
                            str(s.data_dir / "models"), s.embed_threads or None)

    @cached_property
    def store(self) -> Store:
        return Store(self.settings, self.embedder.name, self.embedder.dim)

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.store, self.embedder)

    @cached_property
    def llm(self) -> LLMAnswerer | None:
        """The LLM answerer when one is configured; None means extractive answers."""
        return LLMAnswerer(self.settings) if llm_configured(self.settings) else None

    @cached_property
    def conversations(self) -> Conversations:
        return Conversations(self.settings.data_dir)

    # -- articles --------------------------------------------------------------------------

    def ingest(self, paths: list[str | Path], progress: bool | None = None) -> IngestReport:
        return ingest([p if str(p).startswith(("http://", "https://")) else Path(p)
                       for p in paths], self.store, self.embedder,
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

    def stats(self) -> dict:
        return self.store.stats()

    def delete(self, article_id: str) -> bool:
        return self.store.delete_article(article_id)

    # -- questions -------------------------------------------------------------------------

    def search(self, question: str, k: int | None = None) -> list[Hit]:
        return self.retriever.search(question, k or self.settings.top_k)

    def _prepare(self, question: str, conversation: str | None,
                 history: list[Turn] | None) -> tuple[str, list[Hit], Callable[[], Answer]]:
        """(standalone question, hits, extractive fallback) for a question."""
        if conversation:
            history = self.conversations.history(conversation)
        if history:
            question = rewrite_followup(question, history, self.llm)
        qvec = self.retriever.embed_query(question)
        hits = self.retriever.search(question, self.settings.top_k, vector=qvec)

        def fallback() -> Answer:
            return extractive.answer(question, hits, qvec, self.embedder, self.settings.min_score)

        return question, hits, fallback

    def ask(self, question: str, conversation: str | None = None,
            history: list[Turn] | None = None) -> Answer:
        """conversation: an id whose history is read and extended; history: turns held by
        the caller (a Gradio chat). Either makes a follow-up standalone before retrieval."""
        typed = " ".join(question.split())
        if not typed:
            return Answer(question="", answer="Please ask a question.",
                          warnings=["empty question"])
        question, hits, fallback = self._prepare(typed, conversation, history)
        result = self.llm.answer(question, hits, fallback) if self.llm else fallback()
        if conversation:
            self.conversations.add(conversation, typed, result, standalone=question)
        return result

    def ask_stream(self, question: str, conversation: str | None = None,
                   history: list[Turn] | None = None) -> Iterator[str | Answer]:
        """Text pieces as they are ready, then the final Answer (citations attached), which
        supersedes the pieces (quote flags, or the extractive fallback after a fault)."""
        typed = " ".join(question.split())
        if not typed:
            yield Answer(question="", answer="Please ask a question.", warnings=["empty question"])
            return
        question, hits, fallback = self._prepare(typed, conversation, history)
        if self.llm:
            pieces = self.llm.stream(question, hits, fallback)
        else:
            result = fallback()
            pieces = iter([*(w + " " for w in result.answer.split(" ")), result])
        for piece in pieces:
            if isinstance(piece, Answer) and conversation:
                self.conversations.add(conversation, typed, piece, standalone=question)
            yield piece
