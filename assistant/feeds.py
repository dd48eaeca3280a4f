"""The feeds the server polls: `<data_dir>/feeds.sqlite3`, and the scheduler that polls them.

Each feed has its interval, the validators of its last answer (ETag, Last-Modified) for a
conditional request, and the items seen (url -> fingerprint of the feed's entry, and the
article it became): a poll fetches only the pages of new or changed entries. A feed that
fails backs off (its interval doubled per failure in a row, at most a day) and says its
last error; the next success resets it.

The scheduler does no fetching itself: it submits a `poll_feed` job to the write queue for
each feed that is due (Assistant.execute runs it), so polls are durable, retried, visible in
`assistant jobs`, and never run two at once for one feed.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from .db import SQLite
from .types import Job

log = logging.getLogger(__name__)

FILE_NAME = "feeds.sqlite3"
MAX_BACKOFF = 86400.0
ITEM_ATTEMPTS = 3  # an item whose page and text both failed is tried on this many polls
SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY,
    every REAL NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    added REAL NOT NULL,
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    last_poll REAL NOT NULL DEFAULT 0,
    last_ok REAL NOT NULL DEFAULT 0,
    next_poll REAL NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    new_items INTEGER NOT NULL DEFAULT 0,
    job TEXT NOT NULL DEFAULT '',
    job_at REAL NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS items (
    feed TEXT NOT NULL,
    url TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    article_id TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    seen REAL NOT NULL,
    PRIMARY KEY (feed, url));
"""


@dataclass
class Feed:
    url: str
    every: float  # seconds between polls
    title: str = ""
    added: float = 0.0
    etag: str = ""
    last_modified: str = ""
    last_poll: float = 0.0
    last_ok: float = 0.0
    next_poll: float = 0.0
    failures: int = 0  # in a row
    last_error: str = ""
    new_items: int = 0  # new or changed articles at the last successful poll
    job: str = ""  # the poll job in flight
    job_at: float = 0.0
    items: int = 0  # items seen so far

    def to_json(self) -> dict:
        out = asdict(self)
        for key in ("etag", "last_modified", "job_at"):
            out.pop(key)
        return out


@dataclass
class SeenItem:
    fingerprint: str
    article_id: str
    attempts: int


class FeedRegistry:
    def __init__(self, data_dir: str | Path):
        self.path = Path(data_dir) / FILE_NAME
        self._ready = False

    def _db(self) -> SQLite:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with SQLite(self.path) as db:
                db.executescript(SCHEMA)
            self._ready = True
        return SQLite(self.path)

    def add(self, url: str, every: float, title: str = "") -> Feed:
        """Register a feed (due at once), or change the interval of a registered one."""
        now = time.time()
        with self._db() as db:
            db.execute("INSERT INTO feeds (url, every, title, added, next_poll) VALUES "
                       "(?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET every = excluded.every",
                       (url, every, title, now, now))
        return self.get(url)

    def remove(self, url: str) -> bool:
        with self._db() as db:
            gone = db.execute("DELETE FROM feeds WHERE url = ?", (url,)).rowcount
            db.execute("DELETE FROM items WHERE feed = ?", (url,))
        return bool(gone)

    def get(self, url: str) -> Feed | None:
        found = self._select("WHERE f.url = ?", (url,))
        return found[0] if found else None

    def list(self) -> list[Feed]:
        return self._select("ORDER BY f.added", ())

    def _select(self, tail: str, args: tuple) -> list[Feed]:
        with self._db() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(
                "SELECT f.*, (SELECT COUNT(*) FROM items i WHERE i.feed = f.url AND "
                f"i.article_id != '') AS items FROM feeds f {tail}", args).fetchall()
        return [Feed(**dict(r)) for r in rows]

    def seen(self, url: str) -> dict[str, SeenItem]:
        with self._db() as db:
            rows = db.execute("SELECT url, fingerprint, article_id, attempts FROM items "
                              "WHERE feed = ?", (url,)).fetchall()
        return {u: SeenItem(f, a, n) for u, f, a, n in rows}

    # -- the scheduler's and the poll's bookkeeping ----------------------------------------

    def claim(self, url: str, job_id: str, expect: str = "") -> bool:
        """Mark the feed's poll as in flight (job_id), if its job is still `expect`: of two
        schedulers sharing the registry, one claims a due feed."""
        with self._db() as db:
            return db.execute("UPDATE feeds SET job = ?, job_at = ? WHERE url = ? AND job = ?",
                              (job_id, time.time(), url, expect)).rowcount == 1

    def release(self, url: str, job_id: str) -> None:
        """The poll job ended without recording (it failed or was cancelled): due again
        after the backoff, as a failed poll."""
        feed = self.get(url)
        if feed is None or feed.job != job_id:
            return
        self.record_failure(url, "the poll job did not finish")

    def record_items(self, url: str, items: list[tuple[str, str, str]]) -> None:
        """(item url, fingerprint, article id or "" when it could not be had)."""
        now = time.time()
        with self._db() as db:
            for item_url, fingerprint, article_id in items:
                db.execute(
                    "INSERT INTO items (feed, url, fingerprint, article_id, attempts, seen) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(feed, url) DO UPDATE SET "
                    "attempts = CASE WHEN excluded.article_id = '' AND "
                    "items.fingerprint = excluded.fingerprint THEN items.attempts + 1 ELSE "
                    "excluded.attempts END, fingerprint = excluded.fingerprint, "
                    "article_id = excluded.article_id, seen = excluded.seen",
                    (url, item_url, fingerprint, article_id, 0 if article_id else 1, now))

    def record_success(self, url: str, new_items: int, etag: str = "",
                       last_modified: str = "", title: str = "") -> None:
        now = time.time()
        with self._db() as db:
            db.execute("UPDATE feeds SET last_poll = ?, last_ok = ?, failures = 0, "
                       "last_error = '', new_items = ?, etag = ?, last_modified = ?, "
                       "title = CASE WHEN ? != '' THEN ? ELSE title END, job = '', "
                       "next_poll = ? + every WHERE url = ?",
                       (now, now, new_items, etag, last_modified, title, title, now, url))

    def record_failure(self, url: str, error: str) -> None:
        now = time.time()
        with self._db() as db:
            row = db.execute("SELECT every, failures FROM feeds WHERE url = ?",
                             (url,)).fetchone()
            if row is None:
                return
            every, failures = row
            wait = min(every * 2 ** (failures + 1), max(MAX_BACKOFF, every))
            db.execute("UPDATE feeds SET last_poll = ?, failures = failures + 1, "
                       "last_error = ?, job = '', next_poll = ? WHERE url = ?",
                       (now, error[:500], now + wait, url))

    def due(self, now: float | None = None) -> list[Feed]:
        now = time.time() if now is None else now
        return [f for f in self.list() if not f.job and f.next_poll <= now]

    def in_flight(self) -> list[Feed]:
        return [f for f in self.list() if f.job]


class FeedScheduler:
    """A thread that submits a poll job for every due feed (the server runs one)."""

    def __init__(self, registry: FeedRegistry, submit: Callable[[str, dict], Job],
                 get_job: Callable[[str], Job | None], tick: float = 15.0):
        self.registry = registry
        self.submit = submit
        self.get_job = get_job
        self.tick = tick
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> list[str]:
        """Submit the polls that are due; release feeds whose poll job ended unrecorded.
        Returns the urls submitted."""
        for feed in self.registry.in_flight():
            if feed.job.startswith("claimed:"):  # a scheduler between claim and submit
                if time.time() - feed.job_at > 60:  # … that died there
                    self.registry.claim(feed.url, "", expect=feed.job)
                continue
            job = self.get_job(feed.job)
            if job is None or job.final:
                self.registry.release(feed.url, feed.job)
        submitted = []
        for feed in self.registry.due():
            token = f"claimed:{uuid.uuid4().hex}"
            if not self.registry.claim(feed.url, token):
                continue  # another scheduler took it
            try:
                job = self.submit("poll_feed", {"url": feed.url})
            except Exception:
                self.registry.claim(feed.url, "", expect=token)
                raise
            self.registry.claim(feed.url, job.id, expect=token)
            submitted.append(feed.url)
        return submitted

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception as e:  # noqa: BLE001 - a queue hiccup: try at the next tick
                log.warning("feed scheduler: %s", e)
            self._stop.wait(self.tick)

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="feed-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
