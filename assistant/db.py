"""SQLite files under the data dir (conversations, feedback)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path


class SQLite:
    """A connection that commits on success and always closes (sqlite3's own context
    manager commits but leaves the file open)."""

    def __init__(self, path: Path):
        self.db = sqlite3.connect(path, timeout=10)

    def __enter__(self) -> sqlite3.Connection:
        return self.db

    def __exit__(self, exc_type, *_) -> None:
        with closing(self.db):
            if exc_type is None:
                self.db.commit()
