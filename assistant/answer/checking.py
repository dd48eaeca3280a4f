"""Checks an LLM's answer against its sources before anyone sees it.

Pure functions, no I/O. Four faults users of other tools complain about are fixed here:
- citation numbers that point at nothing ([5] with four sources) are removed and reported;
- quotes that appear in none of the cited sources are flagged in the text and reported;
- links, e-mail addresses and phone numbers that appear in no source are removed and
  reported (an instruction injected into an article, obeyed by the model, must not hand a
  reader a phishing link);
- the numbers shown are renumbered 1..k in order of first appearance, so the answer's
  citation list matches the numbers in the text exactly.

`CitationStream` applies the same citation rewrite to a streamed answer as it arrives, so
the numbers a user sees while the answer streams are the ones of the finished answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..text import sentence_spans

UNVERIFIED = " ⚠[unverified quote]"
MIN_QUOTE_WORDS = 4  # shorter quotes are scare quotes ("red line"), not attributions
MAX_RANGE = 20  # "[1-300]" is not a citation anyone means

# [1]  [1, 5]  [1-3]  [1–3]  [2 and 4]  [Source 1]  — one bracketed group of numbers.
# The leading whitespace is part of the match so a removed group leaves no double space.
CITE = re.compile(r"(\s*)\[\s*(?:sources?\s*)?(\d{1,4}(?:\s*(?:,|;|-|–|—|and)\s*\d{1,4})*)\s*\]",
                  re.I)
# A group that is still arriving: "[", "[1", "[1, " ... (streaming holds these back).
_OPEN_CITE = re.compile(r"\[\s*(?:s(?:o(?:u(?:r(?:c(?:e(?:s)?)?)?)?)?)?\s*)?[\d\s,;\-–—and]*$",
                        re.I)
_QUOTES = re.compile(r"“([^“”]{1,2000})”|\"([^\"\n]{1,2000})\"")
_ELLIPSIS = re.compile(r"\[\s*(?:\.\.\.|…)\s*\]|\.\.\.|…")
_THINK = re.compile(r"<think>.*?</think>\s*", re.S)
_TAIL = r"""[^\s<>"'\])]*[^\s<>"'\]).,;:!?]"""
_LINK = re.compile(r"\b(?:https?://|www\.)" + _TAIL + r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)+/" + _TAIL
                   + r"|\b(?:https?://|www\.)[^\s<>\"']+", re.I)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# +44 20 7946 0958, (555) 010-9999, 555-010-9999: 9 digits or more, or a leading +
_PHONE = re.compile(r"(?<![\w.])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}"
                    r"(?:[\s.-]\d{2,4}){1,4}(?![\w.]?\d)")
_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d$")
_NOT_COVERED = re.compile(r"\b(?:articles|sources)\s+(?:don['’]?t|do not|does not|doesn['’]?t)\s+"
                          r"(?:cover|answer|mention|say)", re.I)


@dataclass
class Checked:
    text: str  # the answer as shown: dense [n], bad numbers gone, bad quotes flagged
    warnings: list[str] = field(default_factory=list)
    used: list[int] = field(default_factory=list)  # used[n-1] = source number behind [n]


def _link_key(url: str) -> str:
    url = re.sub(r"^(?:https?://)?(?:www\.)?", "", url.strip().lower())
    return url.rstrip("/")


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def _is_phone(m: re.Match) -> bool:
    text = m.group(0)
    return not _ISO_DATE.match(text) and (len(_digits(text)) >= 9 or text.startswith("+"))


@dataclass
class Contacts:
    """The links, e-mail addresses and phone numbers the sources give: read once per
    answer (a streamed one checks its text again at every piece)."""

    pool: str  # the sources, lower case
    links: set[str]
    phones: set[str]

    @classmethod
    def of(cls, sources: Sequence[str]) -> "Contacts":
        pool = "\n".join(sources).lower()
        return cls(pool, {_link_key(u) for u in _LINK.findall(pool)},
                   {_digits(m.group(0)) for m in _PHONE.finditer(pool) if _is_phone(m)})


def remove_contacts(text: str, known: Contacts) -> tuple[str, list[str]]:
    """text with every link, e-mail address and phone number that the sources do not give
    replaced by "[link removed]" (…), and a warning for each. The warning names a link's
    host defanged ("evil[.]example"), never the link itself."""
    pool, links, phones = known.pool, known.links, known.phones
    warnings: list[str] = []

    def link(m: re.Match) -> str:
        key = _link_key(m.group(0))
        if any(key == k or k.startswith(key + "/") or key.startswith(k + "/") for k in links):
            return m.group(0)
        host = key.split("/", 1)[0]
        warnings.append(f"removed a link found in no source (to {host.replace('.', '[.]')})")
        return "[link removed]"

    def email(m: re.Match) -> str:
        if m.group(0).lower() in pool:
            return m.group(0)
        domain = m.group(0).split("@", 1)[1]
        warnings.append(f"removed an e-mail address found in no source (at "
                        f"{domain.replace('.', '[.]')})")
        return "[e-mail removed]"

    def phone(m: re.Match) -> str:
        if not _is_phone(m) or _digits(m.group(0)) in phones:
            return m.group(0)
        warnings.append("removed a phone number found in no source")
        return "[phone number removed]"

    text = _EMAIL.sub(email, text)
    text = _LINK.sub(link, text)
    text = _PHONE.sub(phone, text)
    return text, warnings


def strip_thinking(text: str) -> str:
    """Reasoning models served by Ollama/vLLM put their scratchpad in <think> blocks."""
    text = _THINK.sub("", text)
    cut = text.find("<think>")
    return text[:cut] if cut >= 0 else text


def says_not_covered(text: str) -> bool:
    return bool(_NOT_COVERED.search(text))


def _numbers(group: str) -> list[int]:
    """'1, 3-5' -> [1, 3, 4, 5]; an absurd range keeps only its ends (both get checked)."""
    out: list[int] = []
    for part in re.split(r"\s*(?:,|;|and)\s*", group):
        ends = [int(x) for x in re.split(r"\s*[-–—]\s*", part) if x.strip().isdigit()]
        if len(ends) == 2 and 0 <= ends[1] - ends[0] <= MAX_RANGE:
            out.extend(range(ends[0], ends[1] + 1))
        else:
            out.extend(ends)
    return out


def renumber(text: str, n_sources: int) -> tuple[str, list[int], list[int]]:
    """Rewrite every citation group: (text, used source numbers in shown order, invalid)."""
    shown: dict[int, int] = {}  # source number -> number shown
    invalid: list[int] = []

    def repl(m: re.Match) -> str:
        keep: list[int] = []
        for k in _numbers(m.group(2)):
            if not 1 <= k <= n_sources:
                invalid.append(k)
                continue
            d = shown.setdefault(k, len(shown) + 1)
            if d not in keep:
                keep.append(d)
        # Separate brackets ("[1][2]"), the one form every renderer links.
        return (m.group(1) + "".join(f"[{d}]" for d in keep)) if keep else ""

    return CITE.sub(repl, text), list(shown), invalid


def _norm_map(s: str) -> tuple[str, list[int]]:
    """Like text.normalise (quotes, whitespace, case) plus dashes, with an index map back."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(s):
        if ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
                where.append(i)
            continue
        ch = {"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-"}.get(ch, ch)
        for low in ch.lower():
            out.append(low)
            where.append(i)
    if out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out), where


def _fragments(quote: str) -> list[str]:
    """The pieces of a quote a source must contain: ellipses elide, edges may differ."""
    parts = (_norm_map(p)[0].strip(" .,;:!?'\"") for p in _ELLIPSIS.split(quote))
    return [p for p in parts if p]


def locate(source: str, quote: str) -> tuple[int, int] | None:
    """(start, end) in source of the quote's text, ignoring quotes/whitespace/case."""
    frags = _fragments(quote)
    if not frags:
        return None
    hay, where = _norm_map(source)
    first = hay.find(frags[0])
    if first < 0 or any(f not in hay for f in frags[1:]):
        return None
    last = frags[-1]
    end = hay.find(last, first) if len(frags) > 1 else first
    end = (end if end >= 0 else first) + len(last) - 1
    return where[first], where[end] + 1


def quoted_strings(text: str) -> list[tuple[int, int, str]]:
    """(start, end, inner text) of each quote of MIN_QUOTE_WORDS words or more."""
    out = []
    for m in _QUOTES.finditer(text):
        inner = m.group(1) if m.group(1) is not None else m.group(2)
        if len(inner.split()) >= MIN_QUOTE_WORDS:
            out.append((m.start(), m.end(), inner))
    return out


def _cited_near(text: str, start: int, end: int) -> list[int]:
    """Shown numbers that back the quote text[start:end]: the first run of citations after
    it in its sentence ('“…” [2]', '“…”. [2]'), else those before it in the sentence."""
    spans = [(s, e) for s, e in sentence_spans(text) if s < end and e > start]
    if not spans:
        return []
    s, e = spans[0][0], spans[-1][1]
    tail = re.match(r"(?:\s*\[\d+\])+", text[e:])
    e += tail.end() if tail else 0
    after = re.search(r"\[\d+\](?:\s*\[\d+\])*", text[end:e])
    found = after.group(0) if after else text[s:start]
    return [int(n) for n in re.findall(r"\[(\d+)\]", found)]


def check(answer_text: str, sources: Sequence[str], known: Sequence[str] = ()) -> Checked:
    """Check an answer against sources[0..N-1], which the model saw as [1]..[N]; known:
    more text the model was given (the articles' urls), whose links may be repeated."""
    text, used, invalid = renumber(strip_thinking(answer_text), len(sources))
    text, contact_warnings = remove_contacts(text.strip(), Contacts.of([*sources, *known]))
    warnings = [f"removed citation [{k}]: no such source (sources are [1]–[{len(sources)}])"
                for k in dict.fromkeys(invalid)]
    text, quote_warnings = flag_quotes(text, sources, used)
    return Checked(text=text, warnings=warnings + contact_warnings + quote_warnings, used=used)


def flag_quotes(text: str, sources: Sequence[str], used: Sequence[int]) -> tuple[str, list[str]]:
    """text (citations dense: [d] is sources[used[d-1]-1]) with each quote that its cited
    sources do not contain flagged, and a warning for each."""
    warnings: list[str] = []
    flags: list[int] = []
    for qs, qe, quote in quoted_strings(text):
        cited = [d for d in _cited_near(text, qs, qe) if d <= len(used)]
        pool = cited or list(range(1, len(used) + 1))
        # An uncited quote may come from any source the model saw, cited elsewhere or not.
        candidates = [sources[used[d - 1] - 1] for d in pool]
        if not cited:
            candidates += [s for i, s in enumerate(sources, 1) if i not in used]
        if any(locate(src, quote) for src in candidates):
            continue
        flags.append(qe)
        where = ("the cited source " + "".join(f"[{d}]" for d in cited)) if cited else "any source"
        short = quote if len(quote) <= 80 else quote[:77] + "…"
        warnings.append(f"unverified quote, not found in {where}: “{short}”")
    for at in reversed(flags):
        text = text[:at] + UNVERIFIED + text[at:]
    return text, warnings


class CitationStream:
    """Rewrites citations in a streamed answer as it arrives, exactly as `check` will.

    Text that might still change is held back: an unclosed "[1, " and trailing whitespace
    (a removed citation takes the space before it). Everything else is released at once.
    """

    def __init__(self, n_sources: int, sources: Sequence[str] = ()):
        self.n_sources = n_sources
        self.contacts = Contacts.of(sources)
        self.raw = ""
        self.emitted = ""
        self.used: list[int] = []  # as in `Checked.used`, for what has been emitted

    def _release(self, text: str) -> str:
        out, self.used, _ = renumber(text.rstrip(), self.n_sources)
        out = out.strip()
        out = remove_contacts(out, self.contacts)[0]
        if not out.startswith(self.emitted):  # cannot happen for well-formed groups
            return ""
        delta, self.emitted = out[len(self.emitted):], out
        return delta

    def feed(self, delta: str) -> str:
        self.raw += delta
        text = strip_thinking(self.raw)
        if "<think>".startswith(text.lstrip()[:7]):  # maybe a reasoning block is opening
            return ""
        cut = text.rfind("[")
        if cut >= 0 and _OPEN_CITE.fullmatch(text[cut:]):
            text = text[:cut]
        # A word still arriving may be a link, an address or a phone number: only a whole
        # one can be checked, so it waits for the space after it.
        partial = re.search(r"(?:[+(]?\d[\d\s().-]*|\S+)$", text)
        if partial:
            cut = partial.start()
            opened = text.rfind("[", 0, cut)  # never inside a citation group
            if opened >= 0 and text.find("]", opened) >= cut:
                cut = opened
            text = text[:cut]
        return self._release(text)

    def finish(self) -> str:
        return self._release(strip_thinking(self.raw))
