"""Plain dataclasses at the boundaries between the pipeline's steps.

Everything that crosses a module boundary (loader -> chunker -> store -> retriever ->
answerer -> CLI/API/UI) is one of these, so each step can be tested on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from .ids import content_hash


@dataclass
class Article:
    """One cleaned article. `text` is the canonical text every offset points into."""

    id: str
    text: str
    title: str = ""
    url: str = ""
    published: str = ""  # ISO date (YYYY-MM-DD) or "" when unknown
    authors: list[str] = field(default_factory=list)
    outlet: str = ""
    source: str = ""  # where it was loaded from (file path, file:line)

    @property
    def version(self) -> str:
        """A short hash of everything a reader sees: changes iff the article changed."""
        return content_hash(self.title, self.url, self.published, "|".join(self.authors),
                            self.outlet, self.text)[:12]


@dataclass
class Chunk:
    """A passage of an article, with its character span in `Article.text`."""

    article_id: str
    index: int
    text: str
    start: int
    end: int


@dataclass
class Hit:
    """A retrieved passage and how well it matched the question (cosine similarity)."""

    article_id: str
    title: str
    url: str
    published: str
    text: str
    start: int
    end: int
    score: float
    chunk_index: int = 0
    authors: list[str] = field(default_factory=list)
    outlet: str = ""
    story: str = ""  # the wire story (assistant/stories.py): its first article's id
    also_in: list[str] = field(default_factory=list)  # other outlets that ran the story
    version: str = ""  # the article version the passage was read from ("": unknown)
    chunks: int = 1  # the consecutive chunks it spans, from chunk_index


@dataclass
class IndexedQuote:
    """An attribution from the quote index: who (speaker: a name or role, resolved when the
    article makes it clear; mention: as written) said what (content, verbatim, at
    start:end of the article text), introduced by which cue ("said", "according to")."""

    article_id: str
    title: str
    url: str
    published: str
    outlet: str
    speaker: str
    mention: str
    cue: str
    content: str
    start: int
    end: int
    speaker_start: int
    speaker_end: int
    direct: bool
    score: float = 0.0  # cosine similarity to the topic asked about (0 when none)
    n: int = 0  # position among the article's quotes
    story: str = ""  # the article's wire story: copies of one story say the same things
    statement: bool = True  # a clause or quotation, not a bare noun phrase ("call the IRS")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Speaker:
    """Who the quote index quotes: one person or body under one name (titles and variants
    joined), how often, in how many articles, and when last."""

    name: str
    quotes: int
    articles: int
    latest: str  # the newest quote's publication date ("" when none is dated)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Citation:
    """What [n] in an answer points at: a sentence or passage of an article."""

    n: int
    article_id: str
    title: str
    url: str
    published: str
    text: str
    start: int
    end: int
    # The enclosing passage, so a UI can show the cited sentence in context.
    passage: str = ""
    passage_start: int = 0
    outlet: str = ""  # for the source card
    also_in: list[str] = field(default_factory=list)  # the story's other outlets

    @classmethod
    def from_hit(cls, n: int, hit: Hit, start: int | None = None,
                 end: int | None = None) -> "Citation":
        """Source n: the sentence at start:end of the article (offsets inside the passage
        `hit`), or without them the whole passage; the passage comes along as context."""
        start = hit.start if start is None else start
        end = hit.end if end is None else end
        return cls(n=n, article_id=hit.article_id, title=hit.title, url=hit.url,
                   published=hit.published, text=hit.text[start - hit.start:end - hit.start],
                   start=start, end=end, passage=hit.text, passage_start=hit.start,
                   outlet=hit.outlet, also_in=list(hit.also_in))

    def to_json(self) -> dict[str, Any]:
        """The stable --json contract: passage context is a UI detail, not part of it."""
        out = {k: v for k, v in asdict(self).items()
               if k not in ("passage", "passage_start", "outlet", "also_in")}
        if self.also_in:  # a wire story: the other outlets that ran it
            out["also_in"] = self.also_in
        return out


@dataclass
class Answer:
    question: str
    answer: str
    mode: str = "extractive"  # "extractive" | "llm"
    citations: list[Citation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Answer":
        """The Answer a to_json() described (a stored conversation, a server's reply)."""
        cites = [Citation(**{k: v for k, v in c.items() if k in Citation.__dataclass_fields__})
                 for c in data.get("citations", [])]
        return cls(**{**{k: v for k, v in data.items() if k in cls.__dataclass_fields__},
                      "citations": cites})

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "mode": self.mode,
            "citations": [c.to_json() for c in self.citations],
            "warnings": list(self.warnings),
        }


def hits_json(query: str, hits: Iterable[Hit]) -> dict[str, Any]:
    """{"query", "hits": [{"rank", "article_id", "title", "url", "published", "score",
    "similarity", "text", "start", "end"}]}, the one form of `assistant search --json` and
    GET /api/search: score is the fused relevance the ranking used (the cosine where there is
    none), similarity the passage's cosine to the query."""
    return {"query": query, "hits": [
        {"rank": r, "article_id": h.article_id, "title": h.title, "url": h.url,
         "published": h.published,
         "score": round(float(getattr(h, "relevance", 0.0) or h.score), 4),
         "similarity": round(float(h.score), 4), "text": h.text, "start": h.start,
         "end": h.end, **({"also_in": h.also_in} if h.also_in else {})}
        for r, h in enumerate(hits, 1)]}


@dataclass
class Job:
    """A piece of work in the durable queue (assistant/jobs.py): an ingest of files or URLs
    (an upload, a CLI hand-off, a feed item), a deletion, a quote rebuild. `done`/`total` are
    its progress in articles; `result` is what it produced (the ingest report)."""

    id: str
    kind: str  # ingest | delete | rebuild_quotes | poll_feed
    args: dict[str, Any] = field(default_factory=dict)
    state: str = "queued"  # queued | running | done | failed | cancelled
    created: float = 0.0
    started: float = 0.0
    finished: float = 0.0
    heartbeat: float = 0.0  # last sign of life of the worker running it
    attempts: int = 0
    done: int = 0
    total: int = 0
    result: dict[str, Any] | None = None
    error: str = ""
    worker: str = ""  # host:pid of the worker that ran it last

    FINAL = ("done", "failed", "cancelled")

    @property
    def final(self) -> bool:
        return self.state in self.FINAL

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Job":
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
