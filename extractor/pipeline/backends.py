"""Choosing the backend that turns articles into incidents: the offline baseline or the LLM client."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..backend import Backend

if TYPE_CHECKING:
    from ..llm import ExampleSource, ModeMemory, PromptTemplate
    from ..settings import LLMSettings


def create_backend(
    settings: LLMSettings,
    prompt: PromptTemplate,
    modes: ModeMemory | None = None,
    examples: ExampleSource | None = None,
) -> Backend:
    """The baseline for `--model baseline`, else the OpenAI-compatible client (each imported only when chosen)."""
    if settings.is_baseline:
        from ..baseline import BaselineBackend

        return BaselineBackend()
    from ..llm import OpenAICompatBackend

    return OpenAICompatBackend(settings, prompt, modes, examples)
