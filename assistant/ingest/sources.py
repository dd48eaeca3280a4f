"""What a URL holds: a page, an RSS/Atom feed or an XML sitemap (index), as articles.

A page is one article (trafilatura: title, byline, date, canonical url, text). A feed
(feedparser: RSS 0.9x/1.0/2.0, Atom) or a sitemap lists items; each item's page is fetched and
extracted the same way, and when the page cannot be had the feed's own text of the item
stands in. Every fetch goes through `Fetcher` (assistant/ingest/fetch.py: no internal
addresses unless allowed). Dates are the item's publication date in UTC: the feed's, else the
page's metadata, else one in the URL; an article without any has none.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from tqdm import tqdm

from ..errors import LoadError
from ..ids import article_id, content_hash
from ..types import Article
from .fetch import Fetcher, Response
from .loaders import _decode, _load_html, clean_text, normalise_date

PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/xml;q=0.9, "
               "text/xml;q=0.9, text/html;q=0.5, */*;q=0.1")
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
MIN_FALLBACK_CHARS = 80  # a feed's one-line teaser is not an article
FETCH_THREADS = 4
MAX_SITEMAPS = 50  # child sitemaps read from one sitemap index
_ROOT = re.compile(rb"<\s*(?:[\w.-]+:)?(rss|feed|RDF|urlset|sitemapindex|html)\b", re.I)
_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-](\d\d?)[/-](\d\d?)(?:/|[-_.]|$)")


def is_url(s: str) -> bool:
    return s.startswith(("http://", "https://"))


def read_url_list(path: Path) -> list[str]:
    lines = [l.strip() for l in path.read_text(encoding="utf-8", errors="replace").splitlines()]
    return [l for l in lines if l and not l.startswith("#")]


@dataclass
class Item:
    """One entry of a feed or sitemap."""

    url: str
    title: str = ""
    published: str = ""  # ISO date, UTC; "" when the listing gives none
    authors: list[str] = field(default_factory=list)
    content: str = ""  # the feed's own text of the item (clean text), the fallback
    fingerprint: str = ""  # changes whenever the listing's entry changes (a correction)


@dataclass
class Listing:
    kind: str  # "feed" | "sitemap"
    title: str = ""
    items: list[Item] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)  # the children of a sitemap index


def _root(body: bytes) -> str:
    """The document's root element among those told apart here ("" for none)."""
    m = _ROOT.search(body[:4096])
    return m.group(1).decode().lower() if m else ""


def kind_of(resp: Response) -> str:
    """"feed", "sitemap", "sitemapindex" or "page", by the document's root element (a
    server's content type is often wrong: feeds served as text/html, pages as text/xml)."""
    root = _root(resp.body)
    if root in ("rss", "feed", "rdf"):
        return "feed"
    if root in ("urlset", "sitemapindex"):
        return "sitemap" if root == "urlset" else "sitemapindex"
    return "page"


def parse_listing(resp: Response) -> Listing:
    kind = kind_of(resp)
    if kind == "feed":
        return _parse_feed(resp)
    if kind in ("sitemap", "sitemapindex"):
        return _parse_sitemap(resp, kind)
    what = resp.content_type or "unknown type"
    raise LoadError(f"not a feed or sitemap (an HTML page or other document, {what})",
                    resp.url)


def _parse_feed(resp: Response) -> Listing:
    import feedparser

    parsed = feedparser.parse(resp.body, response_headers={
        "content-type": f"{resp.content_type}; charset={resp.charset}" if resp.charset
        else resp.content_type or "application/xml",
        "content-location": resp.final_url})
    if not parsed.entries and parsed.get("bozo"):
        err = parsed.get("bozo_exception")
        raise LoadError(f"not a readable feed ({type(err).__name__}: {err})", resp.url)
    feed_title = clean_text(parsed.feed.get("title", ""))
    items = []
    for e in parsed.entries:
        link = (e.get("link") or "").strip()
        if not is_url(link):
            guid = (e.get("id") or "").strip()
            link = guid if is_url(guid) else ""
        body = ""
        if e.get("content"):
            body = max((c.get("value", "") for c in e.content), key=len)
        body = body or e.get("summary", "")
        stamp = dict.get(e, "published_parsed") or dict.get(e, "updated_parsed")
        published = _utc_date(stamp) if stamp else ""
        authors = [a.get("name", "") for a in e.get("authors", []) if a.get("name")]
        if not authors and e.get("author"):
            authors = [e.author]
        item = Item(url=link, title=clean_text(e.get("title", "")), published=published,
                    authors=authors, content=html_text(body))
        # dict.get: feedparser's own get() maps a missing "updated" to "published", warning
        item.fingerprint = content_hash(link, e.get("id", ""), dict.get(e, "updated", ""),
                                        item.title, item.published, body)[:16]
        items.append(item)
    return Listing("feed", feed_title, items)


def _utc_date(stamp) -> str:
    # feedparser's *_parsed are UTC struct_times
    try:
        return date(stamp.tm_year, stamp.tm_mon, stamp.tm_mday).isoformat()
    except (AttributeError, ValueError):
        return ""


def _parse_sitemap(resp: Response, kind: str) -> Listing:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             recover=False)
    try:
        root = etree.fromstring(resp.body, parser)
    except etree.XMLSyntaxError as e:
        raise LoadError(f"not a readable sitemap ({e})", resp.url) from e
    listing = Listing("sitemap")
    for el in root:
        if not isinstance(el.tag, str):
            continue
        fields = {etree.QName(c).localname: (c.text or "").strip() for c in el
                  if isinstance(c.tag, str)}
        loc = fields.get("loc", "")
        if not is_url(loc):
            continue
        if kind == "sitemapindex":
            listing.sitemaps.append(loc)
            continue
        # news sitemaps (<news:news>) carry the title and date of each article
        news = {etree.QName(c).localname: (c.text or "").strip()
                for c in el.iter() if isinstance(c.tag, str)}
        stamp = news.get("publication_date") or fields.get("lastmod", "")
        listing.items.append(Item(url=loc, title=clean_text(news.get("title", "")),
                                  published=normalise_date(stamp),
                                  fingerprint=content_hash(loc, stamp)[:16]))
    return listing


def html_text(fragment: str) -> str:
    """The visible text of an HTML fragment (a feed's item body), paragraphs kept."""
    if not fragment or "<" not in fragment:
        return clean_text(fragment or "")
    import lxml.html
    from lxml import etree

    try:
        doc = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return clean_text(re.sub(r"<[^>]+>", " ", fragment))
    for bad in doc.xpath("//script|//style|//noscript|//iframe|//template"):
        bad.drop_tree()
    for el in doc.iter("p", "div", "br", "li", "h1", "h2", "h3", "h4", "blockquote", "tr"):
        el.tail = "\n\n" + (el.tail or "")
    return clean_text(doc.text_content())


def url_date(url: str) -> str:
    m = _URL_DATE.search(url)
    if not m:
        return ""
    try:
        return date(*map(int, m.groups())).isoformat()
    except ValueError:
        return ""


def page_article(resp: Response) -> Article:
    """The article on a fetched page."""
    if resp.content_type not in PAGE_TYPES and _root(resp.body) != "html":
        raise LoadError(f"not an HTML page ({resp.content_type or 'no content type'})",
                        resp.url)
    text = None
    if resp.charset:
        try:
            text = resp.body.decode(resp.charset)
        except (LookupError, UnicodeDecodeError):
            text = None
    if text is None:
        text = _decode(resp.body, Path(resp.url))
    article = _load_html(text, Path(resp.url))
    url = article.url or resp.final_url
    return replace(article, url=url, id=article_id(url, article.text), source=resp.url,
                   published=article.published or url_date(url))


def item_article(item: Item, fetcher: Fetcher, outlet: str = "") -> tuple[Article, str]:
    """(the item's page as an article, ""), the listing's date winning; (the feed's own text
    as one, why the page could not be used) when the page cannot be fetched or holds no
    article."""
    try:
        page = page_article(fetcher.get(item.url, accept=PAGE_ACCEPT))
    except LoadError as e:
        if len(item.content) < MIN_FALLBACK_CHARS:
            raise
        page_error = str(e)
        text = clean_text(item.content)
        return Article(id=article_id(item.url, text), text=text, title=item.title,
                       url=item.url, published=item.published or url_date(item.url),
                       authors=item.authors, outlet=outlet, source=item.url), page_error
    return replace(page, id=article_id(page.url or item.url, page.text),
                   title=page.title or item.title,
                   published=item.published or page.published,
                   authors=page.authors or item.authors, outlet=page.outlet or outlet,
                   source=item.url), ""


@dataclass
class Loaded:
    """What one URL gave: its articles and the problems met (per item, not fatal)."""

    articles: list[Article] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    notes: list[str] = field(default_factory=list)


@dataclass
class Fetched:
    item: Item
    article: Article | None  # None: neither the page nor the feed's text could be had
    error: str = ""


def load_url(url: str, fetcher: Fetcher, max_items: int = 200) -> Loaded:
    """A page, or every item of a feed or sitemap (the newest max_items)."""
    out = Loaded()
    try:
        resp = fetcher.get(url, accept=FEED_ACCEPT)
        if kind_of(resp) == "page":
            out.articles.append(page_article(resp))
            return out
        listing = read_listing(resp, fetcher, out)
    except LoadError as e:
        out.errors.append((url, str(e)))
        return out
    for got in fetch_items(take_items(listing.items, max_items, url, out), fetcher,
                           listing.title):
        if got.article is not None:
            out.articles.append(got.article)
        else:
            out.errors.append((got.item.url, got.error))
    return out


def read_listing(resp: Response, fetcher: Fetcher, out: Loaded) -> Listing:
    """The listing of a feed or sitemap response (a sitemap index's children read too)."""
    listing = parse_listing(resp)
    if listing.sitemaps:
        children = listing.sitemaps[:MAX_SITEMAPS]
        if len(listing.sitemaps) > MAX_SITEMAPS:
            out.notes.append(f"{resp.url}: the sitemap index lists {len(listing.sitemaps)} "
                             f"sitemaps; the first {MAX_SITEMAPS} were read")
        for child in children:
            try:
                sub = parse_listing(fetcher.get(child, accept=FEED_ACCEPT))
            except LoadError as e:
                out.errors.append((child, str(e)))
                continue
            listing.items += sub.items
    return listing


def take_items(items: list[Item], max_items: int, url: str, out: Loaded) -> list[Item]:
    """One item per page, the newest max_items of them."""
    items = list({i.url: i for i in items if i.url}.values())
    if len(items) > max_items:
        items = sorted(items, key=lambda i: i.published, reverse=True)[:max_items]
        out.notes.append(f"{url} lists more than {max_items} items; the newest {max_items} "
                         f"were taken (ASSISTANT_FETCH_MAX_ITEMS)")
    return items


def fetch_items(items: Iterable[Item], fetcher: Fetcher, outlet: str = "",
                progress: bool | None = None) -> list[Fetched]:
    """Each item's article, a few pages fetched at once, in the items' order; progress: a
    bar on stderr (None: when it is a terminal)."""
    def one(item: Item) -> Fetched:
        try:
            article, page_error = item_article(item, fetcher, outlet)
        except LoadError as e:
            return Fetched(item, None, str(e))
        if page_error:  # where the text came from, said in the article's source
            article.source = f"{item.url} (the feed's text: {page_error})"
        return Fetched(item, article)

    items = list(items)
    show = sys.stderr.isatty() if progress is None else progress
    with ThreadPoolExecutor(FETCH_THREADS) as pool, tqdm(
            total=len(items), unit="page", desc="Fetching", disable=not show or len(items) < 2,
            leave=False) as bar:
        out = []
        for got in pool.map(one, items):
            out.append(got)
            bar.update(1)
        return out
