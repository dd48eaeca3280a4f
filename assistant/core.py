"""The one library API that the CLI, the REST API and the chat UI all call."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from functools import cached_property
from pathlib import Path

from tqdm import tqdm

from .answer import extractive
from .answer.kinds import PLACES
from .answer.llm import LLMAnswerer
from .chat import Conversations, Turn, rewrite_followup
from .config import Settings, get_settings
from .dates import check_dates, find_time, parse_date
from .embed import Embedder, get_embedder, model_cache
from .errors import LoadError, QuestionError, QueueError
from .feeds import Feed, FeedRegistry
from .ingest.fetch import Fetcher
from .ingest.pipeline import IngestReport, ingest, quote_extractor, quote_vectors
from .ingest.poll import poll_feed
from .ingest.sources import FEED_ACCEPT, parse_listing
from .quotes import RULES
from .quotes import answers as quote_answers
from .quotes.speakers import group_key, last_name, matches, speaks_for, speaks_for_body
from .retrieve import Retriever
from .store import ArticleInfo, Prepared, Store, published_ts, recorded_model
from .text import sentence_spans, visible_text, without_surrogates
from .types import Answer, Article, Hit, IndexedQuote, Job, Speaker


def check_question(text: str, limit: int, what: str = "question") -> str:
    """text less its lone surrogates, or QuestionError when it is longer than limit (nothing
    visible, 100 kB of NULs included, counts as an empty question, not a long one)."""
    if limit and len(text) > limit and visible_text(text):
        advice = ("Ask it in a sentence or two: to search the articles for a passage, use a "
                  "few of its words." if what == "question" else
                  "Use a few words of the passage you are looking for.")
        raise QuestionError(f"Your {what} is too long ({len(text):,} characters; the limit is "
                            f"{limit:,}). {advice}")
    return without_surrogates(text)


# Quotes read, nearest the topic first, for those who speak for a body asked about
SPOKESPEOPLE_READ = 200


class Assistant:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or get_settings()

    @cached_property
    def embedder(self) -> Embedder:
        s = self.settings
        if s.embed_base_url:  # an embeddings service (assistant/embed_remote.py)
            from .embed_remote import RemoteEmbedder

            return RemoteEmbedder(s.embed_base_url, s.embed_model,
                                  s.embed_api_key.get_secret_value(), s.embed_batch,
                                  s.embed_concurrency, s.embed_timeout, s.embed_retries)
        return get_embedder(s.embed_model_dir or None, self.embed_fast,
                            str(model_cache(s.data_dir / "models")), s.embed_threads or None)

    @cached_property
    def embed_fast(self) -> bool:
        """Whether the int8 model embeds: as configured, else int8 for a new index and the
        model an existing index holds (docs/deploy.md, "Ingest speed")."""
        if self.settings.embed_fast is not None:
            return self.settings.embed_fast
        recorded = recorded_model(self.settings)
        return recorded is None or recorded.endswith("+int8")

    @cached_property
    def store(self) -> Store:
        return Store(self.settings, self.embedder.name, self.embedder.dim)

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.store, self.embedder)

    @cached_property
    def llm(self) -> LLMAnswerer | None:
        """The LLM answerer when one is configured; None means extractive answers."""
        return LLMAnswerer(self.settings) if self.settings.llm_enabled else None

    @cached_property
    def conversations(self) -> Conversations:
        return Conversations(self.settings.data_dir)

    @cached_property
    def fetcher(self) -> Fetcher:
        """How URLs are fetched: public addresses only, unless ASSISTANT_FETCH_ALLOW."""
        return Fetcher.from_settings(self.settings)

    @cached_property
    def feeds(self) -> FeedRegistry:
        return FeedRegistry(self.settings.data_dir)

    # -- articles --------------------------------------------------------------------------

    def ingest(self, paths: list[str | Path], progress: bool | None = None,
               on_progress: Callable[[int, int], None] | None = None,
               articles: list[Article] | None = None) -> IngestReport:
        """Index files, folders and URLs (pages, RSS/Atom feeds, sitemaps), and `articles`
        already loaded. progress: a bar on stderr (None: on a terminal); on_progress(done,
        total): after each written batch (a job's progress)."""
        changed = True
        try:
            report = ingest([p if str(p).startswith(("http://", "https://")) else Path(p)
                             for p in paths], self.store, self.embedder,
                            chunk_tokens=self.settings.chunk_tokens,
                            chunk_overlap=self.settings.chunk_overlap, progress=progress,
                            quotes=self.settings.extract_quotes, on_progress=on_progress,
                            fetcher=self.fetcher, max_items=self.settings.fetch_max_items,
                            articles=articles)
            changed = bool(report.added or report.updated)
            if self.settings.embed_fast is None and not self.embed_fast \
                    and not self.settings.embed_base_url:
                report.notes.append(
                    f"this index holds fp32 vectors ({self.embedder.name}), so they stay fp32; "
                    "new indexes use the int8 model, ~1.4x faster to build. To switch, index "
                    "the articles again into a new index (--index DIR), or set "
                    "ASSISTANT_EMBED_FAST=0 to keep fp32 without this note")
            return report
        finally:
            if changed:  # a stopped run may have written some batches too
                # The keyword index is derived from Chroma: follow it now (and save it),
                # not in the next search.
                self.retriever.refresh()

    def ensure_seeded(self) -> IngestReport | None:
        """Index seeds/ when the index is empty (first run)."""
        if self.store.count_articles() == 0 and self.settings.seeds_dir.is_dir():
            return self.ingest([self.settings.seeds_dir])
        return None

    def articles(self) -> list[ArticleInfo]:
        return self.store.list_articles()

    def article(self, article_id: str) -> Article | None:
        return self.store.get_article(article_id)

    def stats(self) -> dict:
        return self.store.stats()

    def quotes_outdated(self) -> int:
        """Articles whose quotes older rules found: what `quotes --rebuild` would redo."""
        return self.store.quotes_outdated()

    def delete(self, article_id: str) -> bool:
        deleted = self.store.delete_article(article_id)
        if deleted:
            self.retriever.refresh()
        return deleted

    def execute(self, job: Job, progress: Callable[[int, int], None]) -> dict:
        """Run one job of the write queue (assistant/jobs.py; a worker calls this): what it
        produced, as JSON. progress(done, total) reports, and raises Cancelled to stop."""
        if job.kind == "ingest":
            return self.ingest(job.args["paths"], progress=False, on_progress=progress).to_json()
        if job.kind == "delete":
            ids = list(job.args["ids"])
            deleted = [i for i in ids if self.delete(i)]
            return {"deleted": deleted, "missing": [i for i in ids if i not in deleted]}
        if job.kind == "rebuild_quotes":
            return {"quotes": self.rebuild_quotes(progress=False, on_progress=progress)}
        if job.kind == "poll_feed":
            return self.poll_feed(job.args["url"], on_progress=progress)
        raise QueueError(f"unknown kind of job {job.kind!r}")

    def rebuild_quotes(self, progress: bool | None = None,
                       on_progress: Callable[[int, int], None] | None = None) -> int:
        """Extract every article's quotes again (after an extractor upgrade, or for an index
        built without them); returns how many quotes the index holds now."""
        extract = quote_extractor()
        if extract is None:
            from .quotes import QuoteModelError

            raise QuoteModelError("quote extraction needs spaCy and its English model; run "
                                  "`make install`")
        infos = self.store.list_articles()
        show = sys.stderr.isatty() if progress is None else progress
        for done, info in enumerate(tqdm(infos, unit="article", desc="Quotes",
                                         disable=not show)):
            if on_progress is not None:
                on_progress(done, len(infos))
            article = self.store.get_article(info.id)
            if article is None:  # deleted meanwhile
                continue
            found = extract(article)
            spans, vectors = self.store.article_sentences(article.id, article.version)
            if not spans:  # indexed before sentence vectors were stored
                spans = sentence_spans(article.text)
                vectors = self.embedder.embed([article.text[s:e] for s, e in spans])
            p = Prepared(article, [], None, found, quote_rules=RULES, sentences=spans,
                         sentence_vectors=vectors)
            p.quote_vectors = quote_vectors(p, self.embedder)
            self.store.replace_quotes([p])
        return self.store.count_quotes()

    # -- feeds -----------------------------------------------------------------------------

    def add_feed(self, url: str, every: float | None = None) -> Feed:
        """Register a feed or sitemap after checking that it is one (fetched once, through
        the same checks as every fetch): due for its first poll at once."""
        listing = parse_listing(self.fetcher.get(url, accept=FEED_ACCEPT))
        return self.feeds.add(url, every or self.settings.feed_every_seconds,
                              title=listing.title)

    def remove_feed(self, url: str) -> bool:
        """Stop polling a feed (its articles stay indexed)."""
        return self.feeds.remove(url)

    def list_feeds(self) -> list[Feed]:
        return self.feeds.list()

    def poll_feed(self, url: str, on_progress: Callable[[int, int], None] | None = None
                  ) -> dict:
        """Poll one registered feed now: new and changed items are indexed."""
        if self.feeds.get(url) is None:
            raise LoadError("not a registered feed (add it with `assistant feeds add`)", url)
        return poll_feed(url, self.feeds, self.fetcher, self.store,
                         lambda arts: self.ingest([], progress=False, on_progress=on_progress,
                                                  articles=arts),
                         self.settings.fetch_max_items)

    # -- quotes ----------------------------------------------------------------------------

    def quotes(self, speaker: str | None = None, about: str | None = None,
               limit: int = 20, since: str | None = None,
               until: str | None = None) -> list[IndexedQuote]:
        """Quotes from the index: by a speaker ("Putin" matches "Vladimir Putin"), about a
        topic (best first, above the noise threshold; without one, newest first), published
        in since..until (YYYY-MM-DD, YYYY-MM, YYYY)."""
        self.check_dates(since, until)
        about = (about or "").strip()
        vec = self.retriever.embed_query(about) if about else None
        found = self._find_quotes(speaker, vec, n=max(limit * 4, 50), since=since,
                                  until=until)
        if vec is not None:
            found = [q for q in found if q.score >= self.settings.min_score]
        return found[:limit]

    def speakers(self, about: str | None = None, limit: int = 20, since: str | None = None,
                 until: str | None = None) -> list[Speaker]:
        """Who the articles quote most (about a topic: among the quotes on it), one name per
        person, with how many statements, in how many articles, and the latest date."""
        self.check_dates(since, until)
        about = (about or "").strip()
        if about:
            vec = self.retriever.embed_query(about)
            found = [q for q in self._find_quotes(None, vec, n=500, since=since, until=until)
                     if q.score >= self.settings.min_score]
        else:
            found = self._find_quotes(None, None, since=since, until=until)
        return quote_answers.speakers(found, limit)

    def _find_quotes(self, speaker: str | None, vec, n: int = 50,
                     articles: list[str] | None = None, since: str | None = None,
                     until: str | None = None) -> list[IndexedQuote]:
        speaker = (speaker or "").strip()
        key = last_name(speaker) if speaker else None
        if speaker and not key:
            return []
        lo, hi = parse_date(since), parse_date(until, end=True)
        where = dict(article_ids=articles or None,
                     since_ts=published_ts(lo.isoformat()) if lo else None,
                     until_ts=published_ts(hi.isoformat()) if hi else None)
        found = self.store.find_quotes(vec, n=n, speaker_last=key, **where)
        # a pronoun nobody could resolve has no speaker to show
        found = [q for q in found if q.speaker and (not speaker or matches(speaker, q.speaker))]
        if speaker and vec is not None and speaks_for_body(speaker, PLACES):
            # "How did Ukraine react?": its president, its ministers and its officials
            # speak for it (read among the topic's nearest)
            seen = {(q.article_id, q.n) for q in found}
            found += [q for q in self.store.find_quotes(vec, n=max(n, SPOKESPEOPLE_READ), **where)
                      if q.speaker and (q.article_id, q.n) not in seen and
                      (speaks_for(speaker, q.speaker) or speaks_for(speaker, q.mention))]
        return found

    def _quote_answer(self, question: str, asked: quote_answers.QuoteQuestion,
                      hits: list[Hit], since: str | None = None,
                      until: str | None = None) -> Answer | None:
        """The answer from the quote index to a who-said question (`asked`, as parsed), or
        None when the index holds nothing that fits (the passages answer instead)."""
        if not asked.topic:
            found = (self._find_quotes(asked.speaker, None, since=since, until=until)
                     if asked.speaker else [])
        else:
            vec = self.retriever.embed_query(asked.topic)
            # a stance keeps few of what comes up ("criticised": the cue must carry it):
            # it reads further down
            n = quote_answers.STANCE_CANDIDATES if asked.stance else 60
            found = [q for q in self._find_quotes(asked.speaker, vec, n=n, since=since,
                                                  until=until)
                     if q.score >= self.settings.min_score]
            # The articles the passages came from are where the topic is discussed: their
            # quotes count even when the quote's own words don't name the topic, the best
            # article's first.
            retrieved = list(dict.fromkeys(h.article_id for h in hits
                                           if h.score >= self.settings.min_score))
            top = retrieved[:3]
            if top:
                rank = {a: i for i, a in enumerate(top)}
                by_key = {(q.article_id, q.n): q for q in found}
                for q in self._find_quotes(asked.speaker, vec, n=200, articles=top,
                                           since=since, until=until):
                    if asked.speaker and q.score < self.settings.min_score:
                        continue  # the article came up for the name, these words don't
                    q = by_key.setdefault((q.article_id, q.n), q)
                    q.score += 0.1 / (1 + rank[q.article_id])
                found = list(by_key.values())
            if not asked.stance:
                # anyone's words, or a named speaker's: from the articles retrieved for the
                # topic, or on the calibrated bar of their own
                found = [q for q in found if q.article_id in retrieved
                         or q.score >= quote_answers.ON_TOPIC]
        found = quote_answers.rank(found, asked.stance)
        if asked.stance and asked.topic:
            found = [q for q in found if quote_answers.aims_at(asked.topic, q, q.speaker)]
        # compose cites at most MAX_QUOTES: the best few times that are read with their
        # articles (headlines found, citations shown in context), in one store call
        found = found[:quote_answers.MAX_QUOTES * 4]
        texts = self._texts(found)
        about = {a: quote_answers.article_about(asked.topic, t) for a, t in texts.items()}
        centred = {a: quote_answers.centred_on(asked.topic, t) for a, t in texts.items()}
        found = [q for q in found if not quote_answers.in_headline(q, texts.get(q.article_id))
                 and about.get(q.article_id, True)
                 and quote_answers.named_around(asked.topic, q, texts.get(q.article_id),
                                                centred.get(q.article_id, True))]
        if not found and asked.stance:  # "who criticised X?": those who did, or no one
            return quote_answers.no_stance(asked, question)
        if not found:
            return None
        if asked.timeline:
            return quote_answers.timeline(question, found, texts)
        return quote_answers.compose(question, found, texts)

    def _texts(self, quotes: list[IndexedQuote]) -> dict[str, str]:
        """The texts of the quotes' articles (their citations show the sentence around)."""
        return {a: text for a, (text, _) in
                self.store.article_texts(q.article_id for q in quotes).items()}

    def person(self, name: str, about: str | None = None, limit: int = 20) -> Answer:
        """What one person said (about a topic), newest first, dated and cited: the People
        view's page of a speaker."""
        # Everyone of that last name, then the ones shown under this name: "Obama" and
        # "President Obama" are Barack Obama's, as the People list counted them.
        found = quote_answers.rank(self.quotes(speaker=last_name(name), about=about,
                                               limit=max(200, limit * 4)))
        names = quote_answers.canonical_names(found)
        found = [q for i, q in enumerate(found) if group_key(names[i]) == group_key(name)]
        if not found:
            return Answer(question=name, answer=f"No statement by {name} was found in the "
                                                 f"articles.")
        return quote_answers.timeline(name, found[:limit], self._texts(found[:limit]),
                                      newest_first=True)

    # -- questions -------------------------------------------------------------------------

    def search(self, question: str, k: int | None = None, since: str | None = None,
               until: str | None = None, as_of: str | None = None) -> list[Hit]:
        """Ranked passages (hybrid, diverse). since/until: inclusive publication-date
        filters (YYYY-MM-DD, YYYY-MM, YYYY); as_of: the date the question is asked on."""
        return self.retriever.search(question, k or self.settings.top_k, since=since,
                                     until=until, as_of=as_of)

    def check_question(self, text: str, what: str = "question") -> str:
        """text less its lone surrogates, or QuestionError when it is longer than
        max_question_chars (the one limit of every shell)."""
        return check_question(text, self.settings.max_question_chars, what)

    check_dates = staticmethod(check_dates)

    def _refusal(self, typed: str, raw: str) -> Answer | None:
        """An answer to a question we won't run: empty, or too long to be one."""
        if not typed:
            return Answer(question="", answer="Please ask a question.",
                          warnings=["empty question"])
        try:
            self.check_question(raw)
        except QuestionError as e:
            return Answer(question=typed[:200], answer=str(e), warnings=["question too long"])
        return None

    def _prepare(self, question: str, conversation: str | None, history: list[Turn] | None,
                 since: str | None = None, until: str | None = None,
                 as_of: str | None = None
                 ) -> tuple[str, list[Hit], Callable[[], Answer], Answer | None]:
        """(standalone question, sources, offline answer, the attribution list of a who-said
        question or None). The sources are the passages, or the attributions."""
        if conversation:
            history = self.conversations.history(conversation)
        if history:
            question = rewrite_followup(question, history, self.llm)
        qvec = self.retriever.embed_query(question)
        hits = self.retriever.search(question, self.settings.top_k, vector=qvec,
                                     since=since, until=until, as_of=as_of)
        asked = quote_answers.parse(question)
        quoted = self._quote_answer(question, asked, hits, since, until) if asked else None
        if quoted is not None:
            return question, quote_answers.as_hits(quoted), lambda: quoted, quoted

        def fallback() -> Answer:
            found = extractive.answer(question, hits, qvec, self.embedder,
                                      self.settings.min_score, self.store.sentences,
                                      self.retriever.keyword.missing)
            found = extractive.outside_window(found, find_time(question, parse_date(as_of)))
            if asked is not None and asked.speaker and found.citations:
                # "what did Putin say?" with no statement of his: say so, never pass off
                # sentences about him as his words
                found.answer = (f"No statement by {asked.speaker} was found in the articles. "
                                f"Passages that mention {asked.speaker}:\n{found.answer}")
            return found

        return question, hits, fallback, None

    def _answer(self, question: str, hits: list[Hit], fallback: Callable[[], Answer],
                listed: Answer | None) -> Answer:
        """The answer, not streamed. A who-said answer is the attribution list, whole, with
        an LLM's summary above it when there is an LLM: no reply of a model can shorten it."""
        if listed is not None:  # (a list of no one has nothing to sum up)
            return self.llm.synthesise(question, hits, listed) if self.llm and \
                listed.citations else listed
        return self.llm.answer(question, hits, fallback) if self.llm else fallback()

    def ask(self, question: str, conversation: str | None = None,
            history: list[Turn] | None = None, since: str | None = None,
            until: str | None = None, as_of: str | None = None) -> Answer:
        """conversation: an id whose history is read and extended; history: turns held by
        the caller (a Gradio chat). Either makes a follow-up standalone before retrieval.
        as_of: the day the question is asked on, which "this week" is relative to (default
        today).
        since/until: only articles published in that range (YYYY-MM-DD, YYYY-MM, YYYY)."""
        typed = visible_text(question)
        if (refused := self._refusal(typed, question)) is not None:
            return refused
        question, hits, fallback, listed = self._prepare(typed, conversation, history, since,
                                                         until, as_of)
        result = self._answer(question, hits, fallback, listed)
        if conversation:
            self.conversations.add(conversation, typed, result, standalone=question)
        return result

    def ask_stream(self, question: str, conversation: str | None = None,
                   history: list[Turn] | None = None, since: str | None = None,
                   until: str | None = None) -> Iterator[str | Answer]:
        """Text pieces as they are ready, then the final Answer (citations attached), which
        supersedes the pieces (quote flags, or the extractive fallback after a fault)."""
        typed = visible_text(question)
        if (refused := self._refusal(typed, question)) is not None:
            yield refused
            return
        question, hits, fallback, listed = self._prepare(typed, conversation, history, since,
                                                         until)
        if self.llm and listed is None:
            pieces = self.llm.stream(question, hits, fallback)
        else:  # the summary of a list is short: it comes whole, with its list
            result = self._answer(question, hits, fallback, listed)
            pieces = iter([*(w + " " for w in result.answer.split(" ")), result])
        for piece in pieces:
            if isinstance(piece, Answer) and conversation:
                self.conversations.add(conversation, typed, piece, standalone=question)
            yield piece
