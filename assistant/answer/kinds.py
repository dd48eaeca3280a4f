"""What kind of answer a question wants, and where a sentence holds one.

"Where did Kerry and Lavrov meet?" wants a place; "When was the ceasefire agreed?" a date or
time; "How many boats sank?" a number; "How much does a gallon cost?" an amount of money;
"Who won the Open?" a name; "Why did the talks fail?" a reason. `wanted` reads the kind off
the question's words, `fitting` finds the spans of a sentence that could be such an answer
(and are not just the question's own words), with patterns over the text: no model, a few
microseconds per sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..keyword import Tokenizer
from ..text import FUNCTION_WORDS

STEMS = Tokenizer()  # the keyword index's stems: "meeting" is "meet", "customers" "custom"

PLACE, DATE, NUMBER, MONEY, NAME, REASON = "place", "date", "number", "money", "name", "reason"
# a place that must be a known country (COUNTRIES, no state or city): "which country…?",
# "the prime minister of this country…" — "in Hamdok's address" names no country
COUNTRY = "country"

_MONTHS = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|"
           r"Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DAYS = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_NUMBER_WORDS = (r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                 r"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|"
                 r"thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|dozen|"
                 r"half|a third|a quarter)")
# (whole words: "0.1 percentage points" is no "0.1 percent")
_SCALE = r"(?:\s*(?:%|(?:percent|per cent|million|billion|trillion|bn|m|k)\b))?"

_QUESTION = [
    (COUNTRY, re.compile(r"\b(?:this|which|what)\s+(?:\w+\s+)?(?:country|countries|nation)\b",
                         re.I)),
    (PLACE, re.compile(r"^\s*where\b|\bthis\s+(?:country|nation|city|state)\b|"
                       r"\b(?:which|what)\s+(?:\w+\s+)?(?:country|countries|"
                       r"city|cities|state|states|town|nation|region|province|capital|"
                       r"island|continent|county|location|venue|place)\b", re.I)),
    (DATE, re.compile(r"^\s*when\b|\b(?:which|what)\s+(?:year|day|date|month|decade|"
                      r"century|time)\b|\bhow long ago\b", re.I)),
    # "how much does a gallon cost?" wants dollars, not "7 cents more" or "2014"
    (MONEY, re.compile(r"\bhow\s+much\b(?:(?!\bhow\b).)*\b(?:money|cost|costs|price|pay|paid|"
                       r"spend|spent|worth|fund\w*|raise[ds]?|dollars|fined?|budget|aid|"
                       r"assistance|charge[ds]?|sell|sold|earn\w*)\b|\bwhat\s+(?:is|was)\s+the\s+"
                       r"(?:price|cost)\b", re.I)),
    (NUMBER, re.compile(r"\bhow\s+(?:many|much|old|long|far|big|tall|high|fast|large)\b|"
                        r"\b(?:what|which)\s+(?:percentage|percent|share|number|amount|"
                        r"proportion|price|rate|age|temperature|score|total)\b", re.I)),
    (REASON, re.compile(r"^\s*why\b|\bfor what reason\b|\b(?:due to|because of) what\b",
                        re.I)),
    (NAME, re.compile(r"^\s*who\b|\bwhose\b|\bwhat\s+(?:is|was|are|were)\s+(?:the\s+)?names?\b|"
                      r"\b(?:which|what)\s+(?:\w+\s+)?(?:person|man|"
                      r"woman|company|companies|firm|organi[sz]ation|team|group|party|"
                      r"leader|president|prime minister|player|actor|actress|singer|"
                      r"brand|agency|network|band|airline|bank|retailer|automaker)\b", re.I)),
    # any other "which X": most often a name the question does not give (a show, an app,
    # a company, a court case)
    (NAME, re.compile(r"\bwhich\s+(?!of\b|one\b)\w+|^\s*what\s+(?!is\b|was\b|are\b|were\b|"
                      r"did\b|does\b|do\b|has\b|have\b|will\b|caused?\b)\w+(?:\s+\w+){0,3}\s+"
                      r"(?:is|was|are|were|has|have|will|did)\b", re.I)),
]

_CAPS = r"[A-Z][\w.'’&-]*(?:\s+(?:of|de|la|von|van|the|and|&|vs?\.)?\s*[A-Z][\w.'’&-]*)*"
_FINDERS = {
    DATE: re.compile(
        rf"\b{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|\b\d{{1,2}}\s+{_MONTHS}"
        rf"(?:\s+\d{{4}})?|\b{_MONTHS}\s+\d{{4}}|\b(?:in|since|until|by|from|early|late|"
        rf"mid-?)\s+({_MONTHS})|\b(?:(?:last|this|next|on|early|late)\s+)?({_DAYS})\b|"
        rf"\b(?:1[89]|20)\d\d\b|\b(?:yesterday|today|tonight|tomorrow)\b|"
        rf"\b(?:last|this|next)\s+(?:week|month|year|spring|summer|autumn|fall|winter)\b|"
        rf"\b\d{{1,2}}(?::\d\d)?\s*(?:a\.m\.|p\.m\.|am|pm)\b"),
    MONEY: re.compile(
        rf"[$€£¥]\s?\d[\d,.]*{_SCALE}|\b\d[\d,.]*{_SCALE}\s+(?:dollars|euros|pounds|cents|"
        rf"yuan|yen|rupees)\b|\b{_NUMBER_WORDS}(?:[\s-]+{_NUMBER_WORDS})*{_SCALE}\s+"
        rf"(?:dollars|euros|pounds|cents)\b", re.I),
    NUMBER: re.compile(
        rf"[$€£¥]\s?\d[\d,.]*{_SCALE}|\b\d[\d,.]*{_SCALE}(?:\s+(?:people|percent|dollars|"
        rf"euros|pounds|years|points|votes|cases|deaths|miles|km|tons|barrels)\b)?|"
        rf"\b{_NUMBER_WORDS}(?:[\s-]+{_NUMBER_WORDS})*{_SCALE}\b", re.I),
    PLACE: re.compile(
        rf"\b(?:in|at|near|from|to|into|outside|across|inside|(?:city|town|village|capital|"
        rf"province|state|region|county|island|port) of)\s+(?:the\s+)?({_CAPS})"),
    NAME: re.compile(rf"\b({_CAPS})"),
    REASON: re.compile(r"\b(?:because(?: of)?|due to|as a result of|owing to|in order to|"
                       r"so that|citing|amid|blamed (?:it )?on)\b[^.;]*", re.I),
}
_PLACE_NOUN = re.compile(r"\s+(?:city|town|village|capital|province|state|region|county|"
                         r"island|port|border|coast|side|government|officials?)\b")
_WORDS = re.compile(r"[\w'-]+")
_NAMED_BY_NUMBER = re.compile(r"[A-Za-z]-$")
# A known place right after "a"/"an" and before a lower-case word modifies that word
# ("a Syria ceasefire", "an Iran deal"): where something is, it is not.
_MODIFIER = re.compile(r"\b(?:a|an)\s+$", re.I)
_AFTER_MODIFIER = re.compile(r"\s+[a-z]")
# "January 6 committee", "6 January": a name that opens with a date
_DATE_OPENING = re.compile(rf"\d|{_MONTHS}(?!\w)")
_NOT_NAMES = re.compile(rf"^(?:{_MONTHS}|{_DAYS}|The|A|An|He|She|It|They|We|I|But|And|In|"
                        rf"On|At|This|That|These|Those|Mr|Mrs|Ms|Dr)$")


def _names(block: str) -> frozenset[str]:
    return frozenset(x.strip().lower() for x in block.replace("\n", " ").split(","))


# Countries (and the territories and continents a "which country?" answer may be), US states
# and the cities the news names most: a place named as a sentence's subject ("Sudan had been
# ruled…") has no preposition to find it by.
COUNTRIES = _names("""
Afghanistan,Albania,Algeria,Andorra,Angola,Argentina,Armenia,Australia,Austria,Azerbaijan,
Bahamas,Bahrain,Bangladesh,Barbados,Belarus,Belgium,Belize,Benin,Bhutan,Bolivia,Bosnia,
Botswana,Brazil,Brunei,Bulgaria,Burkina Faso,Burundi,Cambodia,Cameroon,Canada,Chad,Chile,
China,Colombia,Comoros,Congo,Costa Rica,Croatia,Cuba,Cyprus,Czech Republic,Czechia,Denmark,
Djibouti,Dominica,Dominican Republic,Ecuador,Egypt,El Salvador,Eritrea,Estonia,Eswatini,
Ethiopia,Fiji,Finland,France,Gabon,Gambia,Georgia,Germany,Ghana,Greece,Grenada,Guatemala,
Guinea,Guyana,Haiti,Honduras,Hungary,Iceland,India,Indonesia,Iran,Iraq,Ireland,Israel,Italy,
Ivory Coast,Jamaica,Japan,Jordan,Kazakhstan,Kenya,Kiribati,Kosovo,Kuwait,Kyrgyzstan,Laos,
Latvia,Lebanon,Lesotho,Liberia,Libya,Liechtenstein,Lithuania,Luxembourg,Madagascar,Malawi,
Malaysia,Maldives,Mali,Malta,Mauritania,Mauritius,Mexico,Micronesia,Moldova,Monaco,Mongolia,
Montenegro,Morocco,Mozambique,Myanmar,Burma,Namibia,Nauru,Nepal,Netherlands,Holland,
New Zealand,Nicaragua,Niger,Nigeria,North Korea,North Macedonia,Norway,Oman,Pakistan,Palau,
Palestine,Panama,Papua New Guinea,Paraguay,Peru,Philippines,Poland,Portugal,Qatar,Romania,
Russia,Rwanda,Samoa,San Marino,Saudi Arabia,Senegal,Serbia,Seychelles,Sierra Leone,Singapore,
Slovakia,Slovenia,Somalia,South Africa,South Korea,South Sudan,Spain,Sri Lanka,Sudan,
Suriname,Sweden,Switzerland,Syria,Taiwan,Tajikistan,Tanzania,Thailand,Togo,Tonga,Trinidad,
Tunisia,Turkey,Turkmenistan,Tuvalu,Uganda,Ukraine,United Arab Emirates,UAE,United Kingdom,
UK,Britain,Great Britain,England,Scotland,Wales,Northern Ireland,United States,US,USA,
America,Uruguay,Uzbekistan,Vanuatu,Vatican,Venezuela,Vietnam,Yemen,Zambia,Zimbabwe,Gaza,
West Bank,Crimea,Hong Kong,Greenland,Puerto Rico,Europe,Africa,Asia,Antarctica""")
PLACES = COUNTRIES | _names("""
Alabama,Alaska,Arizona,Arkansas,California,Colorado,Connecticut,Delaware,Florida,Hawaii,
Idaho,Illinois,Indiana,Iowa,Kansas,Kentucky,Louisiana,Maine,Maryland,Massachusetts,Michigan,
Minnesota,Mississippi,Missouri,Montana,Nebraska,Nevada,New Hampshire,New Jersey,New Mexico,
New York,North Carolina,North Dakota,Ohio,Oklahoma,Oregon,Pennsylvania,Rhode Island,
South Carolina,South Dakota,Tennessee,Texas,Utah,Vermont,Virginia,Washington,West Virginia,
Wisconsin,Wyoming,London,Paris,Berlin,Moscow,Beijing,Tokyo,Washington DC,New York City,
Los Angeles,Chicago,Houston,San Francisco,Miami,Boston,Seattle,Atlanta,Dallas,Kyiv,Kiev,
Jerusalem,Tel Aviv,Tehran,Baghdad,Kabul,Delhi,New Delhi,Mumbai,Shanghai,Seoul,Pyongyang,
Brussels,Geneva,Rome,Madrid,Istanbul,Ankara,Cairo,Dubai,Sydney,Toronto,Mexico City,Rio de
Janeiro,Sao Paulo,Buenos Aires,Lagos,Nairobi,Johannesburg,Hangzhou,Aleppo,Damascus,Kharkiv,
Odesa,Mariupol""")


@dataclass
class Span:
    start: int  # within the sentence
    end: int
    text: str
    quoted: bool = False  # a term in quotation marks (“goblin mode”)


def wanted(question: str) -> str | None:
    """The kind of answer a question asks for, or None (a "what…" or yes/no question).
    A question may open with its context ("Jean-Luc Godard died this week. Where did he
    revolutionize cinema?"): its last sentence asks, so it is read first."""
    for part in reversed(_QUESTION_PARTS.findall(question) or [question]):
        for kind, pattern in _QUESTION:
            if pattern.search(part):
                return kind
    return None


_QUESTION_PARTS = re.compile(r"[^.?!]+(?:[.?!]+|$)")


def fitting(kind: str, sentence: str, question_words: set[str], term: bool = False
            ) -> list[Span]:
    """The spans of sentence that could answer a question of this kind, less the ones made
    only of the question's own words (a name the question already gives is no answer).
    question_words: the question's words, lower case, without dots ("US" for "U.S.");
    term: the question asks for a word, a title or a name (`asks_term`), which may stand
    in quotation marks."""
    out = []
    place = kind in (PLACE, COUNTRY)
    matches = list(_FINDERS[PLACE if place else kind].finditer(sentence))
    if place:  # and the known places, wherever they stand
        matches += [m for m in _FINDERS[NAME].finditer(sentence)
                    if without_possessive(m.group(1).rstrip(".")).lower() in PLACES]
    if kind == NAME and term:  # "which word…?": “goblin mode”
        matches += list(_QUOTED_TERM.finditer(sentence))
    dateline = _dateline_end(sentence) if place or kind == NAME else 0
    for m in sorted(matches, key=lambda m: m.start()):
        # a pattern's group, where it has one, is the answer within the match
        g = next((i for i in range(1, m.re.groups + 1) if m.group(i) is not None), 0)
        text = m.group(g).strip(" ,.;:'’\"")
        quoted = m.re is _QUOTED_TERM
        if (place or kind == NAME) and not quoted:  # "But Obama", "The Hague" less "The"
            while text and _NOT_NAMES.match(without_possessive(text.split()[0])):
                text = text.partition(" ")[2]
            text = without_possessive(text)
        if not text or any(text == o.text and m.start(g) < o.end for o in out):
            continue
        start = m.start(g) + m.group(g).find(text)
        if " " not in text and not quoted and \
                re.split(r"['’]", text.lower())[0] in FUNCTION_WORDS:
            continue  # "NEW YORK — With an expanded…", "“Whether or not…", "We've"
        if kind == NAME and " " not in text and not quoted and not sentence[:start].strip() \
                and text.lower() not in PLACES:
            continue  # one capitalised word opening a sentence: any word opens one
        if kind == COUNTRY and text.lower() not in COUNTRIES:
            continue  # "from Hamdok", "in the Nouvelle Vague", "Seoul": no country
        if place and _PLACE_NOUN.match(sentence, m.end(g)):
            continue  # "the Chinese city of Hangzhou": Chinese describes the place
        if place and _MODIFIER.search(sentence, 0, m.start(g)) \
                and _AFTER_MODIFIER.match(sentence, m.end(g)):
            continue  # "a Syria ceasefire agreement": the place names what is agreed
        if kind in (NUMBER, MONEY) and _NAMED_BY_NUMBER.search(sentence, 0, start):
            continue  # "Covid-19", "F-35": the number is part of a name
        if kind == NUMBER and YEAR.fullmatch(text):
            continue  # "how many" wants a count, and a year is none
        if kind == NUMBER and "many" in question_words and \
                not question_words & _TIME_UNITS and (
                    _A_DURATION.match(sentence, start + len(text)) or
                    _TIME_UNITS & {w.lower() for w in _WORDS.findall(text)}):
            continue  # "how many Russians…?": "less than 10 years" counts no one
        if kind == NUMBER and "many" in question_words and \
                not question_words & _CURRENCIES and _FINDERS[MONEY].fullmatch(text):
            continue  # "how many people died?": "$47 billion" counts no one
        if (place or kind == NAME) and m.start(g) < dateline:
            continue  # "(CNN) Apple customers…": the outlet's credit
        if kind == NAME and not quoted and _SOURCE.search(sentence, 0, start) and \
                not question_words & _ASKS_SOURCE:
            continue  # "…, according to Forbes": the report's source answers no "which …?"
        if kind == NAME and not question_words & _PLACE_TEAMS and all(
                part.lower() in PLACES for part in re.split(r"\s+(?:and|&)\s+", text)):
            continue  # "which app?", "who?": a country, state or city is no answer
        words = {w.lower() for w in _WORDS.findall(text.replace(".", "").replace("’", "'"))}
        if words and words <= question_words:
            continue
        out.append(Span(start, start + len(text), text, quoted))
    return out


# questions whose answer is often a term in quotation marks rather than a capitalised name:
# "which slang term…", "what was the name of…" (not "the first in a series featuring…")
_ASKS_TERM = re.compile(r"\b(?:which|what)\s+(?:[\w-]+\s+){0,2}?(?:word|words|term|phrase|"
                        r"slogan|nickname|hashtag|motto|title|name|song|film|movie|show|series|"
                        r"book|album)\b|\bname\s+of\b", re.I)
# “goblin mode”, ‘quiet quitting’: one to five words, no sentence inside
_QUOTED_TERM = re.compile(r"(?:(?<=\s)|^)[“\"‘]((?:[^\s“”\"‘’.!?,;:]+\s?){1,5}?)[.,!?]?[”\"’](?!\w)")
# what a place can name: "which team won?" — Argentina
_SOURCE = re.compile(r"\baccording\s+to\s+(?:the\s+|an?\s+)?$", re.I)
_ASKS_SOURCE = {"according", "report", "reported", "reports", "data", "source", "survey",
                "poll", "study", "index", "ranking", "list", "tracker", "analysis"}
_PLACE_TEAMS = {"team", "teams", "side", "squad", "nation", "nations"}
YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
_TIME_UNITS = {"second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "week",
               "weeks", "month", "months", "year", "years", "decade", "decades"}
_CURRENCIES = {"dollars", "euros", "pounds", "cents", "yuan", "yen", "rupees"}
_A_DURATION = re.compile(r"[\s-]*(?:" + "|".join(sorted(_TIME_UNITS, key=len, reverse=True)) +
                         r")\b", re.I)
# "(CNN)", "Paris (CNN)", "Bogota, Colombia (CNN)", "Seoul, South Korea CNN —", "NEW YORK —",
# "WASHINGTON, D.C. –": the outlet's or the dateline's
_DATELINE = re.compile(r"\s*(?:(?:[A-Z][\w.]*(?:,?\s+[A-Z][\w.]*)*\s*)?(?:\([A-Z][\w .&-]*\)|"
                       r"CNN(?: Business)?\s*[—–-]+)|"
                       r"[A-Z][A-Z.'’-]+(?:,?\s+[A-Z][A-Z.'’-]+)*\s+[—–-]+)\s*")
# "Seoul, South Korea North Korean leader…": a dateline whose credit the page lost
_BARE_DATELINE = re.compile(r"[A-Z][\w.]*(?:\s+[A-Z][\w.]*){0,2},\s+")


def _dateline_end(sentence: str) -> int:
    m = _DATELINE.match(sentence)
    if m:
        return m.end()
    m = _BARE_DATELINE.match(sentence)
    if m:
        words = sentence[m.end():].split()
        for n in (3, 2, 1):  # the longest known place after the comma, a name after it
            if len(words) > n and " ".join(words[:n]).lower() in PLACES and \
                    words[n][:1].isupper() and not words[n - 1].endswith(","):
                return m.end() + len(" ".join(words[:n])) + 1
    return 0


def asks_term(question: str) -> bool:
    """Whether the question asks for a word, a title or a name (`fitting`'s term)."""
    return bool(_ASKS_TERM.search(question))


# "Where did Ian make landfall?" over "Ian is expected to make landfall … in South
# Carolina": what was foreseen is no answer to what happened
_PAST_QUESTION = re.compile(r"\b(?:did|was|were)\b", re.I)
_FORESEEN = re.compile(r"\b(?:(?:expected|forecast|predicted|set|poised|likely|due|"
                       r"scheduled)\s+to|will|would|could|may|might)\b", re.I)
_CLAUSE_END = re.compile(r"[;:—–]\s*")
_FORESEEN_WORDS = 12  # how far before the answer the frame may stand in its clause
# where and when: a count may stand in a plan about what happened ("will focus on the 187
# minutes")
FORESEEABLE = (PLACE, COUNTRY, DATE)


def opens_with_date(name: str) -> bool:
    return bool(_DATE_OPENING.match(name))


def asks_past(question: str) -> bool:
    """Whether the question asks what happened ("Where did…", "When was…")."""
    return bool(_PAST_QUESTION.search(question))


def foreseen(sentence: str, span: Span) -> bool:
    """Whether the span stands in a forecast or a possibility: "is expected to make
    landfall Friday in South Carolina", "could reach Cuba" — within its clause, a few words
    before it."""
    before = _CLAUSE_END.split(sentence[:span.start])[-1]
    return bool(_FORESEEN.search(" ".join(before.split()[-_FORESEEN_WORDS:])))


def narrowed(fits: list[list[Span]], prefer=lambda i, span: span.quoted) -> list[list[Span]]:
    """Where some candidate holds a span `prefer(i, span)` picks (i: the candidate's index),
    only those answer: "which word of the year?" is the quoted “goblin mode”, not "Oxford"
    in the sentence beside it; "how many customers?" is a number of customers."""
    if not any(prefer(i, s) for i, spans in enumerate(fits) for s in spans):
        return fits
    return [[s for s in spans if prefer(i, s)] for i, spans in enumerate(fits)]


_HOW_MANY = re.compile(r"\bhow\s+many\s+([A-Za-z][\w'-]*)(?:\s+([a-z][\w'-]*))?", re.I)
_LETTERS = re.compile(r"[A-Za-z]+")  # ("a nine-year sentence" counts years)
_COUNT_GAP = 3  # words between a number and what it counts ("2.3 million Florida customers")
# counted by any word for a person ("a dozen deaths", "15 residents"): no clue to the count
_ANYONE = {"people", "persons", "individuals"}


def counted(question: str) -> set[str]:
    """What "how many" counts, as word stems: "how many customers in Florida…" → {custom},
    "how many US troops…" → {us, troop}; nothing for "how many people…"."""
    m = _HOW_MANY.search(question)
    if not m or m.group(1).lower() in _ANYONE:
        return set()
    words = [m.group(1)] + ([m.group(2)] if m.group(2) and m.group(1)[0].isupper() else [])
    return set(STEMS.stem([w.lower() for w in words if w.lower() not in FUNCTION_WORDS]))


def counting(sentence: str, span: Span, nouns: set[str]) -> bool:
    """Whether a number span counts one of nouns (`counted`): "2.3 million customers had
    no power"."""
    words = _LETTERS.findall(span.text) + _LETTERS.findall(sentence[span.end:])[:_COUNT_GAP]
    return bool(nouns.intersection(STEMS.stem([w.lower() for w in words])))


def question_words(question: str) -> set[str]:
    """The question's words as `fitting` compares them: lower case, without dots ("US" for
    "U.S."), possessives also bare ("oxford" for "Oxford’s")."""
    words = {w.lower() for w in _WORDS.findall(question.replace(".", "").replace("’", "'"))}
    return words | {without_possessive(w) for w in words}


def normal(text: str) -> frozenset[str]:
    """A span's words as two mentions of one answer share them: "the UPS", "UPS’s" → {"ups"};
    "Prime Minister Boris Johnson" holds "Johnson"."""
    return frozenset(without_possessive(w)
                     for w in _WORDS.findall(text.replace("’", "'").lower())
                     if w != "the")


def without_possessive(name: str) -> str:
    """"Oxford’s" → "Oxford", "Charles'" → "Charles"."""
    return re.sub(r"['’]s?$", "", name)


def nearest(spans: list[Span], sentence: str, question_words: set[str]) -> Span | None:
    """The span closest to where the sentence uses the question's words: the one to mark."""
    if not spans:
        return None
    anchors = [m.start() for m in _WORDS.finditer(sentence.replace("’", "'"))
               if m.group(0).lower() in question_words]
    if not anchors:
        return spans[0]
    return min(spans, key=lambda s: min(abs(s.start - a) for a in anchors))


def marked(sentence: str, span: Span) -> str:
    """The sentence with the answer in **bold** (the chat renders it, a terminal shows it)."""
    return f"{sentence[:span.start]}**{sentence[span.start:span.end]}**{sentence[span.end:]}"


NOT_SAID = {PLACE: "where", COUNTRY: "which country", DATE: "when",
            NUMBER: "how many or how much", MONEY: "how much",
            NAME: "who", REASON: "why"}
