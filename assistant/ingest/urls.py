"""Articles fetched from URLs: on the command line, or one per line in a `.urls` file.

Fetching needs the network; offline (the default here) each URL fails with a one-line reason
and everything else in the run is still ingested.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

from ..errors import LoadError
from ..ids import article_id
from ..types import Article
from .loaders import _decode, _load_html

TIMEOUT = 10.0
MAX_BYTES = 10 * 1024 * 1024
USER_AGENT = "article-assistant/0.1 (+https://github.com/)"


def is_url(s: str) -> bool:
    return s.startswith(("http://", "https://"))


def read_url_list(path: Path) -> list[str]:
    lines = [l.strip() for l in path.read_text(encoding="utf-8", errors="replace").splitlines()]
    return [l for l in lines if l and not l.startswith("#")]


def fetch(url: str, timeout: float = TIMEOUT) -> Article:
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            kind = resp.headers.get_content_type()
            if kind not in ("text/html", "application/xhtml+xml", "text/plain"):
                raise LoadError(f"not an HTML page ({kind})", url)
            raw = resp.read(MAX_BYTES + 1)
            final_url = resp.geturl()
    except LoadError:
        raise
    except urllib.error.HTTPError as e:
        raise LoadError(f"could not fetch: HTTP {e.code} {e.reason}", url) from e
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        raise LoadError(f"could not fetch ({reason}); is the network reachable?", url) from e
    if len(raw) > MAX_BYTES:
        raise LoadError(f"page larger than {MAX_BYTES // 2**20} MB", url)
    article = _load_html(_decode(raw, Path(url)), Path(url))
    # Without a canonical link the page's own address is its url (and so its id).
    if not article.url:
        article = replace(article, url=final_url, id=article_id(final_url, article.text))
    return replace(article, source=url)
