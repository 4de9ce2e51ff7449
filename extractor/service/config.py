"""The service's configuration: where it listens, who may call it, its bounds, and the extraction settings.

Authentication (see README "The service"): bearer tokens from `--token` (repeatable) and `EXTRACT_API_TOKENS`
(comma-separated). Writes always need one; reads too unless `public_read`. Without any token the service refuses to
start, unless `no_auth` is asked for explicitly *and* it binds a loopback address (127.0.0.1, ::1, localhost): an
open service is only ever reachable from the machine itself.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError

TOKENS_ENV = "EXTRACT_API_TOKENS"
MIN_TOKEN_CHARS = 16


def tokens_from(given: list[str] | None, environ: dict[str, str] | None = None) -> tuple[str, ...]:
    """The tokens in force: `--token` values and EXTRACT_API_TOKENS, stripped, empty ones dropped; a token shorter
    than MIN_TOKEN_CHARS is refused (without echoing it)."""
    env = (environ if environ is not None else os.environ).get(TOKENS_ENV, "")
    tokens = [t.strip() for t in [*(given or []), *env.split(",")] if t.strip()]
    short = sum(len(t) < MIN_TOKEN_CHARS for t in tokens)
    if short:
        raise ConfigError(f"{short} API token(s) shorter than {MIN_TOKEN_CHARS} characters; use long random tokens "
                          "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)")  # fmt: skip
    return tuple(dict.fromkeys(tokens))


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class ServiceConfig:
    """Everything `serve`, `watch` and `worker` need; `settings` are the extraction settings as the CLI options gave them."""

    db: str | Path = field(repr=False)  # an SQLite file, or a postgresql:// URL (its password: never shown)
    host: str = "127.0.0.1"
    port: int = 8000
    tokens: tuple[str, ...] = field(default=(), repr=False)  # never shown
    public_read: bool = False
    no_auth: bool = False
    max_body_bytes: int = 2 * 1024 * 1024  # a request body above this is answered 413
    max_articles: int = 50  # articles one POST /v1/extract may carry
    rate_limit: int = 600  # requests per minute per token (or per client address for public reads); 0: none
    workers: int | None = None  # articles extracted at once by the queue worker (default: the concurrency setting)
    max_transient: int = 5  # endpoint failures one article may meet before it is stored as failed
    pause_initial_s: float = 2.0  # the queue's first pause when the endpoint is down, doubled up to pause_max_s
    pause_max_s: float = 300.0
    host_interval_s: float = 1.0  # at least this long between two requests to one feed host
    fail_after: int = 5  # failures in a row that mark a feed failing
    max_backoff_s: float = 6 * 3600.0  # the longest wait before a failing feed is tried again
    drain_timeout_s: float = 120.0  # on SIGTERM, how long in-flight articles may take to finish
    tick_s: float = 1.0  # how often the scheduler looks for due feeds
    claim_timeout_s: float = 60.0  # shared queue (`extract worker`): a claim not heartbeaten this long is taken over
    heartbeat_s: float = 5.0  # shared queue: how often a worker heartbeats its claims
    settings: dict[str, Any] = field(default_factory=dict)  # extraction settings given on the command line
    config_file: str | None = None
    prompt: str | None = None
    cache_dir: Path | None = None
    no_cache: bool = False

    def check(self) -> None:
        """Refuse an unsafe or impossible configuration before anything starts."""
        if self.no_auth and self.tokens:
            raise ConfigError("--no-auth with API tokens configured: drop one or the other")
        if not self.tokens and not self.no_auth:
            raise ConfigError(f"no API token: give --token or set {TOKENS_ENV} (or --no-auth, on 127.0.0.1 only)")
        if self.no_auth and not is_loopback(self.host):
            raise ConfigError(f"--no-auth is refused on {self.host}: an open service binds 127.0.0.1 only")
        if self.max_body_bytes < 1024 or self.max_articles < 1 or self.rate_limit < 0:
            raise ConfigError("--max-body-bytes must be at least 1024, --max-articles at least 1, --rate-limit >= 0")


def parse_duration(text: str) -> int:
    """Seconds in '90', '30s', '15m', '2h' or '1d'; ConfigError otherwise (at least 5 seconds)."""
    import re

    match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", text or "")
    if not match:
        raise ConfigError(f"cannot read the interval {text!r}: give seconds or a number with s, m, h or d (15m)")
    seconds = int(match[1]) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match[2]]
    if seconds < 5:
        raise ConfigError(f"interval {text!r} is under 5 seconds")
    return seconds


def require_serve_extra(*modules: str) -> None:
    """ConfigError, in one line, when a library of the `serve` extra is not installed."""
    import importlib.util

    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise ConfigError(f"{', '.join(missing)} not installed: install incident-extractor with its serve extra "
                          "(pip install fastapi uvicorn prometheus-client)")
