"""One writer per embedded index, enforced by the operating system.

Chroma's embedded store belongs to one process: a second process writing to the same folder
leaves the first answering "Error finding id" until it restarts. So the process that writes
to an embedded index holds an exclusive `flock` on `<index>/.writer.lock` (the kernel drops
it when the process ends, kill -9 included: no stale lock survives its owner), and a process
that only reads holds a shared one. The holder describes itself in `<index>/.writer.json`,
readable by its owner only (mode 0600): pid, what it is, and for a server its loopback URL
and the token with which the CLI hands its work over (assistant/remote.py).

A Chroma server (ASSISTANT_CHROMA_HOST) takes any number of writers: no lock there.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .config import Settings
from .errors import StoreError

LOCK_NAME = ".writer.lock"
INFO_NAME = ".writer.json"


@dataclass
class Holder:
    """Who holds an index: a server (with the URL and token to reach it) or a CLI command."""

    pid: int
    kind: str  # "server" | "cli"
    command: str = ""
    url: str = ""
    token: str = ""
    since: float = 0.0

    def describe(self) -> str:
        what = f"the server at {self.url}" if self.kind == "server" and self.url else (
            f"`assistant {self.command}`" if self.command else "another process")
        return f"{what} (pid {self.pid})"


class IndexLock:
    def __init__(self, index_dir: Path):
        self.dir = Path(index_dir)
        self.path = self.dir / LOCK_NAME
        self.info_path = self.dir / INFO_NAME
        self._fd: int | None = None
        self.exclusive = False

    def _open(self) -> int:
        if self._fd is None:
            self.dir.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        return self._fd

    def try_acquire(self, exclusive: bool = True) -> bool:
        """Take the lock now, or return False when another process holds it."""
        fd = self._open()
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self.exclusive = exclusive
        return True

    def acquire(self, exclusive: bool = True) -> None:
        """Take the lock, waiting for its holder to let go."""
        fcntl.flock(self._open(), fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        self.exclusive = exclusive

    def announce(self, holder: Holder) -> None:
        """Say who holds the (exclusive) lock, for the processes that find it taken."""
        holder.since = holder.since or time.time()
        tmp = self.info_path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(asdict(holder), f)
        os.replace(tmp, self.info_path)

    def holder(self) -> Holder | None:
        """The process that holds the index now, as it described itself (None when it is
        gone, said nothing, or its description is another user's to read)."""
        try:
            data = json.loads(self.info_path.read_text())
            found = Holder(**{k: data[k] for k in Holder.__dataclass_fields__ if k in data})
        except (OSError, ValueError, TypeError):
            return None
        return found if _alive(found.pid) else None

    def release(self) -> None:
        if self._fd is None:
            return
        if self.exclusive:
            try:
                mine = json.loads(self.info_path.read_text()).get("pid") == os.getpid()
            except (OSError, ValueError):
                mine = False
            if mine:
                self.info_path.unlink(missing_ok=True)
        os.close(self._fd)  # closing the descriptor drops the flock
        self._fd = None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def new_token() -> str:
    return secrets.token_urlsafe(32)


def lock_for_server(settings: Settings, url: str, token: str) -> IndexLock | None:
    """The exclusive lock a server holds for its whole life (None: a Chroma server needs
    none). StoreError when another server already serves this index; an `assistant ingest`
    running now is waited for."""
    if settings.chroma_host:
        return None
    lock = IndexLock(settings.index_dir)
    if not lock.try_acquire():
        holder = lock.holder()
        if holder is not None and holder.kind == "server":
            raise StoreError(f"the index at {settings.index_dir} is already served by "
                             f"{holder.describe()}: stop it first, or serve another index "
                             f"(ASSISTANT_INDEX_DIR)")
        print(f"waiting for {holder.describe() if holder else 'another process'} to finish "
              f"with {settings.index_dir} …", flush=True)
        lock.acquire()
    lock.announce(Holder(pid=os.getpid(), kind="server", url=url, token=token))
    return lock
