"""Issue 3 evaluation: answers, whatever answerer is configured (an LLM through
ASSISTANT_LLM_* settings, else the extractive one).

    .venv/bin/python bench/answers.py [--questions N]

1. RGB counterfactual (../shared/data/rgb/en_fact.json): one index holds every question's
   correct passages, its counterfactual passages and its noise. Does the answer state the
   correct fact, the counterfactual one, both or neither?
2. RealTimeQA dev over articles_1k, each question asked on its date (`as_of`): does the
   answer contain the gold answer, in its first sentence; are all citations valid (every
   [n] has a citation, every citation's text is the article's text[start:end])? Also per
   half: the answerer's constants were chosen on the even half, the odd half is held out.
3. Negative rejection: the same questions over a copy of that index with every relevant
   article deleted: does the answer say the articles don't cover it (wholly, the time the
   question names, or the detail it asks for)?
Prints one table. Skips cleanly when the data is absent.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.answer.extractive import says_not_covered  # noqa: E402
from assistant.core import Assistant  # noqa: E402
from bench.common import DATA, bench_settings, cached_index, rtqa_questions  # noqa: E402


def norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


def contains(answer: str, gold) -> bool:
    """Gold may be a string or (RGB) a list of accepted forms, possibly nested."""
    if isinstance(gold, list):
        return any(contains(answer, g) for g in gold)
    return bool(norm(str(gold))) and f" {norm(str(gold))} " in f" {norm(answer)} "


def citations_valid(assistant: Assistant, ans) -> bool:
    shown = {int(n) for n in re.findall(r"\[(\d+)\]", ans.answer)}
    if shown != {c.n for c in ans.citations}:
        return False
    texts: dict[str, str] = {}
    for c in ans.citations:
        if c.article_id not in texts:
            texts[c.article_id] = assistant.article(c.article_id).text
        if texts[c.article_id][c.start:c.end] != c.text:
            return False
    return True


def rgb(tmp: Path, limit: int) -> dict:
    rows = [json.loads(l) for l in (DATA / "rgb" / "en_fact.json").open()][:limit]
    src = tmp / "rgb.jsonl"
    with src.open("w") as out:
        for r in rows:
            for kind in ("positive", "positive_wrong", "negative"):
                for j, text in enumerate(r[kind]):
                    out.write(json.dumps({"id": f"rgb{r['id']}-{kind}-{j}", "text": text,
                                          "title": r["query"] if kind != "negative" else ""})
                              + "\n")
    a = Assistant(bench_settings(tmp / "rgb-index", data_dir=tmp))
    a.ingest([src], progress=False)
    counts = {"correct": 0, "counterfactual": 0, "both": 0, "neither": 0}
    for r in rows:
        ans = a.ask(r["query"]).answer
        good, fake = contains(ans, r["answer"]), contains(ans, r["fakeanswer"])
        counts["both" if good and fake else "correct" if good else
               "counterfactual" if fake else "neither"] += 1
    return {k: v / len(rows) for k, v in counts.items()} | {"n": len(rows)}


def realtimeqa(index: Path, tmp: Path, limit: int) -> tuple[dict, dict]:
    """Figures over all questions and over each half (even: the half the answerer's
    constants were chosen on, odd: held out). Each question is asked on its own date, the
    day its "this week" means."""
    qs = rtqa_questions(limit)
    a = Assistant(bench_settings(index, data_dir=tmp))
    rows, times = [], []
    for i, q in enumerate(qs):
        t = time.perf_counter()
        ans = a.ask(q["question"], as_of=q["date"])
        times.append(time.perf_counter() - t)
        rows.append({"half": "even" if i % 2 == 0 else "odd",
                     "gold": contains(ans.answer, q["answer"]),
                     # the first sentence: the answer up to its first citation
                     "first": contains(re.split(r"\[\d+\]", ans.answer, maxsplit=1)[0],
                                       q["answer"]),
                     "valid": citations_valid(a, ans),
                     "not covered": says_not_covered(ans.answer)})
    times.sort()

    def share(key, half=None):
        sel = [r for r in rows if half in (None, r["half"])]
        return sum(r[key] for r in sel) / max(1, len(sel))

    covered = {"n": len(qs), "contains gold": share("gold"), "first": share("first"),
               "citations valid": share("valid"), "says not covered": share("not covered"),
               "mode": a.llm and "llm" or "extractive",
               "p50 s": times[len(times) // 2], "p95 s": times[int(len(times) * 0.95)],
               "halves": {h: {"contains gold": share("gold", h), "first": share("first", h),
                              "says not covered": share("not covered", h)}
                          for h in ("even", "odd")}}

    # negative rejection: the relevant articles are gone
    copy = tmp / "negative-index"
    shutil.copytree(index, copy)
    b = Assistant(bench_settings(copy, data_dir=tmp))
    for q in qs:
        for rid in q["relevant_ids"]:
            b.delete(rid)
    said = [says_not_covered(b.ask(q["question"], as_of=q["date"]).answer) for q in qs]
    return covered, {"n": len(qs), "says not covered": sum(said) / len(qs),
                     "halves": {h: sum(x for i, x in enumerate(said) if (i % 2 == 0) ==
                                       (h == "even")) / max(1, len(said[h == "odd"::2]))
                                for h in ("even", "odd")}}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--questions", type=int, default=175)
    ap.add_argument("--index", type=Path, help="an index of articles_1k.jsonl already built "
                                               "(default: the cached one, built on first use)")
    args = ap.parse_args()
    if not (DATA / "rgb" / "en_fact.json").exists() or not (DATA / "realtimeqa").exists():
        print("skip: ../shared/data not found")
        return 0
    index = args.index or cached_index(DATA / "realtimeqa" / "articles_1k.jsonl")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        r = rgb(tmp, args.questions)
        covered, negative = realtimeqa(index, tmp, args.questions)
    print(f"\nanswerer: {covered['mode']}")
    print("| run | n | figures |\n|---|---|---|")
    print(f"| RGB counterfactual | {r['n']} | correct fact {r['correct']:.2f}, counterfactual "
          f"{r['counterfactual']:.2f}, both {r['both']:.2f}, neither {r['neither']:.2f} |")
    h, nh = covered["halves"], negative["halves"]
    print(f"| RealTimeQA dev (1k articles) | {covered['n']} | contains gold answer "
          f"{covered['contains gold']:.2f}, in the first sentence {covered['first']:.2f}, "
          f"citations valid {covered['citations valid']:.2f}, says not covered "
          f"{covered['says not covered']:.2f}, p50 {covered['p50 s'] * 1000:.0f} ms, p95 "
          f"{covered['p95 s'] * 1000:.0f} ms |")
    for half in ("even", "odd"):
        print(f"| … {half} half{' (held out)' if half == 'odd' else ''} | "
              f"{covered['n'] // 2 + (half == 'even') * (covered['n'] % 2)} | contains gold "
              f"{h[half]['contains gold']:.2f}, first {h[half]['first']:.2f}, says not covered "
              f"{h[half]['says not covered']:.2f}; negative rejection {nh[half]:.2f} |")
    print(f"| Negative rejection (relevant articles removed) | {negative['n']} | says not "
          f"covered {negative['says not covered']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
