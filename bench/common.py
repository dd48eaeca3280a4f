"""Shared benchmark helpers: a built index, cached between runs.

    from bench.common import cached_index, bench_settings
    index_dir = cached_index(DATA / "articles_1k.jsonl")      # built once, then reused
    assistant = Assistant(bench_settings(index_dir))

Embedding 1,000 long articles takes ~10 minutes on 2 cores, so the index is built once with
the project's own ingest into `bench/.cache/<key>/` (git-ignored) and reused while nothing it
depends on changes. The key hashes the code that decides what is indexed
(ingest, embedder, store and quote extraction), the data file's bytes, the
article limit and the chunking/embedder settings; any change builds a fresh index beside the
old ones (delete bench/.cache/ to reclaim the space). A build that dies half-way is never
reused: an index counts only once its READY marker is written. Concurrent benchmarks wait
for one another's build instead of embedding twice (a lock file).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
DATA = ROOT.parent / "shared" / "data"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant.config import Settings, get_settings  # noqa: E402
from assistant.embed import file_sha256  # noqa: E402

# What decides the contents of an index (beyond the data and the settings below);
# assistant/quotes/answers.py reads the quote index at question time and decides nothing.
INDEX_CODE = ["assistant/ingest/*.py", "assistant/embed.py", "assistant/store.py",
              "assistant/text.py", "assistant/quotes/*.py", "assistant/stories.py",
              "assistant/vectors.py"]
ANSWER_TIME = {"assistant/quotes/answers.py"}


RTQA_QUESTIONS = DATA / "realtimeqa" / "questions_dev.jsonl"


def rtqa_questions(limit: int | None = None) -> list[dict]:
    """RealTimeQA's dev questions ({"id", "date", "question", "answer", "relevant_ids", …}),
    the first `limit` of them (all when 0 or None)."""
    with RTQA_QUESTIONS.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return rows[:limit or None]


def bench_settings(index_dir: Path, **overrides) -> Settings:
    """Settings for a benchmark index: always the embedded store, whatever the environment
    says (ASSISTANT_CHROMA_HOST would otherwise send a benchmark to some server)."""
    return get_settings(index_dir=Path(index_dir), chroma_host="", collection="articles",
                        **overrides)


def index_key(jsonl_path: Path, limit: int | None = None, settings: Settings | None = None) -> str:
    s = settings or bench_settings(CACHE / "probe")
    h = hashlib.sha256()
    for pattern in INDEX_CODE:
        for f in sorted(ROOT.glob(pattern)):
            if f.relative_to(ROOT).as_posix() in ANSWER_TIME:
                continue
            h.update(f.relative_to(ROOT).as_posix().encode() + b"\0")
            h.update(f.read_bytes())
    h.update(file_sha256(Path(jsonl_path)).encode())
    h.update(json.dumps([limit, s.chunk_tokens, s.chunk_overlap, s.embed_model_dir,
                         s.embed_fast]).encode())
    return f"{Path(jsonl_path).stem}-{limit or 'all'}-{h.hexdigest()[:12]}"


def cached_index(jsonl_path: str | Path, limit: int | None = None, progress: bool = True) -> Path:
    """The index folder of the first `limit` articles of a jsonl file, built on first use."""
    from assistant.core import Assistant

    jsonl_path = Path(jsonl_path)
    settings = bench_settings(CACHE / "probe")
    key = index_key(jsonl_path, limit, settings)
    target = CACHE / key
    ready = target / "READY"
    if ready.exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building it right now
        if ready.exists():
            return target
        if target.exists():  # a build that died half-way
            shutil.rmtree(target)
        source = jsonl_path
        if limit:
            source = CACHE / f"{key}.jsonl"
            with jsonl_path.open(encoding="utf-8") as f, source.open("w", encoding="utf-8") as out:
                for _, line in zip(range(limit), f):
                    out.write(line)
        print(f"building benchmark index {target} (once; reused while code and data match)",
              file=sys.stderr)
        t = time.perf_counter()
        report = Assistant(bench_settings(target)).ingest([source], progress=progress)
        if not report.ok:
            raise RuntimeError(f"benchmark ingest failed: {report.errors[:5]}")
        ready.write_text(json.dumps({"articles": len(report.added), "chunks": report.chunks,
                                     "seconds": round(time.perf_counter() - t, 1),
                                     "source": str(jsonl_path), "limit": limit}) + "\n")
        if source != jsonl_path:
            source.unlink()
    return target


if __name__ == "__main__":  # `python bench/common.py FILE.jsonl [LIMIT]`: prebuild an index
    print(cached_index(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else None))
