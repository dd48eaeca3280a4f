"""Generated town-news articles, for tests that need many small articles with quotes (the
kill -9 ingest test, the store-fault tests): each has a direct quotation by the mayor, a
reported statement by a councillor, and `sentences` varied body sentences."""

from __future__ import annotations

import json
from pathlib import Path

WORDS = ("harbour council budget storm ferry school bridge market festival river museum "
         "railway clinic library stadium").split()


def write_town(path: Path, n: int, sentences: int, prefix: str = "town") -> Path:
    """n articles as JSON lines at path (ids f"{prefix}-000" …); 2 quotes each."""
    rows = []
    for i in range(n):
        body = " ".join(f"The {WORDS[(i + j) % len(WORDS)]} plan {i}-{j} was debated again."
                        for j in range(sentences))
        rows.append({"id": f"{prefix}-{i:03d}", "title": f"Town story {i}",
                     "published": f"2024-03-{1 + i % 28:02d}",
                     "text": f"Town story {i} begins. \u201cPlan {i} is on time,\u201d the mayor "
                             f"said. Councillor Ruth Ode said plan {i} was late.\n\n{body}"})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path
