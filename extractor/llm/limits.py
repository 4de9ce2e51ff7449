"""Client-side request limits for one endpoint: adaptive concurrency, requests and tokens per minute, Retry-After.

Concurrency follows AIMD: every success adds 1/limit (about +1 per round of requests), every 429 halves the
limit and pauses all new requests until the server's Retry-After has passed. `rpm` and `tpm` keep a run under
a provider's published limits with a sliding 60-second window (plus a second of margin: the server counts a
request when it arrives, a little after the client sends it), so it need not bounce off 429s at all.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

WINDOW_S = 60.0  # the providers' window
MARGIN_S = 1.0  # a request leaves the client's window a second late, so the server's window is never behind it


class RequestLimiter:
    """Admits requests while the concurrency limit, the rpm/tpm windows and any Retry-After pause allow."""

    def __init__(
        self,
        max_concurrency: int,
        rpm: int | None = None,
        tpm: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_concurrency = max(1, max_concurrency)
        self.limit = float(self.max_concurrency)
        self.rpm, self.tpm = rpm, tpm
        self.in_flight = 0
        self.peak_in_flight = 0
        self.rate_limited = 0
        self._clock = clock
        self._pause_until = 0.0
        self._window: deque[tuple[float, int]] = deque()
        self._window_tokens = 0
        self._cond: asyncio.Condition | None = None

    @asynccontextmanager
    async def request(self, tokens: int) -> AsyncIterator[None]:
        """Hold one request slot while the request is in flight."""
        cond = self._condition()
        async with cond:
            while True:
                delay = self._delay(tokens)
                if delay <= 0 and self.in_flight < int(self.limit):
                    break
                try:
                    await asyncio.wait_for(cond.wait(), delay if delay > 0 else None)
                except asyncio.TimeoutError:
                    pass
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            self._window.append((self._clock(), tokens))
            self._window_tokens += tokens
        try:
            yield
        finally:
            async with cond:
                self.in_flight -= 1
                cond.notify_all()

    def paused(self) -> bool:
        """True while a Retry-After pause holds new requests."""
        return self._pause_until > self._clock()

    def succeeded(self) -> None:
        """Additive increase after a successful request."""
        self.limit = min(float(self.max_concurrency), self.limit + 1.0 / self.limit)

    def throttled(self, retry_after: float | None) -> None:
        """Multiplicative decrease after a 429, and a pause until Retry-After has passed."""
        self.rate_limited += 1
        self.limit = max(1.0, self.limit / 2)
        if retry_after:
            self._pause_until = max(self._pause_until, self._clock() + retry_after)

    def _condition(self) -> asyncio.Condition:
        if self._cond is None:
            self._cond = asyncio.Condition()
        return self._cond

    def _delay(self, tokens: int) -> float:
        """Seconds until a request of `tokens` may start (0 when it may start now)."""
        now = self._clock()
        span = WINDOW_S + MARGIN_S
        while self._window and self._window[0][0] <= now - span:
            self._window_tokens -= self._window.popleft()[1]
        delay = self._pause_until - now
        if self.rpm and len(self._window) >= self.rpm:
            delay = max(delay, self._window[len(self._window) - self.rpm][0] + span - now)
        if self.tpm and self._window and self._window_tokens + tokens > self.tpm:
            freed, needed = 0, self._window_tokens + tokens - self.tpm
            for started, used in self._window:
                freed += used
                if freed >= needed:
                    delay = max(delay, started + span - now)
                    break
        return max(0.0, delay)
