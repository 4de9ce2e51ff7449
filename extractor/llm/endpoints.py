"""The endpoints of a run: one OpenAI-compatible server, or several replicas of the same model.

Each endpoint has its own SDK client, request limiter (its concurrency, rpm/tpm, Retry-After), circuit breaker and
negotiated structured-output mode (servers differ). With several, each request goes to the endpoint with the most
free capacity (fewest requests routed there relative to its limiter's current limit; one paused by a Retry-After
last); a failed request is asked again on another one; an endpoint that keeps failing is set aside
(`ReplicaBreaker`) and probed again after a cool-down, while the others carry on. The run stops only when every
endpoint is set aside.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ..errors import EndpointUnavailable
from ..settings import MODES, EndpointSpec, LLMSettings
from .faults import CircuitBreaker, ReplicaBreaker
from .limits import RequestLimiter

if TYPE_CHECKING:
    from .client import ModeMemory


class Endpoint:
    """One server of a run: its client, limiter, breaker, and the structured-output mode negotiated with it."""

    def __init__(
        self, spec: EndpointSpec, settings: LLMSettings, client: Any, modes: ModeMemory | None, several: bool
    ) -> None:
        self.url = spec.identity  # no credentials: safe to log, to record and to hash
        self.concurrency = spec.concurrency
        self.client = client
        self.limiter = RequestLimiter(spec.concurrency, rpm=settings.rpm, tpm=settings.tpm)
        self.breaker: CircuitBreaker = ReplicaBreaker(spec.identity) if several else CircuitBreaker(spec.identity)
        self.assigned = 0  # requests routed here and not finished (waiting for the limiter, or in flight)
        self.answered = 0  # requests it answered
        self.modes = modes
        self.mode_key = f"{spec.identity}|{settings.model}"  # one URL's key is the same as a run of it alone
        auto = settings.structured_output == "auto"
        self.chosen: str | None = (modes.known_mode(self.mode_key) if modes else None) if auto else (
            settings.structured_output
        )
        self.confirmed = not auto or self.chosen is not None
        self.remembered = auto and self.chosen is not None
        self.negotiation = asyncio.Lock()

    @property
    def mode(self) -> str:
        return self.chosen or MODES[0]

    @property
    def available(self) -> bool:
        """Not set aside (a lone endpoint is always available: its breaker stops the run instead)."""
        return not isinstance(self.breaker, ReplicaBreaker) or self.breaker.closed

    def remember(self, mode: str) -> None:
        self.chosen, self.confirmed = mode, True
        if self.modes:
            self.modes.remember_mode(self.mode_key, mode)


class EndpointPool:
    """Chooses the endpoint of each request."""

    def __init__(self, endpoints: list[Endpoint]) -> None:
        self.endpoints = endpoints
        self.several = len(endpoints) > 1

    def pick(self, avoid: Endpoint | None = None) -> Endpoint:
        """The endpoint for the next request: one due a probe first (set aside and cooled down), else the one with
        the most free capacity, preferring any but `avoid` (where the request just failed). Raises
        EndpointUnavailable when every endpoint is set aside."""
        if not self.several:
            return self.endpoints[0]
        for endpoint in self.endpoints:
            breaker = endpoint.breaker
            if isinstance(breaker, ReplicaBreaker) and breaker.probe_due():
                breaker.start_probe()
                return endpoint
        live = [e for e in self.endpoints if e.available]
        if not live:
            raise EndpointUnavailable(self._all_down())
        candidates = [e for e in live if e is not avoid] or live
        return min(candidates, key=lambda e: (e.limiter.paused(), e.assigned / e.limiter.limit))

    @staticmethod
    def probing(endpoint: Endpoint) -> bool:
        """Whether the request just given `endpoint` is its probe."""
        return isinstance(endpoint.breaker, ReplicaBreaker) and endpoint.breaker.state == "half-open"

    @staticmethod
    def settle_probe(endpoint: Endpoint) -> None:
        """After the probe request to `endpoint`: one that ended without an answer or a failure (cancelled, its budget
        spent before it was sent) leaves the endpoint due another probe, not half-open for ever."""
        breaker = endpoint.breaker
        if isinstance(breaker, ReplicaBreaker) and breaker.state == "half-open":
            breaker.abandon_probe()

    def others_available(self, endpoint: Endpoint) -> bool:
        """Whether a request that failed at `endpoint` has somewhere else to go."""
        return any(e is not endpoint and e.available for e in self.endpoints)

    def _all_down(self) -> str:
        reasons = "; ".join(
            f"{e.url}: {getattr(e.breaker, 'last_error', '') or 'down'}" for e in self.endpoints
        )
        return (
            f"all {len(self.endpoints)} endpoints are down ({reasons}); stopping the run: finished articles are "
            "written, continue with --resume"
        )
