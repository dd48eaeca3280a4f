"""Files -> articles -> chunks -> embeddings -> Chroma, with a report of what happened."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from ..embed import Embedder
from ..store import Store
from ..types import Article
from .chunking import chunk_article, make_splitter
from .loaders import LoadError, iter_files, load_file_report

BATCH_ARTICLES = 32  # articles embedded and written together


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (file or file:line, reason)
    chunks: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.updated)} updated, "
                f"{len(self.unchanged)} unchanged, {len(self.errors)} failed; "
                f"{self.chunks} chunks in {self.seconds:.1f} s")


def load_all(paths: list[Path], report: IngestReport) -> list[Article]:
    """Every article the paths hold; bad files and lines go to report.errors."""
    articles: dict[str, Article] = {}
    files: list[Path] = []
    for p in paths:
        try:
            files.extend(iter_files([p]))
        except LoadError as e:
            report.errors.append((str(p), str(e)))
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


def ingest(paths: list[Path], store: Store, embedder: Embedder, *, chunk_tokens: int = 240,
           chunk_overlap: int = 24, progress: bool | None = None) -> IngestReport:
    t0 = time.perf_counter()
    report = IngestReport()
    articles = load_all([Path(p) for p in paths], report)
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
              desc="Indexing") as bar:
        for b in range(0, len(todo), BATCH_ARTICLES):
            batch = todo[b:b + BATCH_ARTICLES]
            chunked = [chunk_article(a, splitter) for a in batch]
            flat = [c.text for chunks in chunked for c in chunks]
            vectors = embedder.embed(flat)
            items, pos = [], 0
            for a, chunks in zip(batch, chunked):
                items.append((a, chunks, vectors[pos:pos + len(chunks)]))
                pos += len(chunks)
            store.write(items)
            report.chunks += len(flat)
            bar.update(len(batch))
            bar.set_postfix(chunks=report.chunks)
    if todo:
        store.collect_garbage()
    report.seconds = time.perf_counter() - t0
    return report
