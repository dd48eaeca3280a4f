"""Text as the assistant reads it: visible characters only, sentence spans (the unit an
extractive answer cites), quote-insensitive comparison."""

from __future__ import annotations

import re
import unicodedata

# A sentence ends at . ! ? (optionally followed by a closing quote or bracket) before
# whitespace, or at a paragraph break. Abbreviations like "U.S." stay joined because the
# next character must open a sentence (capital, digit or opening quote).
_BOUNDARY = re.compile(r"""(?<=[.!?])["'”’)\]]*\s+(?=["'“‘(\[]?[A-Z0-9])|\n\s*\n""")
# Words that say how a question is put, not what it is about: no content word.
FUNCTION_WORDS = frozenset("""
    a an and are as at be been but by can could did do does for from had has have he her his
    how i if in into is it its me more most my no not of on or our out over she so some such
    than that the their them then there these they this to up us was we were what when where
    which while who whom whose why will with would you your about after against all also any
    before between both each few just only other same should very said say says tell told
    because since until although though whether earlier later ever never still yet already
    again now soon recently currently actually really even much many often
""".split())
# Words whose full stop ends no sentence (lower case, without the final stop).
ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "gov", "sen", "rep", "reps", "sens", "gen", "lt", "col",
    "capt", "cmdr", "sgt", "st", "jr", "sr", "rev", "hon", "pres", "amb", "adm", "maj", "vs",
    "inc", "corp", "co", "ltd", "no", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "ariz", "calif", "colo", "conn", "fla", "ga", "ill", "ind",
    "kan", "ky", "la", "md", "mass", "mich", "minn", "miss", "mo", "mont", "neb", "nev", "okla",
    "ore", "pa", "tenn", "tex", "va", "vt", "wash", "wis", "wyo", "ala", "ark", "del", "approx",
    "dept", "est", "fig", "u.s", "u.k", "u.n", "d.c", "a.m", "p.m", "e.g", "i.e", "etc",
})


def abbreviated(before: str) -> bool:
    """Whether a full stop right after `before` belongs to an abbreviation ("Mr.", "U.S.",
    "Sept.") or an initial ("John F. Kennedy") rather than ending a sentence."""
    m = re.search(r"([\w.]+)$", before)
    written = m.group(1) if m else ""
    word = written.lower()
    if word == "no":  # "No. 10" is the number; "said no." ends a sentence
        return written == "No"
    return (word in ABBREVIATIONS or (len(word) == 1 and word.isalpha())
            or re.fullmatch(r"(?:[a-z]\.)+[a-z]", word) is not None)


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each sentence in text, shifted by offset; edges stripped."""
    spans = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        # "Mr. Kerry" or "U.S. officials": not a sentence end unless a paragraph ends.
        if ("\n" not in m.group(0) and text[m.start() - 1] == "."
                and abbreviated(text[start:m.start() - 1])):
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


def visible_text(text: str) -> str:
    """text as one line of visible characters: control, format (NUL, zero-width, direction
    marks) and lone surrogate code points (undecodable bytes) go, runs of whitespace become
    one space: how the Assistant reads a question and the retriever a query."""
    text = str(text or "")
    if not text.isascii() or not text.isprintable():
        text = "".join(" " if ch.isspace() else ch for ch in text
                       if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    return " ".join(text.split())


def without_surrogates(text: str) -> str:
    """text less its lone surrogates: an undecodable byte of argv, or a "\\ud800" that JSON
    can carry, is no character (it could not be tokenized, stored, nor written as UTF-8)."""
    text = str(text)
    if text.isascii():
        return text
    return "".join(ch for ch in text if not "\ud800" <= ch <= "\udfff")


def plural(n: int, word: str) -> str:
    """"1 article", "2 articles"."""
    return f"{n} {word}" + ("" if n == 1 else "s")
