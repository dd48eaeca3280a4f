"""Claim by claim: each sentence of an LLM answer against the sources it cites.

A claim is one sentence of the answer with the citations it carries. For each claim:
- each cited source is narrowed to the sentence that supports the claim best (the one a
  quote in it comes from, else the one sharing most of its words), so the reader's
  highlight is a sentence, never a whole passage; two claims citing one passage for
  different sentences get two numbers (the source card lists both);
- the names, numbers, amounts and dates it states are looked up in its cited sources and
  their headline, outlet, byline and date, normalised ("12"/"twelve", "Sept. 5"/
  "5 September", "$1.2bn"/"1.2 billion dollars", "Russian"/"Russia"); what is missing is
  flagged in the text ("⚠[not in the cited source: 15]") and in the warnings;
- a claim that cites nothing is flagged as unsupported.

Patterns, not a model: a few milliseconds an answer, and nothing to download. The rules are
written for what a model changes when it goes wrong (a name swapped, a figure or a date
altered), and for the paraphrases a faithful model makes (spelled-out numbers, reordered
dates, shortened names), measured by bench/claims.py.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from ..text import sentence_spans
from .checking import CitationStream, flag_quotes, locate, quoted_strings, says_not_covered

UNCITED = " ⚠[no source cited]"
MIN_CLAIM_WORDS = 4  # "Yes." or "In short:" states nothing to check
NEAR = 3  # content words a source sentence shares with a claim it is restated in
ROUNDING = 0.05  # a rounded figure is within 5% of the source's ("nearly 1,200" for 1,234)

_MONTH_NAMES = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTH_NAMES |= {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_MONTH_NAMES["sept"] = 9
_MONTH = r"(?:%s)" % "|".join(sorted((re.escape(m) for m in _MONTH_NAMES), key=len,
                                     reverse=True))
_DAY = r"(?P<%s>\d{1,2})(?:st|nd|rd|th)?"
_WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}
_DATES = re.compile(
    rf"\b(?P<iso>(?P<iy>\d{{4}})-(?P<im>\d\d)-(?P<id>\d\d))\b"
    rf"|\b(?P<m1>{_MONTH})\.?\s+{_DAY % 'd1'}\b(?:,?\s+(?P<y1>\d{{4}})\b)?"
    rf"|\b{_DAY % 'd2'}\s+(?:of\s+)?(?P<m2>{_MONTH})\.?(?:,?\s+(?P<y2>\d{{4}})\b)?"
    rf"|\b(?P<m3>{_MONTH})(?:\.?,?\s+(?P<y3>\d{{4}})\b)?"
    rf"|\b(?P<wd>{'|'.join(_WEEKDAYS)})\b", re.I)
_TIME = re.compile(r"\b(\d{1,2})[:.](\d\d)\s*(?:a\.?m\.?|p\.?m\.?)?|\b(\d{1,2})\s*(?:a\.m\.|p\.m\.)",
                   re.I)

_UNITS = {"zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
          "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
          "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
          "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12, "hundred": 100}
_SCALES = {"hundred": 1e2, "thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6,
           "mln": 1e6, "billion": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12}
_WORD_NUMBER = r"(?:%s)(?:[\s-](?:%s))*" % ("|".join(_UNITS), "|".join(_UNITS))
# "$1.2bn", "1,200", "12%", "twenty-five", "3.5 million": the value, whatever the writing.
# "one" is left out: "one of the officials" is not a figure anyone plants or checks.
_NUMBER = re.compile(
    rf"(?<![\w.,])(?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|{_WORD_NUMBER})"
    rf"(?:\s?(?P<scale>hundred|thousand|million|billion|trillion|bn|mn|mln|tn|m|k|b)\b)?"
    rf"(?![\w]|[.,]\d)", re.I)

# Capitalised words that name no one: sentence openers, pronouns, titles, calendar words.
_NOT_NAMES = frozenset("""
a an the this that these those it its he she they we i you his her their our my your
and but or so yet for nor if as at by in into on of off to from with without about after
before during since until while when where why how what which who whom whose there here
however meanwhile moreover furthermore additionally also overall still then thus instead
although though despite according both each every some many most several other others
another all any no none not only even just such one first second third last next new
notably specifically similarly likewise finally ultimately rather currently previously
recently based given per regarding unfortunately importantly short summary answer yes
former earlier later today yesterday tomorrow tonight mr mrs ms dr sir president prime
minister secretary senator sen rep gov governor mayor general gen chief officials experts
critics authorities sources source article articles report reports reporter passage
headline outlet byline date
""".split()) | frozenset(_MONTH_NAMES) | frozenset(_WEEKDAYS) | frozenset(_UNITS) | frozenset(_SCALES)
# One country, several writings: the claim's word is found when a source has any of these.
_ALIASES = {"us": ("united", "america", "american"), "uk": ("united", "britain", "british"),
            "un": ("united",), "eu": ("european",), "united": ("us", "uk", "un"),
            "states": ("us",), "kingdom": ("uk",), "nations": ("un",), "union": ("eu",),
            "america": ("us",), "american": ("us",), "americans": ("us",),
            "britain": ("uk",), "british": ("uk",), "european": ("eu",)}
_CAP_WORD = re.compile(r"(?<![\w'’])[A-Z][\w'’.&-]*")
_WORD = re.compile(r"[\w'’-]+")
_CITATION = re.compile(r"\[(\d+)\]")
_MARK = re.compile(r"\s*⚠\[[^\]]*\]")
_CONTENT = re.compile(r"[a-z0-9][\w'-]{2,}")
_STOP = frozenset("""the and for that with from this have has had was were are been said
says about into than then they their them its not but also which would could will after
over more most some such there when what who whom whose while where very just only""".split())


@dataclass
class Source:
    """What a model saw as one numbered source: the passage and its metadata."""

    text: str
    title: str = ""
    outlet: str = ""
    authors: Sequence[str] = ()
    published: str = ""


@dataclass
class Verified:
    text: str  # the answer as shown: claim-level numbers, unsupported claims flagged
    # cites[n-1] = (source number, start, end): the sentence of that source behind [n]
    cites: list[tuple[int, int, int]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Facts:
    """A text's checkable facts, normalised: names (lower case, one word each), numbers
    (values), dates ((month, day) pairs, months, weekdays) and clock times."""

    names: dict[str, str] = field(default_factory=dict)  # normalised -> as written
    numbers: dict[float, str] = field(default_factory=dict)
    days: dict[tuple[int, int], str] = field(default_factory=dict)
    months: dict[int, str] = field(default_factory=dict)
    weekdays: dict[int, str] = field(default_factory=dict)
    times: dict[tuple[int, int], str] = field(default_factory=dict)
    words: set[str] = field(default_factory=set)  # every word, lower case (sources only)
    published: date | None = None  # the source's date (sources only)


def _month(word: str | None) -> int:
    return _MONTH_NAMES.get((word or "").lower().rstrip("."), 0)


def _value(num: str, scale: str | None) -> float:
    num = num.lower()
    if num[0].isdigit():
        value = float(num.replace(",", ""))
    else:  # "twenty-five", "two hundred"
        value, parts = 0.0, re.split(r"[\s-]+", num)
        for part in parts:
            v = _UNITS[part]
            value = value * v if v == 100 and value else value + v
    return value * _SCALES[scale.lower()] if scale else value


def _figures(value: float) -> int:
    """How many figures a number commits to: 1.2 two, 1,200 two, 1,234 four."""
    return max(1, len(f"{abs(value):.12g}".replace(".", "").strip("0")))


def _round(x: float, figures: int) -> float:
    if x == 0:
        return 0.0
    return float(f"{x:.{figures}g}")


def _name_key(word: str) -> str:
    return re.sub(r"['’]s$|['’.]", "", word.lower())


def facts(text: str) -> _Facts:
    """The facts a text states. Any capitalised word but the usual openers ("According",
    "However") and titles is a name: a source that has it in lower case ("Talks resumed")
    still supports it."""
    out = _Facts()
    masked = list(text)

    def mask(s: int, e: int) -> None:
        masked[s:e] = " " * (e - s)

    for m in _DATES.finditer(text):
        g = m.groupdict()
        if g["iso"]:
            mo, d = int(g["im"]), int(g["id"])
            if 1 <= mo <= 12 and 1 <= d <= 31:
                out.days[(mo, d)] = m.group(0)
                out.numbers[float(g["iy"])] = g["iy"]
        elif g["wd"]:
            out.weekdays[_WEEKDAYS[g["wd"].lower()]] = m.group(0)
        else:
            raw = g["m1"] or g["m2"] or g["m3"] or ""
            day, year = g["d1"] or g["d2"], g["y1"] or g["y2"] or g["y3"]
            if not (day or year) and raw.lower() in ("may", "march", "mar"):
                continue  # "may" and "march" are words too: months only with a day or year
            if day and 1 <= int(day) <= 31:
                out.days[(_month(raw), int(day))] = m.group(0)
            else:
                out.months[_month(raw)] = m.group(0)
            if year:
                out.numbers[float(year)] = year
        mask(m.start(), m.end())
    for m in _TIME.finditer(text):
        hour, minute = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), "0")
        out.times[(int(hour) % 12, int(minute))] = m.group(0)
        mask(m.start(), m.end())
    rest = "".join(masked)
    for m in _NUMBER.finditer(rest):
        out.numbers[_value(m.group("num"), m.group("scale"))] = m.group(0).strip()
    for m in _CAP_WORD.finditer(rest):
        word = m.group(0).rstrip(".-&'’")
        key = _name_key(word)
        if not key or key in _NOT_NAMES or not re.search(r"[a-z]", key):
            continue
        out.names.setdefault(key, word)
    return out


def source_facts(src: Source, body: bool = True) -> _Facts:
    """The facts of a source: its passage (unless not body), headline, outlet, byline and
    date; `words` always covers all of it."""
    meta = "\n".join([src.title, src.outlet, ", ".join(src.authors)])
    out = facts(src.text + "\n" + meta if body else meta)
    blob = src.text + "\n" + meta
    out.words = {_name_key(w) for w in _WORD.findall(blob) + _CAP_WORD.findall(blob)}
    when = _published(src.published)
    if when:
        out.days[(when.month, when.day)] = src.published
        out.months[when.month] = src.published
        out.weekdays[when.weekday()] = src.published
        out.published = when
    return out


def _published(value: str) -> date | None:
    try:
        return date.fromisoformat((value or "")[:10])
    except ValueError:
        return None


def _name_found(key: str, words: set[str]) -> bool:
    """"russian" is in a source saying "Russia"; "us" in one saying "United States"."""
    if key in words or any(alias in words for alias in _ALIASES.get(key, ())):
        return True
    if re.search(r"\d", key):  # "Covid-20" is not "Covid-19"
        return False
    if "-" in key:  # "Kremlin-backed": each part
        return all(_name_found(part, words) for part in key.split("-") if part)
    for w in words:
        common = len(_common_prefix(key, w))
        if common >= 4 and common >= min(len(key), len(w)) - 2 and abs(len(key) - len(w)) <= 3:
            return True
    return False


def name_phrases(text: str) -> list[str]:
    """The names text gives, as written ("Elizabeth Holmes", "Theranos"): runs of the
    capitalised words `facts` reads as names, less a lone word opening a sentence ("Did",
    "Scientists"), which any word may be."""
    names = set(facts(text).names.values())
    runs: list[list[int]] = []  # [start, end, words] of each run of names
    last = None  # where the name before ended, while a run goes on
    for m in _CAP_WORD.finditer(text):
        word = m.group(0).rstrip(".-&'’")
        if word not in names:
            last = None
            continue
        end = m.start() + len(word)
        if last is not None and not text[last:m.start()].strip():
            runs[-1][1:] = [end, runs[-1][2] + 1]
        else:
            runs.append([m.start(), end, 1])
        last = end
    out = [text[s:e] for s, e, words in runs
           if words > 1 or text[:s].rstrip(" “\"‘'(")[-1:].strip(".?!:")]
    return list(dict.fromkeys(out))


def unnamed(names: Sequence[str], passages: Sequence[str]) -> list[str]:
    """The names none of the passages has, by the rules a claim's names are looked up by
    ("Russians" is in "Russia"); a name of several words is there when one of them is."""
    if not names:
        return []
    blob = "\n".join(passages)
    words = {_name_key(w) for w in set(_WORD.findall(blob)) | set(_CAP_WORD.findall(blob))}
    return [n for n in names if not any(_name_found(_name_key(w), words) for w in n.split())]


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _number_found(value: float, known: dict[float, str]) -> bool:
    """Given by a source, or a rounding of a figure it gives ("1.2 billion" for 1.23
    billion, "about 1,200" for 1,234) within ROUNDING of it; 15 is not 12, nor 200,000
    170,000."""
    figures = _figures(value)
    return any(abs(value - k) <= 1e-9 * max(1.0, abs(k))
               or (_figures(k) > figures and _round(k, figures) == value
                   and abs(value - k) <= ROUNDING * abs(k) and not _year(k)) for k in known)


def _year(k: float) -> bool:
    return k == int(k) and 1900 <= k <= 2100  # 2019 is no 2,000 rounded


def missing(claim: str, pool: Sequence[_Facts], figures: Sequence[_Facts] | None = None
            ) -> list[str]:
    """What the claim states that none of its sources (pool) gives, as written. Names are
    looked up in the whole of each source; figures, dates and times in `figures` when
    given (the sentences the claim restates), else in the pool."""
    said = facts(claim)
    out: list[str] = []
    words = set().union(*(p.words for p in pool)) if pool else set()
    pool = pool if figures is None else figures
    for key, written in said.names.items():
        if not _name_found(key, words):
            out.append(written)
    known_numbers = {k: v for p in pool for k, v in p.numbers.items()}
    # The Date field gives a date, not a topic year: its year backs a claim that states
    # that very day ("on 5 September 2016"), never a bare "in 2016".
    known_numbers |= {float(p.published.year): "" for p in pool if p.published
                      and (p.published.month, p.published.day) in said.days}
    for value, written in said.numbers.items():
        if not _number_found(value, known_numbers):
            out.append(written)
    for (mo, d), written in said.days.items():
        if not any((mo, d) in p.days for p in pool):
            out.append(written)
    for mo, written in said.months.items():
        if not any(mo in p.months or any(m == mo for m, _ in p.days) for p in pool):
            out.append(written)
    for wd, written in said.weekdays.items():
        if not any(wd in p.weekdays for p in pool):
            out.append(written)
    for t, written in said.times.items():
        if not any(t in p.times for p in pool):
            out.append(written)
    return list(dict.fromkeys(out))


def _stems(text: str) -> set[str]:
    return {w[:5] for w in _CONTENT.findall(text.lower()) if w not in _STOP}


_LIST_MARK = re.compile(r"[ \t]*(?:\d{1,2}[.)]|[-*•])[ \t]+")


def _claims(text: str) -> list[tuple[int, int]]:
    """Sentence spans of the answer, each line (a list item: "1. …", "- …", marker left
    out) on its own; a run of citations opening a sentence ("… ended. [2] Talks…") belongs
    to the sentence before it."""
    spans: list[tuple[int, int]] = []
    at = 0
    for line in text.split("\n"):
        mark = _LIST_MARK.match(line)
        skip = mark.end() if mark else 0
        spans += sentence_spans(line[skip:], at + skip)
        at += len(line) + 1
    out: list[list[int]] = []
    for s, e in spans:
        lead = re.match(r"(?:\[\d+\]\s*)+", text[s:e])
        if lead and out:
            out[-1][1] = s + len(lead.group(0).rstrip())
            s += lead.end()
            if s >= e:
                continue
        out.append([s, e])
    return [(s, e) for s, e in out]


def _plain(text: str) -> str:
    return _MARK.sub("", _CITATION.sub("", text)).strip()


def _states_something(claim: str) -> bool:
    """An uncited sentence worth a flag: a claim of MIN_CLAIM_WORDS words or one naming
    someone or something ("ACCESS GRANTED."), not a lead-in ("In short:") nor the canonical
    "the articles don't cover this"."""
    if claim.endswith(":") or says_not_covered(claim):
        return False
    said = facts(claim)
    return len(claim.split()) >= MIN_CLAIM_WORDS or bool(said.names or said.numbers or said.days)


def _unquoted(claim: str) -> str:
    """The claim without its quotations: `checking.flag_quotes` holds those to the letter."""
    for s, e, _ in reversed(quoted_strings(claim)):
        claim = claim[:s] + " " * (e - s) + claim[e:]
    return claim


class Claims:
    """The claim checker for one answer's sources (sources[k-1] is what the model saw as
    [k]); their facts and sentences are read once."""

    def __init__(self, sources: Sequence[Source]):
        self.sources = list(sources)
        # Names anywhere in a source back a claim citing it (a model takes a full name from
        # an earlier sentence); figures and dates only in the sentences it restates, and in
        # the metadata — a year or a number found elsewhere in the passage is how a changed
        # figure hides ("Covid-19" gives 19 to any claim).
        self.meta = [source_facts(s, body=False) for s in self.sources]
        self._sentences = [[(a, b, _stems(s.text[a:b])) for a, b in sentence_spans(s.text)]
                           or [(0, len(s.text), _stems(s.text))] for s in self.sources]
        self._figures: dict[tuple[int, int], _Facts] = {}
        # A stream verifies its text again as each claim completes: each claim's sentences
        # are found once.
        self._support: dict[tuple[str, int], tuple[int, int]] = {}

    def _restated(self, claim: str, k: int) -> list[_Facts]:
        """The facts of the sentences of source k the claim restates: the best one and any
        sharing NEAR content words with it."""
        want = _stems(claim)
        sentences = self._sentences[k - 1]
        overlap = [len(want & st) for _, _, st in sentences]
        best = max(range(len(sentences)), key=overlap.__getitem__)
        out = []
        for i, (a, b, _) in enumerate(sentences):
            if i == best or overlap[i] >= min(NEAR, len(want)):
                if (k, i) not in self._figures:
                    self._figures[(k, i)] = facts(self.sources[k - 1].text[a:b])
                out.append(self._figures[(k, i)])
        return out

    def support(self, claim: str, k: int) -> tuple[int, int]:
        """(start, end) in source k of the sentence(s) that support the claim best: those a
        quote in it comes from, else the sentence sharing most of its content words (its
        names and figures count double), the earlier one on a tie."""
        if (claim, k) not in self._support:
            self._support[(claim, k)] = self._find_support(claim, k)
        return self._support[(claim, k)]

    def _find_support(self, claim: str, k: int) -> tuple[int, int]:
        text, sentences = self.sources[k - 1].text, self._sentences[k - 1]
        for _, _, quote in quoted_strings(claim):
            loc = locate(text, quote)
            spans = [(a, b) for a, b, _ in sentences if loc and a < loc[1] and b > loc[0]]
            if spans:
                return spans[0][0], spans[-1][1]
        want = _stems(claim)
        strong = {k[:5] for k in facts(claim).names} | {
            w[:5] for w in re.findall(r"\d[\d.,]*", claim)}
        a, b, _ = max(sentences, key=lambda x: len(want & x[2]) + len(strong & x[2]))
        return a, b

    def verify(self, text: str, used: Sequence[int] | None = None,
               sentences: bool = True) -> Verified:
        """Check each claim of `text`, whose [d] is source used[d-1] (default: source d),
        and give each citation the sentence it rests on (sentences=False: the numbers stay
        as they are, only the flags are added)."""
        used = list(used) if used is not None else list(range(1, len(self.sources) + 1))
        numbers: dict[tuple[int, int, int], int] = {}  # (source, start, end) -> shown
        edits: list[tuple[int, int, str]] = []  # (start, end, replacement)
        warnings: list[str] = []
        for s, e in _claims(text):
            plain = _plain(text[s:e])
            shown: list[int] = []
            cited: list[int] = []
            for m in _CITATION.finditer(text, s, e):
                d = int(m.group(1))
                if not 1 <= d <= len(used):
                    continue
                k = used[d - 1]
                if sentences:
                    n = numbers.setdefault((k, *self.support(plain, k)), len(numbers) + 1)
                    edits.append((m.start(), m.end(), f"[{n}]"))
                else:
                    n = d
                shown += [n] if n not in shown else []
                cited += [k] if k not in cited else []
            # A flag goes before the claim's final stop, so it stays with its claim.
            at = e - 1 if text[e - 1] in ".!?" else e
            if not cited:
                if _states_something(plain):
                    edits.append((at, at, UNCITED))
                    warnings.append(f"no source cited for: “{_short(plain)}”")
                continue
            bare = _unquoted(plain)
            absent = missing(bare, [self.meta[k - 1] for k in cited],
                             [f for k in cited for f in [self.meta[k - 1],
                                                        *self._restated(bare, k)]])
            if absent:
                listed = ", ".join(absent)
                edits.append((at, at, f" ⚠[not in the cited source: {listed}]"))
                where = "".join(f"[{n}]" for n in shown)
                warnings.append(f"not found in the cited source {where}: {listed} "
                                f"(in “{_short(plain)}”)")
        out, at = [], 0
        for start, end, new in sorted(edits, key=lambda x: x[:2]):
            out.append(text[at:start] + new)
            at = end
        out.append(text[at:])
        return Verified(text="".join(out), cites=sorted(numbers, key=numbers.__getitem__),
                        warnings=warnings)


class ClaimStream:
    """A streamed answer as the reader will keep it: `CitationStream`'s text (numbers
    dense, unknown links gone), with each claim released checked — its citations at
    claim level, its flags in place — once the next sentence begins. The claim still
    arriving shows its words up to its first citation or quotation mark, so what streamed
    is what `Claims.verify` of the whole answer says."""

    def __init__(self, sources: Sequence[Source], known: Sequence[str] = ()):
        self.texts = [s.text for s in sources]
        self.live = CitationStream(len(self.texts), [*self.texts, *known])
        self.claims = Claims(sources)
        self.emitted = ""
        self._prefix, self._checked = "", ""

    def _release(self, final: bool) -> str:
        out = self.live.emitted
        spans = _claims(out)
        cut = len(out) if final else (spans[-2][1] if len(spans) >= 2 else 0)
        if out[:cut] != self._prefix:
            self._prefix = out[:cut]
            text = flag_quotes(self._prefix, self.texts, self.live.used)[0]
            self._checked = self.claims.verify(text, self.live.used).text
        tail = out[cut:]
        if not final:  # its citations, quotes and final stop wait for the claim's end
            held = re.search(r"\[|[“\"]", tail)
            tail = re.sub(r"[\s.!?]+$", "", tail[:held.start()] if held else tail)
        shown = self._checked + tail
        if not shown.startswith(self.emitted):  # a claim read otherwise once complete
            return ""
        delta, self.emitted = shown[len(self.emitted):], shown
        return delta

    def feed(self, delta: str) -> str:
        self.live.feed(delta)
        return self._release(final=False)

    def finish(self) -> str:
        self.live.finish()
        return self._release(final=True)


def verify(text: str, sources: Sequence[Source]) -> Verified:
    """`Claims(sources).verify(text)`: [n] in text is sources[n-1]."""
    return Claims(sources).verify(text)


def _short(s: str, n: int = 80) -> str:
    return s if len(s) <= n else s[:n - 1] + "…"
