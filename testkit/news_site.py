"""A real HTTP server on loopback publishing a news site: pages, RSS/Atom feeds, sitemaps,
and the misbehaviour a fetcher must survive (redirects, slow and huge answers, 404s).

    site = NewsSite().start()
    site.put("/feed.xml", rss(...), "application/rss+xml")
    site.url("/feed.xml")          # http://127.0.0.1:PORT/feed.xml
    site.hits["/feed.xml"]         # requests served (conditional ones included)

Every document gets an ETag (a hash of its body) and honours If-None-Match with a 304, like
a well-behaved publisher; `etags=False` makes it ignore them. Tests and bench/ share it.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from email.utils import formatdate
from html import escape
from urllib.parse import parse_qs, urlsplit

from .loopback import LoopbackServer, QuietHandler


class NewsSite(LoopbackServer):
    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.docs: dict[str, tuple[str, bytes]] = {}
        self.redirects: dict[str, str] = {}
        self.hits: Counter = Counter()
        self.conditional: Counter = Counter()  # requests answered 304
        self.etags = True

    # -- content ---------------------------------------------------------------------------

    def put(self, path: str, body: str | bytes, content_type: str = "text/html") -> str:
        self.docs[path] = (content_type, body.encode() if isinstance(body, str) else body)
        return self.url(path)

    def redirect(self, path: str, location: str) -> str:
        self.redirects[path] = location
        return self.url(path)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    # -- serving ---------------------------------------------------------------------------

    def start(self) -> "NewsSite":
        site = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                parts = urlsplit(self.path)
                path, query = parts.path, parse_qs(parts.query)
                site.hits[path] += 1
                if path in site.redirects:
                    return self._send(302, b"", "text/plain",
                                      {"Location": site.redirects[path]})
                if path == "/slow":  # headers at once, then a byte every `every` seconds
                    return self._trickle(float(query.get("every", ["1"])[0]))
                if path == "/huge":  # endless, without a Content-Length
                    return self._endless()
                if path not in site.docs:
                    return self._send(404, b"not found", "text/plain")
                kind, body = site.docs[path]
                etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                if site.etags and self.headers.get("If-None-Match") == etag:
                    site.conditional[path] += 1
                    return self._send(304, b"", kind, {"ETag": etag})
                self._send(200, body, kind, {"ETag": etag} if site.etags else {})

            def _send(self, status: int, body: bytes, kind: str, headers=None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

            def _trickle(self, every: float) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                try:
                    for _ in range(100000):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(every)
                except OSError:
                    pass

            def _endless(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Connection", "close")
                self.end_headers()
                chunk = b"<p>" + b"x" * 65536 + b"</p>"
                try:
                    while True:
                        self.wfile.write(chunk)
                except OSError:
                    pass

        return self.serve(Handler)


# -- documents -------------------------------------------------------------------------------


def page(title: str, paragraphs: list[str], canonical: str = "", published: str = "",
         author: str = "", site_name: str = "") -> str:
    meta = ""
    if canonical:
        meta += f'<link rel="canonical" href="{escape(canonical)}">'
    if published:
        meta += f'<meta property="article:published_time" content="{escape(published)}">'
    if author:
        meta += f'<meta name="author" content="{escape(author)}">'
    if site_name:
        meta += f'<meta property="og:site_name" content="{escape(site_name)}">'
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (f"<html><head><title>{escape(title)}</title>{meta}</head><body><article>"
            f"<h1>{escape(title)}</h1>{body}</article></body></html>")


def rss(title: str, items: list[dict]) -> str:
    """items: {title, link, published (unix seconds or RFC 2822), description?, guid?}"""
    out = []
    for it in items:
        when = it.get("published")
        when = formatdate(when, usegmt=True) if isinstance(when, (int, float)) else when
        out.append("<item>" + f"<title>{escape(it['title'])}</title>"
                   + f"<link>{escape(it['link'])}</link>"
                   + (f"<guid>{escape(it['guid'])}</guid>" if it.get("guid") else "")
                   + (f"<pubDate>{when}</pubDate>" if when else "")
                   + (f"<description>{escape(it['description'])}</description>"
                      if it.get("description") else "")
                   + "</item>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>{escape(title)}</title><link>http://example.test/</link>"
            f"<description>news</description>{''.join(out)}</channel></rss>")


def atom(title: str, entries: list[dict]) -> str:
    """entries: {title, link, updated (ISO), content?, author?}"""
    out = []
    for e in entries:
        out.append("<entry>" + f"<title>{escape(e['title'])}</title>"
                   + f'<link href="{escape(e["link"])}"/>'
                   + f"<id>{escape(e.get('id', e['link']))}</id>"
                   + f"<updated>{e['updated']}</updated>"
                   + (f"<author><name>{escape(e['author'])}</name></author>"
                      if e.get("author") else "")
                   + (f'<content type="html">{escape(e["content"])}</content>'
                      if e.get("content") else "")
                   + "</entry>")
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{escape(title)}</title><id>urn:test</id>"
            f"<updated>2026-12-01T00:00:00Z</updated>{''.join(out)}</feed>")


def sitemap(urls: list[tuple[str, str]]) -> str:
    """(loc, lastmod) pairs."""
    body = "".join(f"<url><loc>{escape(u)}</loc><lastmod>{d}</lastmod></url>" for u, d in urls)
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>')


def sitemap_index(locs: list[str]) -> str:
    body = "".join(f"<sitemap><loc>{escape(u)}</loc></sitemap>" for u in locs)
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}'
            "</sitemapindex>")
