"""Files -> articles -> chunks -> embeddings -> Chroma, with a report of what happened."""

from __future__ import annotations

import logging
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..embed import Embedder
from ..errors import LoadError, QuoteModelError
from ..quotes import RULES, extract_quotes, load_nlp
from ..store import Prepared, Store
from ..stories import StoryIndex
from ..text import plural, sentence_spans
from ..types import Article, Chunk
from ..vectors import pool
from .chunking import chunk_article, make_splitter
from .loaders import iter_files, load_file_report
from .fetch import Fetcher
from .sources import is_url, load_url, read_url_list

BATCH_ARTICLES = 32  # articles embedded and written together
QUEUE_DEPTH = 2  # batches buffered between stages: bounded memory, enough to overlap
_DONE = object()
log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (file or file:line, reason)
    notes: list[str] = field(default_factory=list)  # worth saying, not failures
    chunks: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.updated)} updated, "
                f"{len(self.unchanged)} unchanged, {len(self.errors)} failed; "
                f"{plural(self.chunks, 'chunk')} in {self.seconds:.1f} s")

    def to_json(self) -> dict:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "errors": [list(e) for e in self.errors], "notes": self.notes,
                "chunks": self.chunks,
                "seconds": round(self.seconds, 3), "summary": self.summary()}

    @classmethod
    def from_json(cls, data: dict) -> "IngestReport":
        return cls(added=list(data.get("added", [])), updated=list(data.get("updated", [])),
                   unchanged=list(data.get("unchanged", [])),
                   errors=[tuple(e) for e in data.get("errors", [])],
                   notes=list(data.get("notes", [])),
                   chunks=int(data.get("chunks", 0)), seconds=float(data.get("seconds", 0)))


def load_all(paths: list[Path | str], report: IngestReport, fetcher: Fetcher | None = None,
             max_items: int = 200) -> list[Article]:
    """Every article the paths hold (a URL: a page, or a feed's or sitemap's items); bad
    files, lines and items go to report.errors."""
    articles: dict[str, Article] = {}
    files: list[Path] = []
    urls: list[str] = []
    for p in paths:
        if is_url(str(p)):
            urls.append(str(p))
            continue
        try:
            for f in iter_files([Path(p)]):
                if f.suffix.lower() == ".urls":
                    urls.extend(read_url_list(f))
                else:
                    files.append(f)
        except LoadError as e:
            report.errors.append((str(p), str(e)))
    fetcher = fetcher or Fetcher()
    for url in urls:
        loaded = load_url(url, fetcher, max_items)
        report.errors += loaded.errors
        report.notes += loaded.notes
        articles.update((a.id, a) for a in loaded.articles)
    for path in files:
        try:
            found, line_errors = load_file_report(path)
        except LoadError as e:
            report.errors.append((str(path), str(e)))
            continue
        report.errors.extend((str(path), err) for err in line_errors)
        for a in found:
            # The same article twice in one run (a copied file): the last copy wins.
            articles[a.id] = a
    return list(articles.values())


def quote_extractor(enabled: bool = True) -> Callable[[Article], list] | None:
    """extract_quotes with spaCy loaded once; None when extraction is switched off."""
    if not enabled:
        return None
    try:
        nlp = load_nlp()
    except QuoteModelError as e:  # passages without quotes beat no passages
        log.warning("%s: indexing without quotes", e)
        return None

    def extract(article: Article) -> list:
        try:  # an attribution to no one ("Trump was accused of …") has no one to list it
            return [q for q in extract_quotes(article.text, nlp) if q.speaker]
        except Exception:  # noqa: BLE001 - a parser bug must not cost the article its passages
            log.exception("quote extraction failed for %s; indexed without quotes", article.id)
            return []

    return extract


def ingest(paths: list[Path], store: Store, embedder: Embedder, *, chunk_tokens: int = 240,
           chunk_overlap: int = 24, progress: bool | None = None, quotes: bool = True,
           on_progress: Callable[[int, int], None] | None = None,
           fetcher: Fetcher | None = None, max_items: int = 200,
           articles: list[Article] | None = None) -> IngestReport:
    """progress: a tqdm bar on stderr (None: when it is a terminal); on_progress(done, total)
    after every written batch (articles): a job's progress, and where it may stop (an
    exception there ends the run between two batches, each article fully in or out).
    fetcher: how URLs are fetched (default: public addresses only); articles: ones already
    loaded (a feed poll's), indexed with those of the paths."""
    t0 = time.perf_counter()
    report = IngestReport()
    loaded = {a.id: a for a in load_all(list(paths), report, fetcher, max_items)}
    loaded.update((a.id, a) for a in articles or [])
    articles = list(loaded.values())
    current = {}
    for b in range(0, len(articles), 500):
        current.update(store.article_info(a.id for a in articles[b:b + 500]))
    todo = []
    for a in articles:
        info = current.get(a.id)
        if info is not None and info.version == a.version:
            report.unchanged.append(a.id)
        else:
            todo.append(a)
            (report.updated if info is not None else report.added).append(a.id)

    splitter = make_splitter(embedder.token_ids, chunk_tokens, chunk_overlap)
    show = sys.stderr.isatty() if progress is None else progress
    with tqdm(total=len(todo), unit="article", disable=not show or not todo,
              desc="Indexing", smoothing=0.1) as bar:
        done = 0

        def written(batch_size: int, chunk_count: int) -> None:
            nonlocal done
            report.chunks += chunk_count
            done += batch_size
            bar.update(batch_size)
            bar.set_postfix(chunks=report.chunks)
            if on_progress is not None:
                on_progress(done, len(todo))

        if on_progress is not None:
            on_progress(0, len(todo))

        def failed(article: Article, reason: str) -> None:
            report.errors.append((article.source or article.id, reason))
            for bucket in (report.added, report.updated):
                if article.id in bucket:
                    bucket.remove(article.id)

        extract = quote_extractor(quotes) if todo else None
        stories = StoryIndex(store) if todo else None
        run_pipeline(todo, splitter, embedder, store, written, failed, extract, stories)
    if articles:
        # The articles of this run only (a crash's leftovers included): another writer's
        # records that are not flipped yet are its own business.
        store.collect_garbage([a.id for a in articles])
    report.seconds = time.perf_counter() - t0
    return report


def embed_batch(batch: list[Prepared], embedder: Embedder) -> None:
    """Passages and sentences embedded in one call (the embedder packs them by length);
    each quote's vector pooled from the sentences it spans: every sentence embedded once,
    kept for the answers (assistant/vectors.py)."""
    texts = [c.text for p in batch for c in p.chunks]
    texts += [p.article.text[s:e] for p in batch for s, e in p.sentences]
    vectors = embedder.embed(texts)
    pos = 0
    for p in batch:
        p.vectors = vectors[pos:pos + len(p.chunks)]
        pos += len(p.chunks)
    for p in batch:
        p.sentence_vectors = vectors[pos:pos + len(p.sentences)]
        pos += len(p.sentences)
        p.quote_vectors = quote_vectors(p, embedder)


def quote_vectors(p: Prepared, embedder: Embedder) -> np.ndarray:
    """The quotes' vectors from the sentences they span (a quote outside every sentence,
    which the splitters make rare, embedded itself)."""
    vectors = pool(p.sentences, p.sentence_vectors, [(q.start, q.end) for q in p.quotes])
    alone = [i for i, v in enumerate(vectors) if not v.any()]
    if alone:
        vectors[alone] = embedder.embed([p.quotes[i].content for i in alone])
    return vectors


def run_pipeline(articles: list[Article], splitter, embedder: Embedder, store: Store,
                 written: Callable[[int, int], None],
                 failed: Callable[[Article, str], None] = lambda a, r: None,
                 extract: Callable[[Article], list] | None = None,
                 stories: StoryIndex | None = None) -> None:
    """chunk + extract quotes + find the wire story (thread) -> embed (this thread; onnxruntime uses every core)
    -> write (thread).

    Chunking and parsing are Python and writing waits on Chroma, so they overlap the
    embedding that dominates. Bounded queues keep memory flat; the first error in any stage
    stops all.
    """
    chunked_q: queue.Queue = queue.Queue(QUEUE_DEPTH)
    embedded_q: queue.Queue = queue.Queue(QUEUE_DEPTH)
    failure: list[BaseException] = []
    stop = threading.Event()

    def put(q: queue.Queue, item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def chunker() -> None:
        try:
            for b in range(0, len(articles), BATCH_ARTICLES):
                batch: list[Prepared] = []
                for a in articles[b:b + BATCH_ARTICLES]:
                    try:
                        chunks: list[Chunk] = chunk_article(a, splitter)
                    except ValueError as e:  # one odd article must not stop the run
                        failed(a, f"could not chunk: {e}")
                        continue
                    p = Prepared(a, chunks, None, extract(a) if extract else [],
                                 quote_rules=RULES if extract else 0,
                                 sentences=sentence_spans(a.text))
                    if stories is not None:
                        found = stories.assign(a)
                        p.story, p.signature = found.story, found.signature.encode()
                        p.shingles = found.signature.size
                    batch.append(p)
                if batch and not put(chunked_q, batch):
                    return
        except BaseException as e:  # noqa: BLE001 - handed to the main thread
            failure.append(e)
            stop.set()
        finally:
            put(chunked_q, _DONE)

    def writer() -> None:
        try:
            while (item := embedded_q.get()) is not _DONE:
                items, count = item
                store.write(items)
                written(len(items), count)
        except BaseException as e:  # noqa: BLE001
            failure.append(e)
            stop.set()
            while embedded_q.get() is not _DONE:  # let the embedder finish its put()
                pass

    threads = [threading.Thread(target=chunker, name="ingest-chunk", daemon=True),
               threading.Thread(target=writer, name="ingest-write", daemon=True)]
    for t in threads:
        t.start()
    try:
        while not stop.is_set():
            try:
                item = chunked_q.get(timeout=0.1)
            except queue.Empty:
                continue
            if item is _DONE:
                break
            batch: list[Prepared] = item
            embed_batch(batch, embedder)
            embedded_q.put((batch, sum(len(p.chunks) for p in batch)))
    except BaseException:
        stop.set()
        raise
    finally:
        embedded_q.put(_DONE)
        for t in threads:
            t.join()
    if failure:
        raise failure[0]
