"""The Backend protocol: what the pipeline needs from anything that turns an article into incidents."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from .models import Article, Incident, Usage


@dataclass
class BackendResult:
    """Validated incidents for one article (before grounding), with what producing them cost."""

    incidents: list[Incident]
    attempts: int = 1
    reasks: int = 0
    usage: Usage = field(default_factory=Usage)
    mode: str | None = None
    warnings: list[str] = field(default_factory=list)
    cut_replies: int = 0  # replies cut at max_tokens (finish reason "length")
    cut_completion_tokens: int = 0  # and the completion tokens they cost


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
