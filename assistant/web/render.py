"""Answers as HTML for the chat: every string from an article or a model is escaped.

The [n] markers become links to a source card under the answer, one card per article; the
card shows each sentence cited from it in its paragraph, in <mark>. A small script (static/cite.js) opens the card on click,
and copies an answer with its sources as plain text ("Copy answer").
"""

from __future__ import annotations

import html
import re
import uuid
from ..ids import site_name
from ..types import Answer, Citation

_CITE = re.compile(r"\[(\d{1,3})\]")


def safe_url(url: str) -> str:
    """Only http(s) links survive: javascript:, data: and friends become no link at all."""
    return url if re.match(r"^https?://[^\s\"'<>]+$", url or "") else ""


def _passage_html(c: Citation) -> str:
    """The paragraph(s) around the cited sentence, the sentence highlighted."""
    passage = c.passage or c.text
    s = c.start - c.passage_start if c.passage else 0
    e = c.end - c.passage_start if c.passage else len(c.text)
    if not (0 <= s <= e <= len(passage)) or passage[s:e] != c.text:
        s, e, passage = 0, len(c.text), c.text
    # Context is the enclosing paragraph, not the whole chunk: enough to judge the sentence.
    left = passage.rfind("\n\n", 0, s)
    left = 0 if left < 0 else left + 2
    right = passage.find("\n\n", e)
    right = len(passage) if right < 0 else right
    before = ("… " if left > 0 else "") + passage[left:s]
    after = passage[e:right] + (" …" if right < len(passage) else "")
    return (html.escape(before) + "<mark>" + html.escape(passage[s:e]) + "</mark>"
            + html.escape(after))


def outlet_of(c: Citation) -> str:
    """The outlet's name when the article has one, else the link's host (www. dropped)."""
    return c.outlet or site_name(safe_url(c.url))


def source_card(cites: list[Citation], mid: str) -> str:
    """One card per article: its outlet, date, headline and link, and each sentence cited
    from it in context, in the answer's order. [n] points at its sentence (id src-MID-n);
    the script opens the card around it. Two numbers citing one sentence share it."""
    c = cites[0]
    also = "also in: " + ", ".join(c.also_in) if c.also_in else ""
    meta = " · ".join(html.escape(x) for x in (outlet_of(c), c.published, also) if x)
    meta_html = f' <small class="meta">{meta}</small>' if meta else ""
    title = html.escape(c.title or c.article_id)
    url = safe_url(c.url)
    link = (f' <a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer">'
            f'original</a>' if url else "")
    numbers = " ".join(f"[{x.n}]" for x in cites)
    sentences: dict[tuple[int, int], list[Citation]] = {}
    for x in cites:
        sentences.setdefault((x.start, x.end), []).append(x)
    quotes = []
    for same in sentences.values():
        first, *others = same
        anchors = "".join(f'<span id="src-{mid}-{o.n}"></span>' for o in others)
        label = " ".join(f"[{x.n}]" for x in same)
        number = f'<b class="n">{label}</b> ' if len(cites) > 1 else ""
        quotes.append(f'<blockquote class="passage" id="src-{mid}-{first.n}">{anchors}'
                      f'{number}{_passage_html(first)}</blockquote>')
    return (f'<details class="source" data-cites="{" ".join(str(x.n) for x in cites)}">'
            f'<summary><b>{numbers}</b> {title}{meta_html}</summary>'
            f'{"".join(quotes)}{link}</details>')


def source_cards(citations: list[Citation], mid: str) -> str:
    by_article: dict[str, list[Citation]] = {}
    for c in citations:
        by_article.setdefault(c.article_id, []).append(c)
    return "".join(source_card(cs, mid) for cs in by_article.values())


def notice_html(text: str) -> str:
    """A message from the app itself (rate limit, …), not an answer."""
    return f'<div class="notice">{html.escape(text)}</div>'


def cite_links(text: str, mid: str, valid: set[int]) -> str:
    """Escape text, then turn [n] into a link to source n (only numbers that exist)."""
    def link(m: re.Match) -> str:
        n = int(m.group(1))
        if n not in valid:
            return m.group(0)
        return f'<a class="cite" href="#src-{mid}-{n}">[{n}]</a>'

    return _CITE.sub(link, html.escape(text))


_BOLD = re.compile(r"\*\*([^*\n]{1,200})\*\*")
_BULLET = re.compile(r"^[-*] ", re.M)


def light_markdown(escaped: str) -> str:
    """The two marks answers use (who-said lists, LLM lists): **name** and "- " bullets.
    Runs on escaped text, so nothing from an article can become markup."""
    return _BULLET.sub("• ", _BOLD.sub(r"<strong>\1</strong>", escaped))


def answer_html(answer: Answer, mid: str | None = None) -> str:
    # Unique across processes: a page can hold answers from several servers (widgets).
    mid = mid or "m" + uuid.uuid4().hex[:10]
    body = light_markdown(cite_links(answer.answer, mid, {c.n for c in answer.citations}))
    parts = [f'<div class="answer">{body}</div>']
    # A fallback notice is already the answer's first line: don't say it twice.
    warnings = [w for w in answer.warnings if w not in answer.answer]
    if warnings:
        parts.append('<div class="warnings">' + "".join(
            f"<div>⚠ {html.escape(w)}</div>" for w in warnings) + "</div>")
    if answer.citations:
        parts.append(f'<div class="sources">{source_cards(answer.citations, mid)}</div>')
    # Copies the answer and its sources as plain text (static/cite.js handles the click).
    parts.append('<div class="answer-tools"><a class="copy-answer" href="#copy" role="button">'
                 'Copy answer</a></div>')
    return "".join(parts)
