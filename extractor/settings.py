"""Settings, typed and validated (pydantic-settings): command-line values over environment variables over an
optional TOML config file.

The config file (`--config FILE`, or `$EXTRACT_CONFIG`, or `./extract.toml` when present) holds the same
names as the options, e.g.:

    model = "gpt-4o-mini"
    base_url = "http://127.0.0.1:8000/v1"
    structured_output = "auto"
    concurrency = 8          # at most MAX_CONCURRENCY (256): more is a ConfigError
    fetch_timeout = 30       # seconds a feed URL's whole download may take (a total deadline, not per read)
    max_feed_bytes = 52428800  # a feed URL's body larger than this is refused

Environment: `EXTRACT_<NAME>` for every setting (`EXTRACT_MODEL`, `EXTRACT_CONCURRENCY`, ...), and the
OpenAI SDK's own `OPENAI_API_KEY` and `OPENAI_BASE_URL`. A wrong type or an unknown name is a ConfigError
naming the setting and where it came from. The API key is never shown: not in repr, logs or errors.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, Field, ValidationError
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
StructuredOutput = Literal["auto", "json_schema", "json_object_schema", "json_object", "prompt"]
Strategy = Literal["one-call", "enumerate", "hybrid"]  # how the LLM is asked (pipeline/strategies.py)


class LLMSettings(BaseSettings):
    """How to reach and drive an OpenAI-compatible endpoint, and the bounds on fetching feed URLs. `api_key` is
    never logged or cached. A run's settings add the database and the pre-filter: RunSettings."""

    model_config = SettingsConfigDict(env_prefix="EXTRACT_", extra="forbid", populate_by_name=True)

    model: str | None = None
    base_url: str | None = Field(default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "EXTRACT_BASE_URL"))
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
    concurrency: int = Field(default=4, ge=1, le=MAX_CONCURRENCY)  # more is refused: one line, exit 2
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

    @property
    def is_baseline(self) -> bool:
        return self.model == BASELINE_MODEL

    def endpoint_identity(self) -> str:
        """The base URL without credentials, query or fragment: safe to log and to hash."""
        parts = urlsplit(self.base_url or "https://api.openai.com/v1")
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


class RunSettings(LLMSettings):
    """A run's settings: the endpoint's (LLMSettings), and what the run does around it: the incident database it
    writes and the pre-filter. One flat set of names for both: the config file's keys and the `EXTRACT_<NAME>`
    variables are the same as ever. `resolve_settings` returns these."""

    db: str | None = None  # `extract run --db`: the incident database to write (SQLite)
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
