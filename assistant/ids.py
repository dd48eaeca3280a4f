"""Stable article ids: the canonical url when there is one, else a hash of the content."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit, urlunsplit

_ID_CHARS = re.compile(r"[^A-Za-z0-9._:/-]+")


def content_hash(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def normalise_url(url: str) -> str:
    """Drop the fragment, default ports and a trailing slash so one page keeps one id."""
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    netloc = parts.netloc.lower()
    netloc = re.sub(r":(80|443)$", "", netloc)
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), netloc, path, parts.query, ""))


def article_id(url: str, text: str, given: str = "") -> str:
    """An id given by the source wins, then the canonical url, then a content hash."""
    if given.strip():
        return _ID_CHARS.sub("-", given.strip())[:200]
    norm = normalise_url(url)
    if norm:
        return "url:" + content_hash(norm)[:16]
    return "sha:" + content_hash(" ".join(text.split()))[:16]


def site_name(url: str) -> str:
    """The host of a link, www. dropped ("" for anything that is not an http(s) URL)."""
    try:
        parts = urlsplit((url or "").strip())
        host = parts.hostname or "" if parts.scheme in ("http", "https") else ""
    except ValueError:  # "http://[::1/x"
        return ""
    return host[4:] if host.startswith("www.") else host
