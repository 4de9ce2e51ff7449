"""Settings, typed and validated (pydantic-settings): command-line values over environment variables over an
optional TOML config file.

The config file (`--config FILE`, or `$EXTRACT_CONFIG`, or `./extract.toml` when present) holds the same
names as the options, e.g.:

    model = "gpt-4o-mini"
    base_url = "http://127.0.0.1:8000/v1"
    structured_output = "auto"
    concurrency = 8          # at most MAX_CONCURRENCY (256): more is a ConfigError
    fetch_timeout = 30       # seconds a feed URL's whole download may take (a total deadline, not per read)
    # several replicas of one model: each URL with its own concurrency (default 4), requests to the least busy
    # base_url = ["http://gpu1:8000/v1#concurrency=16", "http://gpu2:8000/v1#concurrency=8"]
    # endpoint_name = "llama3-pool"   # the replica set's name in the cache identity (default: the sorted URLs)
    max_feed_bytes = 52428800  # a feed URL's body larger than this is refused

Environment: `EXTRACT_<NAME>` for every setting (`EXTRACT_MODEL`, `EXTRACT_CONCURRENCY`, ...), and the
OpenAI SDK's own `OPENAI_API_KEY` and `OPENAI_BASE_URL` (several endpoints: comma-separated). A wrong type or an
unknown name is a ConfigError naming the setting and where it came from. The API key is never shown: not in repr, logs or errors.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .errors import ConfigError, error_location, remember_secret

MODES = ("json_schema", "json_object_schema", "json_object", "prompt")
BASELINE_MODEL = "baseline"
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
MAX_CONCURRENCY = 256  # articles in progress at once, at most (each holds a task, a request and its text)
DEFAULT_CONCURRENCY = 4  # articles in progress at once; with several endpoints, each endpoint's default
_CONCURRENCY_FRAGMENT = re.compile(r"^concurrency=(\d+)$")
StructuredOutput = Literal["auto", "json_schema", "json_object_schema", "json_object", "prompt"]
Strategy = Literal["one-call", "enumerate", "hybrid", "similar", "enumerate+similar", "hybrid+similar"]  # how the LLM is asked (pipeline/strategies.py)


class LLMSettings(BaseSettings):
    """How to reach and drive an OpenAI-compatible endpoint, and the bounds on fetching feed URLs. `api_key` is
    never logged or cached. A run's settings add the database and the pre-filter: RunSettings."""

    model_config = SettingsConfigDict(env_prefix="EXTRACT_", extra="forbid", populate_by_name=True)

    model: str | None = None
    # One URL, or several replicas of the same model (a list, or comma-separated): see `endpoints()`.
    base_url: str | list[str] | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "EXTRACT_BASE_URL")
    )
    endpoint_name: str | None = Field(default=None, min_length=1)  # the replica set's name in the cache identity
    api_key: str | None = Field(
        default=None, repr=False, validation_alias=AliasChoices("OPENAI_API_KEY", "EXTRACT_API_KEY")
    )
    structured_output: StructuredOutput = "auto"
    strategy: Strategy = "one-call"
    temperature: float = Field(default=0.0, ge=0, le=2)
    max_tokens: int = Field(default=2048, ge=1)
    timeout: float = Field(default=120.0, gt=0)
    max_attempts: int = Field(default=6, ge=1)  # per request: 5xx, timeouts, dropped connections (not 429s)
    article_budget: float = Field(default=1800.0, gt=0)  # seconds one article may take, 429 waits included
    max_reasks: int = Field(default=2, ge=0)
    max_input_chars: int = Field(default=24000, ge=500)  # the window size: longer articles are split into windows
    max_windows: int = Field(default=8, ge=1)  # windows read per article at most; the rest is reported as unread
    retry_initial_wait: float = Field(default=1.0, ge=0)
    retry_max_wait: float = Field(default=60.0, ge=0)
    rpm: int | None = Field(default=None, ge=1)
    tpm: int | None = Field(default=None, ge=1)
    # More is refused: one line, exit 2. With several endpoints: the sum of theirs unless given.
    concurrency: int = Field(default=DEFAULT_CONCURRENCY, ge=1, le=MAX_CONCURRENCY)
    fetch_timeout: float = Field(default=30.0, gt=0)  # seconds a feed URL's whole download may take
    max_feed_bytes: int = Field(default=50 * 1024 * 1024, ge=1)  # a feed URL's body above this is refused
    # USD per million tokens by model, over the shipped table (extractor/llm/data/prices.json) and price_file:
    # prices = {"my-model" = {input = 0.2, cached_input = 0.1, output = 0.8, batch_discount = 0.5}}
    prices: dict[str, dict[str, float]] | None = None
    price_file: str | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Options (init values) first, then the environment; the config file comes in as init values below them."""
        return init_settings, env_settings

    @field_validator("base_url", mode="before")
    @classmethod
    def _one_or_several_urls(cls, value: Any) -> Any:
        """One URL stays a string; several (a list, comma-separated text, or both) become a list of distinct URLs."""
        if value is None:
            return None
        items = value if isinstance(value, (list, tuple)) else [value]
        if not all(isinstance(item, str) for item in items):
            return value  # the type check says what is wrong
        urls = [url.strip() for item in items for url in item.split(",") if url.strip()]
        if not urls:
            return None
        identities = [url_identity(_split_concurrency(url)[0]) for url in urls]
        twice = sorted({i for i in identities if identities.count(i) > 1})
        if twice:
            raise ValueError(f"endpoint given more than once: {', '.join(twice)}")
        return urls[0] if len(urls) == 1 else urls

    @model_validator(mode="after")
    def _concurrency_of_several(self) -> LLMSettings:
        """With several endpoints and no --concurrency, the run's concurrency is the sum of theirs (at most
        MAX_CONCURRENCY), so that every endpoint can be kept busy. Set without marking it as given."""
        if isinstance(self.base_url, list) or (self.base_url and _split_concurrency(self.base_url)[1]):
            if "concurrency" not in self.model_fields_set:
                total = sum(spec.concurrency for spec in self.endpoints())
                self.__dict__["concurrency"] = min(MAX_CONCURRENCY, total)
        return self

    @property
    def is_baseline(self) -> bool:
        return self.model == BASELINE_MODEL

    def endpoints(self) -> list[EndpointSpec]:
        """The run's endpoints, each with its concurrency: `URL#concurrency=N` gives its own; the others share an
        explicitly given `concurrency` (what the endpoints with their own leave of it), else get the default 4
        each. One URL without its own takes `concurrency`, as ever. No URL: api.openai.com."""
        urls = self.base_url if isinstance(self.base_url, list) else [self.base_url or "https://api.openai.com/v1"]
        split = [_split_concurrency(url) for url in urls]
        given = "concurrency" in self.model_fields_set
        if len(split) == 1:
            share = self.concurrency
        elif given:
            without = sum(1 for _, own in split if own is None)
            share = max(1, (self.concurrency - sum(own or 0 for _, own in split)) // max(1, without))
        else:
            share = DEFAULT_CONCURRENCY
        return [EndpointSpec(url, own or share, url_identity(url)) for url, own in split]

    @property
    def several_endpoints(self) -> bool:
        return isinstance(self.base_url, list)

    def endpoint_identity(self) -> str:
        """The endpoint as the cache and the records name it, safe to log and to hash: the base URL without
        credentials, query or fragment; for several replicas (or whenever given) `endpoint_name`, else their
        sorted URLs, so the identity does not depend on which replica answers."""
        if self.endpoint_name:
            return self.endpoint_name
        return ",".join(sorted(spec.identity for spec in self.endpoints()))


@dataclass(frozen=True)
class EndpointSpec:
    """One endpoint of a run: the base URL given to the SDK (without the `#concurrency=N` fragment), the most
    requests in flight at once there, and its identity (no credentials, query or fragment)."""

    url: str
    concurrency: int
    identity: str


def url_identity(url: str) -> str:
    """The base URL without credentials, query or fragment: safe to log and to hash."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def _split_concurrency(url: str) -> tuple[str, int | None]:
    """The URL without a `#concurrency=N` fragment, and N (None without one; 1 to MAX_CONCURRENCY)."""
    base, hash_, fragment = url.partition("#")
    found = _CONCURRENCY_FRAGMENT.match(fragment) if hash_ else None
    if not found:
        return url, None
    value = int(found.group(1))
    if not 1 <= value <= MAX_CONCURRENCY:
        raise ValueError(f"endpoint {url_identity(base)}: concurrency must be 1 to {MAX_CONCURRENCY} (got {value})")
    return base, value


class RunSettings(LLMSettings):
    """A run's settings: the endpoint's (LLMSettings), and what the run does around it: the incident database it
    writes and the pre-filter. One flat set of names for both: the config file's keys and the `EXTRACT_<NAME>`
    variables are the same as ever. `resolve_settings` returns these."""

    # `extract run --db`: the incident database to write (an SQLite file, or a postgresql:// URL whose password is
    # never shown: not in this repr, nor in any message, which shows `store.pg.redact`'s form)
    db: str | None = Field(default=None, repr=False)
    prefilter: bool = False  # send only articles the cheap relevance check does not rule out


def config_path(path: str | None) -> str | None:
    """The config file in force: `path`, else $EXTRACT_CONFIG, else ./extract.toml when it exists."""
    return path or os.environ.get("EXTRACT_CONFIG") or ("extract.toml" if Path("extract.toml").is_file() else None)


def load_config_file(path: str | None) -> dict[str, Any]:
    """The TOML config as a dict ({} when there is none); unknown names are refused."""
    chosen = config_path(path)
    if not chosen:
        return {}
    try:
        with open(chosen, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {chosen}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {chosen} is not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {chosen} is not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {chosen}: {exc.strerror or exc}") from None
    unknown = sorted(set(data) - set(RunSettings.model_fields))
    if unknown:
        raise ConfigError(f"config file {chosen}: unknown setting(s) {', '.join(unknown)}")
    return data


def _validated(
    values: dict[str, Any], source: str, *, with_env: bool = True, env_source: dict[str, str] | None = None
) -> RunSettings:
    """Validated settings; an error names the setting and where its value came from (`env_source`: the
    environment variable of each setting the environment gave, when `values` did not)."""
    try:
        return RunSettings(**values) if with_env else RunSettings.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = error_location(first, "settings")
        shown = "" if "api_key" in name.lower() else f" (got {first.get('input')!r})"
        field = _field_of(str(first["loc"][0])) if first["loc"] else None
        if env_source and field in env_source and field not in values:
            source = f"environment variable {env_source[field]}"
        raise ConfigError(f"setting {name}: {first['msg']}{shown}; from {source}") from None


def _field_of(name: str) -> str:
    """The setting a validation error's location names (an alias such as OPENAI_BASE_URL, or the field)."""
    for field, info in RunSettings.model_fields.items():
        aliases = info.validation_alias.choices if isinstance(info.validation_alias, AliasChoices) else []
        if name == field or name in [str(a) for a in aliases]:
            return field
    return name


def resolve_settings(cli: dict[str, Any], config_path_: str | None = None) -> tuple[RunSettings, str | None]:
    """Settings from CLI values (None = not given), env and config file; and a notice when the baseline was chosen.

    With no model, no endpoint and no key anywhere, the offline baseline is used.
    """
    file_values = load_config_file(config_path_)
    chosen = config_path(config_path_)
    if file_values:  # a bad file value is named as such
        _validated(file_values, f"config file {chosen}", with_env=False)
    given = {k: v for k, v in cli.items() if v is not None}
    # The environment sits between the two: pydantic-settings reads it under init values, so the file's values
    # are only passed for names that neither an option nor the environment sets.
    env_set = _env_names()
    merged = {k: v for k, v in file_values.items() if k not in env_set} | given
    settings = _validated(merged, "options", env_source=env_set)
    remember_secret(settings.api_key)  # never shown: logs and errors hide it from here on (errors.scrub)
    notice = None
    if settings.model is None:
        if settings.base_url is None and settings.api_key is None:
            settings.model = BASELINE_MODEL
            notice = (
                "No LLM configured: using the offline baseline extractor (rules, no model). "
                "To use an LLM, pass --model and --base-url, or set OPENAI_API_KEY / OPENAI_BASE_URL."
            )
        elif settings.base_url is None:
            settings.model = DEFAULT_OPENAI_MODEL
        else:
            raise ConfigError(f"--model is required with endpoint {settings.endpoint_identity()}")
    elif not settings.is_baseline and settings.base_url is None and settings.api_key is None:
        raise ConfigError(
            f"model {settings.model} has no endpoint: no API key and no base URL; set OPENAI_API_KEY (for "
            "api.openai.com) or give --base-url (a local or other OpenAI-compatible server)"
        )
    return settings, notice


def _env_names() -> dict[str, str]:
    """Setting names that the environment sets, each with the variable that sets it."""
    names = {}
    for name, field in RunSettings.model_fields.items():
        aliases = field.validation_alias.choices if isinstance(field.validation_alias, AliasChoices) else []
        candidates = [str(a) for a in aliases] or [f"EXTRACT_{name.upper()}"]
        found = [c for c in candidates if os.environ.get(c)]
        if found:
            names[name] = found[0]
    return names
