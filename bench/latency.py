"""Warm latency of offline answers, side by side: this tree against other checkouts.

    .venv/bin/python bench/latency.py --index bench/.cache/sv-int8 [--tree /tmp/oldwt] [--rounds 3]

Each round runs every tree once, in turn, in its own process (that tree's `assistant`
package): the assistant is opened on a private copy-free data dir, warmed on ten questions,
then asks all 175 RealTimeQA dev questions on their dates; p50 and p95 per run. Rounds
alternate the trees so that a noisy spell hits them alike; the table gives the median of the
rounds' figures and the ratio to the first tree given with --tree (the baseline). A tree is
any source checkout (`git worktree add /tmp/oldwt <commit>`); the index must be readable by
every tree compared. Check the load average first: the figures mean something only side by
side on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT.parent / "shared" / "data" / "realtimeqa" / "questions_dev.jsonl"


def worker(tree: Path, index: Path) -> dict:
    import time

    sys.path.insert(0, str(tree))
    from assistant.config import get_settings
    from assistant.core import Assistant

    qs = [json.loads(line) for line in QUESTIONS.open(encoding="utf-8") if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        a = Assistant(get_settings(index_dir=index, data_dir=Path(tmp), chroma_host="",
                                   collection="articles"))
        for q in qs[:10]:
            a.ask(q["question"], as_of=q["date"])
        times = []
        for q in qs:
            t = time.perf_counter()
            a.ask(q["question"], as_of=q["date"])
            times.append(time.perf_counter() - t)
    times.sort()
    return {"p50": times[len(times) // 2] * 1000, "p95": times[int(len(times) * 0.95)] * 1000}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--tree", type=Path, action="append", default=[],
                    help="another source checkout to compare (repeatable; the first is the "
                         "baseline of the ratios)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.index.resolve())))
        return 0
    if not QUESTIONS.exists():
        print("skip: ../shared/data not found")
        return 0
    trees = [t.resolve() for t in args.tree] + [ROOT]
    runs: dict[Path, list[dict]] = {t: [] for t in trees}
    print(f"load average {os.getloadavg()}", file=sys.stderr)
    for r in range(args.rounds):
        for t in trees:
            out = subprocess.run([sys.executable, __file__, "--index", str(args.index),
                                  "--worker", str(t)], capture_output=True, text=True,
                                 check=True, env=os.environ | {"TQDM_DISABLE": "1"})
            runs[t].append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(f"round {r + 1} {t}: {runs[t][-1]}", file=sys.stderr)
    print(f"load average {os.getloadavg()}", file=sys.stderr)
    base = {k: statistics.median(x[k] for x in runs[trees[0]]) for k in ("p50", "p95")}
    print("| tree | p50 | p95 | p95 / baseline |\n|---|---|---|---|")
    for t in trees:
        med = {k: statistics.median(x[k] for x in runs[t]) for k in ("p50", "p95")}
        print(f"| {t} | {med['p50']:.1f} ms | {med['p95']:.1f} ms | "
              f"{med['p95'] / base['p95']:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
