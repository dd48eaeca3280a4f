"""`assistant` on the command line: a thin shell over assistant.core.Assistant."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .config import get_settings
from .dates import check_dates
from .errors import AssistantError, StoreError
from .text import plural
from .types import Answer, hits_json


# The library is imported on first use, not at the top: it pulls in chromadb, onnxruntime and
# spaCy (~2 s), which `assistant --help` and a bad argument should not wait for.
def _core():
    from . import core

    return core


_LOCKS: list = []  # held until main() returns (or the process dies: the kernel drops them)


def _assistant(args, write: bool = False):
    """The library, or the server that holds the index (assistant/remote.py).

    An embedded index has one writer (assistant/writer.py): a command that writes takes the
    index's exclusive lock, one that reads a shared one. When `assistant serve` holds it, the
    command goes through the server instead; when another command holds it, this one waits."""
    from .writer import Holder, IndexLock

    settings = get_settings(index_dir=getattr(args, "index", None))
    if settings.chroma_host:  # a Chroma server takes any number of writers
        return _core().Assistant(settings)
    lock = IndexLock(settings.index_dir)
    if not lock.try_acquire(exclusive=write):
        holder = lock.holder()
        if holder is not None and holder.kind == "server" and holder.url and holder.token:
            from .remote import RemoteAssistant

            return RemoteAssistant(holder, settings)
        if holder is None and (settings.index_dir / ".writer.json").exists():
            # a holder's description we may not read: another user's process
            raise StoreError(f"the index at {settings.index_dir} is in use by another "
                             f"user's process; stop it or use another index (--index)")
        # a writer that said who it is, or readers (another `ask`, an `assistant mcp`)
        print(f"waiting for {holder.describe() if holder else 'the assistant commands reading it'}"
              f" to finish with {settings.index_dir} …", file=sys.stderr, flush=True)
        lock.acquire(exclusive=write)
    if write:
        lock.announce(Holder(pid=os.getpid(), kind="cli", command=args.command))
    _LOCKS.append(lock)
    return _core().Assistant(settings)


def cmd_ingest(args) -> int:
    progress = False if args.quiet else (True if args.progress else None)
    a = _assistant(args, write=True)
    report = a.ingest(args.paths, progress=progress)
    for where, reason in report.errors:
        print(f"error: {where}: {reason}", file=sys.stderr)
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    print(report.summary())
    if a.settings.extract_quotes and (stale := a.quotes_outdated()):
        print(f"note: {stale} article(s) have quotes from older extraction rules (or none); "
              f"`assistant quotes --rebuild` extracts them again", file=sys.stderr)
    return 0 if report.ok else 1


def cmd_ask(args) -> int:
    check_dates(args.since, args.until)  # before anything loads
    a = _assistant(args)
    dates = {"since": args.since, "until": args.until}
    if args.stream and not args.json:
        shown, result = "", None
        for piece in a.ask_stream(args.question, conversation=args.conversation, **dates):
            if isinstance(piece, Answer):
                result = piece
            else:
                print(piece, end="", flush=True)
                shown += piece
        # The checked answer wins: it may flag a quote, or replace a reply that broke off.
        if result.answer.strip() != shown.strip():
            print("\n\n" + result.answer if shown else result.answer)
        else:
            print()
    else:
        result = a.ask(args.question, conversation=args.conversation, **dates)
        if args.json:
            print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
            return 0
        print(result.answer)
    if result.citations:
        print()
        for c in result.citations:
            print(f"[{c.n}] {c.title or c.article_id}" + (f" ({c.published})" if c.published else "")
                  + (f" {c.url}" if c.url else ""))
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return 0


def cmd_search(args) -> int:
    import textwrap

    from .retrieve import search_batch

    check_dates(args.since, args.until, args.as_of)  # before anything loads
    if bool(args.query) == bool(args.queries):
        print("error: give a QUERY or --queries FILE.jsonl", file=sys.stderr)
        return 2
    a = _assistant(args)
    if args.queries:
        src = sys.stdin if args.queries == "-" else open(args.queries, encoding="utf-8")
        with src:
            for row in search_batch(a.search, src, k=args.k, since=args.since,
                                    until=args.until, as_of=args.as_of):
                print(json.dumps(row, ensure_ascii=False), flush=True)
        return 0
    hits = a.search(args.query, args.k, since=args.since, until=args.until, as_of=args.as_of)
    if args.json:
        print(json.dumps(hits_json(args.query, hits), ensure_ascii=False, indent=2))
        return 0
    for r, h in enumerate(hits, 1):
        print(f"{r}. {h.title or h.article_id}" + (f" ({h.published})" if h.published else "")
              + f"  [{h.article_id} {h.start}-{h.end}]")
        print(textwrap.indent(textwrap.shorten(h.text, 320), "   "))
    if not hits:
        print("no matching passages", file=sys.stderr)
    return 0


def cmd_quotes(args) -> int:
    import textwrap

    a = _assistant(args, write=args.rebuild)
    if args.rebuild:
        print(f"{a.rebuild_quotes(progress=None if not args.json else False)} quotes indexed",
              file=sys.stderr)
    found = a.quotes(speaker=args.speaker, about=args.about, limit=args.limit)
    if args.json:
        print(json.dumps({"quotes": [q.to_json() for q in found]}, ensure_ascii=False,
                         indent=2))
        return 0
    for q in found:
        print(f"{q.speaker} ({q.cue}): " + textwrap.shorten(q.content, 400))
        print(f"   {q.title or q.article_id}" + (f", {q.published}" if q.published else "")
              + f"  [{q.article_id} {q.start}-{q.end}]")
    if not found:
        print("no matching quotes", file=sys.stderr)
    return 0


def cmd_speakers(args) -> int:
    check_dates(args.since, args.until)  # before anything loads
    found = _assistant(args).speakers(args.about, args.limit, since=args.since,
                                      until=args.until)
    if args.json:
        print(json.dumps({"speakers": [s.to_json() for s in found]}, ensure_ascii=False,
                         indent=2))
        return 0
    for s in found:
        print(f"{s.name}\t{plural(s.quotes, 'statement')}\t{plural(s.articles, 'article')}\t"
              f"latest {s.latest or 'undated'}")
    if not found:
        print("no one is quoted" + (f" about {args.about}" if args.about else ""),
              file=sys.stderr)
    return 0


def cmd_extract_quotes(args) -> int:
    """The evaluation interface: {"id", "text"} lines in, {"id", "quotes": [...]} lines out,
    one per input line (a bad line gets "error" and no quotes)."""
    from .quotes import extract_quotes, load_nlp

    keys = ("speaker", "speaker_start", "speaker_end", "cue", "content", "start", "end",
            "direct")
    nlp = load_nlp()
    src = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8")
    out = sys.stdout if args.output in (None, "-") else open(args.output, "w", encoding="utf-8")
    failed = 0
    with src, out:
        for lineno, line in enumerate(src, 1):
            if not line.strip():
                continue
            row: dict = {"id": None, "quotes": []}
            try:
                item = json.loads(line)
                if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                    raise ValueError('expected an object with a "text" string')
                row["id"] = item.get("id")
                row["quotes"] = [{k: getattr(q, k) for k in keys}
                                 for q in extract_quotes(item["text"], nlp)]
            except Exception as e:  # noqa: BLE001 - one bad line must not end the batch
                failed += 1
                row["quotes"] = []
                row["error"] = f"line {lineno}: {e}"
                print(f"error: {args.file}:{lineno}: {e}", file=sys.stderr)
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            out.flush()
    return 1 if failed else 0


def cmd_articles_list(args) -> int:
    infos = _assistant(args).articles()
    if args.json:
        print(json.dumps([vars(i) for i in infos], ensure_ascii=False, indent=2))
        return 0
    sizes: dict[str, int] = {}
    for i in infos:
        sizes[i.story] = sizes.get(i.story, 0) + 1
    for i in infos:
        # wire copies: every member of a story of several articles names it
        story = f"\tstory {i.story} ({sizes[i.story]} articles)" if sizes[i.story] > 1 else ""
        print(f"{i.id}\t{i.published or 'undated'}\t{plural(i.chunks, 'chunk')}\t"
              f"{i.title}{story}")
    copies = sum(n - 1 for n in sizes.values())
    print(plural(len(infos), "article")
          + (f", {copies} of them wire copies of another" if copies else ""), file=sys.stderr)
    return 0


def cmd_articles_stats(args) -> int:
    stats = _assistant(args).stats()
    if args.json:
        print(json.dumps(stats))
        return 0
    size = "n/a (server)" if stats["bytes"] is None else f"{stats['bytes'] / 1e6:.1f} MB"
    print(f"articles {stats['articles']}\nchunks   {stats['chunks']}\n"
          f"quotes   {stats['quotes']}\nsize     {size}\nembedder {stats['embedder']}")
    if stats["quotes_outdated"]:
        print(f"quotes of {stats['quotes_outdated']} article(s) are from older extraction rules "
              f"(or missing): `assistant quotes --rebuild`")
    return 0


def cmd_articles_delete(args) -> int:
    a = _assistant(args, write=True)
    missing = [i for i in args.ids if not a.delete(i)]
    for i in missing:
        print(f"error: no article with id {i!r}", file=sys.stderr)
    print(f"deleted {len(args.ids) - len(missing)} article(s)")
    return 1 if missing else 0


def cmd_jobs(args) -> int:
    """The write queue, read directly (SQLite under the data dir, or the shared Redis): it
    takes many readers, so this works while the server runs."""
    from .jobs import JobQueue

    queue = JobQueue(get_settings(index_dir=getattr(args, "index", None)))
    if args.cancel:
        job = queue.cancel(args.cancel)
        print(f"{job.id}\t{job.state}")
        return 0
    jobs = [queue.get(args.id)] if args.id else queue.list(args.limit)
    if args.id and jobs[0] is None:
        print(f"error: no job with id {args.id!r}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([j.to_json() for j in jobs], ensure_ascii=False, indent=2))
        return 0
    for j in jobs:
        what = ", ".join(j.args.get("paths", [])[:3]) or ", ".join(
            f.get("name", "") for f in j.args.get("files", [])[:3]) or j.args.get("url", "")
        progress = f"{j.done}/{j.total}" if j.total else "-"
        summary = (j.result or {}).get("summary", "") or j.error
        print(f"{j.id}\t{j.kind}\t{j.state}\t{progress}\t{what}\t{summary}")
    print(f"{plural(len(jobs), 'job')}, {queue.depth()} waiting",
          file=sys.stderr)
    return 0


def _ago(t: float) -> str:
    import time

    if not t:
        return "never"
    s = abs(time.time() - t)
    text = (f"{s:.0f} s" if s < 90 else f"{s / 60:.0f} min" if s < 5400
            else f"{s / 3600:.1f} h" if s < 172800 else f"{s / 86400:.0f} days")
    return f"{text} ago" if time.time() >= t else f"in {text}"


def cmd_feeds(args) -> int:
    """The feed registry is a file of the data dir, not the index: add, list and remove
    work beside a running server (it reads the registry at every tick)."""
    from .config import parse_interval

    settings = get_settings(index_dir=getattr(args, "index", None))
    if args.action == "poll":
        from .feeds import FeedRegistry

        a = _assistant(args, write=True)
        urls = [args.url] if args.url else [f.url for f in
                                            FeedRegistry(settings.data_dir).list()]
        if not urls:
            print("no feeds registered (`assistant feeds add URL`)", file=sys.stderr)
            return 0
        failed = 0
        for url in urls:
            result = a.poll_feed(url)
            print(f"{url}\t{result.get('summary', '')}")
            for where, reason in result.get("errors", []):
                print(f"error: {where}: {reason}", file=sys.stderr)
            failed += result.get("status") == "failed"
        return 1 if failed else 0
    a = _core().Assistant(settings)
    if args.action == "add":
        every = parse_interval(args.every, "--every") if args.every else None
        feed = a.add_feed(args.url, every)
        print(f"added {feed.url} ({feed.title or 'untitled'}), polled every "
              f"{feed.every / 60:g} min by `assistant serve`; `assistant feeds poll` polls "
              f"it now")
        return 0
    if args.action == "remove":
        if not a.remove_feed(args.url):
            print(f"error: {args.url} is not a registered feed", file=sys.stderr)
            return 1
        print(f"removed {args.url} (its articles stay indexed)")
        return 0
    feeds = a.list_feeds()
    if args.json:
        print(json.dumps([f.to_json() for f in feeds], ensure_ascii=False, indent=2))
        return 0
    for f in feeds:
        state = (f"failing ({f.failures}x): {f.last_error}" if f.failures
                 else "polling now" if f.job else "ok")
        print(f"{f.url}\tevery {f.every / 60:g} min\tlast poll {_ago(f.last_poll)}\t"
              f"{f.new_items} new\t{plural(f.items, 'item')}\tnext {_ago(f.next_poll)}\t{state}")
    print(plural(len(feeds), "feed"), file=sys.stderr)
    return 0


def cmd_worker(args) -> int:
    """Jobs from a shared queue, on any machine: needs a Redis queue and a Chroma server
    (an embedded index has one writer, the server, which runs its own worker)."""
    import signal
    import threading

    from .jobs import JobQueue
    from .web.uploads import Uploads

    settings = get_settings()
    if not settings.queue_url or not settings.chroma_host:
        print("error: `assistant worker` needs ASSISTANT_QUEUE_URL (a Redis) and "
              "ASSISTANT_CHROMA_HOST (a Chroma server); with an embedded index, `assistant "
              "serve` runs the queue's worker itself", file=sys.stderr)
        return 2
    a = _core().Assistant(settings)
    queue = JobQueue(settings)
    uploads = Uploads(a, queue, settings.data_dir, settings.upload_max_mb,
                      settings.upload_max_files)
    queue.execute = lambda job, progress: (uploads.run(job, progress) if job.kind == "upload"
                                           else a.execute(job, progress))
    a.store.probe()  # fail now, not on the first job, when Chroma is not there
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(f"worker {queue.worker_id}: taking jobs from {settings.queue_url} for the Chroma "
          f"server {settings.chroma_host}:{settings.chroma_port}", file=sys.stderr, flush=True)
    queue.work(stop, stale_after=args.stale_after)
    return 0


def cmd_mcp(args) -> int:
    """The tools over MCP on stdin/stdout (Claude Desktop, Cursor, any MCP client): the same
    index as the other commands, or the server that holds it. stdout is the protocol's."""
    from .integrations.mcp import run_stdio

    run_stdio(_assistant(args))
    return 0


def cmd_serve(args) -> int:
    from .web.app import serve

    settings = get_settings(index_dir=args.index, host=args.host, port=args.port)
    serve(settings)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="assistant", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    def with_dates(sp):
        sp.add_argument("--since", metavar="DATE", help="only articles published on or after "
                                                        "DATE (YYYY-MM-DD, YYYY-MM or YYYY)")
        sp.add_argument("--until", metavar="DATE", help="only articles published on or before "
                                                        "DATE")
        return sp

    def with_index(sp):
        sp.add_argument("--index", type=Path, help="index folder (default: ASSISTANT_INDEX_DIR "
                                                   "or ./index)")
        return sp

    sp = with_index(sub.add_parser("ingest", help="index files and folders"))
    sp.add_argument("paths", nargs="+", metavar="PATH",
                    help="files, folders, http(s) URLs (a page, an RSS/Atom feed or a "
                         "sitemap: every item is fetched), or .urls files (one URL per line)")
    sp.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    sp.add_argument("--progress", action="store_true",
                    help="progress bar even when stderr is not a terminal")
    sp.set_defaults(func=cmd_ingest)

    sp = with_index(sub.add_parser("ask", help="answer a question with citations"))
    sp.add_argument("question", help="the question, in quotes")
    sp.add_argument("--json", action="store_true", help="print the answer as JSON")
    sp.add_argument("--stream", action="store_true", help="print the answer as it is written")
    sp.add_argument("--conversation", metavar="ID",
                    help="continue conversation ID (started if new): follow-ups like "
                         "'and what did Putin say?' use its history")
    with_dates(sp)
    sp.set_defaults(func=cmd_ask)

    sp = with_index(sub.add_parser("quotes", help="who said what: list indexed quotes"))
    sp.add_argument("--speaker", metavar="NAME", help="by this speaker ('Putin' matches "
                                                      "'Vladimir Putin')")
    sp.add_argument("--about", metavar="TOPIC", help="about this topic (best first)")
    sp.add_argument("--limit", type=int, default=20, help="at most this many (default 20)")
    sp.add_argument("--json", action="store_true", help='print {"quotes": [...]} as JSON')
    sp.add_argument("--rebuild", action="store_true",
                    help="extract every article's quotes again first (after an upgrade)")
    sp.set_defaults(func=cmd_quotes)

    sp = with_index(sub.add_parser("speakers", help="who the articles quote most, one name "
                                                    "per person"))
    sp.add_argument("--about", metavar="TOPIC", help="only statements about this topic")
    sp.add_argument("--limit", type=int, default=20, help="at most this many (default 20)")
    with_dates(sp)
    sp.add_argument("--json", action="store_true", help='print {"speakers": [...]} as JSON')
    sp.set_defaults(func=cmd_speakers)

    sp = sub.add_parser("extract-quotes", help='quotes of {"id", "text"} lines, as JSON lines')
    sp.add_argument("file", metavar="FILE.jsonl", help="input ('-' reads stdin)")
    sp.add_argument("-o", "--output", metavar="OUT.jsonl", help="output (default stdout)")
    sp.set_defaults(func=cmd_extract_quotes)

    sp = with_index(sub.add_parser("search", help="the ranked passages for a query"))
    sp.add_argument("query", nargs="?", metavar="QUERY", help="words to search for (or "
                                                               "--queries for a batch)")
    sp.add_argument("-k", type=int, default=5, help="passages to return (default 5)")
    with_dates(sp)
    sp.add_argument("--as-of", dest="as_of", metavar="DATE",
                    help="the date the question is asked on: 'this week' etc. resolve "
                         "against it and nothing published later is returned")
    sp.add_argument("--json", action="store_true", help="print the hits as JSON")
    sp.add_argument("--queries", metavar="FILE.jsonl",
                    help='batch: lines {"id", "question", "date"?} (date = --as-of); '
                         "prints one JSON object per line ('-' reads stdin)")
    sp.set_defaults(func=cmd_search)

    arts = sub.add_parser("articles", help="list or delete indexed articles")
    asub = arts.add_subparsers(dest="action", required=True)
    sp = with_index(asub.add_parser("list", help="every article: id, date, chunks, title, "
                                                 "wire story"))
    sp.add_argument("--json", action="store_true", help="print the articles as JSON")
    sp.set_defaults(func=cmd_articles_list)
    sp = with_index(asub.add_parser("stats", help="counts, size on disk, embedder"))
    sp.add_argument("--json", action="store_true", help="print the figures as JSON")
    sp.set_defaults(func=cmd_articles_stats)
    sp = with_index(asub.add_parser("delete", help="remove articles (their passages and "
                                                   "quotes)"))
    sp.add_argument("ids", nargs="+", metavar="ARTICLE_ID", help="ids as `articles list` "
                                                                 "shows them")
    sp.set_defaults(func=cmd_articles_delete)

    sp = with_index(sub.add_parser("jobs", help="the write queue: jobs, progress, cancel"))
    sp.add_argument("id", nargs="?", help="one job")
    sp.add_argument("--cancel", metavar="ID", help="cancel a job (a running one stops after "
                                                    "its current batch of articles)")
    sp.add_argument("--limit", type=int, default=20, help="newest jobs shown (default 20)")
    sp.add_argument("--json", action="store_true", help="print the jobs as JSON")
    sp.set_defaults(func=cmd_jobs)

    feeds = sub.add_parser("feeds", help="RSS/Atom feeds and sitemaps the server polls")
    fsub = feeds.add_subparsers(dest="action", required=True)
    sp = with_index(fsub.add_parser("add", help="register a feed or sitemap (checked first)"))
    sp.add_argument("url", metavar="URL", help="an RSS/Atom feed or an XML sitemap")
    sp.add_argument("--every", metavar="INTERVAL", help="how often to poll it: 15m, 2h, 1d "
                                                        "(default ASSISTANT_FEED_EVERY, 15m)")
    sp.set_defaults(func=cmd_feeds)
    sp = with_index(fsub.add_parser("list", help="feeds with their last poll, new items and "
                                                 "last error"))
    sp.add_argument("--json", action="store_true", help="print the feeds as JSON")
    sp.set_defaults(func=cmd_feeds)
    sp = with_index(fsub.add_parser("remove", help="stop polling a feed (its articles stay)"))
    sp.add_argument("url", metavar="URL", help="the feed's URL as `feeds list` shows it")
    sp.set_defaults(func=cmd_feeds)
    sp = with_index(fsub.add_parser("poll", help="poll now: one feed, or all of them"))
    sp.add_argument("url", nargs="?", metavar="URL", help="one registered feed (default: "
                                                           "all of them)")
    sp.set_defaults(func=cmd_feeds)

    sp = sub.add_parser("worker", help="run queued jobs (Redis queue + Chroma server)")
    sp.add_argument("--stale-after", type=float, default=30.0,
                    help="seconds without a heartbeat after which another worker's running "
                         "job counts as lost and is queued again (default 30)")
    sp.set_defaults(func=cmd_worker)

    sp = with_index(sub.add_parser("mcp", help="serve the tools (ask, search_articles, "
                                               "who_said, get_article, list_articles) to an "
                                               "MCP client on stdin/stdout"))
    sp.set_defaults(func=cmd_mcp)

    sp = with_index(sub.add_parser("serve", help="serve the chat and the REST API"))
    sp.add_argument("--host", help="address to listen on (ASSISTANT_HOST, default "
                                   "127.0.0.1: this machine only)")
    sp.add_argument("--port", type=int, help="port to listen on (ASSISTANT_PORT, default "
                                             "7860)")
    sp.set_defaults(func=cmd_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except AssistantError as e:  # every error meant for the user; anything else is a bug
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `assistant ask … | head`: the reader left, no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    finally:  # main() called in-process (tests, scripts) must not keep the index locked
        while _LOCKS:
            _LOCKS.pop().release()


if __name__ == "__main__":
    sys.exit(main())
