"""The one place where the service reaches the extraction pipeline: settings resolved, prompt, cache, backend,
and one article in, one record out through `extract_one` (the same cache, checks and record as `extract run`).

Kept small on purpose: when the command-line run becomes a library function, only this module changes.
"""

from __future__ import annotations

from typing import Any

from ..models import Article, ArticleRecord
from ..settings import LLMSettings, resolve_settings


class Pipeline:
    """A backend and its cache for the service's lifetime."""

    def __init__(self, settings: LLMSettings, prompt: str | None = None, cache_dir=None, no_cache: bool = False):
        from ..evaluation.fewshot import examples_for
        from ..llm.prompts import DEFAULT_PROMPT, load_prompt
        from ..pipeline.backends import create_backend
        from ..pipeline.cache import ResultCache

        template = load_prompt(prompt or DEFAULT_PROMPT)
        self.settings = settings
        self.cache = ResultCache(cache_dir, read=not no_cache, write=not no_cache)
        examples = examples_for(settings.strategy, template.uses_examples)
        self.backend = create_backend(settings, template, self.cache, examples)

    @classmethod
    def from_options(cls, options: dict[str, Any], config_file: str | None = None, **kwargs: Any) -> Pipeline:
        settings, _ = resolve_settings({k: v for k, v in options.items()}, config_file)
        return cls(settings, **kwargs)

    def identity(self) -> dict[str, Any]:
        """What names this configuration's run in the database (as `extract run --db` registers it)."""
        from ..pipeline.article import run_identity

        return run_identity(self.backend) | {"backend": self.backend.name, "prompt_name": self.backend.prompt_name}

    async def extract(self, article: Article) -> ArticleRecord:
        """The record of one article; the pre-filter's skip when the setting is on. EndpointUnavailable and
        ConfigError come through (the endpoint is down or refuses us: the caller pauses, the article waits)."""
        from ..pipeline.article import extract_one, skipped_record
        from ..pipeline.prefilter import skip_reason

        reason = skip_reason(article) if self.settings.prefilter else None
        if reason:
            return skipped_record(article, self.backend, reason)
        return await extract_one(article, self.backend, self.cache)

    async def aclose(self) -> None:
        await self.backend.aclose()
        self.cache.close()
