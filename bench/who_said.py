"""Issue 16: who-said answers as a reader judges them, replayed.

    .venv/bin/python bench/who_said.py [--index DIR] [--sheet FILE]

Asks the 30 who-said questions of bench/judged/who_said_questions.json (written before any
answer was seen) of the 1,000-article RealTimeQA index, and reads back every attribution
each answer lists: its heading (the speaker shown), its words and its citation. Each is
looked up in bench/judged/who_said_judgements.json (kept by article id and offsets, with
the verdict and its reason; no article text is stored), where an attribution is right when
its words are a statement the article attributes to that speaker, the speaker is a real
person, body or role (correctly resolved), it is about the question's topic, and it
carries the stance asked (criticised, praised, warned, …). Prints the precision of what was
judged, the attributions not yet judged (--sheet writes them, with their sentences, for a
judge to read), and the answers that show one person under two headings.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.core import Assistant  # noqa: E402
from assistant.quotes.speakers import group_key  # noqa: E402
from bench.common import DATA, bench_settings, cached_index  # noqa: E402

JUDGED = ROOT / "bench" / "judged"
QUESTIONS = JUDGED / "who_said_questions.json"
JUDGEMENTS = JUDGED / "who_said_judgements.json"


def listed(answer) -> list[dict]:
    """Every attribution an answer lists: its heading, its line and its citations."""
    cites = {c.n: c for c in answer.citations}
    out, heading = [], ""
    for line in answer.answer.splitlines():
        head = re.fullmatch(r"\*\*(.+?)\*\*\s*", line)
        if head:
            heading = head.group(1)
            continue
        if not line.startswith("- ") or not heading:
            continue
        for n in (int(x) for x in re.findall(r"\[(\d+)\]", line)):
            c = cites.get(n)
            if c is not None:
                out.append({"speaker": heading, "article_id": c.article_id, "start": c.start,
                            "end": c.end, "line": line, "sentence": c.passage or c.text,
                            "title": c.title})
    return out


def key(question: str, item: dict) -> str:
    return f"{question}|{item['article_id']}|{item['start']}|{item['end']}|{item['speaker']}"


def two_headings(answer_text: str) -> list[tuple[str, str]]:
    """Headings of one answer that name one person: one's words within the other's with
    the same last word ("De Haan" and "Patrick De Haan")."""
    heads = re.findall(r"^\*\*(.+?)\*\*\s*$", answer_text, re.M)
    out = []
    for i, a in enumerate(heads):
        for b in heads[i + 1:]:
            wa, wb = group_key(a).split(), group_key(b).split()
            if wa and wb and wa[-1] == wb[-1] and (set(wa) <= set(wb) or set(wb) <= set(wa)):
                out.append((a, b))
    return out


def calibrate(a: Assistant, questions: list[str], judged: dict) -> None:
    """The on-topic bar (quote_answers.ON_TOPIC) swept: precision and attributions kept on
    each half of the judged questions; the bar is chosen on the even half."""
    from assistant.quotes import answers as quote_answers

    chosen = quote_answers.ON_TOPIC
    print("| ON_TOPIC | even half: right / judged (precision) | odd half: right / judged |")
    print("|---|---|---|")
    for bar in (0.25, 0.35, 0.45, 0.5, 0.55, 0.6):
        quote_answers.ON_TOPIC = bar
        cells = []
        for half in (0, 1):
            ok = done = 0
            for i, q in enumerate(questions):
                if i % 2 != half:
                    continue
                for item in listed(a.ask(q)):
                    v = judged.get(key(q, item))
                    if v:
                        done += 1
                        ok += v["verdict"] == "right"
            cells.append(f"{ok} / {done} ({ok / max(1, done):.3f})")
        print(f"| {bar} | {cells[0]} | {cells[1]} |")
    quote_answers.ON_TOPIC = chosen


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path, help="an index of articles_1k.jsonl (default: the "
                                               "cached one, built on first use)")
    ap.add_argument("--sheet", type=Path, help="write the attributions not judged yet here")
    ap.add_argument("--questions", type=Path, default=QUESTIONS,
                    help="the question file (bench/judged/who_said_heldout.json, "
                         "who_said_heldout2.json … who_said_heldout7.json: the held-out "
                         "sets)")
    ap.add_argument("--calibrate", action="store_true",
                    help="sweep the on-topic bar over both halves of the questions")
    args = ap.parse_args()
    if not (DATA / "realtimeqa").exists():
        print("skip: ../shared/data not found")
        return 0
    index = args.index or cached_index(DATA / "realtimeqa" / "articles_1k.jsonl")
    questions = json.loads(args.questions.read_text())["questions"]
    judged = json.loads(JUDGEMENTS.read_text()) if JUDGEMENTS.exists() else {}
    rows, todo, doubled, empty = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        a = Assistant(bench_settings(index, data_dir=Path(tmp)))
        if args.calibrate:
            calibrate(a, questions, judged)
        for q in questions:
            ans = a.ask(q)
            items = listed(ans)
            if not items:
                empty.append((q, ans.answer.splitlines()[0][:100] if ans.answer else ""))
            doubled += [(q, pair) for pair in two_headings(ans.answer)]
            for item in items:
                verdict = judged.get(key(q, item))
                if verdict is None:
                    todo.append({"key": key(q, item), "question": q, **item})
                rows.append((q, item, verdict))
    right = [v for _, _, v in rows if v and v["verdict"] == "right"]
    done = [v for _, _, v in rows if v]
    stance = [(q, v) for q, _, v in rows if v and re.match(r"who\s+(?!said)", q, re.I)]
    print(f"{len(questions)} questions, {len(rows)} attributions listed, {len(done)} judged, "
          f"{len(todo)} not yet judged; {len(empty)} answers list none")
    print("| figure | value |\n|---|---|")
    print(f"| attributions judged right | {len(right) / max(1, len(done)):.2f} "
          f"({len(right)}/{len(done)}) |")
    if stance:
        ok = sum(v["verdict"] == "right" for _, v in stance)
        print(f"| … in stance questions (who criticised / praised / warned …) | "
              f"{ok / len(stance):.2f} ({ok}/{len(stance)}) |")
    print(f"| answers with one person under two headings | {len({q for q, _ in doubled})} |")
    for q, pair in doubled:
        print(f"  two headings: {q} -> {pair}")
    for q, first in empty:
        print(f"  lists none: {q} -> {first}")
    wrong = {}
    for _, _, v in rows:
        if v and v["verdict"] != "right":
            wrong[v.get("why", "")] = wrong.get(v.get("why", ""), 0) + 1
    for why, n in sorted(wrong.items(), key=lambda x: -x[1]):
        print(f"  wrong ({n}): {why}")
    if args.sheet:
        args.sheet.write_text(json.dumps(todo, ensure_ascii=False, indent=1))
        print(f"sheet of {len(todo)} attributions to judge: {args.sheet}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
