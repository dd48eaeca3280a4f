"""Calibrate ASSISTANT_MIN_SCORE: the cosine score under which retrieval counts as noise.

    .venv/bin/python bench/threshold.py

RGB (../shared/data/rgb/en_fact.json) gives, per question, passages that answer it
("positive") and on-topic passages that do not ("negative"). For each question we take the
best score among its positive passages (covered) and the best score among other questions'
passages (not covered), and report how well each threshold separates the two.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RGB = ROOT.parent / "shared" / "data" / "rgb" / "en_fact.json"

from assistant.embed import get_embedder  # noqa: E402


def main() -> int:
    if not RGB.exists():
        print(f"skip: {RGB} not found")
        return 0
    rows = [json.loads(l) for l in RGB.open()]
    e = get_embedder()
    q = e.embed([r["query"] for r in rows])
    pos = [e.embed(r["positive"]) for r in rows]
    rng = random.Random(0)
    pool_ix = [(i, p) for i, r in enumerate(rows) for p in r["negative"][:3]]
    pool = e.embed([p for _, p in pool_ix])
    owner = np.array([i for i, _ in pool_ix])
    covered = np.array([float((pos[i] @ q[i]).max()) for i in range(len(rows))])
    # not covered: the best passage among ~20 random other questions' passages
    uncovered = []
    for i in range(len(rows)):
        others = [j for j in range(len(rows)) if j != i]
        pick = set(rng.sample(others, 20))
        mask = np.array([o in pick for o in owner])
        uncovered.append(float((pool[mask] @ q[i]).max()))
    uncovered = np.array(uncovered)
    print(f"covered   best-score quartiles: {np.percentile(covered, [5, 25, 50, 75]).round(3)}")
    print(f"uncovered best-score quartiles: {np.percentile(uncovered, [50, 75, 95, 99]).round(3)}")
    print("threshold  covered-kept  uncovered-rejected  accuracy")
    for t in np.arange(0.20, 0.56, 0.05):
        kept = (covered >= t).mean()
        rejected = (uncovered < t).mean()
        print(f"  {t:.2f}      {kept:.2f}          {rejected:.2f}            {(kept + rejected) / 2:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
