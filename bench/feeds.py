"""Issue 15 figures: what polling costs when nothing is new.

    .venv/bin/python bench/feeds.py [--feeds 50] [--items 100]

A real HTTP server on loopback (testkit/news_site) publishes --feeds RSS feeds of --items
items each, every item a page of its own. All feeds are registered and polled once (the
first poll indexes every item; quotes off, which only shortens this set-up), then polled
again with nothing new, three ways, side by side:

- the publisher honours our ETag: one conditional request per feed, answered 304;
- the publisher ignores ETags: every feed is read and parsed again, no page is fetched
  (every entry's fingerprint is known);
- no registry at all (`assistant ingest FEED_URL` again): every page is fetched and
  extracted again, then found unchanged: what polling would cost without the registry.

Wall and CPU seconds of this process, and the requests the server saw.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from testkit.news_site import NewsSite, page, rss  # noqa: E402

WORDS = ("harbour ferry council budget storm school river bridge market festival museum "
         "station hospital library stadium airport tram park").split()


def publish(site: NewsSite, feeds: int, items: int) -> list[str]:
    urls = []
    for f in range(feeds):
        entries = []
        for i in range(items):
            path = f"/f{f}/2026/11/{1 + i % 28:02d}/item-{i}"
            w1, w2 = WORDS[(f + i) % len(WORDS)], WORDS[(f * 7 + i * 3) % len(WORDS)]
            title = f"Feed {f} item {i}: the {w1} and the {w2}"
            site.put(path, page(title, [
                f"Officials in district {f} said on Monday that the {w1} project number {i} "
                f"would be finished by the spring, after a year of delays and rising costs.",
                f"Residents of district {f} welcomed the news about the {w2}, and the council "
                f"promised to publish the full budget of item {i} next week."]))
            entries.append({"title": title, "link": site.url(path),
                            "published": 1_764_500_000 + 3600 * i})
        urls.append(site.put(f"/f{f}/feed.xml", rss(f"Feed {f}", entries),
                             "application/rss+xml"))
    return urls


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeds", type=int, default=50)
    ap.add_argument("--items", type=int, default=100)
    args = ap.parse_args()

    from assistant.config import get_settings
    from assistant.core import Assistant

    site = NewsSite().start()
    urls = publish(site, args.feeds, args.items)
    with tempfile.TemporaryDirectory() as tmp:
        a = Assistant(get_settings(index_dir=Path(tmp) / "index", data_dir=Path(tmp) / "data",
                                   fetch_allow="127.0.0.1", extract_quotes=False,
                                   fetch_max_items=max(200, args.items)))
        for url in urls:
            a.feeds.add(url, 900)
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
              f"{platform.python_version()}; load average {os.getloadavg()[0]:.2f}")
        print(f"{args.feeds} feeds x {args.items} items on a loopback server")
        results, wall, cpu = timed(lambda: [a.poll_feed(u) for u in urls])
        added = sum(len(r["added"]) for r in results)
        print(f"first poll (indexes everything): {added} articles in {wall:.1f} s")

        rows = []
        hits = sum(site.hits.values())

        def served() -> int:
            nonlocal hits
            now = sum(site.hits.values())
            got, hits = now - hits, now
            return got

        results, wall, cpu = timed(lambda: [a.poll_feed(u) for u in urls])
        assert all(r["status"] == "not modified" for r in results), results[:1]
        rows.append(("ETag honoured (304)", wall, cpu, served()))
        site.etags = False
        results, wall, cpu = timed(lambda: [a.poll_feed(u) for u in urls])
        assert all(r["status"] == "ok" and r["fetched"] == 0 for r in results), results[:1]
        rows.append(("ETag ignored (feed re-read)", wall, cpu, served()))
        report, wall, cpu = timed(lambda: a.ingest(urls, progress=False))
        assert not report.added and not report.updated, report.summary()
        rows.append(("no registry (`assistant ingest` again)", wall, cpu, served()))
    site.stop()

    base = rows[0][1]
    print(f"\nnothing new, all {args.feeds} feeds polled once:\n")
    print("| poll | wall s | per feed ms | CPU s | requests | vs 304 |")
    print("|---|---|---|---|---|---|")
    for name, wall, cpu, requests in rows:
        print(f"| {name} | {wall:.2f} | {wall / args.feeds * 1000:.1f} | {cpu:.2f} | "
              f"{requests} | {wall / base:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
