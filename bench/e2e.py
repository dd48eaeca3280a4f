"""Issue 2 figures: ingest time of the seed and of N realtimeqa articles, warm `ask` latency.

    .venv/bin/python bench/e2e.py [--articles 500] [--asks 20]

Reads ../shared/data (skips cleanly when absent); builds throwaway indexes in a temp folder.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "realtimeqa"

from assistant.config import get_settings  # noqa: E402
from assistant.core import Assistant  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=500)
    ap.add_argument("--asks", type=int, default=20)
    args = ap.parse_args()
    src = DATA / "articles.jsonl"
    if not src.exists():
        print(f"skip: {src} not found")
        return 0
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        a = Assistant(get_settings(index_dir=tmp / "seed"))
        a.embedder  # model load is not ingest time
        t = time.perf_counter()
        r = a.ingest([ROOT / "seeds"], progress=False)
        print(f"seed ingest: {time.perf_counter() - t:.2f} s ({r.chunks} chunks)")

        subset = tmp / "subset.jsonl"
        with src.open() as f, subset.open("w") as out:
            for _, line in zip(range(args.articles), f):
                out.write(line)
        b = Assistant(get_settings(index_dir=tmp / "big"))
        r = b.ingest([subset], progress=True)
        print(f"{args.articles} articles ingest: {r.seconds:.1f} s, {r.chunks} chunks, "
              f"{args.articles / r.seconds:.1f} articles/s, {r.chunks / r.seconds:.1f} chunks/s")

        questions = [json.loads(l)["question"] for l in (DATA / "questions_dev.jsonl").open()]
        b.ask(questions[0])  # warm
        times = []
        for q in questions[1:args.asks + 1]:
            t = time.perf_counter()
            b.ask(q)
            times.append(time.perf_counter() - t)
        times.sort()
        print(f"warm ask over {args.articles} articles: median {statistics.median(times)*1000:.0f} ms, "
              f"p95 {times[int(len(times) * 0.95) - 1]*1000:.0f} ms (n={len(times)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
