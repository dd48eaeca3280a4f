"""Answers as HTML for the chat: every string from an article or a model is escaped.

The [n] markers become links to a source card under the answer; the card shows the passage
with the cited sentence in <mark>. A small script (static/cite.js) opens the card on click,
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


def source_card(c: Citation, mid: str) -> str:
    also = "also in: " + ", ".join(c.also_in) if c.also_in else ""
    meta = " · ".join(html.escape(x) for x in (outlet_of(c), c.published, also) if x)
    meta_html = f' <small class="meta">{meta}</small>' if meta else ""
    title = html.escape(c.title or c.article_id)
    url = safe_url(c.url)
    link = (f' <a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer">'
            f'original</a>' if url else "")
    return (f'<details class="source" id="src-{mid}-{c.n}">'
            f'<summary><b>[{c.n}]</b> {title}'
            f'{meta_html}</summary>'
            f'<blockquote class="passage">{_passage_html(c)}</blockquote>{link}</details>')


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
        parts.append('<div class="sources">'
                     + "".join(source_card(c, mid) for c in answer.citations) + "</div>")
    # Copies the answer and its sources as plain text (static/cite.js handles the click).
    parts.append('<div class="answer-tools"><a class="copy-answer" href="#copy" role="button">'
                 'Copy answer</a></div>')
    return "".join(parts)
