"""Issue 15 figures: wire copies found, distinct articles kept apart, search with and without
folding copies.

    .venv/bin/python bench/stories.py [--copies 50] [--pairs 200] [--seed 2026] [--show]

On ../shared/data/realtimeqa/articles_1k.jsonl. 50 near-copies of randomly chosen articles
(of at least 150 words) are planted, each edited the way outlets edit wire copy: a new
headline and byline, one or two paragraphs dropped, sentences swapped inside paragraphs,
the last paragraph cut. Then:

1. Recall: the share of copies put in their original's story (assistant/stories.py), with
   the 1,050 articles ingested in file order (originals first) and in a random order.
2. False merges: 200 random same-topic pairs of distinct original articles (each one's
   nearest articles by the index's article vectors, cosine >= 0.6), how many are merged;
   --show prints every merged pair (and every story of the originals with several members)
   to be read and judged by hand.
3. Search: on the RealTimeQA dev questions over an index of the 1,050 articles, the
   distinct stories among the top 5 passages and the story-level hit@5, folding copies
   (Weights.one_per_story=1, the default) and not.
4. Cost: signature + LSH lookup per article, against the whole ingest per article.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import CACHE, DATA, bench_settings, cached_index  # noqa: E402

RTQA = DATA / "realtimeqa"
OUTLETS = ["Harbour Herald", "Valley Times", "Metro Daily", "Coast Courier", "City Ledger"]


def near_copy(article: dict, n: int, rng: random.Random) -> dict:
    paras = [p for p in article["text"].split("\n\n") if p.strip()]
    if len(paras) > 4:  # drop one or two paragraphs (never the lead)
        for _ in range(rng.choice([1, 2])):
            del paras[rng.randrange(1, len(paras))]
    out = []
    for p in paras:
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z\"“])", p)
        if len(sentences) > 2 and rng.random() < 0.4:
            i = rng.randrange(len(sentences) - 1)
            sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
        out.append(" ".join(sentences))
    if len(out) > 3 and rng.random() < 0.5:  # cut the last paragraph
        out = out[:-1]
    outlet = OUTLETS[n % len(OUTLETS)]
    title = article.get("title") or ""
    return {"id": f"copy-{n:02d}-of-{article['id']}",
            "title": f"{outlet}: {title.split(' | ')[0].split(' - ')[0]}",
            "authors": [f"{outlet} staff"], "outlet": outlet,
            "published": article.get("published") or "",
            "text": f"By {outlet} staff\n\n" + "\n\n".join(out)}


def plant(articles: list[dict], copies: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    eligible = [a for a in articles if len(a["text"].split()) >= 150]
    return [near_copy(a, n, rng) for n, a in enumerate(rng.sample(eligible, copies))]


def assign_all(rows: list[dict]) -> tuple[dict[str, str], float]:
    """{id: story} with every row assigned in order, and the seconds per article."""
    from assistant.stories import StoryIndex
    from assistant.types import Article

    index = StoryIndex()
    t = time.perf_counter()
    stories = {r["id"]: index.assign(Article(id=r["id"], text=r["text"])).story for r in rows}
    return stories, (time.perf_counter() - t) / len(rows)


def recall(stories: dict[str, str], planted: list[dict]) -> float:
    hits = sum(stories[c["id"]] == stories[c["id"].split("-of-", 1)[1]] for c in planted)
    return hits / len(planted)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--copies", type=int, default=50)
    ap.add_argument("--pairs", type=int, default=200)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--show", action="store_true", help="print the merged pairs to judge")
    ap.add_argument("--no-search", action="store_true", help="skip the index (3.)")
    ap.add_argument("--index", type=Path, help="an index of the same 1,050 articles built "
                                               "before (default: built and cached)")
    args = ap.parse_args()
    source = RTQA / "articles_1k.jsonl"
    qfile = RTQA / "questions_dev.jsonl"
    if not source.exists():
        print(f"skip: {source} not found")
        return 0
    import numpy as np

    from assistant.stories import same_story, signature

    articles = [json.loads(line) for line in source.open(encoding="utf-8") if line.strip()]
    for a in articles:
        a["title"] = a.get("title") or ""
    planted = plant(articles, args.copies, args.seed)
    rows = articles + planted
    by_id = {r["id"]: r for r in rows}
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
          f"{platform.python_version()}; load average {os.getloadavg()[0]:.2f}")
    print(f"{len(articles)} articles + {len(planted)} planted near-copies (seed {args.seed})")

    # 1. recall, in file order and shuffled
    in_order, per_article = assign_all(rows)
    shuffled = rows[:]
    random.Random(args.seed + 1).shuffle(shuffled)
    any_order, _ = assign_all(shuffled)
    print(f"\n1. recall of planted copies: {recall(in_order, planted):.3f} (originals first), "
          f"{recall(any_order, planted):.3f} (random order)")
    missed = [c for c in planted if in_order[c["id"]] != in_order[c["id"].split("-of-", 1)[1]]]
    for c in missed:
        orig = by_id[c["id"].split("-of-", 1)[1]]
        j = signature(orig["text"]).jaccard(signature(c["text"]))
        print(f"   missed {c['id']}: jaccard {j:.2f}, {len(orig['text'].split())} words")

    natural: dict[str, list[str]] = {}
    for a in articles:
        natural.setdefault(in_order[a["id"]], []).append(a["id"])
    groups = [g for g in natural.values() if len(g) > 1]
    print(f"   stories of several articles among the {len(articles)} originals: {len(groups)} "
          f"({sum(len(g) for g in groups)} articles)")
    if args.show:
        for g in groups:
            print("   story: " + " || ".join(
                f"{i} {by_id[i]['title'][:50]!r} {by_id[i]['text'][:60]!r}" for i in g))

    # 2. false merges among same-topic pairs of distinct originals
    index_dir = (None if args.no_search else args.index
                 or cached_index(write_rows(rows, args.seed)))
    from assistant.core import Assistant

    vecs = {}
    if index_dir is not None:
        store = Assistant(bench_settings(index_dir)).store
        got = store.articles.get(ids=[a["id"] for a in articles], include=["embeddings"])
        vecs = {i: np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"],
                                                                   got["embeddings"])}
    else:  # the embedder alone, on title and lead
        from assistant.embed import get_embedder

        emb = get_embedder()
        matrix = emb.embed([(a["title"] + "\n" + a["text"][:1000]) for a in articles])
        vecs = {a["id"]: v for a, v in zip(articles, matrix)}
    ids = [a["id"] for a in articles if a["id"] in vecs]
    m = np.stack([vecs[i] for i in ids])
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    sims = m @ m.T
    np.fill_diagonal(sims, -1)
    candidates = set()
    for r in range(len(ids)):
        for c in np.argsort(-sims[r])[:3]:
            if sims[r, c] >= 0.6 and by_id[ids[r]]["text"] != by_id[ids[c]]["text"]:
                candidates.add(tuple(sorted((ids[r], ids[int(c)]))))
    pairs = random.Random(args.seed + 2).sample(sorted(candidates),
                                                min(args.pairs, len(candidates)))
    sigs = {i: signature(by_id[i]["text"]) for p in pairs for i in p}
    merged = [p for p in pairs if same_story(sigs[p[0]], sigs[p[1]])]
    print(f"\n2. same-topic pairs of distinct articles (cosine >= 0.6, texts not identical): "
          f"{len(pairs)} sampled of {len(candidates)}; merged: {len(merged)}")
    for p in merged:
        j = sigs[p[0]].jaccard(sigs[p[1]])
        print(f"   merged (jaccard {j:.2f}): {p[0]} {by_id[p[0]]['title'][:60]!r} | {p[1]} "
              f"{by_id[p[1]]['title'][:60]!r}")
        if args.show:
            for i in p:
                print(f"      {i}: {by_id[i]['text'][:300]!r}")

    # 3. search with and without folding
    if index_dir is not None and qfile.exists():
        search_figures(index_dir, qfile)

    # 4. cost
    ready = json.loads((index_dir / "READY").read_text()) if index_dir else None
    print(f"\n4. story detection: {per_article * 1000:.2f} ms per article (signature + LSH "
          f"lookup, {len(rows)} articles in one process)")
    if ready:
        whole = ready["seconds"] / ready["articles"]
        print(f"   whole ingest of the same index: {whole * 1000:.0f} ms per article "
              f"({ready['seconds']} s for {ready['articles']}): detection is "
              f"{per_article / whole * 100:.2f}% of it")
        store = Assistant(bench_settings(index_dir)).store
        from assistant.stories import StoryIndex

        loads = []
        for _ in range(3):
            t = time.perf_counter()
            StoryIndex(store)
            loads.append(time.perf_counter() - t)
        print(f"   loading the story index from the {ready['articles']} article records "
              f"(once per ingest run; datasketch already imported): "
              f"{min(loads) * 1000:.0f} ms (best of 3)")
    return 0


def write_rows(rows: list[dict], seed: int) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"rtqa-1k-with-copies-{seed}.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def search_figures(index_dir: Path, qfile: Path) -> None:
    from assistant.core import Assistant
    from assistant.retrieve import Retriever, Weights

    assistant = Assistant(bench_settings(index_dir))
    story = {i.id: i.story for i in assistant.articles()}
    questions = [json.loads(line) for line in qfile.open(encoding="utf-8") if line.strip()]
    print(f"\n3. search, {len(questions)} RealTimeQA dev questions, top 5 passages "
          f"(as of each question's date; latency without the question's embedding):")
    print("| retrieval | distinct stories in top 5 | passages repeating a story | "
          "story hit@5 | p50 ms, first pass | p50 ms, again |")
    print("|---|---|---|---|---|---|")
    for fold in (0, 1):
        retriever = Retriever(assistant.store, assistant.embedder, Weights(one_per_story=fold))
        retriever.refresh(force=False)
        # the question's embedding is the same either way: computed once, outside the timing
        vectors = [retriever.embed_query(q["question"]) for q in questions]
        distinct, repeats, hit, times, again = [], 0, 0, [], []
        for q, v in zip(questions, vectors):
            t = time.perf_counter()
            hits = retriever.search(q["question"], 5, as_of=q["date"], vector=v)
            times.append(time.perf_counter() - t)
            stories = [story.get(h.article_id, h.article_id) for h in hits]
            arts = [h.article_id for h in hits]
            distinct.append(len(set(stories)))
            # a passage of another copy of a story already shown
            seen: dict[str, str] = {}
            for s, a in zip(stories, arts):
                if seen.setdefault(s, a) != a:
                    repeats += 1
            gold = {story.get(r, r) for r in q["relevant_ids"]}
            hit += bool(gold & set(stories))
        for q, v in zip(questions, vectors):  # articles' stories now known to the retriever
            t = time.perf_counter()
            retriever.search(q["question"], 5, as_of=q["date"], vector=v)
            again.append(time.perf_counter() - t)
        name = "one per story (default)" if fold else "every copy on its own"
        print(f"| {name} | {statistics.mean(distinct):.2f} | {repeats} | "
              f"{hit / len(questions):.3f} | {statistics.median(times) * 1000:.1f} | "
              f"{statistics.median(again) * 1000:.1f} |")


if __name__ == "__main__":
    sys.exit(main())
