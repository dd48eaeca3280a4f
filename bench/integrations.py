"""What the OpenAI-compatible endpoint costs over the REST API, side by side.

    .venv/bin/python bench/integrations.py [--articles 200] [--questions 40]

A real `assistant serve` over the first N RealTimeQA articles (plus the seed), then each dev
question asked through POST /api/ask and POST /v1/chat/completions (the openai SDK, non-streamed
and streamed), alternating, after one untimed warm-up pass. Extractive answers (no LLM).
Skips cleanly when ../shared/data is absent.
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
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "realtimeqa"

from bench.ingest import take  # noqa: E402
from bench.writes import cli, serve, stop  # noqa: E402


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(p / 100 * len(xs) + 0.5)) - 1))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--questions", type=int, default=40)
    args = ap.parse_args()
    if not (DATA / "articles.jsonl").exists():
        print(f"skip: {DATA} not found")
        return 0
    import openai

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
          f"{platform.python_version()}, load average {os.getloadavg()[0]:.2f}", flush=True)
    questions = [json.loads(line)["question"] for line in
                 (DATA / "questions_dev.jsonl").open()][:args.questions]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        index = tmp / "index"
        cli("ingest", str(ROOT / "seeds"), str(take(args.articles, dest=tmp / "a.jsonl")),
            "--index", str(index), "--quiet", env={"ASSISTANT_DATA_DIR": str(tmp / "data")})
        base, proc = serve(index, tmp / "data")
        client = openai.OpenAI(base_url=base + "/v1", api_key="unused", max_retries=0)

        def rest(q: str) -> None:
            req = urllib.request.Request(base + "/api/ask", json.dumps({"question": q}).encode(),
                                         {"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=120) as r:
                assert json.loads(r.read())["answer"]

        def v1(q: str) -> None:
            m = client.chat.completions.create(model="article-assistant",
                                               messages=[{"role": "user", "content": q}])
            assert m.choices[0].message.content

        def v1_stream(q: str) -> None:
            chunks = list(client.chat.completions.create(
                model="article-assistant", stream=True,
                messages=[{"role": "user", "content": q}]))
            assert chunks[-1].choices[0].finish_reason == "stop"

        systems = {"POST /api/ask": rest, "POST /v1/chat/completions": v1,
                   "POST /v1/chat/completions, stream": v1_stream}
        times: dict[str, list[float]] = {name: [] for name in systems}
        try:
            for q in questions:  # warm: every question's sentences embedded once
                rest(q)
            for q in questions:
                for name, call in systems.items():
                    t = time.perf_counter()
                    call(q)
                    times[name].append(time.perf_counter() - t)
        finally:
            stop(proc)
    ref = statistics.median(times["POST /api/ask"])
    print(f"\n{args.articles + 1} articles, {len(questions)} questions, warm, extractive\n")
    print("| endpoint | p50 ms | p95 ms | p50 vs /api/ask |")
    print("|---|---|---|---|")
    for name, xs in times.items():
        print(f"| {name} | {statistics.median(xs) * 1000:.0f} | {percentile(xs, 95) * 1000:.0f} "
              f"| {statistics.median(xs) / ref:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
