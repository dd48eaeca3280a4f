"""Speaker names as shown and matched: "he" resolved to "Vladimir Putin", filtered by "Putin"."""

from __future__ import annotations

import re

from .lexicon import ORG_WORDS, PRONOUNS

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
    appears in the speaker's name, which ends with one of them ("Putin" ~ "Vladimir Putin",
    "the Syria envoy" ~ "Washington’s Syria envoy")."""
    want = [w for w in _words(asked) if w and w not in _LEADING]
    have = set(_words(speaker))
    # the phrase's head is the one asked for: "Biden administration officials" and "Trump's
    # lawyers" are others, as are "those close to DeSantis" and "a spokesman for Obama"
    return bool(want) and all(w in have for w in want) and last_name(speaker) in want \
        and not _SOMEONE_ELSE.search(speaker) and not _part_of(want, speaker)


_FORMER = re.compile(r"\b(?:former|ex-|onetime|retired)\b", re.I)
# Bodies others speak for, besides places and "the …" (the White House, the Kremlin)
_PARTIES = {"democrats", "republicans", "conservatives", "liberals", "tories", "labour",
            "progressives"}


def speaks_for_body(asked: str, places: frozenset[str] = frozenset()) -> bool:
    """Whether an asked speaker is a country, body or party that others speak for ("Ukraine",
    "the White House", "Democrats"), not a person ("Obama": "Obama administration officials"
    are others)."""
    words = _words(asked)
    return bool(words) and (words[0] == "the" or " ".join(words) in places
                            or " ".join(words) in _PARTIES)


def speaks_for(asked: str, speaker: str) -> bool:
    """Whether a speaker, as named or described ("Ukrainian President Volodymyr Zelensky",
    "White House press secretary Jen Psaki", "House Democrats"), speaks for the country,
    body or party asked about ("Ukraine", "the White House", "Democrats"): its name, or an
    adjective made of it ("Ukrainian", "Democratic"), qualifies the speaker. Someone close
    to it, or a part of it ("an adviser to", "regions of Ukraine"), does not."""
    want = [w for w in _words(asked) if w and w not in _LEADING]
    if not want or _SOMEONE_ELSE.search(speaker) or _part_of(want, speaker) or \
            _FORMER.search(speaker):
        return False  # (a former director no longer speaks for the CDC)
    last = want[-1]
    stem = last[:-1] if len(last) > 4 and last[-1] in "aeys" else last
    phrase = r"\s+".join([*map(re.escape, want[:-1]), re.escape(stem) + r"[\w’']{0,4}"])
    return bool(re.search(rf"(?<![\w-]){phrase}(?![\w-])", speaker.lower()))


_SHARE = re.compile(r"most|many|some|all|half|majority|third|thirds|quarter|quarters|percent|"
                    r"dozens|hundreds|thousands|millions|[a-z]+-(?:thirds|quarters|fifths)")


def _part_of(want: list[str], speaker: str) -> bool:
    """"Regions of Ukraine", "residents of Kyiv", "the wife of Obama": some of Y, or
    someone close to Y, is not Y; "the president of Ukraine" (a title), "the Department of
    Health" (a name) and "head of the IMF Kristalina Georgieva" (more after "of") are, and
    so is a share of them ("three-quarters of Democrats", "most of the senators")."""
    m = re.search(r"\b([a-z][\w-]*)\s+of\s+(.+)$", speaker)
    return bool(m) and m.group(1) not in TITLE_WORDS and not _SHARE.fullmatch(m.group(1)) and \
        [w for w in _words(m.group(2)) if w not in _LEADING] == want


_SOMEONE_ELSE = re.compile(
    r"\b(?:close to|familiar with|(?:aides?|allies|ally|advisers?|advisors?|"
    r"spokes(?:man|woman|person)|friends?|supporters?|critics?|lawyers?|attorneys?|"
    r"representatives?|sources?)\s+(?:of|to|for|close to|familiar with|around|with))\s", re.I)


def group_key(name: str) -> str:
    """Speakers shown together: case and a leading article don't make another person."""
    words = _words(name)
    if words and words[0] in _LEADING:
        words = words[1:]
    return " ".join(words)


# words before a person's name that are no part of it ("U.S. President Barack Obama")
TITLE_WORDS = {"president", "vice", "sen", "sen.", "senator", "rep", "rep.", "gov", "gov.",
                "governor", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "dr", "dr.", "secretary",
                "minister", "prime", "foreign", "defense", "defence", "state", "gen", "gen.",
                "general", "mayor", "chancellor", "former", "u.s.", "us", "u.s", "uk", "chief",
                "executive", "ceo", "judge", "justice", "ambassador", "speaker", "leader",
                "chairman", "chair", "director", "spokesman", "spokeswoman", "analyst", "pope",
                "king", "queen", "prince", "attorney", "candidate", "professor", "prof.",
                "economist", "strategist", "historian", "author", "coach", "manager",
                "owner", "founder", "lawmaker", "activist", "scientist", "researcher",
                "doctor", "dr", "officer", "detective", "commissioner", "sheriff",
                "superintendent", "administrator", "commander", "inspector", "deputy"}


_QUANTIFIERS = {"both", "either", "neither"}
_SOURCE_OF = re.compile(r"^(?:(?:the|an?)\s+)?(?:(?:latest|new|recent|updated|official|"
                        r"preliminary|early|final)\s+)*(?:data|figures|numbers|"
                        r"report|statement|study|survey|analysis|guidance|timeline|estimates?|"
                        r"tally|count|review|assessment|investigation)\s+(?:from|by|of)\s+"
                        r"(.+)$", re.I)


_ACRONYM_AFTER = re.compile(r"\s*\([A-Z][A-Z.&]{1,7}\)?$")


def core_name(name: str) -> str:
    """A person's name without what comes with it: leading titles, a trailing affiliation
    ("De Haan of GasBuddy", "Jerome Powell, the Fed chair"). A description ("the
    administration official") and a relay ("(cited by Interfax)") stay."""
    name = " ".join(name.split())
    name = _ACRONYM_AFTER.sub("", name)  # "The Centers for Disease Control (CDC)"
    relay = re.search(r"\s*\([^()]*\)$", name)  # "(cited by Interfax)" stays with it
    tail = relay.group(0) if relay else ""
    name = name[:relay.start()] if relay else name
    name = name.split(", ", 1)[0]
    # "Fed Chair Jerome Powell's assurances": the person is Jerome Powell
    if len(name.split()) > 1:
        name = _POSSESSIVE.sub("", name)
    # "De Haan of GasBuddy" is De Haan; "Bank of America", "Secretary of State …" are names
    head, of, _ = name.partition(" of ")
    if of and len(head.split()) >= 2 and head.split()[0].lower() not in TITLE_WORDS and \
            head.split()[-1].lower() not in ORG_WORDS:  # "Department of Public Health"
        name = head
    # "The latest data from the CDC", "a statement by the ministry": the body speaks
    source = _SOURCE_OF.match(name)
    if source:
        name = source.group(1)
        name = name[:1].upper() + name[1:]
    words = name.split()
    if words and words[0].lower() in _QUANTIFIERS and len(words) > 1:  # "Both Democrats"
        words.pop(0)
    if len(words) > 1 and words[0].endswith("ing") and words[1][:1].isupper():
        words.pop(0)  # "Recalling Fauci": a participle the parser left on the name
    if not words or words[0].lower() in _LEADING:
        return " ".join(words) + tail
    # Titles up to the name: "Ukrainian President Volodymyr Zelensky", "Fed Chair Jerome
    # Powell" are the person; a leading word before a title goes with it.
    last_title = max((i for i, w in enumerate(words[:-1]) if w.lower().strip(",") in
                      TITLE_WORDS and all(x[:1].isupper() for x in words[i + 1:])),
                     default=-1)
    if last_title >= 0 and last_title <= 3:
        words = words[last_title + 1:]
    return " ".join(words) + tail
