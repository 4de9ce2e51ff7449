"""Few-shot examples as the prompt sees them: what an example is, where examples come from, how they render.

The client only knows this interface; the pool that draws examples from a golden set lives with the
golden sets (`evaluation.fewshot`), so the production client never reads labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..models import Article


@dataclass(frozen=True)
class Example:
    """An article and the answer the model should give for it (JSON text)."""

    article: Article
    answer: str
    event_ids: frozenset[str]


class ExampleSource(Protocol):
    """Hands out examples for an article, never the article itself; `hash` identifies the pool for caching."""

    @property
    def hash(self) -> str: ...

    def for_article(self, article: Article) -> list[Example]: ...


def render_examples(examples: list[Example]) -> str:
    """The examples as text for a prompt's {{examples}} placeholder."""
    blocks = []
    for number, example in enumerate(examples, start=1):
        published = example.article.published.strftime("%A %Y-%m-%d") if example.article.published else "unknown"
        blocks.append(
            f"Example {number}\nTitle: {example.article.title}\nPublished: {published}\n<article>\n"
            f"{example.article.text}\n</article>\nAnswer:\n{example.answer}"
        )
    return "\n\n".join(blocks)
