"""Speaker resolution: who a pronoun or a description ("he", "the official") stands for,
and the full name of a named speaker ("Obama" -> "Barack Obama"), from the people the
article names before it.
"""

from __future__ import annotations

import bisect
import re

from .article import Quote
from .lexicon import FEMALE_NAMES, MALE_NAMES, PRONOUNS
from .parse import Parsed, antecedent, char_span, speaker_tokens

# words of organisations' names: not people, and "it" may stand for them
_ORG_WORDS = {"news", "times", "post", "journal", "committee", "department", "ministry",
              "campaign", "office", "house", "agency", "network", "party", "group", "council",
              "court", "association", "institute", "university", "poll", "report", "service",
              "company", "administration", "government", "foundation", "fund", "center",
              "bureau", "commission", "board", "tribune", "press", "cnn", "fbi", "nbc", "abc",
              "cbs", "fox", "msnbc", "reuters", "interfax", "tass", "bloomberg", "politico",
              # heads of the names of places, institutions and events, not surnames
              "school", "college", "gallery", "palace", "hospital", "clinic", "church",
              "museum", "library", "airport", "studios", "media", "bank", "forum", "project",
              "alliance", "coalition", "society", "federation", "league", "club", "equity",
              "fire", "star", "advertiser", "herald", "gazette", "daily", "weekly", "inc",
              "corp", "llc", "ltd"}


_DESCRIPTION = re.compile(r"^(?:the|a|an|this|that|one)\s+(?:[\w’'-]+\s+){0,3}?([a-z][\w-]+)$",
                          re.I)
_NAME = re.compile(r"\b[A-Z][a-z’'-]+(?:[ \t]+(?:[A-Z]\.|[A-Z][a-z’'-]+|al-[A-Z][a-z]+|de|van|von|"
                   r"bin|Mc[A-Z][a-z]+)){1,3}\b")
_NOT_NAME = _ORG_WORDS | {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "united", "states", "new", "york", "white", "republican", "democrat",
    "democratic", "republicans", "democrats", "american", "north", "south", "east", "west",
    "street", "city", "county", "state", "national", "federal", "supreme", "capitol", "hill",
    "but", "and", "the", "in", "on", "at", "for", "when", "after", "as", "if", "while", "it",
    "he", "she", "they", "we", "his", "her", "their", "this", "that", "there", "what", "who",
    "why", "how", "russian", "federation", "union", "european", "syrian", "chinese", "group",
    "front", "forces", "terminal", "peace", "war", "army", "navy", "security", "council",
    "secretary", "minister", "general", "president", "presidents", "senator", "governor",
    # sentence openers that are no part of a name ("Even Russia can not…")
    "even", "only", "also", "yet", "still", "now", "then", "so", "meanwhile", "however",
    "although", "though", "because", "since", "despite", "instead", "perhaps", "indeed",
    "earlier", "later", "today", "yesterday", "last", "next", "all", "both", "many", "some",
}
_TITLES = {"president", "presidents", "sen", "senator", "rep", "gov", "governor", "mr", "mrs",
           "ms", "dr", "secretary", "minister", "prime", "gen", "general", "judge", "justice",
           "mayor", "chancellor", "king", "queen", "prince", "pope", "vice", "speaker", "leader",
           "chairman", "director", "ambassador", "attorney", "former", "u.s", "us", "sheriff",
           "chief", "officer", "commissioner", "professor", "rev", "sir", "lord", "candidate",
           "nominee", "spokesman", "spokeswoman", "adviser", "advisor", "aide", "envoy",
           "consort"}


def _named(s: str) -> bool:
    """Whether a mention carries a proper name (a capitalised word past its first)."""
    words = s.split()
    if not words:
        return False
    return any(w[:1].isupper() for w in words[1:]) or (
        words[0][:1].isupper() and words[0].lower() not in
        {"the", "a", "an", "this", "that", "one", "he", "she", "they", "it", "we", "i", "his",
         "her", "their", "its", "our", "some", "many", "several", "other", "another", "both"})


_PLURAL = re.compile(r"\band\b|[a-z]s$")


def _people(text: str, parsed: dict[int, Parsed]) -> list[tuple[int, str]]:
    """(position, full name) of every mention of a person, surnames included, in order.

    With spaCy's NER pipe loaded, its PERSON entities; otherwise (the default, for speed)
    runs of two to four capitalised words outside a list of organisation, place and calendar
    words ("Barack Obama", "John F. Kerry"), title words dropped. A later bare surname
    ("Obama") counts as a mention of the full name it belongs to.
    """
    full: list[tuple[int, str]] = []
    ner = [p for p in parsed.values() if p.doc.has_annotation("ENT_IOB")]
    if ner:
        for p in ner:
            full.extend((p.off + e.start_char, e.text) for e in p.doc.ents
                        if e.label_ == "PERSON" and len(e.text.split()) > 1)
    else:
        for m in _NAME.finditer(text):
            if m.group(0).endswith("-"):  # "Honolulu Star-" of "Honolulu Star-Advertiser"
                continue
            words = m.group(0).split()
            for k, w in enumerate(words):  # "Washington’s Syria envoy": a possessive ends it
                if w.endswith(("’s", "'s")):
                    words = words[:k + 1]
                    words[-1] = w[:-2]
                    break
            start = m.start()
            while words and (words[0].rstrip(".").lower() in _TITLES or
                             words[0].lower() in _NOT_NAME):
                start = text.index(words[1], start + len(words[0])) if len(words) > 1 else start
                words.pop(0)
            if len(words) < 2 or any(w.lower() in _NOT_NAME for w in words):
                continue
            full.append((start, " ".join(words)))
    by_surname = {}
    out = list(full)
    for pos, name in full:
        by_surname.setdefault(name.split()[-1], (pos, name))
    for sur, (first, name) in by_surname.items():
        for m in re.finditer(r"\b" + re.escape(sur) + r"\b", text):
            if m.start() > first and not any(p <= m.start() < p + len(n) for p, n in full):
                out.append((m.start(), name))
    out.sort()
    return out


def resolve(quotes: list[Quote], text: str, parsed: dict[int, Parsed]) -> None:
    """Fill speaker_resolved: the person a pronoun or description stands for, or the full
    name of a named speaker ("Obama" -> "Barack Obama"); left empty when unclear."""
    people = _people(text, parsed)
    history: list[tuple[int, str, str]] = []  # (position, name, kind: person/group/org)
    roles: list[tuple[int, str, bool]] = []  # speakers described, not named: (pos, words, human)
    paragraphs = [0] + [m.end() for m in re.finditer(r"\n\s*\n", text)]
    for q in sorted(quotes, key=lambda q: q.speaker_start):
        speaker, pos, end = q.speaker, q.speaker_start, q.speaker_end
        if speaker.lower() in _RELATIVE:  # "Obama, who said …": who is Obama
            found = _antecedent(q, text, parsed)
            if found:
                speaker, pos, end = found
                q.speaker_resolved = speaker
        low = speaker.lower()
        inside = [n for p, n in people if pos <= p < end]
        if low in PRONOUNS:
            if low in ("he", "she", "him", "her"):
                q.speaker_resolved = _person_pronoun(q, text, people, history, roles,
                                                     paragraphs)
            elif low in ("they", "we", "them"):
                h = next((h for h in reversed(history) if h[0] < pos and h[2] != "person"), None)
                q.speaker_resolved = h[1] if h else ""
            elif low == "it":
                h = next((h for h in reversed(history) if h[0] < pos and h[2] == "org"), None)
                q.speaker_resolved = h[1] if h else ""
        elif len(inside) == 1:
            # "President Obama" is Barack Obama; "Trump's communication officials" are not
            # Trump: the name must end the phrase
            if inside[0] != speaker and _last_word(speaker) == _last_word(inside[0]):
                q.speaker_resolved = inside[0]
        elif not inside and not _named(speaker):
            m = _DESCRIPTION.match(speaker.strip())
            if m:
                q.speaker_resolved = _title_name(text, m.group(1), pos, people) or \
                    q.speaker_resolved
        name = q.speaker_resolved or q.speaker
        if len(inside) > 1 or (not inside and _PLURAL.search(name.split()[-1] if name else "")):
            kind = "group"
        elif inside or (q.speaker_resolved and low in ("he", "she", "him", "her")):
            kind = "person"
        elif any(w.lower().strip("’'s") in _ORG_WORDS for w in name.split()):
            kind = "org"
        else:
            kind = "person" if _named(name) else "group"
        relay = _relayed_by(q, text)
        if relay:  # "Interfax cited the source as saying …": both are kept
            q.speaker_resolved = f"{q.speaker_resolved or q.speaker} (cited by {relay})"
        if _named(name) or q.speaker_resolved:
            history.append((pos, name, kind))
        elif low not in PRONOUNS:
            head = q.speaker.split()[-1].lower().strip("’'s") if q.speaker.split() else ""
            roles.append((pos, q.speaker, head not in _NOT_HUMAN))


_RELATIVE = {"who", "which", "that"}


def _last_word(phrase: str) -> str:
    words = re.findall(r"[\w’'.-]+", phrase)
    return words[-1].lower().strip(".") if words else ""


def _antecedent(q: Quote, text: str, parsed: dict[int, Parsed]) -> tuple[str, int, int] | None:
    """(phrase, start, end) of what the relative pronoun speaking in q stands for."""
    for p in parsed.values():
        if p.start <= q.speaker_start < p.end:
            tok = next((t for t in p.doc if p.off + t.idx == q.speaker_start), None)
            head = antecedent(tok) if tok is not None else None
            rng = speaker_tokens(head) if head is not None else None
            if rng is None:
                return None
            s, e = char_span(p.doc, rng[0], rng[1], p.off)
            return text[s:e], s, e
    return None


# speakers described by words that no "he" or "she" can stand for
_NOT_HUMAN = _ORG_WORDS | {"statement", "statements", "report", "document", "letter", "study",
                           "survey", "data", "filing", "release", "ruling", "order", "memo",
                           "plan", "proposal", "post", "tweet", "website", "video", "analysis",
                           "article", "paper", "magazine", "newspaper", "channel", "station",
                           "ministry", "kremlin", "pentagon", "embassy", "police", "army"}


def _person_pronoun(q: Quote, text: str, people, history, roles, paragraphs) -> str:
    """Who "he" or "she" stands for: the nearest person (mentioned, or speaking) in this
    paragraph or the one before that could have said it, or "" (shown as unnamed). Not a
    person the words themselves name in the third person ("He said Putin and Obama
    discussed…" is not Putin's, unless "himself"); not past a closer speaker that no "he"
    can be ("the statement", "the ministry"); a described speaker ("the official") counts."""
    pos = q.speaker_start
    para = bisect.bisect_right(paragraphs, pos) - 1
    window = paragraphs[max(0, para - 1)]
    reflexive = re.search(r"\b(?:himself|herself)\b", q.content, re.I)
    cands = [(p, name, True) for p, name in people if window <= p < pos]
    cands += [(h[0], h[1], True) for h in history if window <= h[0] < pos and h[2] == "person"]
    cands += [r for r in roles if window <= r[0] < pos]
    other = FEMALE_NAMES if q.speaker.lower() in ("he", "him") else MALE_NAMES
    for _, name, human in sorted(cands, key=lambda c: c[0], reverse=True):
        if not human:
            return ""
        if not reflexive and _named_in(name, q.content):
            continue
        if name.split()[0].lower() in other:  # "she argued" is not Joe Biden's
            continue
        return name
    return ""


_RELAY = re.compile(r"((?:[A-Z][\w.’'&-]*\s+){0,3}[A-Z][\w.’'&-]*)\s+(?:cited|quoted|cites|quotes)"
                    r"\s+$")


def _relayed_by(q: Quote, text: str) -> str:
    """Who relays the speaker's words ("Interfax" in "Interfax cited the source as saying"),
    or ""."""
    if not re.match(r"\s+as\s+say", text[q.speaker_end:q.speaker_end + 20]):
        return ""
    m = _RELAY.search(text[max(0, q.speaker_start - 80):q.speaker_start])
    return m.group(1) if m else ""


def _named_in(name: str, words: str) -> bool:
    """Whether the words mention the named person (any capitalised part of the name)."""
    return any(re.search(r"\b" + re.escape(w) + r"\b", words)
               for w in name.split() if w[:1].isupper() and len(w) > 2
               and w.lower() not in _TITLES and w.lower() not in ("the",))


def _title_name(text: str, head: str, pos: int, people) -> str:
    """"the president" -> the most recently mentioned person titled "President" earlier."""
    titled = set()
    for p, name in people:
        if p >= pos:
            break
        before = text[max(0, p - 40):p].lower()
        if re.search(r"\b" + re.escape(head.lower()) + r"s?\b(?: of [\w ]+)?\s*,?\s*$", before):
            titled.add(name)
    for p, name in reversed(people):
        if p < pos and name in titled:
            return name
    return ""
