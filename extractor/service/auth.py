"""Bearer tokens compared in constant time, and a per-caller token-bucket rate limit.

A token is never kept beyond the configuration: callers are told apart by a hash of their token, which is what
the rate limiter keys on; nothing here logs, stores or echoes a token.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time


def caller_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


class TokenCheck:
    """Is a presented token one of the configured ones? Every configured token is compared, in constant time."""

    def __init__(self, tokens: tuple[str, ...]) -> None:
        self._tokens = [t.encode() for t in tokens]

    @property
    def enabled(self) -> bool:
        return bool(self._tokens)

    def valid(self, presented: str | None) -> bool:
        if not presented:
            return False
        given = presented.encode()
        found = False
        for token in self._tokens:
            found |= hmac.compare_digest(given, token)
        return found


MAX_CALLERS = 10_000


class RateLimiter:
    """`per_minute` requests per caller, in bursts of up to `per_minute`; `take` says how long to wait (0: go)."""

    def __init__(self, per_minute: int, clock=time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, caller: str) -> float:
        """0 when the request may go (a unit taken), else the seconds until one is available."""
        if self.capacity <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            if len(self._buckets) > MAX_CALLERS:  # many addresses (public reads): forget the callers back to full
                full_after = self.capacity / self.rate
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full_after}
            level, last = self._buckets.get(caller, (self.capacity, now))
            level = min(self.capacity, level + (now - last) * self.rate)
            if level >= 1.0:
                self._buckets[caller] = (level - 1.0, now)
                return 0.0
            self._buckets[caller] = (level, now)
            return (1.0 - level) / self.rate

    @staticmethod
    def retry_after(wait_s: float) -> str:
        return str(max(1, math.ceil(wait_s)))
