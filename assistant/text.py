"""Sentence spans: the unit an extractive answer cites."""

from __future__ import annotations

import re

# A sentence ends at . ! ? (optionally followed by a closing quote or bracket) before
# whitespace, or at a paragraph break. Abbreviations like "U.S." stay joined because the
# next character must open a sentence (capital, digit or opening quote).
_BOUNDARY = re.compile(r"""(?<=[.!?])["'”’)\]]*\s+(?=["'“‘(\[]?[A-Z0-9])|\n\s*\n""")
_ABBREV = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Gen|Sen|Rep|Gov|St|Lt|Col|Sgt|Capt|Jr|Sr|"
                     r"Inc|Corp|Co|Ltd|No|vs|U\.S|U\.K|U\.N|a\.m|p\.m)\.|\b[A-Z]\.)$")


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each sentence in text, shifted by offset; edges stripped."""
    spans = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        words = text[start:m.start()].split()
        # "Mr. Kerry" or "U.S. officials": not a sentence end unless a paragraph ends.
        if "\n" not in m.group(0) and words and _ABBREV.search(words[-1]):
            continue
        _append(text, start, m.start() + _closing_len(text, m.start()), spans, offset)
        start = m.end()
    _append(text, start, len(text), spans, offset)
    return spans


def _closing_len(text: str, at: int) -> int:
    """Closing quotes/brackets right after the end mark belong to the sentence."""
    n = 0
    while at + n < len(text) and text[at + n] in "\"'”’)]":
        n += 1
    return n


def _append(text: str, start: int, end: int, spans: list, offset: int) -> None:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip())
    piece = piece.strip()
    if piece:
        spans.append((offset + start + lead, offset + start + lead + len(piece)))


def normalise(s: str) -> str:
    """Quotes and whitespace normalised, for comparing quoted strings with sources."""
    s = s.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'")
    return " ".join(s.split()).lower()
