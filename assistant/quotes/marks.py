"""Quotation marks and sentences, found on the raw text with cheap rules.

`quote_spans` pairs opening and closing double quotation marks (curly “ ” and straight ")
into character spans that include the marks. It follows the newspaper convention for long
quotes: a paragraph that is still open at its end continues when the next paragraph starts
with an opening mark (“A.\\n\\n“B.” is one quote). A quote left open at a paragraph end that
is not continued closes there, so one stray mark never swallows the rest of the article.

British style (‘…’ as the quotation marks, “…” nested inside) is read as such in an article
that has no double marks at all (`single_style`): there ‘ opens, and ’ closes unless it is
an apostrophe (inside a word: "It’s", or a plural possessive: "the voters’ rights").

`sentences` splits text into sentence spans with a regex (paragraph breaks, then . ! ? with
an abbreviation guard). Only the sentences that can hold an attribution are parsed later, so
this split decides what the parser sees; it never needs to be perfect because quotations are
tracked across sentences on the raw text.
"""

from __future__ import annotations

import re

from ..text import abbreviated
from .lexicon import SAID_FORMS

OPENERS = "“„‟"
CLOSERS = "”"
STRAIGHT = '"'
QUOTE_CHARS = OPENERS + CLOSERS + STRAIGHT

_PARA = re.compile(r"\n\s*\n|\n")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty line-separated block."""
    spans, pos = [], 0
    for m in _PARA.finditer(text):
        if text[pos:m.start()].strip():
            spans.append((pos, m.start()))
        pos = m.end()
    if text[pos:].strip():
        spans.append((pos, len(text)))
    return spans


_MARK = re.compile("''|[" + QUOTE_CHARS + "]")
# British style: ‘ anywhere, ’ unless between letters or digits (an apostrophe)
_SINGLE_MARK = re.compile(r"‘|’(?![A-Za-z0-9])|(?<![A-Za-z0-9])’")
# after a plural possessive ("the voters’ rights") comes a word; after a closing ’ comes the
# attribution or the rest of the sentence
_AFTER_CLOSER = {"he", "she", "they", "we", "i", "it", "you", "said", "says", "say", "told",
                 "tells", "added", "adds", "asked", "wrote", "according", "the", "a", "an",
                 "and", "but", "or", "as", "was", "is", "were", "are", "in", "on", "at", "for",
                 "to", "of", "with", "by", "from", "when", "while", "after", "before", "then"}


def single_style(text: str) -> bool:
    """Whether the text quotes British style: ‘…’ and not a single double mark."""
    return "‘" in text and not _MARK.search(text)


def has_marks(s: str, single: bool = False) -> bool:
    """Whether s carries quotation marks (with single=True, ‘ ’ count too)."""
    return bool(_MARK.search(s)) or (single and bool(_SINGLE_MARK.search(s)))


def _possessive(text: str, i: int) -> bool:
    """’ after "s" and before a word that does not follow a closing mark: "voters’ rights"."""
    if text[i] != "’" or i == 0 or text[i - 1] not in "sS":
        return False
    m = re.match(r" ([a-z]+)", text[i + 1:i + 20])
    return bool(m) and m.group(1) not in _AFTER_CLOSER


def _is_open(text: str, i: int, n: int = 1) -> bool:
    """Whether the mark at i (n chars long) opens a quotation: by its shape, then by its
    neighbours."""
    c = text[i]
    before = text[i - 1] if i > 0 else " "
    after = text[i + n] if i + n < len(text) else " "
    if c == "‘":
        c = "“"  # British style: the same shapes, one stroke each
    elif c == "’":
        c = "”"
    if n == 1 and c in OPENERS:
        # “ glued to a word (or a comma) on its left and followed by a space or the end of
        # a sentence is a misused closer: ‘not,“ he said’
        return not ((before.isalnum() or before in ",.!?") and
                    (after.isspace() or after in ",.;:!?"))
    if n == 1 and c in CLOSERS:
        # ” used as an opener: at a line start or after a space, before a word
        return (before.isspace() or before in "([—–-") and not after.isspace() \
            and after not in ",.;:!?"
    # straight quote (" or ''): opens after space/start/punctuation, closes otherwise
    if before.isspace() or before in "([{—–-/:":
        return not after.isspace()
    return False


def quote_spans(text: str, single: bool = False) -> list[tuple[int, int]]:
    """Character spans (marks included) of the double-quoted passages of `text`, or with
    single=True of its ‘single-quoted’ ones (see `single_style`).

    Curly “ ”, straight " and the doubled apostrophes ('') some archives use for them.
    """
    if single:
        marks = [(m.start(), 1) for m in _SINGLE_MARK.finditer(text)
                 if not _possessive(text, m.start())]
    else:
        marks = [(m.start(), m.end() - m.start()) for m in _MARK.finditer(text)]
    if not marks:
        return []
    paras = paragraphs(text)
    para_of = {}
    p = 0
    for i, _ in marks:
        while p < len(paras) - 1 and i >= paras[p][1]:
            p += 1
        para_of[i] = p
    spans: list[tuple[int, int]] = []
    open_at: int | None = None
    open_para = -1
    for i, n in marks:
        opening = _is_open(text, i, n)
        straight = n == 2 or text[i] == STRAIGHT
        if open_at is not None and para_of[i] != open_para:
            # the quote ran to the end of its paragraph without closing
            nstart = paras[para_of[i]][0]
            if opening and i == nstart and para_of[i] == open_para + 1:
                open_para = para_of[i]  # continued in this paragraph: keep it open
                continue
            spans.append((open_at, paras[open_para][1]))
            open_at = None
        if open_at is None:
            if opening:
                open_at, open_para = i, para_of[i]
            continue
        if opening and not straight:
            # a second opener in the same paragraph: the first one was stray; restart here
            open_at = i
            continue
        spans.append((open_at, i + n))
        open_at = None
    if open_at is not None:
        spans.append((open_at, paras[open_para][1]))
    # trim trailing whitespace of spans closed at a paragraph end
    out = []
    for s, e in spans:
        while e > s and text[e - 1].isspace():
            e -= 1
        if e - s > 2:
            out.append((s, e))
    return out


_SENT_END = re.compile(r"[.!?]+(?:[”\"’)\]]|'')*(?=\s+(?:[“\"‘(\[A-Z0-9]|''))")
# "“Why is he attacking me?” Trump said." is one sentence: a question or exclamation closing
# a quotation, followed by a short attribution that ends there or trails circumstances
_SAY = "|".join(sorted(SAID_FORMS, key=len, reverse=True))
_ATTRIBUTION_AHEAD = re.compile(
    r"\s+(?:[\w.’'-]+,?\s+){0,8}?(?:" + _SAY + r")\b(?:\s*[,.;]|\s+(?:[\w’'-]+\s+){0,3}?"
    r"(?:as|in|on|at|during|after|before|while|when|from|outside|inside|to|with|of)\b)")


def sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans of text[start:end], paragraph breaks always ending a sentence."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    for ps, pe in paragraphs(text[start:end]):
        ps += start
        pe += start
        s = ps
        for m in _SENT_END.finditer(text, ps, pe):
            if text[m.start()] == ".":
                # abbreviations and initials ("John F. Kennedy", "U.S.") end no sentence
                if abbreviated(text[s:m.start()]):
                    continue
            elif text[m.end() - 1] in "”\"'" and _ATTRIBUTION_AHEAD.match(text, m.end(), pe):
                continue
            e = m.end()
            if text[s:e].strip():
                out.append((s, e))
            s = e
            while s < pe and text[s].isspace():
                s += 1
        if text[s:pe].strip():
            out.append((s, pe))
    return out
