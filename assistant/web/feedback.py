"""Thumbs up/down on answers, with an optional comment: `<data_dir>/feedback.sqlite3`.

Admins export it as CSV or JSON (GET /api/feedback.csv, GET /api/feedback).
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import time
from pathlib import Path

from ..db import SQLite

FILE_NAME = "feedback.sqlite3"
COLUMNS = ["id", "created", "user", "source", "vote", "comment", "question", "answer", "sources"]
MAX_TEXT = 20_000
MAX_COMMENT = 2_000
SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    user TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    vote INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL DEFAULT '',
    sources TEXT NOT NULL DEFAULT '[]');
"""


class FeedbackStore:
    """One connection per call: Gradio and FastAPI call from worker threads."""

    def __init__(self, data_dir: str | Path):
        self.path = Path(data_dir) / FILE_NAME
        self._ready = False

    def _db(self):
        if not self._ready:  # created on first use: no file until someone votes
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with SQLite(self.path) as db:
                db.executescript(SCHEMA)
            self._ready = True
        return SQLite(self.path)

    def add(self, vote: int, question: str, answer: str, *, sources: list[str] | None = None,
            comment: str = "", user: str = "", source: str = "") -> int:
        if vote not in (-1, 0, 1):
            raise ValueError("vote must be 1 (up), -1 (down) or 0 (withdrawn)")
        with self._db() as db:
            cur = db.execute(
                "INSERT INTO feedback (created, user, source, vote, comment, question, answer, "
                "sources) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (time.time(), user[:200], source[:50], vote, comment[:MAX_COMMENT],
                 question[:MAX_TEXT], answer[:MAX_TEXT], json.dumps(sources or [])))
            return int(cur.lastrowid)

    def update(self, feedback_id: int, *, user: str, vote: int | None = None,
               comment: str | None = None) -> bool:
        """Change one's own feedback (the vote, or add a comment)."""
        sets, args = [], []
        if vote is not None:
            sets.append("vote = ?")
            args.append(vote)
        if comment is not None:
            sets.append("comment = ?")
            args.append(comment[:MAX_COMMENT])
        if not sets:
            return False
        with self._db() as db:
            return db.execute(f"UPDATE feedback SET {', '.join(sets)} WHERE id = ? AND user = ?",
                              (*args, feedback_id, user)).rowcount > 0

    def rows(self) -> list[dict]:
        with self._db() as db:
            db.row_factory = sqlite3.Row
            out = [dict(r) for r in db.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback "
                                               "ORDER BY id")]
        for r in out:
            r["sources"] = json.loads(r["sources"] or "[]")
            r["created"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(r["created"]))
        return out

    def csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(COLUMNS)
        for r in self.rows():
            r["sources"] = " | ".join(r["sources"])
            # A cell starting with = + - @ is a formula to a spreadsheet: defuse it.
            w.writerow([_defuse(r[c]) for c in COLUMNS])
        return buf.getvalue()


def _defuse(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
