"""The Backend protocol: what the pipeline needs from anything that turns an article into incidents, and the
optional capabilities a backend may add (`CAPABILITIES`, read through `capability` and `supports`).

Required (`Backend`): name, model, cacheable, endpoint, mode, prompt_name, prompt_hash, cache_identity(),
extract(), aclose(). Optional, each with what its absence means:

    window_chars    characters read at once; a longer article is read window by window    absent: whole articles
    max_windows     the most windows one article is read in                               absent: 8
    article_budget  seconds for all of an article's work (--article-budget)                absent: no limit
    cost_of(usage)  the estimated USD of a usage (the price table)                        absent: 0 if unused, else unknown
    price, budget   the model's price and the run's --max-cost budget (set by attach_budget) absent: costs nothing, no cap
    settings,       the OpenAI-compatible endpoint's settings and prompt template: what a  absent: no Batch API
    prompt          Batch API run submits and collects with
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .models import Article, Incident, Spend, Usage

if TYPE_CHECKING:
    from .settings import LLMSettings

DEFAULT_MAX_WINDOWS = 8


@dataclass
class BackendResult:
    """Validated incidents for one article (before grounding), with what producing them cost."""

    incidents: list[Incident]
    spent: Spend = field(default_factory=Spend)
    mode: str | None = None

    # What it cost, read through (the spend is the one place it is kept).
    attempts = property(lambda self: self.spent.attempts)
    reasks = property(lambda self: self.spent.reasks)
    usage = property(lambda self: self.spent.usage)
    warnings = property(lambda self: self.spent.warnings)
    cut_replies = property(lambda self: self.spent.cut_replies)
    cut_completion_tokens = property(lambda self: self.spent.cut_completion_tokens)


class Backend(Protocol):
    """An extractor: the OpenAI-compatible client, or the offline baseline."""

    name: str
    model: str
    cacheable: bool  # False for backends cheaper to rerun than to cache (the baseline)
    endpoint: str | None
    mode: str | None  # the structured-output mode in use ("rules" for the baseline)
    prompt_name: str | None
    prompt_hash: str | None

    def cache_identity(self) -> dict[str, Any]:
        """Everything that changes the answer for a given article, and nothing secret."""
        ...

    async def extract(self, article: Article) -> BackendResult:
        """Incidents of one article; raises BackendError or ExtractionFailed."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


class Windowed(Protocol):
    """A backend that reads at most `window_chars` characters at once, in at most `max_windows` windows."""

    window_chars: int | None
    max_windows: int


class ArticleBudgeted(Protocol):
    """A backend with seconds for all of an article's work."""

    article_budget: float | None


class Priced(Protocol):
    """A backend that knows what its requests cost, and can carry a --max-cost budget."""

    price: Any  # llm.pricing.Price, or None when the price table does not know the model
    budget: Any  # llm.pricing.Budget, or None: no cap

    def cost_of(self, usage: Usage, *, batch: bool = False) -> float | None:
        """Estimated USD for `usage`; None when the price is not known."""
        ...


class Endpoint(Protocol):
    """A backend on an OpenAI-compatible endpoint: what a Batch API run needs."""

    settings: LLMSettings
    prompt: Any  # llm.prompts.PromptTemplate


# The optional capabilities, and the value a backend without one is read as.
CAPABILITIES: dict[str, Any] = {
    "window_chars": None,
    "max_windows": DEFAULT_MAX_WINDOWS,
    "article_budget": None,
    "cost_of": None,
    "price": None,
    "budget": None,
    "settings": None,
    "prompt": None,
}


def capability(backend: Any, name: str) -> Any:
    """The backend's optional capability `name` (one of CAPABILITIES), or what its absence means."""
    return getattr(backend, name, CAPABILITIES[name])


def supports(backend: Any, name: str) -> bool:
    """Whether the backend has the optional capability `name` (one of CAPABILITIES)."""
    if name not in CAPABILITIES:
        raise KeyError(f"{name!r} is not an optional backend capability")
    return hasattr(backend, name)
