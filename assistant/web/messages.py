"""Gradio chat messages read back: their text, their HTML, their source titles, and the
history as Turns (for rewrite_followup). Answers are HTML made by render.answer_html."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from ..chat import Turn

_ANSWER_DIV = re.compile(r'<div class="answer">(.*?)</div>', re.S)


def message_text(content) -> str:
    """Text of a chat message: Gradio gives a string or a list of parts; answers are HTML
    (render.answer_html) whose answer div is the text and whose source cards are not."""
    if isinstance(content, (list, tuple)):
        content = " ".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    elif isinstance(content, dict):
        content = content.get("text", "")
    text = str(content or "")
    m = _ANSWER_DIV.search(text)
    text = m.group(1) if m else text
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def message_html(content: Any) -> str:
    """A message's HTML: Gradio hands back a string, or a list of parts."""
    if isinstance(content, (list, tuple)):
        return " ".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    if isinstance(content, dict):
        return str(content.get("text", ""))
    return str(content or "")


def message_sources(content: Any) -> list[str]:
    """Source titles of a rendered answer (the <summary> of each card), as plain text."""
    raw = message_html(content)
    return [html.unescape(re.sub(r"<[^>]+>", "", s)).strip()
            for s in re.findall(r"<summary>(.*?)</summary>", raw, re.S)]


def turns_from_messages(messages: Sequence[dict]) -> list[Turn]:
    """Turns from a Gradio chat history ([{"role", "content"}, …]), for rewrite_followup."""
    return [Turn(m.get("role", ""), message_text(m.get("content"))) for m in messages
            if isinstance(m, dict) and m.get("role") in ("user", "assistant")]
