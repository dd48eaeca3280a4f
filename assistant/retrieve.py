"""Find the passages that best answer a question: hybrid, date-aware, diverse.

    retriever.search("who resigned this week?", k=5, as_of="2022-01-07")

1. Candidates: BM25 keyword search (assistant/keyword.py, derived from Chroma) and Chroma
   vector search, each over the chunks of current article versions, inside the date filter
   (`since`/`until`, and nothing published after `as_of`). When the question names a time
   ("this week", "in 2021", or with `as_of` the recent days by default), the best keyword
   matches published in that window are added as candidates too, so an on-topic story
   from the right week is not lost behind older ones.
2. Every candidate gets both scores: its BM25 score, and its cosine similarity (the
   embeddings of keyword-only candidates are read back from Chroma).
3. Articles are ranked by a normalised blend (a calibrated alternative to reciprocal rank
   fusion, which throws away how far apart the scores are): `w_keyword * bm25 / best bm25 +
   w_vector * (cos - lowest) / (best - lowest) + time boost`, with each article's best
   chunk per signal. The time boost is full inside the question's window and decays with
   the days outside it; articles without a date get none.
4. Passages: at most `per_article` per article (more when the question is clearly about one
   article: its score leaves the next one far behind), neighbouring chunks of an article
   merged into one passage whose text is exactly `article.text[start:end]`.

`Hit.score` stays the passage's cosine similarity to the question (the answerers' noise
threshold, `min_score`, is calibrated on it); the fused ranking score is `Hit.relevance`.
No cross-encoder reranker: none ships its weights in a registry package (docs/retrieval.md).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from .dates import TimeWindow, find_time, parse_date, strip_time
from .embed import Embedder
from .errors import StoreError
from .faults import TRANSPORT_ERRORS, store_faults
from .ids import site_name
from .keyword import NO_DATE, KeywordIndex, Snapshot, parse_chunk_id
from .store import Store, published_ts, where_clause
from .text import visible_text, without_surrogates
from .types import Hit, hits_json

DAY = 86400
MAX_MERGED = 3  # chunks in one passage (~700 tokens): context, not the whole article


@dataclass
class RankedHit(Hit):
    """A Hit with the fused ranking score (`score` stays the cosine similarity)."""

    relevance: float = 0.0


@dataclass
class Weights:
    """The fusion's knobs (measured on RealTimeQA dev: docs/retrieval.md)."""

    keyword: float = 0.5
    vector: float = 0.5
    # Time boost when the question names a time ("this week") / when only as_of is given.
    time_explicit: float = 0.35
    time_default: float = 0.35
    # Days of recency assumed when only as_of is given (news questions ask about the news).
    default_window_days: int = 7
    # e-folding distance in days of the boost outside the window.
    time_decay_days: float = 3.0
    keyword_candidates: int = 100
    vector_candidates: int = 60
    window_candidates: int = 30
    # Also ask Chroma for the window's nearest chunks: one more vector query (~15 ms); off,
    # as it found nothing the window's BM25 candidates had not (docs/retrieval.md).
    window_vector: int = 0
    per_article: int = 2
    # The top article may fill up to `focused_per_article` passages when the next article's
    # score is below `focus_ratio` of it (the question is about that article).
    focused_per_article: int = 3
    focus_ratio: float = 0.6
    # Another chunk joins an article's passage(s) when its score is this close to the best.
    sibling_ratio: float = 0.75
    second_passage_penalty: float = 0.8
    # Wire copies of one story count as one article (off: every copy competes on its own).
    one_per_story: int = 1


@dataclass
class Query:
    """A question with its resolved time constraints."""

    text: str
    since: date | None = None
    until: date | None = None
    as_of: date | None = None
    window: TimeWindow | None = None
    explicit_time: bool = False

    @property
    def hard_range(self) -> tuple[int | None, int | None]:
        """[lo, hi] in Unix seconds of published days admitted by the filters."""
        lo = _ts(self.since) if self.since else None
        his = [d for d in (self.until, self.as_of) if d]
        hi = _ts(min(his)) if his else None
        return lo, hi


def _ts(d: date) -> int:
    return published_ts(d.isoformat())  # type: ignore[return-value]


def make_query(question: str, since=None, until=None, as_of=None,
               default_window_days: int = 7) -> Query:
    q = visible_text(question)
    as_of_d = parse_date(as_of)
    window = find_time(q, as_of_d)
    explicit = window is not None
    if window is None and as_of_d is not None and default_window_days > 0:
        window = TimeWindow(as_of_d - timedelta(days=default_window_days), as_of_d)
    return Query(q, parse_date(since), parse_date(until, end=True), as_of_d, window, explicit)


@dataclass
class _Cand:
    pos: int  # index in the keyword snapshot
    bm25: float = 0.0
    cos: float | None = None
    fused: float = 0.0


@dataclass
class _Passage:
    article_id: str
    chunks: list[int]  # snapshot positions, by chunk index
    relevance: float
    cos: float


def keyword_cache_path(store: Store) -> Path:
    """Where the keyword index is cached: beside an embedded index, or under data_dir for a
    Chroma server (one file per server and collection)."""
    s = store.settings
    if s.chroma_host:
        name = f"{s.chroma_host}_{s.chroma_port}_{s.collection}".replace("/", "_")
        return Path(s.data_dir) / "keyword" / f"{name}.npz"
    return Path(s.index_dir) / "keyword" / f"{s.collection}.npz"


class Retriever:
    def __init__(self, store: Store, embedder: Embedder, weights: Weights | None = None,
                 keyword: KeywordIndex | None = None, check_every: float = 10.0):
        self.store = store
        self.embedder = embedder
        self.weights = weights or Weights()
        self.keyword = keyword or KeywordIndex(store, keyword_cache_path(store), check_every)
        # article id -> (story, outlet), valid for one keyword snapshot (_one_per_story)
        self._story_of: dict[str, tuple[str, str]] = {}
        self._story_snap: Snapshot | None = None

    def embed_query(self, question: str) -> np.ndarray:
        # the tokenizer raises TypeError on a lone surrogate
        return self.embedder.embed([without_surrogates(question)])[0]

    def refresh(self, force: bool = True) -> bool:
        """Bring the keyword index in line with Chroma (call after ingest or delete, and at
        start-up to pay the load there instead of in the first search). A Chroma server
        that does not answer is a StoreError."""
        with store_faults(self.store.settings):
            return self.keyword.ensure_fresh(force=force)

    # -- the hybrid search -----------------------------------------------------------------

    def search(self, question: str, k: int = 5, vector: np.ndarray | None = None,
               since: str | date | None = None, until: str | date | None = None,
               as_of: str | date | None = None) -> list[Hit]:
        """The k best passages, best first. since/until: inclusive filters on the publication
        date (YYYY-MM-DD, YYYY-MM or YYYY); as_of: the date the question is asked on (time
        expressions resolve against it, and nothing published after it is returned).

        A Chroma server that does not answer raises StoreError ("... is unreachable ...
        retry"); the same Retriever works again once the server is back."""
        query = make_query(question, since, until, as_of, self.weights.default_window_days)
        if not query.text:
            return []
        if vector is None:
            vector = self.embed_query(query.text)
        with store_faults(self.store.settings):
            self.keyword.ensure_fresh()
            for _ in range(2):
                snap = self.keyword.snapshot
                hits = self._search(query, k, vector, snap)
                if hits is not None:
                    return hits
                self.keyword.ensure_fresh(force=True)  # Chroma changed under us: once more
        return []

    def _search(self, query: Query, k: int, vector: np.ndarray,
                snap: Snapshot) -> list[Hit] | None:
        w = self.weights
        if not len(snap):
            return []
        lo, hi = query.hard_range
        allowed = np.ones(len(snap), bool)
        if lo is not None:
            allowed &= snap.published >= lo
        if query.since or query.until:
            allowed &= snap.published != NO_DATE
        if hi is not None:
            allowed &= snap.published <= hi
        if not allowed.any():
            return []
        in_window = None
        if query.window is not None:
            ws, we = _ts(query.window.start), _ts(query.window.end)
            in_window = allowed & (snap.published >= ws) & (snap.published <= we)

        cands: dict[int, _Cand] = {}
        bm25 = self.keyword.scores(strip_time(query.text, query.window), snap)
        bm25 = np.where(allowed, bm25, 0.0)
        for pos in _top(bm25, w.keyword_candidates):
            cands[pos] = _Cand(pos)
        if in_window is not None and in_window.any():
            for pos in _top(np.where(in_window, bm25, 0.0), w.window_candidates):
                cands.setdefault(pos, _Cand(pos))

        where = self._where(snap, lo, hi, query)
        vec_got = self._vector(vector, w.vector_candidates, where)
        if w.window_vector and in_window is not None and in_window.any():
            wlo = max(_ts(query.window.start), lo or -(1 << 62))
            whi = min(_ts(query.window.end), hi if hi is not None else 1 << 62)
            vec_got += self._vector(vector, w.window_candidates,
                                    where_clause(since_ts=wlo, until_ts=whi))
        index = snap.position
        for cid, cos in vec_got:
            pos = index.get(cid)
            if pos is None or not allowed[pos]:
                continue  # another version, or outside the filters (as_of on undated)
            cands.setdefault(pos, _Cand(pos)).cos = cos
        if not cands:
            return []
        for c in cands.values():
            c.bm25 = float(bm25[c.pos])
        missing = [c for c in cands.values() if c.cos is None]
        if missing:
            vecs = self.store.chunk_vectors([snap.ids[c.pos] for c in missing])
            for c in missing:
                v = vecs.get(snap.ids[c.pos])
                c.cos = float(np.dot(v, vector)) if v is not None else 0.0

        # -- fuse at article level ------------------------------------------------------
        by_article: dict[str, list[_Cand]] = {}
        for c in cands.values():
            by_article.setdefault(snap.article_ids[c.pos], []).append(c)
        bmax = max(c.bm25 for c in cands.values()) or 1.0
        coss = [c.cos for c in cands.values()]
        cmax, cmin = max(coss), min(coss)
        crange = (cmax - cmin) or 1.0
        for c in cands.values():
            c.fused = w.keyword * c.bm25 / bmax + w.vector * (c.cos - cmin) / crange
        art_score: dict[str, float] = {}
        for a, cs in by_article.items():
            kw = max(c.bm25 for c in cs) / bmax
            vs = (max(c.cos for c in cs) - cmin) / crange
            art_score[a] = (w.keyword * kw + w.vector * vs
                            + self._time_boost(int(snap.published[cs[0].pos]), query))
        ranked = sorted(art_score, key=art_score.get, reverse=True)
        also_in: dict[str, list[str]] = {}
        if w.one_per_story:
            ranked, also_in = self._one_per_story(ranked, k, snap)

        # -- diverse passages -----------------------------------------------------------
        focused = (len(ranked) == 1 or
                   art_score[ranked[1]] < w.focus_ratio * art_score[ranked[0]])
        passages: list[_Passage] = []
        for a in ranked[:max(k, 1) * 2]:
            passages += self._passages(a, by_article[a], art_score[a], snap)
        passages.sort(key=lambda p: p.relevance, reverse=True)
        chosen, rest, taken = [], [], {}
        for p in passages:
            cap = (w.focused_per_article if focused and p.article_id == ranked[0]
                   else w.per_article)
            if len(chosen) < k and taken.get(p.article_id, 0) < cap:
                chosen.append(p)
                taken[p.article_id] = taken.get(p.article_id, 0) + 1
            else:
                rest.append(p)
        # Fewer articles than k match (one article in the index, say): the best remaining
        # passages of the same articles are better than nothing.
        chosen += rest[:k - len(chosen)]
        return self._hits(chosen, snap, also_in)

    def _one_per_story(self, ranked: list[str], k: int, snap: Snapshot
                       ) -> tuple[list[str], dict[str, list[str]]]:
        """Wire copies count once: of the articles of one story (assistant/stories.py) among
        the best-ranked, the best stands for it and the others become its "also in" outlets.
        The best, not the earliest: a later copy is often the updated one, and it is the one
        that matched the question."""
        head = ranked[:max(k, 1) * 4]
        if self._story_snap is not snap:  # the index changed: an article may have, too
            self._story_of, self._story_snap = {}, snap
        known = self._story_of
        missing = [a for a in head if a not in known]
        if missing:  # an article's story and outlet only change with the article
            for a, info in self.store.article_info(missing).items():
                known[a] = (info.story, info.outlet or site_name(info.url) or info.title)
        rep_of: dict[str, str] = {}
        kept: list[str] = []
        also_in: dict[str, list[str]] = {}
        for a in head:
            story, name = known.get(a, (a, ""))
            rep = rep_of.setdefault(story, a)
            if rep == a:
                kept.append(a)
                continue
            names = also_in.setdefault(rep, [])
            if name and name != known.get(rep, ("", ""))[1] and name not in names:
                names.append(name)
        return kept + ranked[len(head):], also_in

    def _time_boost(self, published: int, query: Query) -> float:
        if query.window is None or published == NO_DATE:
            return 0.0
        weight = self.weights.time_explicit if query.explicit_time else self.weights.time_default
        ws, we = _ts(query.window.start), _ts(query.window.end)
        dist = max(0, ws - published, published - we) / DAY
        return weight * math.exp(-dist / self.weights.time_decay_days)

    def _passages(self, article_id: str, cands: list[_Cand], score: float,
                  snap: Snapshot) -> list[_Passage]:
        """An article's candidate chunks as passages, best first: a chunk next to a better
        one (and nearly as good) joins its passage, up to MAX_MERGED chunks; the others
        stand alone, ranked below the article's first passage."""
        cands = sorted(cands, key=lambda c: c.fused, reverse=True)
        best = cands[0].fused or 1e-9
        groups: list[list[_Cand]] = []
        for c in cands:
            n = int(snap.chunk[c.pos])
            near = None
            if c.fused >= self.weights.sibling_ratio * best:
                near = next((g for g in groups if len(g) < MAX_MERGED and
                             any(abs(int(snap.chunk[x.pos]) - n) == 1 for x in g)), None)
            if near is not None:
                near.append(c)
            else:
                groups.append([c])
        # A weaker passage that ended up next to a better one (its neighbour joined that
        # one later) is merged into it while the result stays within MAX_MERGED chunks.
        merged: list[list[_Cand]] = []
        for g in groups:
            nums = {int(snap.chunk[c.pos]) for c in g}
            into = next((h for h in merged if len(h) + len(g) <= MAX_MERGED and
                         any(abs(int(snap.chunk[x.pos]) - n) <= 1 for x in h for n in nums)),
                        None)
            if into is not None:
                into.extend(g)
            else:
                merged.append(g)
        groups = merged
        out = []
        for i, g in enumerate(groups):
            rel = score if i == 0 else (score * max(g[0].fused, 0.0) / best
                                        * self.weights.second_passage_penalty ** i)
            g.sort(key=lambda c: int(snap.chunk[c.pos]))
            out.append(_Passage(article_id, [c.pos for c in g], rel,
                                max(c.cos for c in g)))
        return out

    def _hits(self, passages: list[_Passage], snap: Snapshot,
              also_in: dict[str, list[str]] | None = None) -> list[Hit] | None:
        """Hits with texts from the article records; None when the index is stale (an
        article changed or vanished since the snapshot)."""
        ids = list(dict.fromkeys(p.article_id for p in passages))
        if not ids:
            return []
        arts = self.store.article_texts(ids)
        hits: list[Hit] = []
        for p in passages:
            if p.article_id not in arts:
                return None
            text, info = arts[p.article_id]
            if any(parse_chunk_id(snap.ids[x])[1] != info.version for x in p.chunks):
                return None
            start = int(min(snap.start[x] for x in p.chunks))
            end = int(max(snap.end[x] for x in p.chunks))
            hits.append(RankedHit(
                article_id=p.article_id, title=info.title, url=info.url,
                published=info.published, text=text[start:end], start=start, end=end,
                score=round(float(p.cos), 4), chunk_index=int(snap.chunk[p.chunks[0]]),
                authors=info.authors, outlet=info.outlet, story=info.story,
                also_in=(also_in or {}).get(p.article_id, []), version=info.version,
                chunks=len(p.chunks),
                relevance=round(float(p.relevance), 4)))
        return hits

    # -- Chroma access ---------------------------------------------------------------------

    def _where(self, snap: Snapshot, lo: int | None, hi: int | None, query: Query):
        """The vector search's date filter. `as_of` alone is applied afterwards (undated
        articles stay eligible, and Chroma cannot say "no published_ts")."""
        if not (query.since or query.until):
            return None
        if not snap.dated_in_chroma:  # an index written before chunks carried published_ts
            keep = sorted({snap.article_ids[i] for i in np.flatnonzero(
                (snap.published != NO_DATE) & (snap.published >= (lo or -(1 << 62)))
                & (snap.published <= (hi if hi is not None else 1 << 62)))})
            return where_clause(article_ids=keep)
        return where_clause(since_ts=lo, until_ts=hi)

    def _vector(self, vector: np.ndarray, n: int, where) -> list[tuple[str, float]]:
        try:
            return self.store.nearest_chunks(vector, n, where)
        except (StoreError, *TRANSPORT_ERRORS):
            raise  # the server is down: say so, don't answer from the keywords alone
        except Exception:  # e.g. n larger than what the filter leaves on some versions
            return []

    # -- the single-signal baselines (benchmarks, debugging) -------------------------------

    def search_keyword(self, question: str, k: int = 5) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) of the k best chunks: the keyword-only baseline."""
        self.refresh(force=False)
        snap = self.keyword.snapshot
        scores = self.keyword.scores(question, snap)
        return [(snap.ids[p], float(scores[p])) for p in _top(scores, k)]

    def search_vector(self, question: str, k: int = 5,
                      vector: np.ndarray | None = None) -> list[Hit]:
        """Plain Chroma nearest neighbours: the vector-only baseline."""
        if vector is None:
            vector = self.embed_query(question)
        with store_faults(self.store.settings):
            return self.store.query(vector, k)


def _top(scores: np.ndarray, n: int) -> list[int]:
    """Positions of the n highest positive scores, best first."""
    n = min(n, int((scores > 0).sum()))
    if n <= 0:
        return []
    part = np.argpartition(-scores, n - 1)[:n]
    return [int(i) for i in part[np.argsort(-scores[part], kind="stable")]]


# -- the stable JSON contract of `assistant search` -----------------------------------------


def search_batch(search, lines: Iterable[str], k: int = 5, since=None, until=None,
                 as_of=None) -> Iterator[dict[str, Any]]:
    """The batch form: JSON lines {"id", "question", "date"?} in, one hits_json object per
    line out with "id" added (a line's date is its as_of; `as_of` is the default for lines
    without one). `search` is Assistant.search or Retriever.search. A bad line yields
    {"id", "error"} (id: the line number when unreadable) and the batch goes on."""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        qid: Any = n  # the line number stands in for a missing or unreadable id
        try:
            row = json.loads(line)
            qid, question = row.get("id", n), row["question"]
            hits = search(question, k, since=since, until=until,
                          as_of=row.get("date") or as_of)
        except Exception as e:  # noqa: BLE001 - reported per line
            yield {"id": qid, "error": f"line {n}: {e}"}
            continue
        yield {"id": qid, **hits_json(question, hits)}
