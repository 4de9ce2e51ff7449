"""Choosing the backend that turns articles into incidents: the offline baseline or the LLM client."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..backend import Backend
from ..errors import ConfigError

if TYPE_CHECKING:
    from ..llm import ExampleSource, ModeMemory, PromptTemplate
    from ..settings import LLMSettings


def create_backend(
    settings: LLMSettings,
    prompt: PromptTemplate,
    modes: ModeMemory | None = None,
    examples: ExampleSource | None = None,
) -> Backend:
    """The baseline for `--model baseline`, else the OpenAI-compatible client under the settings' strategy (each
    imported only when chosen); the hybrid strategy's candidates come from the baseline."""
    if settings.is_baseline:
        from ..baseline import BaselineBackend

        if settings.strategy != "one-call":
            raise ConfigError(f"--strategy {settings.strategy} asks an LLM: give --model and --base-url (the "
                              "offline baseline has no strategies)")  # fmt: skip
        return BaselineBackend()
    from ..llm import OpenAICompatBackend
    from .strategies import with_strategy

    llm = OpenAICompatBackend(settings, prompt, modes, examples)
    if settings.strategy.startswith("hybrid"):
        from ..baseline import BaselineBackend

        return with_strategy(llm, settings.strategy, proposer=BaselineBackend())
    return with_strategy(llm, settings.strategy)
