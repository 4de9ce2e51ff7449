"""How a run is configured, as plain values: setting values (None where not given; the environment and the config
file fill in the rest), the config file, the prompt and the cache; and the backend they make."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..llm.prompts import DEFAULT_PROMPT

if TYPE_CHECKING:
    from ..backend import Backend
    from ..feeds import FetchLimits
    from ..llm.prompts import PromptTemplate
    from ..pipeline.cache import ResultCache
    from ..settings import RunSettings


@dataclass
class Prepared:
    """Resolved settings, the prompt template and the opened cache of a run."""

    settings: RunSettings
    template: PromptTemplate
    cache: ResultCache


@dataclass
class Setup:
    """A run's configuration before it is resolved (the CLI's shared options; a service's request body)."""

    settings: dict[str, Any] = field(default_factory=dict)  # setting name -> value; None: not given
    config: str | None = None  # TOML config file (default $EXTRACT_CONFIG or ./extract.toml)
    prompt: str = DEFAULT_PROMPT
    cache_dir: Path | None = None
    no_cache: bool = False  # neither read nor write the cache
    refresh: bool = False  # ignore cached results but store the new ones

    def resolve(self) -> tuple[RunSettings, str | None]:
        """The settings, and a notice when the offline baseline was chosen."""
        from ..settings import resolve_settings

        return resolve_settings(self.settings, self.config)

    def fetch_limits(self) -> FetchLimits:
        """The bounds on fetching a feed URL (settings fetch_timeout, max_feed_bytes), resolved quietly."""
        from ..feeds import FetchLimits

        settings, _ = self.resolve()
        return FetchLimits(timeout=settings.fetch_timeout, max_bytes=settings.max_feed_bytes)

    def prepare(self, notice: Callable[[str], None] | None = None) -> Prepared:
        """Settings (their notice, if any, to `notice`), prompt template and cache of a run that extracts."""
        from ..llm.prompts import load_prompt
        from ..pipeline.cache import ResultCache

        settings, said = self.resolve()
        if said and notice:
            notice(said)
        template = load_prompt(self.prompt)
        cache = ResultCache(self.cache_dir, read=not (self.no_cache or self.refresh), write=not self.no_cache)
        return Prepared(settings, template, cache)


def build_backend(settings: RunSettings, template: PromptTemplate, cache: ResultCache | None) -> Backend:
    """The backend of these settings, with its few-shot examples (evaluation.fewshot.examples_for)."""
    from ..evaluation.fewshot import examples_for
    from ..pipeline.backends import create_backend

    return create_backend(settings, template, cache, examples_for(settings.strategy, template.uses_examples))
