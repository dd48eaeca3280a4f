"""Issue 5 figures: does retrieval find the right article? Keyword only vs vector only vs ours.

    .venv/bin/python bench/retrieval.py [--questions N] [--set keyword=0.5 ...] [--json OUT]

On ../shared/data/realtimeqa (articles_1k.jsonl: every article the dev questions need plus
the search engine's other, on-topic results; questions_dev.jsonl: 175 questions with
relevant_ids), over the same chunks of one index built once by the project's ingest and
cached in bench/.cache/ (bench/common.py). Article level: a question scores hit@k when a
relevant article is among the first k distinct articles of the ranked passages; MRR@10 is
1/rank of the first relevant article within the first 10 (0 beyond).

Systems:
- keyword: bm25s over the chunks (assistant/keyword.py, title + text, stemmed), chunk order;
- vector: the plain Chroma nearest-neighbour search with the same embedder (Store.query);
- ours: Retriever.search, with each question's date as as_of (one article per wire story:
  a relevant article's republished twin may stand for it); "ours, story level" counts an
  article of a relevant article's story as a hit (docs/retrieval.md#wire-copies);
- ours, no date: the same without as_of (what time-awareness adds).
Latency: warm (one untimed pass over a few questions first), per query, including the
question's embedding where the system needs one; no LLM anywhere. Skips cleanly when the
data is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (DATA, RTQA_QUESTIONS, bench_settings, cached_index,  # noqa: E402
                          rtqa_questions)

RTQA = DATA / "realtimeqa"


def distinct(article_ids) -> list[str]:
    return list(dict.fromkeys(article_ids))


def metrics(ranked: list[list[str]], relevant: list[set[str]]) -> dict[str, float]:
    out = {"hit@1": 0.0, "hit@5": 0.0, "hit@10": 0.0, "mrr@10": 0.0}
    for arts, rel in zip(ranked, relevant):
        first = next((r for r, a in enumerate(arts[:10], 1) if a in rel), None)
        for k in (1, 5, 10):
            out[f"hit@{k}"] += first is not None and first <= k
        out["mrr@10"] += 1.0 / first if first else 0.0
    return {m: v / max(1, len(ranked)) for m, v in out.items()}


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(p / 100 * len(xs) + 0.5)) - 1))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", default=str(RTQA / "articles_1k.jsonl"))
    ap.add_argument("--questions", type=int, default=0, help="first N questions (0 = all)")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="override a fusion weight (assistant.retrieve.Weights)")
    ap.add_argument("--json", help="write the figures here as JSON")
    ap.add_argument("--index", type=Path, help="an index of --articles already built "
                                               "(default: the cached one, built on first use)")
    ap.add_argument("--misses", action="store_true", help="print the questions ours misses@1")
    args = ap.parse_args()
    articles, qfile = Path(args.articles), RTQA_QUESTIONS
    if not articles.exists() or not qfile.exists():
        print(f"skip: {articles} or {qfile} not found")
        return 0

    from assistant.core import Assistant
    from assistant.keyword import parse_chunk_id
    from assistant.retrieve import Retriever, Weights

    questions = rtqa_questions(args.questions)
    relevant = [set(q["relevant_ids"]) for q in questions]

    index_dir = args.index or cached_index(articles)
    assistant = Assistant(bench_settings(index_dir))
    weights = Weights()
    for item in args.set:
        name, _, value = item.partition("=")
        setattr(weights, name, type(getattr(weights, name))(float(value)))
    retriever = Retriever(assistant.store, assistant.embedder, weights)
    t = time.perf_counter()
    retriever.refresh(force=False)
    load_s = time.perf_counter() - t
    stats = assistant.store.stats()
    story = {i.id: i.story for i in assistant.articles()}  # wire copies (assistant/stories.py)

    def keyword(q):
        return distinct(parse_chunk_id(cid)[0]
                        for cid, _ in retriever.search_keyword(q["question"], 200))

    def vector(q):
        return distinct(h.article_id for h in retriever.search_vector(q["question"], 60))

    def ours(q):
        return distinct(h.article_id for h in retriever.search(q["question"], 20,
                                                               as_of=q["date"]))

    def ours_nodate(q):
        return distinct(h.article_id for h in retriever.search(q["question"], 20))

    systems = {"keyword only (bm25s)": keyword, "vector only (Chroma)": vector,
               "ours (hybrid, as-of)": ours, "ours without as-of": ours_nodate}
    rows = {}
    for name, fn in systems.items():
        for q in questions[:5]:  # warm-up: caches, first-call costs
            fn(q)
        ranked, times = [], []
        for q in questions:
            t = time.perf_counter()
            ranked.append(fn(q))
            times.append(time.perf_counter() - t)
        m = metrics(ranked, relevant)
        m["p50_ms"] = statistics.median(times) * 1000
        m["p95_ms"] = percentile(times, 95) * 1000
        rows[name] = m
        if fn is ours:  # a wire copy of a relevant article is the same text to a reader
            sm = metrics([distinct(story.get(a, a) for a in arts) for arts in ranked],
                         [{story.get(r, r) for r in rel} for rel in relevant])
            sm["p50_ms"], sm["p95_ms"] = m["p50_ms"], m["p95_ms"]
            rows["ours, story level (a copy of a relevant article counts)"] = sm
        if args.misses and fn is ours:
            for q, arts, rel in zip(questions, ranked, relevant):
                if not arts or arts[0] not in rel:
                    r = next((i for i, a in enumerate(arts, 1) if a in rel), None)
                    print(f"miss@1 {q['id']} {q['date']} rank={r}: {q['question'][:90]}")

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}; index: {stats['articles']} articles, "
          f"{stats['chunks']} chunks ({index_dir.name}); keyword index ready in {load_s:.2f} s")
    print(f"questions: {len(questions)} (realtimeqa dev); weights: {weights}")
    print()
    print("| system | hit@1 | hit@5 | hit@10 | MRR@10 | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|---|")
    for name, m in rows.items():
        print(f"| {name} | {m['hit@1']:.3f} | {m['hit@5']:.3f} | {m['hit@10']:.3f} | "
              f"{m['mrr@10']:.3f} | {m['p50_ms']:.0f} | {m['p95_ms']:.0f} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"questions": len(questions), "rows": rows,
                                               "weights": weights.__dict__}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
