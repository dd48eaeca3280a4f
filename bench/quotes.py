"""Quote extraction on PolNeAR, and its cost next to embedding.

    .venv/bin/python bench/quotes.py                 # dev figures + timing (the report)
    .venv/bin/python bench/quotes.py --split train   # tuning split
    .venv/bin/python bench/quotes.py --split train --errors 40    # print misses / false alarms
    .venv/bin/python bench/quotes.py --split train --lemmas       # precision per cue lemma
    .venv/bin/python bench/quotes.py --timing 0      # skip the timing comparison

Data: ../shared/data/polnear/{train,dev}.jsonl (first annotator of each article is gold) and
../shared/data/realtimeqa/articles.jsonl for timing; each part skips cleanly when absent.

Matching (docs/quotes.md): an attribution's content is the set of characters of its content
spans (several spans, e.g. a quotation split by "he said", count as one set); predicted
quotes that share speaker mention, cue and directness form one predicted attribution the
same way. A prediction matches a gold attribution when the two character sets overlap by at
least half of their union; pairs are matched one-to-one, greedily by overlap. Direct = the
content carries quotation marks, on both sides. Speaker accuracy = share of matched pairs
(all attributions) whose predicted speaker span overlaps a gold source span, over the pairs
whose gold attribution names a source.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
POLNEAR = DATA / "polnear"
REALTIMEQA = DATA / "realtimeqa" / "articles.jsonl"

_MARKS = re.compile("''|[“”\"„]")


# -- data ---------------------------------------------------------------------------------------

def load_split(split: str, limit: int | None = None) -> list[dict]:
    path = POLNEAR / f"{split}.jsonl"
    out = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            out.append(json.loads(line))
            if limit and len(out) >= limit:
                break
    return out


def gold_of(article: dict) -> list[dict]:
    """The first annotator's attributions: {spans, sources, direct} (content-less dropped)."""
    anns = article.get("annotations") or {}
    if not anns:
        return []
    first = next(iter(anns.values()))
    text = article["text"]
    out = []
    for a in first:
        spans = [(c["start"], c["end"]) for c in a.get("contents") or [] if c["end"] > c["start"]]
        if not spans:
            continue
        out.append({
            "spans": spans,
            "sources": [(s["start"], s["end"]) for s in a.get("sources") or []],
            "direct": any(_MARKS.search(text[s:e]) for s, e in spans),
            "cue": " ".join(c["text"] for c in a.get("cue") or []),
        })
    return out


def predictions_of(quotes) -> list[dict]:
    """Quotes grouped into attributions: same speaker mention + cue + directness."""
    groups: dict[tuple, dict] = {}
    for q in quotes:
        key = (q.speaker_start, q.speaker_end, q.cue, q.direct)
        g = groups.setdefault(key, {"spans": [], "speaker": (q.speaker_start, q.speaker_end),
                                    "direct": q.direct, "quotes": []})
        g["spans"].append((q.start, q.end))
        g["quotes"].append(q)
    return list(groups.values())


# -- metric ------------------------------------------------------------------------------------

def _merge(spans):
    out = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _size(spans) -> int:
    return sum(e - s for s, e in spans)


def overlap_ratio(a, b) -> float:
    """|A ∩ B| / |A ∪ B| for two lists of character spans."""
    a, b = _merge(a), _merge(b)
    inter = 0
    for s1, e1 in a:
        for s2, e2 in b:
            inter += max(0, min(e1, e2) - max(s1, s2))
    union = _size(a) + _size(b) - inter
    return inter / union if union else 0.0


def match(preds: list[dict], golds: list[dict], threshold: float = 0.5):
    """One-to-one pairs (pred index, gold index), greedy by overlap, overlap >= threshold."""
    pairs = []
    for i, p in enumerate(preds):
        for j, g in enumerate(golds):
            r = overlap_ratio(p["spans"], g["spans"])
            if r >= threshold:
                pairs.append((r, i, j))
    pairs.sort(reverse=True)
    used_p, used_g, out = set(), set(), []
    for r, i, j in pairs:
        if i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
        out.append((i, j))
    return out


class Score:
    def __init__(self):
        self.tp = self.npred = self.ngold = 0

    def add(self, tp, npred, ngold):
        self.tp += tp
        self.npred += npred
        self.ngold += ngold

    @property
    def p(self):
        return self.tp / self.npred if self.npred else 0.0

    @property
    def r(self):
        return self.tp / self.ngold if self.ngold else 0.0

    @property
    def f1(self):
        return 2 * self.p * self.r / (self.p + self.r) if self.p + self.r else 0.0


def evaluate(articles: list[dict], extract, errors: list | None = None,
             lemma_stats: dict | None = None) -> dict:
    """Scores of `extract(text) -> list[Quote]` on PolNeAR articles."""
    direct, alls = Score(), Score()
    spk_ok = spk_n = 0
    seconds, chars = [], 0
    for art in articles:
        text = art["text"]
        golds = gold_of(art)
        t = time.perf_counter()
        quotes = extract(text)
        seconds.append(time.perf_counter() - t)
        chars += len(text)
        preds = predictions_of(quotes)
        pairs = match(preds, golds)
        alls.add(len(pairs), len(preds), len(golds))
        for i, j in pairs:
            if golds[j]["sources"]:
                spk_n += 1
                ps, pe = preds[i]["speaker"]
                if any(ps < ge and gs < pe for gs, ge in golds[j]["sources"]):
                    spk_ok += 1
                elif errors is not None:
                    errors.append(("SPEAKER", art, preds[i], golds[j]))
        dp = [p for p in preds if p["direct"]]
        dg = [g for g in golds if g["direct"]]
        direct.add(len(match(dp, dg)), len(dp), len(dg))
        if errors is not None:
            mp = {i for i, _ in pairs}
            mg = {j for _, j in pairs}
            errors.extend(("FP", art, preds[i], None) for i in range(len(preds)) if i not in mp)
            errors.extend(("FN", art, None, golds[j]) for j in range(len(golds)) if j not in mg)
        if lemma_stats is not None:
            mp = {i for i, _ in pairs}
            from assistant.quotes.lexicon import FORM_TO_LEMMA
            for i, p in enumerate(preds):
                words = [w.lower() for w in p["quotes"][0].cue.split()]
                cue = next((FORM_TO_LEMMA[w] for w in reversed(words) if w in FORM_TO_LEMMA),
                           " ".join(words[-1:]))
                lemma_stats[cue][0 if i in mp else 1] += 1
    total = sum(seconds)
    return {
        "articles": len(articles),
        "direct": direct, "all": alls,
        "speaker_acc": spk_ok / spk_n if spk_n else 0.0, "speaker_n": spk_n,
        "sec_per_article": total / len(articles) if articles else 0.0,
        "sec_per_1k_chars": total / chars * 1000 if chars else 0.0,
        "median_sec": statistics.median(seconds) if seconds else 0.0,
    }


def table(res: dict, split: str) -> str:
    rows = [f"PolNeAR {split}: {res['articles']} articles (first annotator)",
            f"{'':<18}{'P':>7}{'R':>7}{'F1':>7}{'pred':>7}{'gold':>7}"]
    for name in ("direct", "all"):
        s = res[name]
        label = "direct quotes" if name == "direct" else "all attributions"
        rows.append(f"{label:<18}{s.p:>7.3f}{s.r:>7.3f}{s.f1:>7.3f}{s.npred:>7}{s.ngold:>7}")
    rows.append(f"speaker accuracy  {res['speaker_acc']:.3f} over {res['speaker_n']} matched "
                f"attributions with a gold source")
    rows.append(f"extraction time   {res['sec_per_article'] * 1000:.1f} ms/article "
                f"(median {res['median_sec'] * 1000:.1f}), "
                f"{res['sec_per_1k_chars'] * 1000:.2f} ms per 1,000 chars")
    return "\n".join(rows)


# -- timing next to embedding -------------------------------------------------------------------

def timing(n: int) -> str:
    """Extraction vs. chunking + embedding of the same realtimeqa articles, in one run."""
    from assistant.embed import get_embedder
    from assistant.ingest.chunking import make_splitter
    from assistant.quotes import extract_quotes, load_nlp

    texts = []
    with REALTIMEQA.open(encoding="utf-8") as f:
        for line in f:
            t = json.loads(line).get("text") or ""
            if t.strip():
                texts.append(t)
            if len(texts) >= n:
                break
    emb = get_embedder()
    splitter = make_splitter(emb.token_ids)
    nlp = load_nlp()
    extract_quotes(texts[0], nlp)  # warm both
    emb.embed(splitter.split_text(texts[0]))
    t_emb = t_q = 0.0
    nquotes = 0
    # interleaved, so that load from other processes hits both sides alike
    for t in texts:
        a = time.perf_counter()
        emb.embed(splitter.split_text(t))
        b = time.perf_counter()
        nquotes += len(extract_quotes(t, nlp))
        c = time.perf_counter()
        t_emb += b - a
        t_q += c - b
    chars = sum(map(len, texts))
    return (f"timing on {len(texts)} realtimeqa articles (avg {chars / len(texts):,.0f} chars, "
            f"{nquotes / len(texts):.1f} quotes/article):\n"
            f"  chunk+embed {t_emb / len(texts) * 1000:7.1f} ms/article\n"
            f"  quotes      {t_q / len(texts) * 1000:7.1f} ms/article "
            f"({t_q / chars * 1e6:.2f} ms per 1,000 chars)\n"
            f"  ratio       {t_q / t_emb:.1%} of chunk+embed time (budget 30%)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", default="dev")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--errors", type=int, default=0, help="print N random errors")
    ap.add_argument("--lemmas", action="store_true", help="precision per cue word")
    ap.add_argument("--timing", type=int, default=40, help="realtimeqa articles to time")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    if (POLNEAR / f"{args.split}.jsonl").is_file():
        from assistant.quotes import extract_quotes, load_nlp
        nlp = load_nlp()
        arts = load_split(args.split, args.limit)
        errors = [] if args.errors else None
        lemmas = defaultdict(lambda: [0, 0]) if args.lemmas else None
        res = evaluate(arts, lambda t: extract_quotes(t, nlp), errors, lemmas)
        print(table(res, args.split))
        if lemmas:
            print("\ncue word: matched / unmatched predictions")
            for w, (ok, bad) in sorted(lemmas.items(), key=lambda kv: -sum(kv[1])):
                print(f"  {w:<16}{ok:>6}{bad:>6}  {ok / (ok + bad):.2f}")
        if errors:
            import random
            random.Random(args.seed).shuffle(errors)
            kinds = Counter(e[0] for e in errors)
            print(f"\nerrors: {dict(kinds)}")
            for kind, art, p, g in errors[:args.errors]:
                _show(kind, art, p, g)
    else:
        print(f"skipped: {POLNEAR / (args.split + '.jsonl')} not found")
    if args.timing:
        if REALTIMEQA.is_file():
            print()
            print(timing(args.timing))
        else:
            print(f"timing skipped: {REALTIMEQA} not found")
    return 0


def _show(kind, art, p, g):
    text = art["text"]
    spans = (p or g)["spans"]
    s, e = min(a for a, _ in spans), max(b for _, b in spans)
    ctx = text[max(0, s - 120):min(len(text), e + 120)].replace("\n", " | ")
    print(f"\n== {kind} {art['filename']}")
    if p:
        q = p["quotes"][0]
        print(f"  pred [{q.speaker}] ({q.cue}) direct={q.direct}: {text[s:e][:200]!r}")
    if g:
        src = "; ".join(text[a:b] for a, b in g["sources"])
        gs = "".join(text[a:b] for a, b in g["spans"])
        print(f"  gold [{src}] ({g['cue']}) direct={g['direct']}: {gs[:200]!r}")
    print(f"  ctx: ...{ctx[:600]}...")


if __name__ == "__main__":
    sys.exit(main())
