"""Chroma, embedded or server, as the single source of truth for what is indexed.

Three collections per index:
- `<name>-articles`: one record per article (full text, metadata, the *current version*);
- `<name>-chunks`: the passages, id `article_id#version#n`, embedded;
- `<name>-quotes`: the attributions found in each article ("who said what"), id
  `article_id#version#qn`, embedded by their content, with speaker metadata. They are
  derived from the article text, so `Assistant.rebuild_quotes` can redo them.

Replacing an article is atomic for readers: the new version's chunks and quotes are written
first (invisible, since queries keep only records of an article's current version), then the
one article record flips to the new version, then the old records are deleted. A crash at any
point leaves either the old or the new version searchable, never both or neither, and the
next ingest finishes the job (`collect_garbage`).
"""

from __future__ import annotations

import calendar
import json
import logging
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import numpy as np

from .config import Settings
from .errors import StoreError
from .faults import guard
from .quotes import RULES
from .quotes.speakers import display_name, last_name
from .types import Article, Chunk, Hit, IndexedQuote
from .vectors import pack, unpack

log = logging.getLogger(__name__)

SCHEMA = 1
MAX_QUOTES_LISTED = 5000


@dataclass
class Prepared:
    """An article ready to write: its chunks and quotes with their embeddings."""

    article: Article
    chunks: list[Chunk]
    vectors: np.ndarray
    quotes: list = field(default_factory=list)  # assistant.quotes.Quote
    quote_vectors: np.ndarray | None = None
    quote_rules: int = 0  # the extraction rules that found `quotes`; 0: not extracted
    story: str = ""  # the wire story it belongs to (assistant/stories.py); "": its own
    signature: str = ""  # its MinHash signature, encoded
    shingles: int = 0
    sentences: list[tuple[int, int]] = field(default_factory=list)  # text.sentence_spans
    sentence_vectors: np.ndarray | None = None


@dataclass
class ArticleInfo:
    id: str
    title: str
    url: str
    published: str
    authors: list[str]
    outlet: str
    source: str
    version: str
    chunks: int
    ingested_at: str
    story: str = ""  # the id of the wire story's first article (its own when it is first)

    @classmethod
    def from_meta(cls, id: str, m: dict) -> "ArticleInfo":
        return cls(id=id, title=m.get("title", ""), url=m.get("url", ""),
                   published=m.get("published", ""), authors=_split_authors(m.get("authors", "")),
                   outlet=m.get("outlet", ""), source=m.get("source", ""),
                   version=m.get("version", ""), chunks=int(m.get("chunks", 0)),
                   ingested_at=m.get("ingested_at", ""), story=m.get("story") or id)


def _split_authors(s: str) -> list[str]:
    return json.loads(s) if s.startswith("[") else ([s] if s else [])


def published_ts(published: str) -> int | None:
    """UTC midnight of an ISO publication date as Unix seconds (None when unknown): chunks
    carry it as `published_ts` so Chroma can filter date ranges (`$gte`/`$lte` need ints)."""
    try:
        d = date.fromisoformat((published or "")[:10])
    except ValueError:
        return None
    return calendar.timegm(d.timetuple())


def where_clause(*, article_ids: Iterable[str] | None = None, since_ts: int | None = None,
                 until_ts: int | None = None, **equal) -> dict | None:
    """A Chroma `where` filter: every condition given, ANDed; None when there is none.
    article_ids: records of these articles only (an empty list matches nothing);
    since_ts/until_ts: inclusive bounds on `published_ts`; equal: metadata key == value."""
    clauses: list[dict] = [{k: v} for k, v in equal.items() if v is not None]
    if article_ids is not None:
        ids = list(dict.fromkeys(article_ids))
        clauses.append({"article_id": {"$in": ids}} if ids else {"article_id": "\0none"})
    if since_ts is not None:
        clauses.append({"published_ts": {"$gte": since_ts}})
    if until_ts is not None:
        clauses.append({"published_ts": {"$lte": until_ts}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def make_client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_host:
        try:
            client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                         settings=chroma_settings)
        except Exception as e:  # chromadb raises bare ValueError/ConnectionError here
            raise StoreError(f"cannot reach the Chroma server at {settings.chroma_host}:"
                             f"{settings.chroma_port}: {e}") from e
        _set_timeout(client, settings.chroma_timeout)
        return client
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.index_dir), settings=chroma_settings)


def _set_timeout(client, seconds: float) -> None:
    """chromadb's HttpClient waits forever (its httpx session has timeout=None) and offers
    no setting for it; its session is httpx's public Client, reached through one private
    attribute of the pinned chromadb (if an upgrade moves it, say so). chromadb shares one
    session per server within a process, so the last client made sets it for all."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(seconds, connect=min(seconds, 10.0))
    else:  # pragma: no cover - depends on the chromadb version
        log.warning("cannot set a request timeout on this chromadb's HttpClient: a hung "
                    "Chroma server will block queries")


def recorded_model(settings: Settings) -> str | None:
    """The embedding model an existing index was built with; None when there is no index
    yet (nothing is created to find out)."""
    if not settings.chroma_host and not (settings.index_dir / "chroma.sqlite3").is_file():
        return None
    try:
        col = make_client(settings).get_collection(f"{settings.collection}-chunks")
    except Exception:  # no such collection yet (or a server not answering: Store says so)
        return None
    return (col.metadata or {}).get("embed_model")


def _where_store(settings: Settings) -> str:
    if settings.chroma_host:
        return f"Chroma server {settings.chroma_host}:{settings.chroma_port}"
    return str(settings.index_dir)


class Store:
    def __init__(self, settings: Settings, embed_model: str, embed_dim: int, client=None):
        self.settings = settings
        self.embed_model = embed_model
        self.embed_dim = embed_dim
        self.client = client or make_client(settings)
        meta = {"embed_model": embed_model, "embed_dim": embed_dim, "schema": SCHEMA}
        try:
            self.articles = self._collection(f"{settings.collection}-articles", meta)
            self.chunks = self._collection(f"{settings.collection}-chunks", meta)
            self.quotes = self._collection(f"{settings.collection}-quotes", meta)
            # One record, rewritten after every change: readers in other processes (app
            # instances, workers) see at once that their derived state (the keyword index)
            # is stale, without listing every chunk.
            self.changes = self._collection(f"{settings.collection}-changes", meta)
        except StoreError:
            raise
        except Exception as e:
            raise StoreError(f"cannot open the index at {_where_store(settings)}: {e}") from e
        self.max_batch = self._max_batch()

    def _collection(self, name: str, meta: dict):
        col = self.client.get_or_create_collection(
            name, metadata=meta, configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None)
        have = col.metadata or {}
        if have.get("embed_model") != self.embed_model or have.get("embed_dim") != self.embed_dim:
            raise StoreError(
                f"the index at {_where_store(self.settings)} was built with embedding model "
                f"{have.get('embed_model')!r} (dim {have.get('embed_dim')}), but this assistant "
                f"uses {self.embed_model!r} (dim {self.embed_dim}). Use the same model "
                f"(ASSISTANT_EMBED_MODEL_DIR) or another index (--index / ASSISTANT_INDEX_DIR).")
        return guard(col, self.settings)  # a server that stops answering: StoreError

    def _max_batch(self) -> int:
        try:
            return max(1, min(int(self.client.get_max_batch_size()), 4000))
        except Exception:
            return 1000

    # -- reading ---------------------------------------------------------------------------

    def count_articles(self) -> int:
        return self.articles.count()

    def probe(self) -> int:
        """A real, cheap round trip through every collection (one nearest-neighbour query on
        the chunks): the articles count, or the error a question would meet now."""
        n = self.articles.count()
        if self.chunks.count():
            probe = np.zeros(self.embed_dim, dtype=np.float32)
            probe[0] = 1.0
            self.chunks.query(query_embeddings=[probe.tolist()], n_results=1, include=[])
        self.quotes.count()
        return n

    def change_marker(self) -> str:
        """A token that changes whenever any writer changes the index ("" before the first
        change an indexer of this version made)."""
        got = self.changes.get(ids=["marker"], include=["metadatas"])
        return str(got["metadatas"][0].get("token", "")) if got["ids"] else ""

    def _changed(self) -> None:
        self.changes.upsert(ids=["marker"], embeddings=[[1.0]], documents=[""],
                            metadatas=[{"token": uuid.uuid4().hex, "at": time.time()}])

    def counts(self) -> tuple[int, int]:
        """(articles, chunks): two cheap calls that tell whether another writer moved."""
        return self.articles.count(), self.chunks.count()

    def count_quotes(self) -> int:
        return self.quotes.count()

    def stats(self) -> dict:
        """What is indexed: counts, size on disk (None for a server) and the embedder."""
        size = None
        if not self.settings.chroma_host and self.settings.index_dir.is_dir():
            size = sum(p.stat().st_size for p in self.settings.index_dir.rglob("*")
                       if p.is_file())
        return {"articles": self.articles.count(), "chunks": self.chunks.count(),
                "quotes": self.quotes.count(), "bytes": size, "embedder": self.embed_model,
                "quotes_outdated": self.quotes_outdated()}

    def quotes_outdated(self) -> int:
        """Articles whose quotes older extraction rules found, or none did: what
        `assistant quotes --rebuild` would redo."""
        articles = self.articles.count()
        if not articles:
            return 0
        current = self.articles.get(where=where_clause(quote_rules=RULES), include=[])["ids"]
        return articles - len(current)

    def article_info(self, ids: Iterable[str]) -> dict[str, ArticleInfo]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        got = self.articles.get(ids=ids, include=["metadatas"])
        return {i: ArticleInfo.from_meta(i, m) for i, m in zip(got["ids"], got["metadatas"])}

    def article_texts(self, ids: Iterable[str]) -> dict[str, tuple[str, ArticleInfo]]:
        """{id: (stored text, info)} of the given articles that exist."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        got = self.articles.get(ids=ids, include=["documents", "metadatas"])
        return {i: (doc, ArticleInfo.from_meta(i, m))
                for i, doc, m in zip(got["ids"], got["documents"], got["metadatas"])}

    def list_articles(self) -> list[ArticleInfo]:
        got = self.articles.get(include=["metadatas"])
        infos = [ArticleInfo.from_meta(i, m) for i, m in zip(got["ids"], got["metadatas"])]
        return sorted(infos, key=lambda a: (a.published, a.title), reverse=True)

    def get_article(self, article_id: str) -> Article | None:
        got = self.articles.get(ids=[article_id], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        m, text = got["metadatas"][0], got["documents"][0]
        info = ArticleInfo.from_meta(article_id, m)
        return Article(id=article_id, text=text, title=info.title, url=info.url,
                       published=info.published, authors=info.authors, outlet=info.outlet,
                       source=info.source)

    def query(self, vector: np.ndarray, k: int, where: dict | None = None) -> list[Hit]:
        """The k nearest passages of current article versions, best first."""
        n = self.chunks.count()
        if n == 0:
            return []
        # Over-fetch: some hits may belong to a version being replaced right now.
        got = self.chunks.query(query_embeddings=[vector.tolist()], n_results=min(n, k * 2 + 4),
                                where=where, include=["metadatas", "documents", "distances"])
        metas, docs, dists = got["metadatas"][0], got["documents"][0], got["distances"][0]
        current = self.article_info(m["article_id"] for m in metas)
        hits = []
        for m, doc, dist in zip(metas, docs, dists):
            info = current.get(m["article_id"])
            if info is None or info.version != m["version"]:
                continue
            hits.append(Hit(article_id=m["article_id"], title=info.title, url=info.url,
                            published=info.published, text=doc, start=int(m["start"]),
                            end=int(m["end"]), score=1.0 - float(dist),
                            chunk_index=int(m["chunk"]), authors=info.authors,
                            outlet=info.outlet, version=info.version))
        return hits[:k]

    def nearest_chunks(self, vector: np.ndarray, n: int, where: dict | None = None
                       ) -> list[tuple[str, float]]:
        """(chunk id, cosine) of the n chunks nearest to vector among those matching `where`,
        whatever their version (the caller keeps the current ones)."""
        got = self.chunks.query(query_embeddings=[vector.tolist()], n_results=n, where=where,
                                include=["distances"])
        return [(i, 1.0 - float(d)) for i, d in zip(got["ids"][0], got["distances"][0])]

    def chunk_vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """{chunk id: its stored embedding} of the given chunks."""
        got = self.chunks.get(ids=ids, include=["embeddings"])
        return {i: np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"])}

    def find_quotes(self, vector: np.ndarray | None = None, n: int = 50, *,
                    speaker_last: str | None = None, article_ids: Iterable[str] | None = None,
                    since_ts: int | None = None, until_ts: int | None = None
                    ) -> list[IndexedQuote]:
        """Quotes of current article versions: the n nearest to `vector` (score = cosine),
        or, without a vector, every matching quote (score 0), newest first. Filters:
        the speaker's last name (speakers.last_name), these articles, a published_ts range."""
        where = where_clause(article_ids=article_ids, since_ts=since_ts, until_ts=until_ts,
                             speaker_last=speaker_last)
        if self.quotes.count() == 0:
            return []
        if vector is not None:
            got = self.quotes.query(query_embeddings=[vector.tolist()],
                                    n_results=min(self.quotes.count(), n), where=where,
                                    include=["metadatas", "documents", "distances"])
            rows = zip(got["metadatas"][0], got["documents"][0], got["distances"][0])
        else:
            # newest first needs them all; a cap keeps one call bounded on a huge index
            got = self.quotes.get(where=where, include=["metadatas", "documents"],
                                  limit=MAX_QUOTES_LISTED)
            rows = ((m, d, 1.0) for m, d in zip(got["metadatas"], got["documents"]))
        rows = list(rows)
        current = self.article_info(m["article_id"] for m, _, _ in rows)
        found = []
        for m, doc, dist in rows:
            info = current.get(m["article_id"])
            if info is None or info.version != m["version"]:
                continue
            found.append(IndexedQuote(
                article_id=m["article_id"], title=info.title, url=info.url,
                published=info.published, outlet=info.outlet, speaker=m["speaker_name"],
                mention=m["speaker"], cue=m["cue"], content=doc, start=int(m["start"]),
                end=int(m["end"]), speaker_start=int(m["speaker_start"]),
                speaker_end=int(m["speaker_end"]), direct=bool(m["direct"]),
                score=1.0 - float(dist), n=int(m["n"]), story=info.story,
                statement=bool(m.get("statement", True))))
        if vector is None:
            found.sort(key=lambda q: (q.published, q.article_id, -q.start), reverse=True)
        return found

    def story_signatures(self) -> list[tuple[str, str, str, int]]:
        """(article id, story id, encoded MinHash signature, shingle count) of every article
        that has a signature (articles indexed before stories existed have none)."""
        got = self.articles.get(include=["metadatas"])
        return [(i, m.get("story") or i, m["minhash"], int(m.get("shingles", 0)))
                for i, m in zip(got["ids"], got["metadatas"]) if m.get("minhash")]

    def article_metadata(self) -> dict[str, dict]:
        """{article id: metadata (title, published, current version...)} of every article."""
        got = self.articles.get(include=["metadatas"])
        return dict(zip(got["ids"], got["metadatas"]))

    def chunk_ids(self, page: int = 5000) -> list[str]:
        """Every chunk id (`article_id#version#n`), paged."""
        ids: list[str] = []
        while True:
            got = self.chunks.get(include=[], limit=page, offset=len(ids))
            ids.extend(got["ids"])
            if len(got["ids"]) < page:
                # offset paging while a writer adds records can repeat an id
                return list(dict.fromkeys(ids))

    def chunk_records(self, article_id: str | None = None) -> list[tuple[str, str, dict]]:
        """(id, text, metadata) of every chunk record, of one article or all, whatever its
        version (a replaced version's records until they are swept): for checks."""
        got = self.chunks.get(where=where_clause(article_id=article_id),
                              include=["documents", "metadatas"])
        return list(zip(got["ids"], got["documents"], got["metadatas"]))

    def quote_records(self, article_id: str | None = None) -> list[tuple[str, str, dict]]:
        """(id, content, metadata) of every quote record, as chunk_records."""
        got = self.quotes.get(where=where_clause(article_id=article_id),
                              include=["documents", "metadatas"])
        return list(zip(got["ids"], got["documents"], got["metadatas"]))

    def iter_chunks(self, ids: list[str] | None = None, page: int = 1000
                    ) -> Iterator[tuple[str, str, dict]]:
        """(id, text, metadata) of the given chunks (all when ids is None), paged."""
        if ids is not None:
            for b in range(0, len(ids), page):
                got = self.chunks.get(ids=ids[b:b + page], include=["documents", "metadatas"])
                yield from zip(got["ids"], got["documents"], got["metadatas"])
            return
        offset = 0
        while True:
            got = self.chunks.get(include=["documents", "metadatas"], limit=page, offset=offset)
            yield from zip(got["ids"], got["documents"], got["metadatas"])
            offset += len(got["ids"])
            if len(got["ids"]) < page:
                return

    # -- writing ---------------------------------------------------------------------------

    def _batched_add(self, collection, ids, embeddings, documents, metadatas) -> None:
        for b in range(0, len(ids), self.max_batch):
            s = slice(b, b + self.max_batch)
            collection.upsert(ids=ids[s], embeddings=embeddings[s], documents=documents[s],
                              metadatas=metadatas[s])

    def _write_quotes(self, items: list[Prepared]) -> None:
        ids, embs, docs, metas = [], [], [], []
        for p in items:
            a, version, ts = p.article, p.article.version, published_ts(p.article.published)
            for n, (q, v) in enumerate(zip(p.quotes, p.quote_vectors
                                           if p.quote_vectors is not None else [])):
                name = display_name(q)
                ids.append(f"{a.id}#{version}#q{n}")
                embs.append(v.tolist())
                docs.append(q.content)
                meta = {"article_id": a.id, "version": version, "n": n,
                        "published": a.published, "speaker": q.speaker,
                        "speaker_resolved": q.speaker_resolved, "speaker_name": name,
                        "speaker_last": last_name(name), "speaker_start": q.speaker_start,
                        "speaker_end": q.speaker_end, "cue": q.cue, "start": q.start,
                        "end": q.end, "direct": bool(q.direct),
                        "statement": bool(getattr(q, "statement", True)),
                        # a quote split by its attribution comes back as two records
                        "group": f"{q.speaker_start}:{q.cue}"}
                if ts is not None:
                    meta["published_ts"] = ts
                metas.append(meta)
        if ids:
            self._batched_add(self.quotes, ids, embs, docs, metas)

    def write(self, items: list[Prepared]) -> None:
        """Write new versions of several articles: chunks and quotes first, then the
        version flip, then the old versions' records go."""
        if not items:
            return
        ids, embs, docs, metas = [], [], [], []
        for p in items:
            article, chunks, vectors = p.article, p.chunks, p.vectors
            version = article.version
            for c, v, (spans, packed) in zip(chunks, vectors, _sentences_by_chunk(p)):
                ids.append(f"{article.id}#{version}#{c.index}")
                embs.append(v.tolist())
                docs.append(c.text)
                meta = {"article_id": article.id, "version": version, "chunk": c.index,
                        "start": c.start, "end": c.end, "published": article.published}
                if spans:
                    meta["sentences"], meta["sentence_vectors"] = spans, packed
                if (ts := published_ts(article.published)) is not None:
                    meta["published_ts"] = ts
                metas.append(meta)
        if ids:
            self._batched_add(self.chunks, ids, embs, docs, metas)
        self._write_quotes(items)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        a_ids, a_embs, a_docs, a_metas = [], [], [], []
        for p in items:
            article, chunks, vectors = p.article, p.chunks, p.vectors
            mean = vectors.mean(axis=0) if len(vectors) else np.ones(self.embed_dim)
            mean = mean / (np.linalg.norm(mean) or 1.0)
            a_ids.append(article.id)
            a_embs.append(mean.tolist())
            a_docs.append(article.text)
            a_metas.append({"title": article.title, "url": article.url,
                            "published": article.published,
                            "authors": json.dumps(article.authors), "outlet": article.outlet,
                            "source": article.source, "version": article.version,
                            "chunks": len(chunks), "quotes": len(p.quotes),
                            "quote_rules": p.quote_rules, "ingested_at": now,
                            "story": p.story or article.id, "minhash": p.signature,
                            "shingles": p.shingles})
        self.articles.upsert(ids=a_ids, embeddings=a_embs, documents=a_docs, metadatas=a_metas)
        self._changed()
        for p in items:
            self._delete_chunks(p.article.id, keep_version=p.article.version)

    def sentences(self, hits: Iterable[Hit]) -> dict[str, list[tuple[int, int, np.ndarray]]]:
        """{article id: [(start, end, vector)] sorted} of the sentences stored at ingest that
        lie wholly inside the given hits (only hits that know their article's version; none
        for an index built before sentences were stored)."""
        hits = [h for h in hits if h.version]
        if not hits:
            return {}
        # the passage's chunks and their neighbours: a sentence is stored with the first
        # chunk it starts in, which may be the one before (chunks overlap)
        ids = list(dict.fromkeys(f"{h.article_id}#{h.version}#{n}" for h in hits
                                 for n in range(max(0, h.chunk_index - 1),
                                                h.chunk_index + h.chunks)))
        got = self.chunks.get(ids=ids, include=["metadatas"])
        bounds: dict[str, list[tuple[int, int]]] = {}
        for h in hits:
            bounds.setdefault(h.article_id, []).append((h.start, h.end))
        out = {}
        for article_id, found in self._unpacked(got["metadatas"]).items():
            inside = [found[k] for k in sorted(found)
                      if any(hs <= found[k][0] and found[k][1] <= he
                             for hs, he in bounds[article_id])]
            if inside:
                out[article_id] = inside
        return out

    def article_sentences(self, article_id: str, version: str
                          ) -> tuple[list[tuple[int, int]], np.ndarray]:
        """(spans, vectors) of the sentences stored with one version of an article, sorted
        (none for an index built before sentences were stored)."""
        got = self.chunks.get(where=where_clause(article_id=article_id, version=version),
                              include=["metadatas"])
        found = self._unpacked(got["metadatas"]).get(article_id, {})
        rows = [found[k] for k in sorted(found)]
        if not rows:
            return [], np.zeros((0, self.embed_dim), dtype=np.float32)
        return [(s, e) for s, e, _ in rows], np.stack([v for _, _, v in rows])

    def _unpacked(self, metas: list[dict]) -> dict[str, dict[int, tuple[int, int, np.ndarray]]]:
        """{article id: {start: (start, end, vector)}} of the sentences packed in chunk
        records (vectors.pack); a damaged record's are left out, to be embedded again."""
        out: dict[str, dict[int, tuple[int, int, np.ndarray]]] = {}
        for m in metas:
            try:
                spans, vecs = unpack(m.get("sentences", ""), m.get("sentence_vectors", ""),
                                     self.embed_dim)
            except ValueError:
                log.warning("unreadable sentence vectors in a chunk of %s", m.get("article_id"))
                continue
            mine = out.setdefault(m["article_id"], {})
            mine.update((s, (s, e, v)) for (s, e), v in zip(spans, vecs))
        return out

    def _delete_chunks(self, article_id: str, keep_version: str | None = None) -> None:
        """Delete an article's chunks and quotes (those of other versions than keep_version)."""
        where = where_clause(article_id=article_id, version=None if keep_version is None
                             else {"$ne": keep_version})
        self.chunks.delete(where=where)
        self.quotes.delete(where=where)

    def replace_quotes(self, items: list[Prepared]) -> None:
        """Re-extracted quotes of current article versions (an extractor upgrade): the new
        records replace the old ones under the same ids, surplus old ones are deleted."""
        if not items:
            return
        got = self.articles.get(ids=list(dict.fromkeys(p.article.id for p in items)),
                                include=["metadatas"])
        current = dict(zip(got["ids"], got["metadatas"]))
        # an ingest may have replaced the article meanwhile: its quotes are newer than ours
        items = [p for p in items if (m := current.get(p.article.id)) is not None
                 and m.get("version") == p.article.version]
        self._write_quotes(items)
        for p in items:
            a = p.article
            self.quotes.delete(where=where_clause(article_id=a.id, version=a.version,
                                                  n={"$gte": len(p.quotes)}))
        if items:  # the article records say which rules found their quotes
            self.articles.update(
                ids=[p.article.id for p in items],
                metadatas=[{**current[p.article.id], "quotes": len(p.quotes),
                            "quote_rules": p.quote_rules} for p in items])
            self._changed()

    def delete_article(self, article_id: str) -> bool:
        if not self.articles.get(ids=[article_id], include=[])["ids"]:
            return False
        self.articles.delete(ids=[article_id])  # from here on its chunks are invisible
        self._changed()
        self._delete_chunks(article_id)
        return True

    def collect_garbage(self, article_ids: list[str] | None = None) -> int:
        """Delete chunks and quotes no current article version owns (left by a crash or a
        replaced version) among the given articles, or everywhere (None: maintenance, not
        while another process writes). Returns the count."""
        removed = 0
        groups = ([None] if article_ids is None else
                  [article_ids[b:b + 500] for b in range(0, len(article_ids), 500)])
        for ids in groups:
            if ids is None:
                arts = self.articles.get(include=["metadatas"])
                where = None
            else:
                arts = self.articles.get(ids=list(ids), include=["metadatas"])
                where = where_clause(article_ids=ids)
            current = {i: m.get("version") for i, m in zip(arts["ids"], arts["metadatas"])}
            for col in (self.chunks, self.quotes):
                got = col.get(where=where, include=["metadatas"])
                stale = [i for i, m in zip(got["ids"], got["metadatas"])
                         if current.get(m["article_id"]) != m["version"]]
                for b in range(0, len(stale), self.max_batch):
                    col.delete(ids=stale[b:b + self.max_batch])
                removed += len(stale)
        return removed


def _sentences_by_chunk(p: Prepared) -> list[tuple[str, str]]:
    """Per chunk, its packed sentences: each sentence is kept once, with the first chunk it
    starts in (a reader of a passage reads the records of every chunk it overlaps)."""
    if p.sentence_vectors is None or not p.sentences:
        return [("", "")] * len(p.chunks)
    owner: dict[int, list[int]] = {}
    for i, (s, _) in enumerate(p.sentences):
        home = next((c.index for c in p.chunks if c.start <= s < c.end), None)
        if home is not None:
            owner.setdefault(home, []).append(i)
    return [pack([p.sentences[i] for i in owner.get(c.index, [])],
                 p.sentence_vectors[owner.get(c.index, [])]) for c in p.chunks]


def wait_for_server(settings: Settings, timeout: float = 30.0) -> None:
    """Block until a Chroma server answers its heartbeat (used by tests and `serve`)."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            make_client(settings).heartbeat()
            return
        except Exception as e:
            last = e
            time.sleep(0.25)
    raise StoreError(f"Chroma server {settings.chroma_host}:{settings.chroma_port} did not "
                     f"answer within {timeout:.0f} s: {last}")
