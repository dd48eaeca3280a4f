"""Issue 17: claim-level checking of LLM answers, on scripted answers built from RealTimeQA.

    .venv/bin/python bench/claims.py [--questions 175] [--index DIR] [--out FILE]
    .venv/bin/python bench/claims.py --corpus bbc --seed 18   # the held-out run

Each RealTimeQA dev question is asked (on its date) of the assistant with an LLM
configured: the real OpenAI-compatible path, served by the scripted server of
testkit/llm_server.py. The server writes each reply from the request it receives — the
numbered sources the assistant sent — the way a model would: two or three sentences of
the sources, paraphrased as a faithful model paraphrases (numbers spelled out or written
in figures, dates reordered, "X said" moved to the front, first names dropped), each
citing its source. Every second answer carries one planted change: a name swapped for
one from another source in the prompt, a figure altered, a date moved, or a word of a
quotation replaced; a date is a month and day or a weekday. The generator is fixed before the checker is run on it and is
never tuned to it; every reply is saved (--out) for reading.

Figures: planted changes flagged (a warning names the changed words, or flags the changed
quote), faithful claims flagged (every claim of the faithful answers, and the untouched
claims of the planted ones, with any ⚠ on it), and the checker's time per answer.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.answer import claims as claim_check  # noqa: E402
from assistant.answer.checking import check  # noqa: E402
from assistant.core import Assistant  # noqa: E402
from assistant.text import sentence_spans  # noqa: E402
from bench.common import DATA, bench_settings, cached_index, rtqa_questions  # noqa: E402
from testkit.llm_server import Reply, ScriptedLLM  # noqa: E402

_SOURCE = re.compile(r'<source id="(\d+)">\nHeadline: ([^\n]*)\nOutlet: [^\n]*\nByline: [^\n]*\n'
                     r"Date: [^\n]*\nPassage:\n(.*?)\n</source>", re.S)
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
          "ten", "eleven", "twelve"]
_CAPS = re.compile(r"(?<![\w'’.])([A-Z][a-z]{2,})(?:\s+([A-Z][a-z]{2,}))?")
_MONTH_DAY = re.compile(rf"\b({'|'.join(_MONTHS)})\s+(\d{{1,2}})\b")
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_WEEKDAY = re.compile(rf"\b({'|'.join(_WEEKDAYS)})\b")
_FIGURE = re.compile(r"(?<![\w.,$])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\w%]|[.,]\d)")
_QUOTE = re.compile(r"“([^“”]{20,300})”")
_COMMON = set(claim_check._NOT_NAMES)
BBC_ARTICLES = 600


def sources_of(body: dict) -> dict[int, tuple[str, str]]:
    """{n: (headline, passage)} of the sources in the assistant's request."""
    user = next((m["content"] for m in body.get("messages", []) if m["role"] == "user"), "")
    return {int(n): (title, text) for n, title, text in _SOURCE.findall(user)}


def candidates(text: str) -> list[str]:
    """Sentences a model would state: long enough, not a question, no line breaks."""
    out = []
    for s, e in sentence_spans(text):
        sent = text[s:e].strip()
        if 8 <= len(sent.split()) <= 45 and not sent.endswith("?") and "\n" not in sent \
                and sent[-1] in ".”\"" and sent.count("“") == sent.count("”"):
            out.append(sent)
    return out


def name_spans(sentence: str) -> list[tuple[int, int]]:
    """Where the names are (the last word of a two-word name), sentence openers aside."""
    out = []
    for m in _CAPS.finditer(sentence):
        g = 2 if m.group(2) else 1
        word = m.group(g)
        if m.start() > 0 and word.lower() not in _COMMON and word not in _MONTHS:
            out.append((m.start(g), m.end(g)))
    return out


def names_in(sentence: str) -> list[str]:
    return [sentence[s:e] for s, e in name_spans(sentence)]


def facts_in(sentence: str) -> dict[str, list]:
    return {"name": names_in(sentence), "number": list(_FIGURE.finditer(sentence)),
            "date": list(_MONTH_DAY.finditer(sentence)) + list(_WEEKDAY.finditer(sentence)),
            "quote": [m for m in _QUOTE.finditer(sentence) if len(m.group(1).split()) >= 5]}


def paraphrase(sentence: str, rng: random.Random) -> str:
    """What a faithful model does to a sentence it restates."""
    s = sentence.rstrip()
    s = re.sub(r"^(?:But|And|So|Still|Yet),?\s+", "", s)
    s = s[0].upper() + s[1:]
    # "…, Smith said." -> "According to Smith, …." (no quotation involved)
    m = re.match(r"^(?P<body>[^“”\"]+),\s+(?P<who>(?:[A-Z][\w.'-]+\s?){1,3})\s+(?:said|says)\.$", s)
    if m and rng.random() < 0.7:
        body = m.group("body")
        s = f"According to {m.group('who').strip()}, {body[0].lower() + body[1:]}."
    if rng.random() < 0.6 and "“" not in s and '"' not in s:  # 2-12 spelled out (not days)
        months = [m for m in _MONTHS] + [m[:3] + "." for m in _MONTHS] + ["Sept."]
        s = re.sub(rf"(?<![\w.,$])(?<!{' )(?<!'.join(re.escape(m) for m in months)} )([2-9]|1[0-2])"
                   r"(?![\w%]|[.,:]\d)(?!\s*(?:a\.m|p\.m|%|-))",
                   lambda x: _WORDS[int(x.group(1))], s, count=1)
    if rng.random() < 0.6:  # "September 5" -> "5 September"
        s = _MONTH_DAY.sub(lambda x: f"{x.group(2)} {x.group(1)}", s, count=1)
    if rng.random() < 0.5:
        s = re.sub(r"\bpercent\b", "%", s).replace(" %", "%")
    if rng.random() < 0.5:  # "$1.2 billion" -> "1.2 billion dollars"
        s = re.sub(r"\$(\d[\d.,]*)\s+(million|billion|trillion)", r"\1 \2 dollars", s, count=1)
    if rng.random() < 0.4 and "“" not in s and '"' not in s:  # "Joe Biden" -> "Biden"
        s = re.sub(r"(?<=[a-z] )(?!(?:New|Los|San|Saudi|North|South|United|Hong|Supreme)\b)"
                   r"[A-Z][a-z]+ (?=[A-Z][a-z]{2,}\b)", "", s, count=1)
    return s


def plant(sentence: str, kind: str, rng: random.Random, others: list[str],
          cited_text: str) -> tuple[str, str, str] | None:
    """(changed sentence, original words, changed words), one fact altered."""
    found = facts_in(sentence)[kind]
    if not found:
        return None
    if kind == "name":
        pool = [n for n in others if n.lower() not in cited_text.lower()]
        if not pool:
            return None
        (s, e), new = rng.choice(name_spans(sentence)), rng.choice(pool)
        return sentence[:s] + new + sentence[e:], sentence[s:e], new
    m = rng.choice(found)
    if kind == "number":
        whole, frac = m.group(1), m.group(2)
        if frac:  # 3.5 -> 3.7
            new = f"{whole}.{frac[:-1]}{(int(frac[-1]) + rng.randint(1, 8)) % 10}"
        else:
            digits = whole.replace(",", "")
            value = int(digits)
            if 1900 <= value <= 2100:  # a year
                value += rng.choice([-2, -1, 1, 2])
            else:  # the last significant figure moves: 12 -> 15, 1,200 -> 1,500
                zeros = len(digits) - len(digits.rstrip("0")) if value else 0
                step = 10 ** min(zeros, len(digits) - 1)
                value += step * rng.randint(1, 3)
            new = f"{value:,}" if "," in whole else str(value)
        old = m.group(0)
    elif kind == "date" and m.group(1) in _WEEKDAYS:  # Tuesday -> Thursday
        new = rng.choice([d for d in _WEEKDAYS if d != m.group(1)])
        old = m.group(0)
    elif kind == "date":
        month, day = m.group(1), int(m.group(2))
        if rng.random() < 0.5:
            new_day = day + rng.choice([-3, -2, -1, 1, 2, 3])
            new_day = new_day if 1 <= new_day <= 28 else day + 3 if day < 26 else day - 3
            new = f"{month} {new_day}"
        else:
            new = f"{_MONTHS[(_MONTHS.index(month) + rng.choice([1, 2, 10, 11])) % 12]} {day}"
        old = m.group(0)
    else:  # a word of the quotation replaced by another of the sentence's words
        inner = m.group(1)
        words = [w for w in re.finditer(r"[A-Za-z]{4,}", inner)]
        pool = [w for w in re.findall(r"[a-z]{4,}", cited_text) if w not in inner]
        if not words or not pool:
            return None
        w = rng.choice(words)
        new_inner = inner[:w.start()] + rng.choice(pool) + inner[w.end():]
        return sentence[:m.start(1)] + new_inner + sentence[m.end(1):], inner, new_inner
    return sentence[:m.start()] + new + sentence[m.end():], old, new


def cite(sentence: str, n: int) -> str:
    """The citation before the final stop (after a closing quotation mark)."""
    s = sentence.rstrip()
    if s.endswith((".", "!")):
        return f"{s[:-1]} [{n}]{s[-1]}"
    return f"{s} [{n}]"


def compose(sources: dict[int, tuple[str, str]], rng: random.Random, planted: bool) -> dict:
    """A reply of two or three claims from sources 1..3, planted or not."""
    picked: list[tuple[int, str]] = []
    for n in sorted(sources)[:3]:
        cands = candidates(sources[n][1])
        factful = [c for c in cands if any(facts_in(c).values())]
        if cands:
            picked.append((n, rng.choice(factful or cands)))
    if len(picked) == 1 and len(candidates(sources[picked[0][0]][1])) > 1:
        more = [c for c in candidates(sources[picked[0][0]][1]) if c != picked[0][1]]
        picked.append((picked[0][0], rng.choice(more)))
    picked = picked[:3]
    claims = [paraphrase(s, rng) for _, s in picked]
    record: dict = {"planted": None}
    if planted:
        others = [x for n, (_, text) in sources.items() for x in names_in(text)]
        # A kind first (each equally likely among those the answer has), then a claim.
        kinds = {k: [i for i, c in enumerate(claims) if facts_in(c)[k]]
                 for k in ("name", "number", "date", "quote")}
        kinds = [k for k in kinds if kinds[k]]
        rng.shuffle(kinds)
        options = []
        for k in kinds:
            where = [i for i, c in enumerate(claims) if facts_in(c)[k]]
            rng.shuffle(where)
            options += [(i, k) for i in where]
        for i, kind in options:
            got = plant(claims[i], kind, rng, others, sources[picked[i][0]][1])
            if got:
                claims[i] = got[0]
                record["planted"] = {"claim": i, "kind": kind, "original": got[1],
                                     "changed": got[2]}
                break
    text = " ".join(cite(c, n) for c, (n, _) in zip(claims, picked))
    return record | {"reply": text, "claims": claims}


def flagged_claims(answer: str, claims: list[str]) -> list[bool]:
    """Whether each claim of the reply carries a flag in the answer (found by its opening
    words: numbers and flags change, the words do not)."""
    at: list[int] = []
    for c in claims:
        at.append(answer.find(c[:40], at[-1] + 1 if at else 0))
    at.append(len(answer))
    return [at[j] >= 0 and "⚠" in answer[at[j]:max(at[j], at[j + 1])]
            for j in range(len(claims))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--questions", type=int, default=175)
    ap.add_argument("--index", type=Path, help="an index of articles_1k.jsonl (default: the "
                                               "cached one, built on first use)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / ".cache" / "claims-set.jsonl")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--corpus", choices=["realtimeqa", "bbc"], default="realtimeqa",
                    help="bbc: the held-out run, questions are the headlines of the first "
                         f"{BBC_ARTICLES} BBC articles")
    args = ap.parse_args()
    if not (DATA / "realtimeqa").exists():
        print("skip: ../shared/data not found")
        return 0
    if args.corpus == "bbc":  # held out: another corpus, another outlet, no dates
        bbc = DATA / "bbc" / "bbc_fulltext.jsonl"
        index = args.index or cached_index(bbc, BBC_ARTICLES)
        rows_ = [json.loads(l) for _, l in zip(range(BBC_ARTICLES), bbc.open())]
        qs = [{"id": r["doc_id"], "question": r["title"], "date": None}
              for r in rows_[::max(1, BBC_ARTICLES // args.questions)]][:args.questions]
    else:
        index = args.index or cached_index(DATA / "realtimeqa" / "articles_1k.jsonl")
        qs = rtqa_questions(args.questions)
    rows: list[dict] = []
    state: dict = {}

    def responder(body: dict) -> Reply:
        sources = sources_of(body)
        if not sources:  # not an answer request (a follow-up rewrite): repeat the question
            return Reply("OK")
        rng = random.Random(f"{args.seed}-{state['i']}")
        state["record"] = compose(sources, rng, planted=state["i"] % 2 == 1)
        state["sources"] = sources
        return Reply(state["record"]["reply"])

    with ScriptedLLM() as llm, tempfile.TemporaryDirectory() as tmp:
        llm.responder(responder)
        a = Assistant(bench_settings(index, data_dir=Path(tmp), llm_base_url=llm.url + "/v1",
                                     llm_model="scripted", llm_timeout=10))
        check_times = []
        for i, q in enumerate(qs):
            state.update(i=i, record=None)
            ans = a.ask(q["question"], as_of=q["date"])
            rec = state["record"]
            if llm.errors:
                raise llm.errors[0]
            if rec is None or ans.mode != "llm":  # nothing retrieved: no LLM call
                continue
            # The checker's own cost on this answer: the sources read, every claim checked.
            texts = [text for _, (_, text) in sorted(state["sources"].items())]
            t = time.perf_counter()
            checked = check(rec["reply"], texts)
            claim_check.Claims([claim_check.Source(x) for x in texts]).verify(checked.text,
                                                                             checked.used)
            check_times.append(time.perf_counter() - t)
            before = bool(checked.warnings)  # the checker before claims: quotes, links only
            flags = flagged_claims(ans.answer, rec["claims"])
            p = rec["planted"]
            caught = None
            if p:  # its claim flagged, or a warning naming the changed words
                caught = (p["claim"] < len(flags) and flags[p["claim"]]) or any(
                    p["changed"] in w for w in ans.warnings)
            rows.append(rec | {"id": q["id"], "question": q["question"], "answer": ans.answer,
                               "warnings": ans.warnings, "flags": flags, "caught": caught,
                               "caught before": before if p else None})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")

    planted = [r for r in rows if r["planted"]]
    faithful_flags = []
    for r in rows:
        for j, flag in enumerate(r["flags"]):
            if not (r["planted"] and r["planted"]["claim"] == j):
                faithful_flags.append(flag)
    by_kind: dict[str, list[bool]] = {}
    for r in planted:
        by_kind.setdefault(r["planted"]["kind"], []).append(r["caught"])
    print(f"\n{len(rows)} scripted answers ({len(planted)} with a planted change, "
          f"{len(rows) - len(planted)} faithful), {sum(len(r['claims']) for r in rows)} claims; "
          f"set written to {args.out}")
    print("| figure | value |\n|---|---|")
    print(f"| planted changes flagged | {sum(r['caught'] for r in planted) / max(1, len(planted)):.2f} "
          f"({sum(r['caught'] for r in planted)}/{len(planted)}) |")
    print(f"| … by the checker before (quotes and links only) | "
          f"{sum(r['caught before'] for r in planted) / max(1, len(planted)):.2f} |")
    for kind, got in sorted(by_kind.items()):
        print(f"| … {kind} | {sum(got) / len(got):.2f} ({sum(got)}/{len(got)}) |")
    print(f"| faithful claims flagged | {sum(faithful_flags) / max(1, len(faithful_flags)):.3f} "
          f"({sum(faithful_flags)}/{len(faithful_flags)}) |")
    print(f"| answers whose every claim is unflagged (faithful half) | "
          f"{sum(not any(r['flags']) for r in rows if not r['planted']) / max(1, len(rows) - len(planted)):.2f} |")
    check_times.sort()
    if check_times:
        print(f"| checking one answer, claims and quotes (p50 / p95) | {check_times[len(check_times) // 2] * 1000:.1f} / "
              f"{check_times[int(len(check_times) * 0.95)] * 1000:.1f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
