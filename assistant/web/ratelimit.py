"""A per-user limit on questions: at most N in any sliding window of T seconds."""

from __future__ import annotations

import math
import re
import threading
import time
from collections import deque

from ..config import Settings

_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600,
          "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(value: str) -> tuple[int, float] | None:
    """'30/minute' -> (30, 60.0); '5/10s' -> (5, 10.0); '0', 'off', '' -> None."""
    v = (value or "").strip().lower()
    if v in ("", "0", "off", "none", "unlimited"):
        return None
    m = re.fullmatch(r"(\d+)\s*/\s*(\d*\.?\d*)\s*([a-z]+?)s?", v)
    if not m or m.group(3) not in _UNITS or int(m.group(1)) < 1:
        raise ValueError(f"ASSISTANT_RATE_LIMIT: {value!r} is not like '30/minute', '5/10s' "
                         "or 'off'")
    return int(m.group(1)), float(m.group(2) or 1) * _UNITS[m.group(3)]


def limit_from_settings(settings: Settings) -> tuple[int, float] | None:
    """The configured limit; with auth mode none (one local user) only when set explicitly."""
    from .auth import parse_modes

    explicit = "rate_limit" in settings.model_fields_set
    if parse_modes(settings.auth_mode) == {"none"} and not explicit:
        return None
    return parse_rate(settings.rate_limit)


def describe(limit: tuple[int, float]) -> str:
    n, window = limit
    for unit, seconds in (("hour", 3600), ("minute", 60), ("second", 1)):
        if window == seconds:
            return f"{n} question{'s' if n != 1 else ''} per {unit}"
    return f"{n} question{'s' if n != 1 else ''} per {window:g} seconds"


class RateLimiter:
    def __init__(self, limit: tuple[int, float] | None):
        self.limit = limit
        self._hits: dict[str, deque] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float:
        """Count one question for key: 0 when allowed, else the seconds until it would be."""
        if self.limit is None:
            return 0.0
        n, window = self.limit
        now = time.monotonic()
        with self._lock:
            q = self._hits.setdefault(key, deque())
            while q and q[0] <= now - window:
                q.popleft()
            if len(q) >= n:
                return max(0.1, q[0] + window - now)
            q.append(now)
            if len(self._hits) > 10_000:  # forget idle users
                for k in [k for k, d in self._hits.items() if not d or d[-1] <= now - window]:
                    del self._hits[k]
            return 0.0

    def message(self, wait: float) -> str:
        return (f"You have reached the limit of {describe(self.limit)}. "
                f"Please wait {math.ceil(wait)} s and ask again.")
