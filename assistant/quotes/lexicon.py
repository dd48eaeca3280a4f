"""Attribution cues: the verbs that introduce what someone said, wrote or thinks.

Lemmas were taken from the cues annotated in PolNeAR's training split and kept when, as
cue verbs with a subject and a complement, their extractions matched gold attributions
often enough on train (see bench/quotes.py --lemmas). Inflected forms are generated here, so
no lemmatizer has to run at ingest.
"""

from __future__ import annotations

import re

# verbs of saying: "X said (that) ...", "..., X said", "X said: “...”"
SPEECH = """
say tell add note write report announce argue claim warn insist deny acknowledge stress
explain suggest tweet declare state assert contend reply respond recall conclude predict
confirm admit concede emphasize complain reveal allege caution promise pledge vow reiterate
repeat mention indicate joke boast lament ask wonder question fear worry hope agree remind
assure signal hint imply disclose estimate threaten echo quip muse counter retort testify
post chant shout recount speculate decline refuse show find believe think
observe remark proclaim maintain insinuate concur swear testify write point
know learn recognize realize doubt decide expect aim confess
""".split()

# cues whose complement is usually an object or a prepositional phrase rather than a clause
# ("accused Y of Z", "called for Z", "called on Y to Z", "urged Y to Z")
OBJECT_CUES = {
    "accuse", "criticize", "blame", "praise", "slam", "blast", "attack", "condemn", "denounce",
    "defend", "describe", "urge", "call", "dismiss", "reject", "demand", "propose", "recommend",
    "cite", "decry", "charge", "endorse", "refer", "mock", "tout", "portray", "list", "credit",
    "assail", "rail", "applaud", "voice", "express", "discuss", "label", "dub", "hail", "deem",
    "title", "reference", "outline", "highlight", "lambaste", "ridicule", "chastise", "rebuke",
    "scold", "castigate", "berate", "thank", "congratulate", "commend", "laud", "warn",
    "oppose", "prefer", "talk", "apologize", "balk", "name", "seek", "swipe", "rip", "chide",
    "scoff", "snipe", "taunt", "needle", "jab", "lash", "knock", "fault",
}

# verbs that attribute only a quotation beside them: "“…,” she continued", "it reads: “…”"
QUOTE_ONLY = {"continue", "read", "yell", "scream", "exclaim", "laugh", "sigh", "interject",
              "chime", "quip", "smile", "cry", "answer", "bark", "snap", "mutter", "whisper",
              "murmur", "gush", "boom", "thunder", "gloat", "bemoan", "crack", "sing"}

LEMMAS = set(SPEECH) | OBJECT_CUES | QUOTE_ONLY

# cue verbs that need their complement to be a clause (or a quotation) to count: alone they
# are too often plain verbs ("she noted the time", "he told a story"); the few that take an
# infinitive ("vowed to", "declined to") are listed in XCOMP_OK
# (measured on train: with an object as content their extractions matched gold under 45%)
CLAUSE_ONLY = QUOTE_ONLY | {
    "say", "tell", "add", "write", "report", "respond", "know", "think", "believe", "find",
    "post", "promise", "pledge", "maintain", "decline", "insist", "doubt", "imply", "realize",
    "wonder", "contend", "observe", "insinuate", "threaten", "aim", "speculate", "assure",
    "fear", "decide", "swear", "worry", "expect", "reply", "conclude", "counter", "retort",
}

# nouns that carry an attribution: "Trump's claim that …", "his warning that …"
NOUN_CUES = {
    "claim": "claims", "warning": "warnings", "statement": "statements", "assertion":
    "assertions", "argument": "arguments", "accusation": "accusations", "allegation":
    "allegations", "insistence": None, "promise": "promises", "pledge": "pledges", "vow":
    "vows", "suggestion": "suggestions", "admission": None, "denial": "denials", "demand":
    "demands", "prediction": "predictions", "belief": "beliefs", "charge": "charges",
    "contention": None, "assurance": "assurances", "declaration": None, "announcement": None,
    "acknowledgment": None, "acknowledgement": None, "complaint": "complaints", "comment":
    "comments", "remark": "remarks", "criticism": None, "call": "calls", "insinuation": None,
}
# cues whose object is who was told, not what was said ("told reporters …")
ADDRESSEE_CUES = {"tell", "ask", "remind", "assure", "warn", "inform", "urge", "email",
                  "answer", "reply", "respond"}
XCOMP_OK = {"promise", "pledge", "vow", "decline", "refuse", "threaten", "hope", "agree",
            "swear", "decide", "expect", "aim"}

_IRREGULAR = {
    "say": ["said", "says", "saying"], "tell": ["told", "tells", "telling"],
    "write": ["wrote", "written", "writes", "writing"], "think": ["thought", "thinks", "thinking"],
    "deny": ["denied", "denies", "denying"], "reply": ["replied", "replies", "replying"],
    "testify": ["testified", "testifies", "testifying"],
    "criticize": ["criticized", "criticised", "criticizes", "criticises", "criticizing",
                  "criticising"],
    "emphasize": ["emphasized", "emphasised", "emphasizes", "emphasises", "emphasizing",
                  "emphasising"],
    "speak": ["spoke", "spoken", "speaks", "speaking"],
    "find": ["found", "finds", "finding"], "see": ["saw", "seen", "sees", "seeing"],
    "show": ["showed", "shown", "shows", "showing"],
    "know": ["knew", "known", "knows", "knowing"], "feel": ["felt", "feels", "feeling"],
    "seek": ["sought", "seeks", "seeking"], "learn": ["learned", "learnt", "learns", "learning"],
    "favor": ["favored", "favors", "favoring", "favour", "favoured", "favours"],
    "apologize": ["apologized", "apologizes", "apologizing", "apologise", "apologised"],
    "recognize": ["recognized", "recognizes", "recognizing", "recognised"],
    "realize": ["realized", "realizes", "realizing", "realised"],
    "swear": ["swore", "sworn", "swears", "swearing"], "rail": ["railed", "rails", "railing"],
    "email": ["emailed", "emails", "emailing"], "title": ["titled", "titles", "titling"],
    "fear": ["feared", "fears", "fearing"], "read": ["reads", "reading"],
    "begin": ["began", "begun", "begins", "beginning"],
    "sing": ["sang", "sung", "sings", "singing"], "plead": ["pleaded", "pled", "pleads", "pleading"],
    "post": ["posted", "posts", "posting"], "list": ["listed", "lists", "listing"],
    "chant": ["chanted", "chants", "chanting"], "counter": ["countered", "counters",
                                                           "countering"],
}


_DOUBLE = {"admit", "concur", "refer", "dub", "quip", "rebut", "regret", "omit", "plan", "rip",
           "jab", "snap"}


def _forms(lemma: str) -> list[str]:
    """Base, -s, past and -ing forms (the past participle equals the past for regulars)."""
    if lemma in _IRREGULAR:
        return [lemma, *_IRREGULAR[lemma]]
    if lemma in _DOUBLE:
        d = lemma + lemma[-1]
        return [lemma, lemma + "s", d + "ed", d + "ing"]
    if lemma.endswith("ee"):
        return [lemma, lemma + "s", lemma + "d", lemma + "ing"]
    if lemma.endswith("e"):
        return [lemma, lemma + "s", lemma + "d", lemma[:-1] + "ing"]
    if lemma.endswith("y") and lemma[-2] not in "aeiou":
        stem = lemma[:-1]
        return [lemma, stem + "ies", stem + "ied", lemma + "ing"]
    if lemma.endswith(("s", "sh", "ch", "x", "o")):
        return [lemma, lemma + "es", lemma + "ed", lemma + "ing"]
    return [lemma, lemma + "s", lemma + "ed", lemma + "ing"]


FORM_TO_LEMMA: dict[str, str] = {}
for _lemma in sorted(LEMMAS):
    for _f in _forms(_lemma):
        FORM_TO_LEMMA.setdefault(_f, _lemma)
FORM_TO_LEMMA["according"] = "according"
# the -s and past forms of the verbs of saying, as after a quotation ("“Why?” Beck questioned.")
# ("read" too: its past is spelt as its lemma, "“…,” the editorial read.")
SAID_FORMS = sorted({f for lemma in set(SPEECH) | QUOTE_ONLY for f in _forms(lemma)
                     if f != lemma and not f.endswith("ing")} | {"read"})
NOUN_FORMS = {f: n for n, pl in NOUN_CUES.items() for f in (n, pl) if f}

# a sentence holding none of these forms (and no quotation mark) is never parsed
_ALL_FORMS = set(FORM_TO_LEMMA) | set(NOUN_FORMS)
CUE_WORDS = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, _ALL_FORMS), key=len,
                                                  reverse=True)) + r")\b", re.IGNORECASE)

# nouns that make a possessor or "by"-agent a speaker: "a statement by X stressed ..."
STATEMENT_NOUNS = {"statement", "letter", "release", "report", "memo", "tweet", "post",
                   "message", "email", "complaint", "filing", "announcement", "op-ed",
                   "editorial", "interview", "speech", "remarks", "comments", "ad", "video",
                   "spokesman", "spokeswoman", "spokesperson", "lawyer", "attorney",
                   "spokesmen", "campaign"}

PRONOUNS = {"he", "she", "they", "it", "we", "i", "you", "him", "her", "them"}

# First names read as one gender often enough that a "she" does not stand for a Joe, nor a
# "he" for a Nancy (names in the news; a name in neither list, "Kim", "Lee", "Jordan",
# fits both).
MALE_NAMES = frozenset("""
aaron adam alan albert alex alexander alexei andrew andy angus anthony antony ari arnold
barack ben benjamin bernie bill billy bob bobby boris brad brandon brett brian bruce carl
charles charlie chris christopher chuck colin dan daniel danny dave david dennis derek
dick dmitry don donald doug douglas ed eddie edward elon emmanuel eric frank fred gary
gavin george gerald glenn gordon greg gregory hakeem hank harry henry howard hunter ian
jack jacob jake james jason jeff jeffrey jeremy jerome jerry jim jimmy joe joel john
johnny jon jonathan jose joseph josh joshua juan justin keir keith ken kenneth kevin
kyle larry leon liam lloyd louis luke marco mark martin matt matthew max
michael mike mitch mitt mohammed muhammad narendra nathan neil nicholas nick nigel olaf
oliver patrick paul pete peter phil philip rahm ralph randy ray raymond richard
rick rishi rob robert roger ron ronald ross roy russell ryan sam samuel scott sean sergei
sergey stephen steve steven ted terry thomas tim timothy todd tom tony vladimir walter
wayne william xi yevgeny zach""".split())
FEMALE_NAMES = frozenset("""
abigail alexandria alice alicia alison amanda amy andrea angela ann anna anne annie
barbara betsy beth betty brenda camilla carly carol caroline catherine charlotte chelsea
christine claire cynthia deborah debbie diana diane donna dorothy elena elise
elizabeth ellen emily emma eva fiona gina giorgia gloria grace hannah heather helen hillary
ilhan jacinda jane janet jean jennifer jessica jill joan jodi joy joyce judith judy julia
julie karen kamala kate katherine kathleen kathy katie kelly kristi kristen laura lauren
linda lisa liz lori louise lucy lynn madeleine margaret maria marie marjorie martha mary
maxine megan meghan melania melissa michelle minjee monica nancy natalie nicola nicole
nikki olivia pamela patricia paula rachel rebecca rochelle rose ruth sally samantha
sandra sara sarah sharon shirley sonia stacey stephanie susan suzanne tammy theresa tina
tulsi ursula valerie victoria virginia wendy whitney""".split())


# words of organisations' names: no surname, no person, and "it" may stand for them
ORG_WORDS = {"news", "times", "post", "journal", "committee", "department", "ministry",
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
             "corp", "llc", "ltd", "division", "centers", "academy", "union"}

# role words that say who "he" or "she" can be ("the king … she said" is not his)
MALE_ROLES = frozenset("king prince duke emperor man boy father son husband brother uncle "
                       "grandfather nephew gentleman lord sir".split())
FEMALE_ROLES = frozenset("queen princess duchess empress woman girl mother daughter wife "
                         "sister aunt grandmother niece lady dame".split())
