"""Speaker names as shown and matched: "he" resolved to "Vladimir Putin", filtered by "Putin"."""

from __future__ import annotations

import re

from .lexicon import PRONOUNS

_WORD = re.compile(r"[^\W\d_][\w.’'-]*", re.UNICODE)
_POSSESSIVE = re.compile(r"[’']s?$")
_LEADING = {"the", "a", "an"}


def display_name(quote) -> str:
    """The speaker as a reader wants to see it: the resolved name or role when the article
    makes it clear, else the mention as written; "Unnamed (he)" for a "he" or "she" nobody
    could resolve (shown with its sentence, never guessed); "" for another pronoun."""
    name = " ".join((quote.speaker_resolved or quote.speaker).split())
    if name.lower() in ("he", "she", "him", "her"):
        return f"Unnamed ({name.lower()})"
    if not name or name.lower() in PRONOUNS:
        return ""
    return name[0].upper() + name[1:]


def _words(name: str) -> list[str]:
    return [_POSSESSIVE.sub("", w.lower()).strip(".") for w in _WORD.findall(name)]


def last_name(name: str) -> str:
    """The key speakers are filtered on: the last word, lower-cased ("Vladimir Putin" ->
    "putin", "Washington’s Syria envoy" -> "envoy", "the official" -> "official")."""
    name = re.sub(r"\s*\([^()]*\)\s*$", "", name)  # "the source (cited by Interfax)"
    words = [w for w in _words(name) if w]
    return words[-1] if words else ""


def matches(asked: str, speaker: str) -> bool:
    """Whether a quote's speaker is the one asked about: every word asked for (but "the")
    appears in the speaker's name ("Putin" ~ "Vladimir Putin", "the Syria envoy" ~
    "Washington’s Syria envoy")."""
    want = [w for w in _words(asked) if w and w not in _LEADING]
    have = set(_words(speaker))
    return bool(want) and all(w in have for w in want)


def group_key(name: str) -> str:
    """Speakers shown together: case and a leading article don't make another person."""
    words = _words(name)
    if words and words[0] in _LEADING:
        words = words[1:]
    return " ".join(words)
