"""The client-side request limiter, on a fake clock: AIMD concurrency, Retry-After pauses, rpm and tpm windows."""

from __future__ import annotations

import asyncio

from extractor.llm.limits import RequestLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_429_halves_concurrency_and_successes_bring_it_back() -> None:
    limiter = RequestLimiter(8)
    limiter.throttled(None)
    limiter.throttled(None)
    assert limiter.limit == 2
    for _ in range(40):
        limiter.succeeded()
    assert limiter.limit == 8


def test_retry_after_pauses_new_requests() -> None:
    clock = Clock()
    limiter = RequestLimiter(4, clock=clock)
    limiter.throttled(30)
    assert limiter._delay(1) == 30
    clock.now += 30
    assert limiter._delay(1) == 0


def test_rpm_window_admits_at_most_rpm_requests_per_minute() -> None:
    clock = Clock()
    limiter = RequestLimiter(100, rpm=3, clock=clock)

    async def take() -> None:
        async with limiter.request(1):
            pass

    async def scenario() -> None:
        for _ in range(3):
            await take()
        assert limiter._delay(1) == 61, "60 s window plus a second of margin"
        clock.now += 60.5
        assert limiter._delay(1) == 0.5
        clock.now += 0.5
        await take()

    asyncio.run(scenario())


def test_tpm_window_waits_for_enough_tokens_to_expire() -> None:
    clock = Clock()
    limiter = RequestLimiter(100, tpm=1000, clock=clock)

    async def scenario() -> None:
        async with limiter.request(600):
            pass
        clock.now += 10
        async with limiter.request(300):
            pass
        assert limiter._delay(200) == 51
        assert limiter._delay(100) == 0

    asyncio.run(scenario())
