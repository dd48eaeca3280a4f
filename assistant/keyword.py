"""BM25 keyword search (bm25s) over the chunks Chroma holds: a derived, rebuildable cache.

Chroma stays the single source of truth. This index is built from what it holds (the chunks
of each article's *current* version, with the article's title added to every chunk so a
title word counts wherever the story is), kept up to date incrementally (only new chunks are
read and tokenised; bm25s then re-indexes the token ids, which takes well under a second for
thousands of articles) and saved next to the index, so a start-up only checks it is current.

Freshness: `refresh()` compares a fingerprint of the current chunk ids (`article#version#n`;
a version changes whenever the article does) with the one the index was built from. The
full fingerprint pages through the ids (~0.1 s for 7,000 chunks), so `ensure_fresh()` does
it when forced (after an in-process ingest or delete), when the store's change marker or
the article or chunk counts moved (three cheap calls made on every search: another process —
a worker, another app instance — changed the index; the marker catches same-size
replacements, the counts indexes written before it existed), and otherwise at most every
`check_every` seconds. While a long ingest grows a big index, count-driven refreshes are
spaced out (at most ~20% of the time); deletions are never deferred. Whatever
the keyword side proposes, the retriever reads the passages' texts from Chroma and checks
their versions, so a deleted or replaced article is never shown.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_EN

from .store import Store, published_ts
from .text import FUNCTION_WORDS
from .types import Hit

log = logging.getLogger(__name__)

FORMAT = 1
NO_DATE = np.iinfo(np.int64).min  # published_ts of a chunk whose article has no date
_WORD = re.compile(r"\w+", re.UNICODE)
# How rare a word is says little in a small index: in the seed's four chunks "hosted" is
# as rare as any word can be. Below this many chunks `missing` finds nothing missing.
RARITY_MIN_CHUNKS = 200


class Tokenizer:
    """Lower-cased words, English stopwords out, Snowball-stemmed when PyStemmer is there."""

    def __init__(self) -> None:
        self.stopwords = frozenset(STOPWORDS_EN) | {"s", "t"}
        try:
            import Stemmer  # PyStemmer

            stemmer = Stemmer.Stemmer("english")
            lock = threading.Lock()  # a PyStemmer object is not thread-safe; requests are

            def stem(words: list[str]) -> list[str]:
                with lock:
                    return stemmer.stemWords(words)

            self._stem = stem
            self.name = f"words-en-stem-v{FORMAT}"
        except ImportError:  # pragma: no cover - PyStemmer is a dependency
            self._stem = None
            self.name = f"words-en-v{FORMAT}"
        self._cache: dict[str, str] = {}

    def __call__(self, text: str) -> list[str]:
        words = [w for w in _WORD.findall(text.lower().replace("’", "'"))
                 if w not in self.stopwords and not w.startswith("_")]
        return self.stem(words)

    def stem(self, words: list[str]) -> list[str]:
        """The words' stems ("meeting" -> "meet"), or the words where there is no stemmer."""
        if self._stem is None:
            return words
        todo = [w for w in set(words) if w not in self._cache]
        if todo:
            self._cache.update(zip(todo, self._stem(todo)))
            if len(self._cache) > 500_000:
                self._cache.clear()
        return [self._cache.get(w) or self._stem([w])[0] for w in words]


def parse_chunk_id(chunk_id: str) -> tuple[str, str]:
    """(article id, version) of a chunk id `article_id#version#n`."""
    article_id, version, _ = chunk_id.rsplit("#", 2)
    return article_id, version


@dataclass
class Snapshot:
    """One immutable state of the index; searches read it while a refresh builds the next."""

    fingerprint: str = ""
    ids: list[str] = field(default_factory=list)
    article_ids: list[str] = field(default_factory=list)
    chunk: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    start: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    end: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    published: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    tokens: list[np.ndarray] = field(default_factory=list)  # token ids per chunk
    vocab: dict[str, int] = field(default_factory=dict)
    bm25: object | None = None
    counts: tuple = (-1, -1, "")  # (articles, chunks, change marker) when checked
    # False when some dated chunk lacks `published_ts` in Chroma (an index written before
    # chunks carried it): date filters then go by article id instead.
    dated_in_chroma: bool = True
    _position: dict[str, int] | None = None
    _doc_freq: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def doc_freq(self) -> np.ndarray:
        """How many chunks hold each token id, counted on first use."""
        if self._doc_freq is None:
            seen = [np.unique(t) for t in self.tokens if len(t)]
            self._doc_freq = np.bincount(np.concatenate(seen), minlength=len(self.vocab)) \
                if seen else np.zeros(len(self.vocab), np.int64)
        return self._doc_freq

    @property
    def position(self) -> dict[str, int]:
        """{chunk id: position}, built on first use."""
        if self._position is None:
            self._position = {cid: i for i, cid in enumerate(self.ids)}
        return self._position

    def index_bm25(self) -> None:
        """bm25s's index of the token ids (through its public API: the expensive part, reading
        and tokenising chunks, is what the cache saves; indexing takes ~0.1 s per 10k chunks)."""
        if not self.ids:
            self.bm25 = None
            return
        model = bm25s.BM25()
        vocab = dict(self.vocab)
        vocab.setdefault("", len(vocab))  # bm25s needs one id no document uses
        model.index(([t.tolist() for t in self.tokens], vocab), show_progress=False,
                    create_empty_token=False)
        self.bm25 = model


class KeywordIndex:
    def __init__(self, store: Store, cache_path: Path | None = None, check_every: float = 10.0):
        self.store = store
        self.cache_path = cache_path
        self.check_every = check_every
        self.tokenize = Tokenizer()
        self._lock = threading.Lock()
        self._snap: Snapshot | None = None
        self._checked = 0.0
        self._cost = 0.0  # seconds the last refresh took
        self.last_refresh: dict = {}

    # -- reading ---------------------------------------------------------------------------

    @property
    def snapshot(self) -> Snapshot:
        if self._snap is None:
            self.ensure_fresh(force=True)
        return self._snap  # type: ignore[return-value]

    def query_ids(self, snap: Snapshot, query: str) -> list[int]:
        return sorted({snap.vocab[t] for t in self.tokenize(query) if t in snap.vocab})

    def scores(self, query: str, snap: Snapshot | None = None) -> np.ndarray:
        """BM25 score of every chunk of the snapshot for a query (0 where no word matches)."""
        snap = snap or self.snapshot
        if snap.bm25 is None:
            return np.zeros(len(snap), np.float32)
        ids = self.query_ids(snap, query)
        if not ids:
            return np.zeros(len(snap), np.float32)
        return np.asarray(snap.bm25.get_scores_from_ids(ids), dtype=np.float32)

    def missing(self, question: str, hits: list[Hit]) -> tuple[float, list[str]]:
        """How much of what a question says the passages lack: the share of its words'
        rarity (inverse chunk frequency over the index) in words none of the passages (nor
        their titles) has, and those words as the question writes them, rarest first. "What
        are the facts about keeping kosher?" over baby-formula passages lacks "kosher", its
        rarest word. The passages' words are the index's own tokens of their chunks."""
        snap = self.snapshot
        if len(snap) < RARITY_MIN_CHUNKS:
            return 0.0, []
        held: set[int] = set()
        texts = []
        for h in hits:
            texts.append(h.title)
            ids = [f"{h.article_id}#{h.version}#{n}"
                   for n in range(h.chunk_index, h.chunk_index + max(1, h.chunks))]
            pos = [snap.position.get(i) for i in ids]
            if None in pos:  # a passage the snapshot does not hold (yet): its own words
                texts.append(h.text)
            for p in pos:
                if p is not None:
                    held.update(snap.tokens[p].tolist())
        found = set(self.tokenize("\n".join(texts)))
        words: dict[str, str] = {}  # stem -> the word as written
        for w in _WORD.findall(question.replace("’", "'")):
            stem = self.tokenize(w)
            if stem and len(w) > 2 and not w.isdigit() and w.lower() not in FUNCTION_WORDS:
                words.setdefault(stem[0], w)
        if not words:
            return 0.0, []
        df, n = snap.doc_freq, len(snap)
        rarity = {t: math.log((n + 1) / (1 + (df[snap.vocab[t]] if t in snap.vocab else 0)))
                  for t in words}
        gone = sorted((t for t in words if t not in found and snap.vocab.get(t) not in held),
                      key=lambda t: -rarity[t])
        total = sum(rarity.values())
        return (sum(rarity[t] for t in gone) / total if total else 0.0), [words[t] for t in gone]

    # -- freshness -------------------------------------------------------------------------

    def _counts(self) -> tuple[int, int, str]:
        """(articles, chunks, change marker): three cheap calls that tell whether another
        process (a worker, another app instance) changed the index."""
        return (*self.store.counts(), self.store.change_marker())

    def ensure_fresh(self, force: bool = False) -> bool:
        """Refresh when forced, when the counts moved, or every check_every seconds.
        Returns True when the index changed."""
        snap = self._snap
        if snap is None:
            with self._lock:
                if self._snap is None:
                    self._snap = self._load_cache() or Snapshot()
            snap = self._snap
            force = True
        if not force:
            since = time.monotonic() - self._checked
            counts = self._counts()
            if counts == snap.counts:
                if since < self.check_every:
                    return False
            elif (counts[0] >= snap.counts[0] and counts[1] >= snap.counts[1]
                  and self._cost > 0.25 and since < 4 * self._cost):
                # Counts grow with every batch of a long ingest: on a big index (a refresh
                # takes a second) refresh at most ~20% of the time, serving the previous
                # state meanwhile. Deletions are never deferred.
                return False
        return self.refresh()

    def refresh(self) -> bool:
        """Bring the index in line with Chroma; returns True when it changed."""
        with self._lock:
            t0 = time.perf_counter()
            old = self._snap or Snapshot()
            counts = self._counts()
            metas = self.store.article_metadata()
            current = {i: m.get("version", "") for i, m in metas.items()}
            ids = []
            for cid in self.store.chunk_ids():
                try:
                    a, v = parse_chunk_id(cid)
                except ValueError:
                    continue
                if current.get(a) == v:  # an old or half-written version is invisible
                    ids.append(cid)
            ids.sort()
            fp = hashlib.sha1("\n".join([self.tokenize.name, *ids]).encode()).hexdigest()
            self._checked = time.monotonic()
            if fp == old.fingerprint:
                old.counts = counts
                self._cost = time.perf_counter() - t0
                return False
            new = self._rebuild(old, ids, metas, fp)
            new.counts = counts
            self._snap = new
            self.last_refresh = {"chunks": len(new), "seconds": time.perf_counter() - t0,
                                 "read": len(set(ids) - set(old.ids))}
            log.info("keyword index: %d chunks (%d read) in %.2f s", len(new),
                     self.last_refresh["read"], self.last_refresh["seconds"])
            self._save_cache(new)
            self._cost = time.perf_counter() - t0
            return True

    def _rebuild(self, old: Snapshot, ids: list[str], metas: dict[str, dict],
                 fp: str) -> Snapshot:
        keep = {cid: i for i, cid in enumerate(old.ids)}
        vocab = dict(old.vocab)
        fresh = [cid for cid in ids if cid not in keep]
        got: dict[str, tuple[str, dict]] = {}
        for cid, doc, meta in self.store.iter_chunks(fresh):
            got[cid] = (doc, meta)
        snap = Snapshot(fingerprint=fp, vocab=vocab)
        snap.dated_in_chroma = old.dated_in_chroma or not old.ids
        chunk, start, end, pub = [], [], [], []
        for cid in ids:
            if cid in keep:
                i = keep[cid]
                snap.ids.append(cid)
                snap.article_ids.append(old.article_ids[i])
                snap.tokens.append(old.tokens[i])
                chunk.append(old.chunk[i]); start.append(old.start[i])
                end.append(old.end[i]); pub.append(old.published[i])
                continue
            if cid not in got:  # deleted between listing and reading
                continue
            doc, meta = got[cid]
            a = meta.get("article_id") or parse_chunk_id(cid)[0]
            title = metas.get(a, {}).get("title", "")
            toks = self.tokenize(f"{title}\n{doc}")
            tids = np.fromiter((vocab.setdefault(t, len(vocab)) for t in toks), np.int32,
                               len(toks))
            ts = meta.get("published_ts")
            if ts is None:
                ts = published_ts(str(meta.get("published", "")))
                if ts is not None:
                    snap.dated_in_chroma = False
            snap.ids.append(cid)
            snap.article_ids.append(a)
            snap.tokens.append(tids)
            chunk.append(int(meta.get("chunk", 0))); start.append(int(meta.get("start", 0)))
            end.append(int(meta.get("end", 0)))
            pub.append(NO_DATE if ts is None else int(ts))
        snap.chunk = np.asarray(chunk, np.int32)
        snap.start = np.asarray(start, np.int64)
        snap.end = np.asarray(end, np.int64)
        snap.published = np.asarray(pub, np.int64)
        # Words of deleted chunks stay in the vocabulary (ids must stay valid for the kept
        # chunks); they cost a little memory and match nothing. A fresh build compacts it.
        snap.index_bm25()
        return snap

    # -- the on-disk cache -----------------------------------------------------------------

    def _load_cache(self) -> Snapshot | None:
        p = self.cache_path
        if p is None or not p.is_file():
            return None
        try:
            with np.load(p, allow_pickle=False) as z:
                head = json.loads(str(z["head"]))
                if head.get("format") != FORMAT or head.get("tokenizer") != self.tokenize.name:
                    return None
                offsets = z["tok_offsets"]
                flat = z["tok_flat"]
                snap = Snapshot(
                    fingerprint=head["fingerprint"], ids=z["ids"].tolist(),
                    article_ids=z["article_ids"].tolist(), chunk=z["chunk"], start=z["start"],
                    end=z["end"], published=z["published"],
                    tokens=[flat[offsets[i]:offsets[i + 1]] for i in range(len(offsets) - 1)],
                    vocab={w: i for i, w in enumerate(z["vocab"].tolist())},
                    dated_in_chroma=bool(head.get("dated_in_chroma", True)))
            snap.index_bm25()
            return snap
        except Exception as e:  # a damaged cache is rebuilt, never trusted
            log.warning("keyword index cache %s unreadable (%s); rebuilding", p, e)
            return None

    def _save_cache(self, snap: Snapshot) -> None:
        p = self.cache_path
        if p is None:
            return
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            words = [""] * len(snap.vocab)
            for w, i in snap.vocab.items():
                words[i] = w
            lengths = np.array([len(t) for t in snap.tokens], np.int64)
            offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
            flat = (np.concatenate(snap.tokens) if snap.tokens else np.zeros(0, np.int32))
            head = json.dumps({"format": FORMAT, "tokenizer": self.tokenize.name,
                               "fingerprint": snap.fingerprint,
                               "dated_in_chroma": snap.dated_in_chroma})
            fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=p.name, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                np.savez(f, head=np.array(head), ids=np.array(snap.ids, dtype=str),
                         article_ids=np.array(snap.article_ids, dtype=str), chunk=snap.chunk,
                         start=snap.start, end=snap.end, published=snap.published,
                         tok_flat=flat.astype(np.int32), tok_offsets=offsets,
                         vocab=np.array(words, dtype=str))
            os.replace(tmp, p)  # atomic: readers see the old or the new file
        except OSError as e:  # a read-only place only costs start-up time
            log.warning("cannot save the keyword index cache %s: %s", p, e)
