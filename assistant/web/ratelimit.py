"""A per-user limit on questions: at most N in any sliding window of T seconds.

The limit itself is `Settings.rate` (assistant/config.py parses ASSISTANT_RATE_LIMIT)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque


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
