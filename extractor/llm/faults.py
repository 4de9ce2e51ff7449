"""What can go wrong at the endpoint: SDK errors translated into ours (credentials scrubbed from every message),
Retry-After, the circuit breaker that stops a run when the endpoint cannot answer at all, and the one that sets
aside one of several endpoints (replicas) while the others carry on."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import openai

from ..errors import (
    BackendError,
    BackendTimeout,
    ConfigError,
    EndpointUnavailable,
    ModeRejected,
    RateLimited,
    ServerError,
    Unreachable,
    hide_secret,
    scrub,
)

# A server that does not support a response_format says so with 400/422, or (llama-cpp-python) 500.
_MODE_REJECTION = re.compile(r"response_format|json_schema|json_object|Input should be 'text'", re.I)


def translate(exc: openai.APIError) -> BackendError | ConfigError:
    """Our error for an SDK error; the message never contains credentials."""
    if isinstance(exc, openai.APITimeoutError):
        return BackendTimeout("request timed out")
    if isinstance(exc, openai.APIConnectionError):
        return Unreachable(f"cannot connect: {_cause(exc)}")
    if not isinstance(exc, openai.APIStatusError):
        return BackendError(f"API error: {_short(exc)}")
    status, detail = exc.status_code, _short(exc)
    if status in (400, 422, 500) and _MODE_REJECTION.search(detail):
        return ModeRejected(f"HTTP {status}: {detail}", status=status)
    if status == 429:
        return RateLimited(f"HTTP 429: {detail}", retry_after=_retry_after(exc.response.headers))
    if status in (401, 403):
        return ConfigError(f"endpoint refused the credentials (HTTP {status}); check OPENAI_API_KEY")
    if status == 404:
        return ConfigError(f"HTTP 404 from the endpoint: {detail} (check --model and --base-url)")
    if status >= 500 or status in (408, 409):
        return ServerError(f"HTTP {status}: {detail}", status=status)
    return BackendError(f"HTTP {status}: {detail}", status=status)


def _short(exc: openai.APIError, limit: int = 300) -> str:
    """The server's own error message, shortened."""
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        body = error.get("message", error) if isinstance(error, dict) else error
    text = scrub(str(body) if body else exc.message)
    return text if len(text) <= limit else text[:limit] + "…"


def _cause(exc: BaseException) -> str:
    """Why a connection failed, in a few words ('ConnectError: [Errno 111] Connection refused'): the deepest OS
    error of the chain (DNS, refused, TLS), else the transport's own error."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    os_errors = [e for e in chain if isinstance(e, OSError)]
    transport = [e for e in chain if type(e).__name__ in ("ConnectError", "ConnectTimeout", "ProxyError")]
    chosen = (os_errors or transport or chain)[-1 if os_errors else 0]
    return scrub(f"{type(chosen).__name__}: {chosen}"[:200])


def _retry_after(headers: Any) -> float | None:
    """Seconds from retry-after-ms or retry-after (seconds; HTTP dates are ignored)."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value:
            try:
                return max(0.0, float(value) * scale)
            except ValueError:
                continue
    return None


def scrub_key(error: BackendError | ConfigError, key: str | None) -> BackendError | ConfigError:
    """The error with the configured key removed from its message, whole or in part (a masked echo keeps no
    prefix or suffix of it)."""
    message = hide_secret(str(error), key)
    if message != str(error):
        error.args = (message,)
    return error


class CircuitBreaker:
    """Stops a run whose endpoint cannot answer: `cold` failed connections in a row before any success (a wrong
    host or port, DNS failure, TLS failure), `warm` in a row after successes (the server went away), or the same
    non-transient error for the first `cold` requests (every request is refused alike)."""

    def __init__(self, endpoint: str, cold: int = 3, warm: int = 20) -> None:
        self.endpoint, self.cold, self.warm = endpoint, cold, warm
        self.successes = 0
        self._unreachable = 0
        self._same: tuple[str, int] = ("", 0)

    def succeeded(self) -> None:
        self.successes += 1
        self._unreachable = 0

    def failed(self, error: BackendError) -> None:
        """Count a failed request; raise EndpointUnavailable when the endpoint is judged down."""
        if isinstance(error, Unreachable):
            self._unreachable += 1
            limit = self.cold if self.successes == 0 else self.warm
            if self._unreachable >= limit:
                raise EndpointUnavailable(
                    f"endpoint {self.endpoint} cannot be reached ({error}; {self._unreachable} attempts in a row); "
                    "stopping the run: finished articles are written, continue with --resume"
                )
        elif not error.transient and not isinstance(error, ModeRejected) and self.successes == 0:
            message, count = self._same
            self._same = (str(error), count + 1 if str(error) == message else 1)
            if self._same[1] >= self.cold:
                raise EndpointUnavailable(
                    f"endpoint {self.endpoint} refuses every request alike ({error}); stopping the run"
                )


COOLDOWN_S = 5.0  # a replica set aside is probed again after this long, then after twice as long each time
MAX_COOLDOWN_S = 60.0
REPLICA_FAILURES = 5  # failed requests in a row (5xx, timeouts, no connection) that set a replica aside


class ReplicaBreaker(CircuitBreaker):
    """The breaker of one endpoint among several: instead of stopping the run it opens (the endpoint is set aside)
    after `failures` failed requests in a row with no answer between them (5xx, timeouts, no connection; 429s are
    the limiter's), or when the base breaker would stop the run. After a cool-down it is due a probe: one request
    goes there (half-open); an answer closes it, a failure opens it again for twice as long (up to
    MAX_COOLDOWN_S). The pool stops the run only when every endpoint is open."""

    def __init__(
        self, endpoint: str, failures: int = REPLICA_FAILURES, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(endpoint)
        self.failures, self._clock = failures, clock
        self.state = "closed"  # closed, open, half-open
        self.cooldown = COOLDOWN_S
        self.reopen_at = 0.0
        self.trips = 0  # times it was set aside
        self.probes = 0  # probe requests sent after a cool-down
        self.last_error = ""
        self._row = 0

    @property
    def closed(self) -> bool:
        return self.state == "closed"

    def probe_due(self) -> bool:
        """Open and cooled down: the next request may go here as the probe."""
        return self.state == "open" and self._clock() >= self.reopen_at

    def start_probe(self) -> None:
        self.state, self.probes = "half-open", self.probes + 1

    def abandon_probe(self) -> None:
        """The probe ended with neither an answer nor a failure: due another one at once."""
        self.state, self.reopen_at = "open", self._clock()

    def succeeded(self) -> None:
        super().succeeded()
        self._row = 0
        if self.state != "closed":
            self.state, self.cooldown = "closed", COOLDOWN_S

    def failed(self, error: BackendError) -> None:
        """Count a failed request; open when the endpoint looks down (never raises)."""
        if isinstance(error, RateLimited) or isinstance(error, ModeRejected):
            return
        if error.transient:
            self._row += 1
            if self.state == "half-open" or self._row >= self.failures:
                self._open(error)
            return
        try:
            super().failed(error)
        except EndpointUnavailable:
            self._open(error)

    def _open(self, error: BackendError) -> None:
        if self.state == "half-open":  # the probe failed: wait longer before the next one
            self.cooldown = min(MAX_COOLDOWN_S, self.cooldown * 2)
        elif self.state == "closed":
            self.trips += 1
        self.state, self.reopen_at, self.last_error = "open", self._clock() + self.cooldown, str(error)
        self._row = 0
