"""Dates in questions and options: "this week", "last month", "yesterday", "in 2021".

Relative expressions are resolved against a reference date (`as_of`, default today), so a
question asked on 2022-01-07 about "this week" means 2021-12-31..2022-01-07. The retriever
uses the window to prefer articles published in it (a boost, not a filter: a story from the
day before the window can still answer the question); explicit `since`/`until` are filters.

Conventions (inclusive windows of calendar days):
- today / yesterday: that day;
- this week: the 7 days up to as_of (news usage: on a Monday, "this week" still covers the
  weekend's stories); last week: the previous calendar week, Monday to Sunday;
- this month / this year: from the 1st to as_of; last month / last year: the previous one;
- past/last N days|weeks|months|years: N units up to as_of;
- in 2021 / in May 2021 / in May (the most recent May up to as_of);
- on Monday, last Friday...: the most recent such day up to as_of;
- recently / latest / this weekend: the 14 days / 3 days up to as_of;
- a time that begins after as_of ("in 2023", asked in 2022) is when something is expected,
  not when it was reported: no window.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .errors import DateError

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
MONTHS.pop("may", None)
MONTHS["may"] = 5
DAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}
UNITS = {"day": 1, "week": 7, "month": 30, "year": 365}
NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
           "eight": 8, "nine": 9, "ten": 10, "few": 3, "couple of": 2}


def check_dates(*values) -> None:
    """DateError for the first value that is not a date (None and "" are no filter)."""
    for v in values:
        parse_date(v)


@dataclass(frozen=True)
class TimeWindow:
    """An inclusive range of days a question refers to, and where it said so."""

    start: date
    end: date
    text: str = ""  # the expression as written ("" for a window that was not in the text)
    span: tuple[int, int] = (0, 0)


def parse_date(value: str | date | datetime | None, *, end: bool = False) -> date | None:
    """A date from YYYY-MM-DD, an ISO datetime, YYYY-MM or YYYY (the first day of the month or
    year, or with end=True the last), "today" or "yesterday". None and "" give None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = str(value).strip().lower()
    if s == "today":
        return date.today()
    if s == "yesterday":
        return date.today() - timedelta(days=1)
    try:
        if re.fullmatch(r"\d{4}", s):
            return date(int(s), 12, 31) if end else date(int(s), 1, 1)
        if re.fullmatch(r"\d{4}-\d{2}", s):
            y, m = int(s[:4]), int(s[5:])
            return date(y, m, calendar.monthrange(y, m)[1] if end else 1)
        return date.fromisoformat(s[:10])
    except ValueError:
        raise DateError(f"not a date: {value!r} (use YYYY-MM-DD, YYYY-MM or YYYY)") from None


def _month_window(y: int, m: int) -> tuple[date, date]:
    return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])


_NUM = r"(\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|few|couple of)"
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY = "|".join(DAYS)
PATTERNS: list[tuple[str, str]] = [
    ("past_n", rf"\b(?:in |over |during )?(?:the )?(?:past|last|previous) {_NUM} "
               r"(day|week|month|year)s?\b"),
    ("n_ago", rf"\b{_NUM} (day|week|month|year)s? ago\b"),
    ("month_year", rf"\b(?:in |during |since |of )?({_MONTH})\.? (?:of )?(\d{{4}})\b"),
    ("year", r"\b(?:in|during|of|throughout) (\d{4})\b"),
    ("rel", r"\b(this|last|past|previous) (week|weekend|month|year)\b"),
    ("weekday", rf"\b(?:on |last |this |earlier this )?({_DAY})\b"),
    ("month", rf"\b(?:in|during|since|this|last) ({_MONTH})\b"),
    ("today", r"\b(today|tonight|yesterday|this morning)\b"),
    ("recent", r"\b(recently|lately|latest|these days|this weekend)\b"),
]
_COMPILED = [(kind, re.compile(p, re.IGNORECASE)) for kind, p in PATTERNS]


def _window(kind: str, g: tuple[str, ...], ref: date) -> tuple[date, date] | None:
    if kind == "past_n" or kind == "n_ago":
        n = NUMBERS.get(g[0].lower()) or int(g[0])
        days = n * UNITS[g[1].lower()]
        if kind == "n_ago":  # "two weeks ago": around that day
            mid = ref - timedelta(days=days)
            slack = max(1, UNITS[g[1].lower()] // 2)
            return mid - timedelta(days=slack), min(ref, mid + timedelta(days=slack))
        return ref - timedelta(days=days), ref
    if kind == "month_year":
        return _month_window(int(g[1]), MONTHS[g[0].lower()])
    if kind == "year":
        y = int(g[0])
        if not 1900 <= y <= 2100:
            return None
        return date(y, 1, 1), date(y, 12, 31)
    if kind == "rel":
        which, unit = g[0].lower(), g[1].lower()
        this = which == "this"
        if unit == "week":
            if this or which == "past":
                return ref - timedelta(days=7), ref
            monday = ref - timedelta(days=ref.weekday())
            return monday - timedelta(days=7), monday - timedelta(days=1)
        if unit == "weekend":
            sat = ref - timedelta(days=(ref.weekday() - 5) % 7)
            if not this:
                sat -= timedelta(days=7)
            return sat, min(ref, sat + timedelta(days=2))
        if unit == "month":
            if this:
                return ref.replace(day=1), ref
            if which == "past":
                return ref - timedelta(days=30), ref
            prev = ref.replace(day=1) - timedelta(days=1)
            return _month_window(prev.year, prev.month)
        if this:
            return date(ref.year, 1, 1), ref
        if which == "past":
            return ref - timedelta(days=365), ref
        return date(ref.year - 1, 1, 1), date(ref.year - 1, 12, 31)
    if kind == "weekday":
        back = (ref.weekday() - DAYS[g[0].lower()]) % 7
        day = ref - timedelta(days=back)
        return day, day
    if kind == "month":
        m = MONTHS[g[0].lower()]
        y = ref.year if m <= ref.month else ref.year - 1
        return _month_window(y, m)
    if kind == "today":
        word = g[0].lower()
        day = ref - timedelta(days=1) if word == "yesterday" else ref
        return day, day
    if kind == "recent":
        if g[0].lower() == "this weekend":
            return ref - timedelta(days=3), ref
        return ref - timedelta(days=14), ref
    return None


def find_time(question: str, as_of: date | None = None) -> TimeWindow | None:
    """The first time expression in a question as a window relative to as_of (default
    today), or None. Where two expressions overlap, the earlier pattern in PATTERNS (the more
    specific) wins."""
    ref = as_of or date.today()
    best: tuple[int, TimeWindow] | None = None
    for rank, (kind, rx) in enumerate(_COMPILED):
        for m in rx.finditer(question):
            if kind in ("month", "month_year") and not m.group(1)[0].isupper():
                continue  # "this may be": a month is written with a capital
            w = _window(kind, m.groups(), ref)
            if w is None or w[0] > ref:
                continue  # "expected to climb in 2023", asked in 2022: when it happens, not
                # when it was reported (nothing is published after as_of)
            tw = TimeWindow(w[0], w[1], m.group(0), m.span())
            if best is None or (m.start(), rank) < (best[1].span[0], best[0]):
                best = (rank, tw)
            break
    return best[1] if best else None


def strip_time(question: str, window: TimeWindow | None) -> str:
    """The question without its time expression (it would only add noise to keyword search)."""
    if window is None or not window.text:
        return question
    a, b = window.span
    return " ".join((question[:a] + " " + question[b:]).split())
