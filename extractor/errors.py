"""One error tree for the whole package; the CLI turns any of these into a one-line message.

ExtractorError
├── ConfigError            bad option, missing model or endpoint, unreadable config file
├── FeedError              missing file, not a feed, no entries, unreachable URL
├── OutputError            an output file that cannot be resumed or written
│   └── StoreError         an incident database that is not ours, newer, locked or unwritable
├── GoldenError            golden labels that do not load or validate
├── RunStoreError          a stored evaluation run that is missing or unreadable
├── EndpointUnavailable    the endpoint cannot be reached at all, or refuses every request alike: stop the run
├── SpendingFailure        a failure carrying what was spent before it (`spent`: attempts, re-asks, usage...)
│   ├── BackendError       the endpoint failed in a way asking again did not fix
│   │   ├── RateLimited    HTTP 429 (carries retry_after seconds when the server sent it)
│   │   ├── BackendTimeout the request timed out or the connection dropped
│   │   │   └── Unreachable  no connection could be made at all (DNS, refused, TLS)
│   │   ├── ServerError    HTTP 5xx that is not a structured-output rejection
│   │   └── ModeRejected   the server refused a structured-output mode (try the next one)
│   └── ExtractionFailed   output still invalid after the re-asks (carries the last raw output)
└── BudgetExceeded         the next request would take the run over its --max-cost cap (carries what was spent)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # models (pydantic) only when an error carries what was spent: `extract --help` stays light
    from .models import Spend


class ExtractorError(Exception):
    """Base of every error the package raises on purpose."""


class ConfigError(ExtractorError):
    """A setting is missing or wrong."""


class FeedError(ExtractorError):
    """The feed could not be read or holds no entries."""


class OutputError(ExtractorError):
    """The output file cannot be written or resumed."""


class StoreError(OutputError):
    """The incident database cannot be opened, migrated or written (not ours, newer schema, locked)."""


class GoldenError(ExtractorError):
    """The golden labels do not load or validate."""


class RunStoreError(ExtractorError):
    """A stored evaluation run is missing or unreadable."""


class EndpointUnavailable(ExtractorError):
    """The endpoint cannot answer any request: the run stops rather than fail every article slowly."""


class SpendingFailure(ExtractorError):
    """A failure that carries what the work cost and met before it failed (`spent`, added to as it travels up)."""

    def __init__(self, message: str, *, spent: Spend | None = None) -> None:
        super().__init__(message)
        if spent is None:
            from .models import Spend

            spent = Spend()
        self.spent = spent


class BackendError(SpendingFailure):
    """The backend failed; `transient` errors are worth retrying. Carries what the article cost and met so far."""

    transient = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RateLimited(BackendError):
    """HTTP 429; `retry_after` is the server's Retry-After in seconds, if any."""

    transient = True

    def __init__(self, message: str, *, status: int | None = 429, retry_after: float | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class BackendTimeout(BackendError):
    """Timeout or dropped connection."""

    transient = True


class Unreachable(BackendTimeout):
    """No connection could be made (DNS, refused, TLS): transient for one request, fatal when it never stops."""


class ServerError(BackendError):
    """HTTP 5xx (or 408/409) that is not a structured-output rejection."""

    transient = True


class ModeRejected(BackendError):
    """The server does not accept the structured-output mode that was asked for."""


class ExtractionFailed(SpendingFailure):
    """The model's output stayed invalid after every re-ask."""

    def __init__(self, message: str, *, last_output: str | None, spent: Spend | None = None) -> None:
        super().__init__(message, spent=spent)
        self.last_output = last_output


class BudgetExceeded(ExtractorError):
    """The run reached its cost cap: the next request would exceed it. `spent_usd` is what was spent."""

    def __init__(self, message: str, *, spent_usd: float) -> None:
        super().__init__(message)
        self.spent_usd = spent_usd


def error_location(error: Mapping[str, Any], root: str = "(root)") -> str:
    """Where one pydantic validation error sits: its field path ('incidents.0.killed'), or `root`."""
    return ".".join(str(p) for p in error["loc"]) or root


def validation_text(
    exc: Any, *, limit: int | None = None, root: str = "(root)", sep: str = "; ", bullet: str = "",
    more: str = " (+{n} more)",
) -> str:  # fmt: skip
    """A pydantic ValidationError as text, the one formatter: `bullet` 'field.path: message' for each of the first
    `limit` errors, joined by `sep`, then `more` with how many were left out."""
    errors = exc.errors()
    shown = errors if limit is None else errors[:limit]
    text = sep.join(f"{bullet}{error_location(e, root)}: {e['msg']}" for e in shown)
    left = exc.error_count() - len(shown)
    return text + (more.format(n=left) if left > 0 else "")


_SECRETS = re.compile(
    r"\bsk-[A-Za-z0-9_\-]{6,}"  # OpenAI-style keys (sk-..., sk-proj-...)
    r"|\b(?:Bearer|Basic)\s+[A-Za-z0-9._~+/=\-]{6,}"  # authorization headers
    r"|(?i:\b(?:api[_-]?key|access[_-]?token|token|secret|password)\b[\"']?\s*[:=]\s*[\"']?)[^\s\"',;&]{4,}"
)


_KNOWN_SECRETS: set[str] = set()  # the credentials in use (the configured API key): hidden wherever they show
_TOKEN = re.compile(r"[A-Za-z0-9_\-.*…~+/=]{4,}")
_MASK = re.compile(r"[*.…]+|x{3,}|X{3,}")
MIN_SECRET_PART = 4  # a piece of a token this long that begins or ends the key is part of the key
MIN_SECRET_INNER = 8  # ... and a piece this long found anywhere in the key


def remember_secret(value: str | None) -> None:
    """Register a credential: `scrub` hides it, and any part of it, from then on (logs, errors, records)."""
    if value and len(value) >= MIN_SECRET_INNER:
        _KNOWN_SECRETS.add(value)


def hide_secret(text: str, secret: str | None) -> str:
    """`text` without `secret`, whole or in part: a server may echo it masked (`sk-abcde****wxyz`, first and
    last characters kept) or cut; every token holding a prefix or suffix of it (4+ characters, around any mask),
    or 8+ characters of it, becomes '***'."""
    if not secret or len(secret) < MIN_SECRET_PART:
        return text
    text = text.replace(secret, "***")

    def hide(match: re.Match[str]) -> str:
        token = match.group()
        for part in filter(None, _MASK.split(token)):
            for piece in {part, part.strip("-_=+/~")}:
                if len(piece) >= MIN_SECRET_PART and (secret.startswith(piece) or secret.endswith(piece)):
                    return "***"
                if len(piece) >= MIN_SECRET_INNER and piece in secret:
                    return "***"
        return token

    return _TOKEN.sub(hide, text)


def scrub(text: str) -> str:
    """`text` with anything that looks like a credential replaced by '***' (server messages can echo keys), and
    every registered credential (`remember_secret`) hidden whole or in part."""

    def hide(match: re.Match[str]) -> str:
        found = match.group()
        cut = max(found.rfind("="), found.rfind(":"), found.rfind(" "))
        return found[: cut + 1] + "***" if cut >= 0 and not found.startswith("sk-") else "***"

    for secret in _KNOWN_SECRETS:
        text = hide_secret(text, secret)
    return _SECRETS.sub(hide, text)
