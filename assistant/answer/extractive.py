"""The offline answerer: the retrieved sentences that best answer the question, cited.

Each candidate sentence is scored by its embedding similarity to the question, nudged by the
score of its passage and by shared content words; the best few become the answer, the best
first, each followed by its [n]. Headlines, bylines, captions and page furniture are never
candidates. Only the sentences that score best without embeddings are embedded.
Below `min_score` nothing is cited: the articles don't cover it.
"""

from __future__ import annotations

import re

import numpy as np

from ..embed import Embedder
from ..text import sentence_spans
from ..types import Answer, Citation, Hit

NOT_COVERED = "The articles don't cover this."
MAX_SENTENCES = 3
# Sentences embedded per question: embedding them is most of an answer's CPU (~13 ms each on
# 2 cores). They are pre-ranked without embeddings (passage score, shared words, attribution
# cues) from up to 3x as many: on RealTimeQA dev, 24 pre-ranked beat the first 48 (contains
# gold 0.47 vs 0.44) at half the cost (docs/benchmarks.md).
MAX_CANDIDATES = 24
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+|\d+")
_STOP = set("""a an and are as at be been but by can could did do does for from had has have he
her his how i if in into is it its me more most my no not of on or our out over she so some
such than that the their them then there these they this to up us was we were what when where
which while who whom whose why will with would you your about after against all also any
before between both each few just only other same should very said say says tell told""".split())
_ATTRIBUTION_Q = re.compile(r"\b(who|what)\b.*\b(said|say|says|saying|claim\w*|stat\w*|"
                            r"criticis\w*|criticiz\w*|warn\w*|argu\w*)\b", re.I)
_QUOTE_OR_CUE = re.compile(r"[“”\"]|\b(said|says|told|according to|stated|stressed|warned)\b")


_BOILERPLATE = re.compile(
    r"^(?:advertisement|share|sign up|subscribe|read more|click here|follow us|related:|"
    r"watch:|listen:|copyright|all rights reserved|before it['’]s here|this story has been|"
    r"get ['‘’]?\w+ things['’]? in your inbox|\(?(?:photo|image|video|file)(?: credit)?:)",
    re.I)
_ENDS_SENTENCE = re.compile(r"[.!?…][\"”’')\]]*$")


def not_a_sentence(sentence: str, hit: Hit) -> bool:
    """A headline, byline, caption or page furniture rather than a sentence of the story:
    the article's title, a known boilerplate line, or a whole short line (a paragraph of
    its own) that does not end as a sentence does."""
    s = " ".join(sentence.split())
    if hit.title and s.rstrip(" .").lower() == " ".join(hit.title.split()).rstrip(" .").lower():
        return True
    if _BOILERPLATE.match(s):
        return True
    return len(s.split()) <= 20 and not _ENDS_SENTENCE.search(s) and _whole_line(sentence, hit)


def _whole_line(sentence: str, hit: Hit) -> bool:
    at = hit.text.find(sentence)
    if at < 0:
        return False
    before = hit.text[:at].rstrip(" \t")
    after = hit.text[at + len(sentence):].lstrip(" \t")
    return (not before or before.endswith("\n")) and (not after or after.startswith("\n"))


def content_words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if w.lower() not in _STOP and len(w) > 2}


def _candidates(hits: list[Hit], qwords: set[str] = frozenset(),
                wants_quotes: bool = False) -> list[tuple[Hit, int, int, str]]:
    """(hit, start, end, sentence) for the distinct sentences of the hits most worth
    embedding, in hit order."""
    seen: set[tuple[str, int]] = set()
    out = []
    for hit in hits:
        for s, e in sentence_spans(hit.text, hit.start):
            key = (hit.article_id, s)
            sentence = hit.text[s - hit.start:e - hit.start]
            # Overlapping chunks repeat sentences; headlines, bylines, captions and page
            # furniture ("Advertisement", "Before it's here…") are not sentences to cite.
            if key in seen or len(sentence.split()) < 4 or not_a_sentence(sentence, hit):
                continue
            seen.add(key)
            out.append((hit, s, e, sentence))
    if len(out) > MAX_CANDIDATES:
        cheap = [_cheap_score(c, qwords, wants_quotes) for c in out[:3 * MAX_CANDIDATES]]
        keep = sorted(range(len(cheap)), key=lambda i: -cheap[i])[:MAX_CANDIDATES]
        out = [out[i] for i in sorted(keep)]
    return out[:MAX_CANDIDATES]


def _cheap_score(c, qwords, wants_quotes) -> float:
    """The sentence score's terms that need no embedding: its passage's score and the
    question's content words it shares; for "who said what", a bonus for attributed
    statements over background sentences."""
    hit, _, _, sentence = c
    overlap = len(qwords & content_words(sentence)) / max(1, len(qwords))
    return 0.25 * hit.score + 0.15 * overlap + (
        0.25 if wants_quotes and _QUOTE_OR_CUE.search(sentence) else 0.0)


def answer(question: str, hits: list[Hit], qvec: np.ndarray, embedder: Embedder,
           min_score: float) -> Answer:
    relevant = [h for h in hits if h.score >= min_score]
    if not relevant:
        return Answer(question=question, answer=NOT_COVERED)
    qwords = content_words(question)
    wants_quotes = bool(_ATTRIBUTION_Q.search(question))
    cands = _candidates(relevant, qwords, wants_quotes)
    if not cands:
        return Answer(question=question, answer=NOT_COVERED)
    vecs = embedder.embed([c[3] for c in cands])
    sims = vecs @ qvec
    scores = [0.6 * float(sim) + _cheap_score(c, qwords, wants_quotes)
              for c, sim in zip(cands, sims)]
    order = np.argsort(scores)[::-1]
    limit = 5 if wants_quotes else MAX_SENTENCES
    best = float(scores[order[0]])
    # Keep sentences close to the best one: a weak fourth sentence only adds noise.
    band = 0.2 if wants_quotes else 0.12
    chosen = [i for i in order[:limit] if scores[i] >= best - band]
    # The best sentence first (a reader may read no further); the others after it in article
    # order within each article, articles in rank order.
    rank = {h.article_id: r for r, h in enumerate(relevant)}
    top, rest = chosen[0], chosen[1:]
    rest.sort(key=lambda i: (rank[cands[i][0].article_id], cands[i][1]))
    chosen = [top, *rest]

    citations: list[Citation] = []
    parts = []
    for i in chosen:
        hit, s, e, sentence = cands[i]
        n = len(citations) + 1
        citations.append(Citation.from_hit(n, hit, s, e))
        parts.append(f"{sentence} [{n}]")
    return Answer(question=question, answer=" ".join(parts), citations=citations)
