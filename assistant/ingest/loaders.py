"""Turn files (txt, md, html, jsonl) into clean `Article`s, or say plainly why not.

Every loader ends in `clean_text`, so all offsets downstream point into one canonical form:
"\\n" newlines, NFC, single spaces, paragraphs separated by exactly one blank line.
"""

from __future__ import annotations

import codecs
import json
import logging
import os
import re
import unicodedata
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Iterator

from ..errors import LoadError
from ..ids import article_id
from ..types import Article
from .documents import docx_text, pdf_text

SUPPORTED = (".txt", ".md", ".markdown", ".html", ".htm", ".jsonl", ".pdf", ".docx")
BINARY = (".pdf", ".docx")
MAX_FILE_BYTES = 50 * 1024 * 1024
_MB = 1024 * 1024
_SNIFF = 8192

# trafilatura logs ERROR/WARNING for every page it cannot extract; we raise LoadError with
# the reason instead, so its own lines would only repeat it (unless an app configured it).
_tlog = logging.getLogger("trafilatura")
if _tlog.level == logging.NOTSET:
    _tlog.setLevel(logging.CRITICAL)


# ---------------------------------------------------------------------------- cleaning

# Zero-width characters and control characters other than \t and \n (str.translate with a
# dict is ~10x slower than one regex on long texts).
_INVISIBLE = re.compile(r"[\u200b-\u200d\ufeff\u2060\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
# CR, vertical tab, form feed, NEL and U+2028 mean "new line" in practice; U+2029 a paragraph.
_NEWLINE = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028]")
_SPACES = re.compile(r"[^\S\n]+")  # any whitespace but the newline, NBSP included


def clean_text(s: str) -> str:
    s = _NEWLINE.sub("\n", s).replace("\u2029", "\n\n")
    s = unicodedata.normalize("NFC", s)
    s = _INVISIBLE.sub("", s)
    s = _SPACES.sub(" ", s)
    s = re.sub(r" ?\n ?", "\n", s)
    s = re.sub(r"\n{3,}", "\n\n", s)
    return s.strip()


def _one_line(s: str | None) -> str:
    return " ".join(clean_text(s or "").split())


def normalise_date(value: Any) -> str:
    """ISO YYYY-MM-DD when the value is a recognisable date, else "". A time with a UTC
    offset counts in UTC: "2026-12-01T23:30:00-05:00" is 2026-12-02."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    if isinstance(value, (datetime, date)):
        return value.isoformat()[:10]
    s = _one_line(str(value or ""))
    if not s:
        return ""
    if re.match(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d", s):
        try:
            stamp = datetime.fromisoformat(s.replace(" ", "T", 1))
        except ValueError:
            pass
        else:
            if stamp.tzinfo is not None:
                stamp = stamp.astimezone(timezone.utc)
            return stamp.date().isoformat()
    m = re.match(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:$|[T ])", s)
    if m:
        try:
            return date(*map(int, m.groups())).isoformat()
        except ValueError:
            return ""
    bare = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", s.replace(".", ""))
    for fmt in ("%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y",
                "%A, %B %d, %Y", "%a, %b %d, %Y"):
        try:
            return datetime.strptime(bare, fmt).date().isoformat()
        except ValueError:
            pass
    try:  # RFC 2822, as in RSS feeds and HTTP headers
        stamp = parsedate_to_datetime(s)
        if stamp.tzinfo is not None:
            stamp = stamp.astimezone(timezone.utc)
        return stamp.date().isoformat()
    except (TypeError, ValueError, IndexError):
        return ""


def _authors(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        parts = [str(v) for v in value if v]
    else:  # "A; B", "A, B and C", "By A | B"
        parts = re.split(r"\s*(?:;|\||,|&|\band\b)\s*", str(value or ""))
    names = (_one_line(re.sub(r"^by\s+", "", p.strip(), flags=re.I)) for p in parts)
    return list(dict.fromkeys(n for n in names if n))


# ---------------------------------------------------------------------------- files


def iter_files(paths: list[Path]) -> Iterator[Path]:
    """Files as given, folders expanded (sorted, hidden entries skipped); unsupported
    files are yielded too so the caller can report them."""
    paths = [Path(p) for p in paths]
    for p in paths:  # fail before any work is done, not halfway through
        if not p.exists():
            raise LoadError("no such file or directory", p)
    for p in paths:
        if not p.is_dir():
            yield p
            continue
        for root, dirs, files in os.walk(p):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if not name.startswith("."):
                    yield Path(root) / name


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LoadError(f"file too large ({size / _MB:.1f} MB > {MAX_FILE_BYTES / _MB:g} MB)",
                            path)
        raw = path.read_bytes()
    except OSError as e:
        raise LoadError(f"cannot read file ({e.strerror or e})", path) from e
    if not raw.strip():
        raise LoadError("empty file" if not raw else "empty file (only whitespace)", path)
    text = _decode(raw, path)
    if not _INVISIBLE.sub("", text).strip():
        raise LoadError("empty file (only whitespace)", path)
    return text


def _decode(raw: bytes, path: Path) -> str:
    # UTF-16 is full of NUL bytes, so it must be recognised before the binary check.
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as e:
            raise LoadError(f"not valid UTF-16 despite its byte-order mark ({e.reason})",
                            path) from e
    head = raw[:_SNIFF]
    controls = sum(b < 32 and b not in b"\t\n\r\x0b\x0c\x1b" or b == 127 for b in head)
    if b"\x00" in head or controls > 0.05 * len(head):
        raise LoadError("binary file (not text)", path)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        utf8_error = f"invalid byte 0x{raw[e.start]:02x} at offset {e.start}"
    # Real cp1252 text almost never contains well-formed UTF-8 sequences; a file that does
    # is broken UTF-8, and decoding it as cp1252 would only turn it into mojibake.
    looks_utf8 = re.search(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}"
                           rb"|[\xf0-\xf4][\x80-\xbf]{3}", raw)
    if not looks_utf8:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            pass
        else:
            if sum(ord(c) > 127 for c in text) <= 0.3 * len(text):
                return text
    raise LoadError(f"not valid UTF-8 ({utf8_error}; tried utf-8, utf-16, cp1252)", path)


# ---------------------------------------------------------------------------- loaders


def load_file(path: Path) -> list[Article]:
    """The articles in one file; LoadError when there are none and something was wrong."""
    articles, errors = load_file_report(path)
    if not articles:
        first = errors[0] if errors else "no articles"
        more = f" (and {len(errors) - 1} more bad lines)" if len(errors) > 1 else ""
        raise LoadError(first + more, path)
    return articles


def load_file_report(path: Path) -> tuple[list[Article], list[str]]:
    """(articles, per-line problems): a bad jsonl line is reported, not fatal."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in SUPPORTED:
        what = f"extension {ext}" if ext else "file type (no extension)"
        raise LoadError(f"unsupported {what} (use {', '.join(SUPPORTED)})", path)
    if ext in BINARY:
        return [_load_document(path, ext)], []
    text = _read_text(path)
    if ext == ".jsonl":
        return _load_jsonl(text, path)
    if ext in (".html", ".htm"):
        return [_load_html(text, path)], []
    if ext in (".md", ".markdown"):
        return [_load_markdown(text, path)], []
    return [_load_txt(text, path)], []


def _article(text: str, path: Path, *, url: str = "", given_id: str = "", title: str = "",
             published: Any = "", authors: Any = None, outlet: str = "",
             source: str = "") -> Article:
    text = clean_text(text)
    return Article(
        id=article_id(url, text, given_id), text=text, title=_one_line(title),
        url=(url or "").strip(), published=normalise_date(published),
        authors=_authors(authors), outlet=_one_line(outlet), source=source or str(path),
    )


def _load_document(path: Path, ext: str) -> Article:
    size = path.stat().st_size
    if size == 0:
        raise LoadError("empty file", path)
    if size > MAX_FILE_BYTES:
        raise LoadError(f"file too large ({size / _MB:.0f} MB > {MAX_FILE_BYTES / _MB:.0f} MB)",
                        path)
    text, info = (pdf_text if ext == ".pdf" else docx_text)(path)
    title = info["title"] or _txt_title(clean_text(text))
    return _article(text, path, title=title, authors=info["authors"],
                    published=info["published"])


def _load_txt(raw: str, path: Path) -> Article:
    text = clean_text(raw)
    return _article(text, path, title=_txt_title(text))


def _txt_title(text: str) -> str:
    # Scraped text often starts with widget leftovers ("Share", "Advertisement"): a line of
    # one or two words is never taken as the headline.
    for line in [ln for ln in text.split("\n") if ln.strip()][:5]:
        if len(line.split()) <= 2:
            continue
        return line if len(line) < 200 and not line.endswith(".") else ""
    return ""


_FRONT_KEYS = {"title": "title", "url": "url", "published": "published", "date": "published",
               "author": "authors", "authors": "authors", "outlet": "outlet",
               "source": "outlet"}


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    """A YAML-ish header between leading `---` lines: `key: value`, `key: [a, b]` and
    `key:` followed by `- item` lines. Anything fancier is left to real YAML users."""
    m = re.match(r"---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|$)", text, re.S)
    if not m:
        return {}, text
    meta: dict[str, Any] = {}
    key = None
    for line in m.group(1).split("\n"):
        item = re.match(r"\s+-\s+(.*)", line) or re.match(r"-\s+(.*)", line)
        if item and key:
            meta.setdefault(key, [])
            if isinstance(meta[key], list):
                meta[key].append(_unquote(item.group(1)))
            continue
        kv = re.match(r"([A-Za-z_][\w-]*)\s*:\s*(.*)", line)
        if not kv:
            continue
        key, value = kv.group(1).lower(), kv.group(2).strip()
        if value.startswith("[") and value.endswith("]"):
            meta[key] = [_unquote(v) for v in value[1:-1].split(",") if v.strip()]
        elif value:
            meta[key] = _unquote(value)
    mapped: dict[str, Any] = {}
    for k, v in meta.items():
        if k in _FRONT_KEYS and _FRONT_KEYS[k] not in mapped:
            mapped[_FRONT_KEYS[k]] = v
    return mapped, text[m.end():]


def _unquote(v: str) -> str:
    v = v.strip()
    return v[1:-1] if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"" else v


_MD_RULES = [  # order matters: images before links, tags before emphasis
    (re.compile(r"<(script|style)\b.*?</\1\s*>", re.S | re.I), ""),
    (re.compile(r"<!--.*?-->", re.S), ""),
    (re.compile(r"</?[A-Za-z][^>]*>"), ""),
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),
    (re.compile(r"!\[[^\]]*\]\[[^\]]*\]"), ""),
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),
    (re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+.*$", re.M), ""),  # reference definitions
    (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),
    (re.compile(r"^ {0,3}(`{3,}|~{3,}).*$", re.M), ""),  # code fences (content kept)
    (re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", re.M), r"\1"),
    (re.compile(r"^ {0,3}(?:[-*_][ \t]*){3,}$", re.M), ""),  # rules, setext underlines
    (re.compile(r"^ {0,3}=+[ \t]*$", re.M), ""),
    (re.compile(r"^ {0,3}>[ \t]?", re.M), ""),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"), r"\1"),
    (re.compile(r"~~(.+?)~~"), r"\1"),
    (re.compile(r"`([^`\n]+)`"), r"\1"),
]


def _load_markdown(raw: str, path: Path) -> Article:
    meta, body = _front_matter(clean_text(raw))
    title = meta.get("title") or ""
    if not title:
        m = (re.search(r"^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$", body, re.M)
             or re.search(r"^(\S.*)\n {0,3}=+[ \t]*$", body, re.M))
        title = m.group(1) if m else ""
    for pattern, repl in _MD_RULES:
        body = pattern.sub(repl, body)
        title = pattern.sub(repl, title)
    text = clean_text(body)
    if not text:
        raise LoadError("no article text found in Markdown (front matter only)", path)
    return _article(text, path, url=str(meta.get("url", "")), title=title,
                    published=meta.get("published", ""), authors=meta.get("authors"),
                    outlet=str(meta.get("outlet", "")))


def _load_html(raw: str, path: Path) -> Article:
    import trafilatura  # heavy (lxml, htmldate, justext): only when HTML is loaded

    doc = trafilatura.bare_extraction(raw, with_metadata=True, include_comments=False,
                                      favor_precision=True)
    # trafilatura >= 2 returns a Document object (not a dict), or None when it gives up.
    body = (getattr(doc, "text", None) or "") if doc is not None else ""
    if not clean_text(body):
        raise LoadError("no article text found in HTML", path)
    # trafilatura puts each block element on one line; make those lines paragraphs.
    text = clean_text(body).replace("\n", "\n\n")
    return _article(text, path, url=doc.url or "", title=doc.title or "",
                    published=doc.date or "", authors=doc.author or "",
                    outlet=doc.sitename or doc.hostname or "")


_JSONL_ID = ("id", "doc_id")
_JSONL_TEXT = ("text", "body", "content")


def _load_jsonl(raw: str, path: Path) -> tuple[list[Article], list[str]]:
    articles: list[Article] = []
    errors: list[str] = []
    # split("\n"), not splitlines(): U+2028 may sit unescaped inside a JSON string.
    for lineno, line in enumerate(raw.split("\n"), 1):
        if not line.strip():
            continue
        try:
            articles.append(_jsonl_article(line, path, lineno))
        except ValueError as e:
            errors.append(f"line {lineno}: {e}")
    return articles, errors


def _jsonl_article(line: str, path: Path, lineno: int) -> Article:
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as e:
        raise ValueError(f"invalid JSON: {e.msg} (column {e.colno})") from None
    if not isinstance(rec, dict):
        raise ValueError(f"expected a JSON object, got {type(rec).__name__}")
    text_key = next((k for k in _JSONL_TEXT if k in rec), None)
    if text_key is None:
        raise ValueError("missing 'text'")
    if not isinstance(rec[text_key], str):
        raise ValueError(f"'{text_key}' is not a string")
    if not _INVISIBLE.sub("", rec[text_key]).strip():
        raise ValueError(f"empty '{text_key}'")
    given = next((str(rec[k]) for k in _JSONL_ID if rec.get(k) not in (None, "")), "")
    return _article(
        rec[text_key], path, url=str(rec.get("url") or ""), given_id=given,
        title=str(rec.get("title") or ""),
        published=rec.get("published") or rec.get("date") or "",
        authors=rec.get("authors") or rec.get("author"),
        outlet=str(rec.get("outlet") or rec.get("source") or ""),
        source=f"{path}:{lineno}",
    )
