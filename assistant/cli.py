"""`assistant` on the command line: a thin shell over assistant.core.Assistant."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .config import get_settings


def _assistant(args):
    from .core import Assistant

    return Assistant(get_settings(index_dir=getattr(args, "index", None)))


def cmd_ingest(args) -> int:
    progress = False if args.quiet else (True if args.progress else None)
    report = _assistant(args).ingest(args.paths, progress=progress)
    for where, reason in report.errors:
        print(f"error: {where}: {reason}", file=sys.stderr)
    print(report.summary())
    return 0 if report.ok else 1


def cmd_ask(args) -> int:
    from .types import Answer

    a = _assistant(args)
    if args.stream and not args.json:
        shown, result = "", None
        for piece in a.ask_stream(args.question, conversation=args.conversation):
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
        result = a.ask(args.question, conversation=args.conversation)
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


def cmd_articles_list(args) -> int:
    infos = _assistant(args).articles()
    if args.json:
        print(json.dumps([vars(i) for i in infos], ensure_ascii=False, indent=2))
        return 0
    for i in infos:
        print(f"{i.id}\t{i.published or '-'}\t{i.chunks} chunks\t{i.title}")
    print(f"{len(infos)} articles", file=sys.stderr)
    return 0


def cmd_articles_stats(args) -> int:
    stats = _assistant(args).stats()
    if args.json:
        print(json.dumps(stats))
        return 0
    size = "n/a (server)" if stats["bytes"] is None else f"{stats['bytes'] / 1e6:.1f} MB"
    print(f"articles {stats['articles']}\nchunks   {stats['chunks']}\n"
          f"quotes   {stats['quotes']}\nsize     {size}\nembedder {stats['embedder']}")
    return 0


def cmd_articles_delete(args) -> int:
    a = _assistant(args)
    missing = [i for i in args.ids if not a.delete(i)]
    for i in missing:
        print(f"error: no article with id {i!r}", file=sys.stderr)
    print(f"deleted {len(args.ids) - len(missing)} article(s)")
    return 1 if missing else 0


def cmd_serve(args) -> int:
    from .server import serve

    settings = get_settings(index_dir=args.index, host=args.host, port=args.port)
    serve(settings)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="assistant", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    def with_index(sp):
        sp.add_argument("--index", type=Path, help="index folder (default: ASSISTANT_INDEX_DIR "
                                                   "or ./index)")
        return sp

    sp = with_index(sub.add_parser("ingest", help="index files and folders"))
    sp.add_argument("paths", nargs="+", metavar="PATH",
                    help="files, folders, http(s) URLs, or .urls files (one URL per line)")
    sp.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    sp.add_argument("--progress", action="store_true",
                    help="progress bar even when stderr is not a terminal")
    sp.set_defaults(func=cmd_ingest)

    sp = with_index(sub.add_parser("ask", help="answer a question with citations"))
    sp.add_argument("question")
    sp.add_argument("--json", action="store_true", help="print the answer as JSON")
    sp.add_argument("--stream", action="store_true", help="print the answer as it is written")
    sp.add_argument("--conversation", metavar="ID",
                    help="continue conversation ID (started if new): follow-ups like "
                         "'and what did Putin say?' use its history")
    sp.set_defaults(func=cmd_ask)

    arts = sub.add_parser("articles", help="list or delete indexed articles")
    asub = arts.add_subparsers(dest="action", required=True)
    sp = with_index(asub.add_parser("list"))
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_articles_list)
    sp = with_index(asub.add_parser("stats", help="counts, size on disk, embedder"))
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_articles_stats)
    sp = with_index(asub.add_parser("delete"))
    sp.add_argument("ids", nargs="+")
    sp.set_defaults(func=cmd_articles_delete)

    sp = with_index(sub.add_parser("serve", help="serve the chat and the REST API"))
    sp.add_argument("--host")
    sp.add_argument("--port", type=int)
    sp.set_defaults(func=cmd_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .embed import EmbedderError
    from .store import StoreError

    try:
        return args.func(args)
    except (StoreError, EmbedderError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
