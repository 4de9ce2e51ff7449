"""Settings: command-line values over environment variables over an optional TOML config file.

The config file (`--config FILE`, or `$EXTRACT_CONFIG`, or `./extract.toml` when present) holds the same
names as the options, e.g.:

    model = "gpt-4o-mini"
    base_url = "http://127.0.0.1:8000/v1"
    api_key = "..."            # better: OPENAI_API_KEY in the environment
    structured_output = "auto"
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .errors import ConfigError

MODES = ("json_schema", "json_object_schema", "json_object", "prompt")
BASELINE_MODEL = "baseline"
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"


@dataclass
class LLMSettings:
    """How to reach and drive an OpenAI-compatible endpoint. `api_key` is never logged or cached."""

    model: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    structured_output: str = "auto"
    temperature: float = 0.0
    max_tokens: int = 2048
    timeout: float = 120.0
    max_attempts: int = 6
    max_reasks: int = 2
    max_input_chars: int = 24000
    retry_initial_wait: float = 1.0
    retry_max_wait: float = 60.0
    rpm: int | None = None
    tpm: int | None = None
    concurrency: int = 4

    @property
    def is_baseline(self) -> bool:
        return self.model == BASELINE_MODEL

    def endpoint_identity(self) -> str:
        """The base URL without credentials, query or fragment: safe to log and to hash."""
        parts = urlsplit(self.base_url or "https://api.openai.com/v1")
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))

    def __repr__(self) -> str:
        shown = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "api_key"}
        return f"LLMSettings({shown}, api_key={'set' if self.api_key else 'unset'})"


def load_config_file(path: str | None) -> dict[str, Any]:
    """The TOML config as a dict; {} when no file is named and ./extract.toml does not exist."""
    chosen = path or os.environ.get("EXTRACT_CONFIG") or ("extract.toml" if Path("extract.toml").is_file() else None)
    if not chosen:
        return {}
    try:
        with open(chosen, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {chosen}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {chosen} is not valid TOML: {exc}") from None
    known = {f.name for f in fields(LLMSettings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"config file {chosen}: unknown setting(s) {', '.join(unknown)}")
    return data


def resolve_settings(cli: dict[str, Any], config_path: str | None = None) -> tuple[LLMSettings, str | None]:
    """Settings from CLI values (None = not given), env and config file; and a notice when the baseline was chosen.

    With no model, no endpoint and no key anywhere, the offline baseline is used.
    """
    file_values = load_config_file(config_path)
    env_values = {
        "base_url": os.environ.get("OPENAI_BASE_URL"),
        "api_key": os.environ.get("OPENAI_API_KEY"),
        "model": os.environ.get("EXTRACT_MODEL"),
    }
    merged: dict[str, Any] = {}
    for source in (file_values, env_values, cli):
        merged.update({k: v for k, v in source.items() if v is not None})
    settings = LLMSettings(**merged)
    if settings.structured_output not in ("auto", *MODES):
        raise ConfigError(f"--structured-output must be auto or one of {', '.join(MODES)}")
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
    return settings, notice
