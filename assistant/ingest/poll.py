"""One poll of one registered feed: a conditional fetch, then only new or changed items.

- The feed is asked for with its last ETag / Last-Modified: a 304 costs one request.
- An entry seen before with the same fingerprint (url, id, updated, title, date, body) is not
  fetched again; one whose fingerprint changed (a correction) is, and its article is
  replaced through the ordinary ingest (same id, new version).
- An entry never seen in this feed whose url is already indexed (another feed, a manual
  ingest) is recorded, not fetched.
- An entry that could be had neither as a page nor from the feed's text is tried again on the
  next polls, ITEM_ATTEMPTS times in all.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import LoadError
from ..feeds import ITEM_ATTEMPTS, FeedRegistry
from ..ids import article_id
from ..store import Store
from ..types import Article
from .fetch import Fetcher
from .pipeline import IngestReport
from .sources import FEED_ACCEPT, Loaded, fetch_items, read_listing, take_items

IngestArticles = Callable[[list[Article]], IngestReport]


def poll_feed(url: str, registry: FeedRegistry, fetcher: Fetcher, store: Store,
              ingest: IngestArticles, max_items: int = 200) -> dict:
    """Poll the feed once and record the outcome in the registry; what happened, as JSON.
    A feed that cannot be fetched or read is recorded as a failure (it backs off), not
    raised: retrying at once would only hit it again."""
    feed = registry.get(url)
    if feed is None:
        raise LoadError("not a registered feed (see `assistant feeds list`)", url)
    out = Loaded()
    try:
        resp = fetcher.get(url, feed.etag, feed.last_modified, accept=FEED_ACCEPT)
        if resp.status == 304:
            registry.record_success(url, 0, feed.etag, feed.last_modified)
            return {"feed": url, "status": "not modified", "items": 0, "fetched": 0,
                    "added": [], "updated": [], "errors": [], "summary": "not modified"}
        listing = read_listing(resp, fetcher, out)
    except LoadError as e:
        registry.record_failure(url, str(e))
        return {"feed": url, "status": "failed", "error": str(e), "errors": [[url, str(e)]],
                "summary": f"failed: {e}"}

    items = take_items(listing.items, max_items, url, out)
    seen = registry.seen(url)
    fresh = [i for i in items if (s := seen.get(i.url)) is None or s.fingerprint != i.fingerprint
             or (not s.article_id and s.attempts < ITEM_ATTEMPTS)]
    url_id = {i.url: article_id(i.url, "") for i in fresh if i.url not in seen}
    indexed = store.article_info(url_id.values())
    known = [i for i in fresh if url_id.get(i.url) in indexed]
    fetch = [i for i in fresh if url_id.get(i.url) not in indexed]

    got = fetch_items(fetch, fetcher, listing.title)
    articles = [g.article for g in got if g.article is not None]
    report = ingest(articles) if articles else IngestReport()
    kept = set(report.added) | set(report.updated) | set(report.unchanged)
    registry.record_items(url, [(i.url, i.fingerprint, url_id[i.url]) for i in known]
                          + [(g.item.url, g.item.fingerprint,
                              g.article.id if g.article is not None and g.article.id in kept
                              else "") for g in got])
    registry.record_success(url, len(report.added) + len(report.updated), resp.etag,
                            resp.last_modified, listing.title)
    errors = [[g.item.url, g.error] for g in got if g.article is None] + [
        list(e) for e in report.errors] + [list(e) for e in out.errors]
    summary = (f"{len(report.added)} new, {len(report.updated)} changed of {len(items)} "
               f"items ({len(fetch)} fetched, {len(errors)} failed)")
    return {"feed": url, "status": "ok", "items": len(items), "fetched": len(fetch),
            "added": report.added, "updated": report.updated, "errors": errors,
            "notes": out.notes + report.notes, "summary": summary}
