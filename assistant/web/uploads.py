"""Admin uploads: files saved safely under `<data_dir>/uploads`, then indexed by a job.

Names are reduced to a plain basename of [A-Za-z0-9._-] (no directories, no leading dots),
each upload gets its own fresh folder, and every path is checked to stay inside it: a name
like "../../etc/passwd" or "..\\evil.txt" cannot write anywhere else. Type, size and count
limits give a per-file message; the saved copies are removed once indexed (Chroma holds the
text).
"""

from __future__ import annotations

import os
import re
import shutil
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import BinaryIO

from ..ingest.loaders import SUPPORTED
from ..jobs import JobQueue
from ..types import Job

CHUNK = 1 << 20
MB = 1024 * 1024


@dataclass
class FileResult:
    name: str  # the name as uploaded (basename), for display
    saved_as: str  # the sanitised name it was saved under ("" when refused)
    status: str  # indexed | partly indexed | failed | refused
    messages: list[str] = field(default_factory=list)
    articles: int = 0  # articles found in this file (added, updated or unchanged)

    @property
    def ok(self) -> bool:
        return self.status == "indexed"


@dataclass
class UploadReport:
    files: list[FileResult]
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    summary: str = ""

    def to_json(self) -> dict:
        return {"files": [asdict(f) for f in self.files], "added": self.added,
                "updated": self.updated, "unchanged": self.unchanged, "summary": self.summary}

    @classmethod
    def from_json(cls, data: dict) -> "UploadReport":
        return cls(files=[FileResult(**f) for f in data.get("files", [])],
                   added=list(data.get("added", [])), updated=list(data.get("updated", [])),
                   unchanged=list(data.get("unchanged", [])), summary=data.get("summary", ""))


def display_name(name: str) -> str:
    """The last path component, as the user would recognise it (shown escaped)."""
    base = (name or "").replace("\\", "/").rstrip("/").split("/")[-1]
    return base[:200] or "(no name)"


def safe_name(name: str) -> str:
    """A harmless file name: basename only, [A-Za-z0-9._-], no leading dot, ≤ 100 chars."""
    base = unicodedata.normalize("NFKC", name or "").replace("\\", "/").split("/")[-1]
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._-")
    stem, ext = os.path.splitext(base)
    stem = stem.strip("._-")[:80] or "upload"
    ext = ext.lower() if re.fullmatch(r"\.[a-z0-9]{1,10}", ext.lower()) else ""
    return stem + ext


class Uploads:
    def __init__(self, assistant, jobs: JobQueue, data_dir: Path, max_mb: float,
                 max_files: int):
        self.assistant = assistant
        self.jobs = jobs
        self.root = Path(data_dir) / "uploads"
        self.max_bytes = int(max_mb * MB)
        self.max_mb = max_mb
        self.max_files = max_files

    def limits_text(self) -> str:
        return (f"{', '.join(SUPPORTED)} · up to {self.max_files} files of "
                f"{self.max_mb:g} MB each")

    def _save(self, folder: Path, name: str, data: BinaryIO | Path) -> tuple[Path | None, str]:
        """(path, "") when saved, else (None, why)."""
        safe = safe_name(name)
        ext = os.path.splitext(safe)[1]
        if ext not in SUPPORTED:
            what = f"type {ext}" if ext else "file type (no extension)"
            return None, f"unsupported {what}: use {', '.join(SUPPORTED)}"
        stem, n = safe[: -len(ext)], 1
        target = folder / safe
        while target.exists():
            n += 1
            target = folder / f"{stem}-{n}{ext}"
        # Belt and braces: the sanitised name cannot leave the folder, and we check it.
        if target.resolve().parent != folder.resolve():
            return None, "refused file name"
        size = 0
        src = open(data, "rb") if isinstance(data, (str, Path)) else data
        try:
            with open(target, "xb") as out:
                while True:
                    block = src.read(CHUNK)
                    if not block:
                        break
                    size += len(block)
                    if size > self.max_bytes:
                        break
                    out.write(block)
        finally:
            if isinstance(data, (str, Path)):
                src.close()
        if size > self.max_bytes:
            target.unlink(missing_ok=True)
            return None, f"too large: more than {self.max_mb:g} MB"
        return target, ""

    def submit(self, items: Iterable[tuple[str, BinaryIO | Path]]) -> Job:
        """items: (name as uploaded, stream or path). Saves them now (refusing what breaks
        the limits) and queues their indexing: the job's result is the UploadReport."""
        folder = self.root / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
        folder.mkdir(parents=True, exist_ok=False)
        results: list[FileResult] = []
        try:
            for i, (name, data) in enumerate(items):
                shown = display_name(name)
                if i >= self.max_files:
                    results.append(FileResult(shown, "", "refused", [
                        f"not indexed: at most {self.max_files} files per upload"]))
                    continue
                path, why = self._save(folder, name, data)
                results.append(FileResult(shown, "", "refused", [why]) if path is None
                               else FileResult(shown, path.name, "indexed"))
            return self.jobs.submit("upload", {"folder": str(folder),
                                               "files": [asdict(r) for r in results]})
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

    def run(self, job: Job, progress: Callable[[int, int], None]) -> dict:
        """The worker's half: index the saved files, report per file, remove the copies."""
        folder = Path(job.args["folder"])
        results = [FileResult(**r) for r in job.args["files"]]
        saved = [(r, folder / r.saved_as) for r in results if r.saved_as]
        report = UploadReport(results)
        try:
            if not saved:
                report.summary = "Nothing indexed."
                return report.to_json()
            ingested = self.assistant.ingest([p for _, p in saved], progress=False,
                                             on_progress=progress)
            self._attribute(saved, ingested)
            report.added, report.updated = list(ingested.added), list(ingested.updated)
            report.unchanged = list(ingested.unchanged)
            report.summary = ingested.summary()
            return report.to_json()
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _attribute(self, saved: list[tuple[FileResult, Path]], ingested) -> None:
        """Per-file messages and article counts from the ingest report."""
        by_path = {str(p): r for r, p in saved}

        def owner(where: str) -> FileResult | None:
            for path, r in by_path.items():
                if where == path or where.startswith(path + ":"):
                    return r
            return None

        for where, reason in ingested.errors:
            r = owner(str(where))
            if r is not None:
                path = next(p for p, x in by_path.items() if x is r)
                line = str(where)[len(path):].lstrip(":")
                reason = str(reason).replace(path, r.name)  # never show server paths
                r.messages.append(f"line {line}: {reason}" if line.isdigit() else reason)
        changed = list(ingested.added) + list(ingested.updated) + list(ingested.unchanged)
        store = getattr(self.assistant, "store", None)
        if changed and store is not None and hasattr(store, "article_info"):
            for info in store.article_info(changed).values():
                r = owner(str(getattr(info, "source", "")))
                if r is not None:
                    r.articles += 1
        for r, _ in saved:
            if r.messages:
                r.status = "partly indexed" if r.articles else "failed"

