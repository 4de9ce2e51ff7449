"""Backends turn an article into incidents: the OpenAI-compatible client or the offline baseline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Backend, BackendResult

if TYPE_CHECKING:
    from ..cache import ResultCache
    from ..config import LLMSettings
    from ..fewshot import ExamplePool
    from ..prompts import PromptTemplate


def create_backend(
    settings: LLMSettings,
    prompt: PromptTemplate,
    cache: ResultCache | None = None,
    examples: ExamplePool | None = None,
) -> Backend:
    """The baseline for `--model baseline`, else the OpenAI-compatible client."""
    if settings.is_baseline:
        from .baseline import BaselineBackend

        return BaselineBackend()
    from .openai_compat import OpenAICompatBackend

    return OpenAICompatBackend(settings, prompt, cache, examples)


__all__ = ["Backend", "BackendResult", "create_backend"]
