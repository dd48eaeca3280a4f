"""Speaker resolution: who a pronoun or a description ("he", "the official") stands for,
and the full name of a named speaker ("Obama" -> "Barack Obama"), from the people the
article names before it.
"""

from __future__ import annotations

import bisect
import re

from .article import Quote
from .lexicon import FEMALE_NAMES, FEMALE_ROLES, MALE_NAMES, MALE_ROLES, ORG_WORDS, PRONOUNS
from .parse import Parsed, antecedent, char_span, speaker_tokens

_DESCRIPTION = re.compile(r"^(?:the|a|an|this|that|one)\s+(?:[\w’'-]+\s+){0,3}?([a-z][\w-]+)$",
                          re.I)
# ("O'Neal", "D’Angelo": a capital after the apostrophe; "von der Leyen", "bin Laden": one
# word of the name, so titles before it leave room for it)
_NAME = re.compile(r"\b[A-Z](?:['’][A-Z])?[a-z’'-]+(?:[ \t]+(?:(?:de|der|den|del|da|du|dos|"
                   r"van|von|bin)[ \t]+)*(?:[A-Z]\.|[A-Z](?:['’][A-Z])?[a-z’'-]+|"
                   r"al-[A-Z][a-z]+|Mc[A-Z][a-z]+)){1,4}\b")
_NOT_NAME = ORG_WORDS | {
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
    "hurricane", "storm", "tropical", "typhoon", "cyclone", "lake", "mount", "fort", "port",
    # a question's opening verb ("Is King Charles married?")
    "is", "was", "are", "were", "did", "does", "do", "has", "have", "will", "can", "could",
    "would", "should",
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


_PART_OF_A_NAME = re.compile(r"(?:\b[Tt]he|\b[A-Z][\w’'.-]* (?:of|for))\s+$")
_PLURAL = re.compile(r"\band\b|[a-z]s$")


def _people(text: str, parsed: dict[int, Parsed]) -> list[tuple[int, str]]:
    """(position, full name) of every mention of a person, surnames included, in order.

    With spaCy's NER pipe loaded, its PERSON entities; otherwise (the default, for speed)
    runs of capitalised words outside a list of organisation, place and calendar words
    ("Barack Obama", "John F. Kerry"), less the title words and what stands before them
    ("Buffalo Mayor Byron Brown"), two to four words left. A later bare surname ("Obama")
    counts as a mention of the first full name with that surname.
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
            # "Buffalo Mayor Byron Brown": the place or body before a title names no one
            k = max((i for i, w in enumerate(words[:-2]) if w.rstrip(".").lower() in _TITLES),
                    default=-1)
            if k >= 0:
                start = text.index(words[k + 1], start)
                words = words[k + 1:]
            if not 2 <= len(words) <= 4 or any(w.lower() in _NOT_NAME for w in words):
                continue
            # "the Twilight Zone", "Department of Public Health": part of a thing's name
            if start == m.start() and _PART_OF_A_NAME.search(text, max(0, start - 40), start):
                continue
            full.append((start, " ".join(words)))
    # a bare surname is the first full name with it ("Donald Trump", then "Ivanka Trump"
    # and "Trump said"), not a journalist's ("told CNN’s Pamela Brown …", then "Buffalo
    # Mayor Byron Brown said …" and "Brown added": Byron Brown)
    by_surname = {}
    out = list(full)
    for pos, name in full:
        if not _JOURNALIST.search(text, max(0, pos - 20), pos):
            by_surname.setdefault(name.split()[-1], (pos, name))
    for sur, (first, name) in by_surname.items():
        for m in re.finditer(r"\b" + re.escape(sur) + r"\b", text):
            if m.start() > first and not any(p <= m.start() < p + len(n) for p, n in full):
                out.append((m.start(), name))
    out.sort()
    return out


# an outlet's possessive before a name: "CNN’s Pamela Brown", "Fox News’ Sean Hannity"
_JOURNALIST = re.compile(r"\b(?:[A-Z]{2,}|Fox News|Reuters|Politico)(?:['’]s|['’])\s+$")


def resolve(quotes: list[Quote], text: str, parsed: dict[int, Parsed]) -> None:
    """Fill speaker_resolved: the person a pronoun or description stands for, or the full
    name of a named speaker ("Obama" -> "Barack Obama"); left empty when unclear."""
    people = _people(text, parsed)
    history: list[tuple[int, str, str]] = []  # (position, name, kind: person/group/org)
    roles: list[tuple[int, str, bool]] = []  # speakers described, not named: (pos, words, human)
    paragraphs = [0] + [m.end() for m in re.finditer(r"\n\s*\n", text)]
    said = [(q.start, q.end) for q in quotes]
    # one mention, one person: "He praised Judge …, saying that it “means a lot”" is one
    # "he", and neither of its statements can be Judge's
    words_of: dict[tuple[int, int], str] = {}
    for q in quotes:
        key = (q.speaker_start, q.speaker_end)
        words_of[key] = f"{words_of[key]} {q.content}" if key in words_of else q.content
    for q in sorted(quotes, key=lambda q: q.speaker_start):
        speaker, pos, end = q.speaker, q.speaker_start, q.speaker_end
        if speaker.lower() in _RELATIVE:  # "Obama, who said …": who is Obama
            found = _antecedent(q, text, parsed)
            # "… titles, which suggests they agreed": a thing's "which" is the writer's
            # inference; a body's ("the ministry, which said") speaks
            if found and (speaker.lower() != "which" or _named(found[0]) or
                          _last_word(found[0]).strip("’'s") in ORG_WORDS):
                speaker, pos, end = found
                q.speaker_resolved = speaker
        low = speaker.lower()
        inside = [n for p, n in people if pos <= p < end]
        if low in PRONOUNS:
            if low in ("he", "she", "him", "her"):
                q.speaker_resolved = _person_pronoun(
                    q, words_of[q.speaker_start, q.speaker_end], people, history,
                    roles + _subjects_before(q, text, parsed, said), paragraphs, text)
            elif low in ("they", "we", "them"):
                q.speaker_resolved = _group_pronoun(
                    q, history, roles + _subjects_before(q, text, parsed, said, _PLURAL_TAGS),
                    paragraphs)
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
                    _body_name(speaker, history, pos) or q.speaker_resolved
        name = q.speaker_resolved or q.speaker
        if len(inside) > 1 or (not inside and _PLURAL.search(name.split()[-1] if name else "")):
            kind = "group"
        elif inside or (q.speaker_resolved and low in ("he", "she", "him", "her")):
            kind = "person"
        elif any(w.lower().strip("’'s") in ORG_WORDS for w in name.split()):
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


def _parsed_at(parsed: dict[int, Parsed], pos: int) -> Parsed | None:
    """The parsed sentence holding character pos, or None (a sentence with no cue or mark
    is not parsed)."""
    return next((p for p in parsed.values() if p.start <= pos < p.end), None)


def _antecedent(q: Quote, text: str, parsed: dict[int, Parsed]) -> tuple[str, int, int] | None:
    """(phrase, start, end) of what the relative pronoun speaking in q stands for."""
    p = _parsed_at(parsed, q.speaker_start)
    if p is None:
        return None
    tok = next((t for t in p.doc if p.off + t.idx == q.speaker_start), None)
    head = antecedent(tok) if tok is not None else None
    rng = speaker_tokens(head) if head is not None else None
    if rng is None:
        return None
    s, e = char_span(p.doc, rng[0], rng[1], p.off)
    return text[s:e], s, e


_ANYONE = {"people", "everyone", "everybody", "anyone", "anybody", "someone", "somebody",
           "nobody", "one", "public", "world", "nation", "country", "family"}


def _subjects_before(q: Quote, text: str, parsed: dict[int, Parsed],
                     said: list[tuple[int, int]],
                     tags=("NN", "NNP")) -> list[tuple[int, str, bool]]:
    """(position, phrase, human) of the noun subjects before the pronoun q speaks by, in
    its own sentence: "the late queen made it official when she announced …" is hers."""
    p = _parsed_at(parsed, q.speaker_start)
    out: list[tuple[int, str, bool]] = []
    for t in p.doc if p is not None else ():
        if p.off + t.idx >= q.speaker_start:
            break
        if any(s <= p.off + t.idx < e for s, e in said):
            continue  # inside what was said: "“The inflation picture has …,” he said"
        if t.dep_ in ("nsubj", "nsubjpass") and t.tag_ in tags and t.lower_ not in _ANYONE:
            rng = speaker_tokens(t)
            if rng is not None:
                s, e = char_span(p.doc, rng[0], rng[1], p.off)
                out.append((s, text[s:e], t.lower_ not in _NOT_HUMAN))
    return out


# speakers described by words that no "he" or "she" can stand for
_NOT_HUMAN = ORG_WORDS | {"statement", "statements", "report", "document", "letter", "study",
                          "survey", "data", "filing", "release", "ruling", "order", "memo",
                          "plan", "proposal", "post", "tweet", "website", "video", "analysis",
                          "article", "paper", "magazine", "newspaper", "channel", "station",
                          "ministry", "kremlin", "pentagon", "embassy", "police", "army"}


def _first_name(name: str) -> str:
    """The first word of a name past its titles ("King Charles" -> "charles"), lower-case."""
    words = [w.rstrip(".").lower() for w in name.split()]
    return next((w for w in words if w not in _TITLES), words[0] if words else "")


_TITLED = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Rev|President|Senator|"
                     r"Governor|Judge|Justice|Prince|Princess|King|Queen|Pope|Sir|Dame|Lord|"
                     r"Lady|Mayor|Minister|Secretary|Chancellor|Professor|Prof)\.?\s+$")


_PLURAL_TAGS = ("NNS", "NNPS")


def _group_pronoun(q: Quote, history, roles, paragraphs) -> str:
    """Who "they" or "we" stands for: the nearest group or body quoted, or described in the
    plural ("some education advocates", "the three liberal justices"), in this paragraph or
    the one before; else "" (listed under no one)."""
    pos = q.speaker_start
    para = bisect.bisect_right(paragraphs, pos) - 1
    window = paragraphs[max(0, para - 1)]
    cands = [(h[0], h[1]) for h in history if window <= h[0] < pos and h[2] != "person"]
    cands += [(r[0], r[1]) for r in roles if window <= r[0] < pos and
              _PLURAL.search(_last_word(r[1])) and _last_word(r[1]) not in _ANYONE]
    return max(cands)[1] if cands else ""


def _person_pronoun(q: Quote, words: str, people, history, roles, paragraphs,
                    text: str) -> str:
    """Who "he" or "she" stands for: the nearest person (mentioned, or speaking) in this
    paragraph or the one before that could have said it, or "" (shown as unnamed). Not a
    person the words (of every statement this mention makes) name in the third person ("He
    said Putin and Obama discussed…" is not Putin's, unless "himself"); not past a closer
    speaker that no "he" can be ("the statement", "the ministry"); a described speaker ("the
    official") counts."""
    pos = q.speaker_start
    para = bisect.bisect_right(paragraphs, pos) - 1
    window = paragraphs[max(0, para - 1)]
    reflexive = re.search(r"\b(?:himself|herself)\b", words, re.I)
    male = q.speaker.lower() in ("he", "him")
    other, same = (FEMALE_NAMES, MALE_NAMES) if male else (MALE_NAMES, FEMALE_NAMES)
    other_roles = FEMALE_ROLES if male else MALE_ROLES
    spoke = {h[1] for h in history if h[2] == "person"}
    # a capitalised pair no first name, title or earlier quote shows to be a person is
    # passed over ("to double the Pell Grant. “…,” he said" is Biden's)
    cands = [(p, name, True) for p, name in people if window <= p < pos and (
        name in spoke or _first_name(name) in same or _TITLED.search(text, max(0, p - 20), p))]
    cands += [(h[0], h[1], True) for h in history if window <= h[0] < pos and h[2] == "person"]
    cands += [r for r in roles if window <= r[0] < pos and _last_word(r[1]) not in _ANYONE]
    # a person speaking earlier in the same sentence comes before the names in between:
    # "Maris Jr. discussed the next milestone for Judge: 62 home runs – a number he
    # believes represents the true record" is Maris's belief
    sentence = max((m.end() for m in _SENTENCE_END.finditer(text, window, pos)), default=window)
    first = [(p, name, True) for p, name, kind in history
             if sentence <= p < pos and kind == "person"]
    for _, name, human in first + sorted(cands, key=lambda c: c[0], reverse=True):
        if not human:
            return ""
        if not reflexive and _named_in(name, words):
            continue
        if _first_name(name) in other or _last_word(name) in other_roles:
            continue  # "she argued" is not Joe Biden's, nor the king's
        return name
    return ""


_SENTENCE_END = re.compile(r"[.!?][\"”’')]*\s+(?=[\"“‘'(]?[A-Z])|\n\s*\n")
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
    """Whether the words mention the named person (any capitalised part of the name; a
    title word only as the surname: "He praised Judge for …" names Aaron Judge)."""
    parts = name.split()
    return any(re.search(r"\b" + re.escape(w) + r"\b", words)
               for k, w in enumerate(parts) if w[:1].isupper() and len(w) > 2
               and (w.lower() not in _TITLES or k == len(parts) - 1)
               and w.lower() not in ("the",))


_BODY = re.compile(r"^the\s+(agency|department|ministry|commission|committee|bureau|"
                   r"administration|council|court|board|office|service)$", re.I)
_ACRONYM = re.compile(r"^(?:[Tt]he\s+)?[A-Z]{2,6}$")
_BODY_REACH = 2000  # characters: a body named further back is no longer "the agency"


def _body_name(speaker: str, history, pos: int) -> str:
    """"the agency" -> the body quoted last before it whose name holds that word ("the
    Federal Emergency Management Agency"), or, for an agency, an acronym ("the CDC"); else
    ""."""
    m = _BODY.match(speaker.strip())
    if not m:
        return ""
    word = m.group(1).lower()
    for p, name, _ in reversed(history):
        if p >= pos:
            continue
        if pos - p > _BODY_REACH:
            break
        if word in name.lower().split() or (word == "agency" and _ACRONYM.match(name)):
            return name
    return ""


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
