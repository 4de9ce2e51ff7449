"""Versioned prompt templates from `prompts/`: loading, hashing, rendering into chat messages."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError
from ..resources import data_dir

if TYPE_CHECKING:  # annotations only: `extract --help` reads DEFAULT_PROMPT without loading pydantic
    from ..models import Article

DEFAULT_PROMPT = "extract-v2"  # measured best on the golden set: docs/prompt-iteration.md
STEP_PREFIX = "strategy-"
_SECTION = re.compile(r"^--- (system|user) ---$", re.MULTILINE)


@dataclass(frozen=True)
class PromptTemplate:
    """A prompt file: `--- system ---` and `--- user ---` sections with {{placeholders}}."""

    name: str
    text: str

    @property
    def uses_examples(self) -> bool:
        """True when the template has an {{examples}} placeholder (few-shot from the golden set)."""
        return "{{examples}}" in self.text

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:16]

    def sections(self) -> dict[str, str]:
        parts = _SECTION.split(self.text)
        return {parts[i]: parts[i + 1].strip("\n") for i in range(1, len(parts) - 1, 2)}


def list_prompts(directory: Path | None = None) -> list[str]:
    """Names of the extraction prompt templates in `directory` (default: the shipped `prompts/`); the step prompts
    of the extraction strategies (`strategy-*.md`, see llm/steps.py) are not extraction prompts of their own."""
    found = (directory or data_dir("prompts")).glob("*.md")
    return sorted(p.stem for p in found if not p.stem.startswith(STEP_PREFIX))


def load_prompt(name: str = DEFAULT_PROMPT, directory: Path | None = None) -> PromptTemplate:
    """A prompt by name (file stem in `prompts/`) or by path."""
    directory = directory or data_dir("prompts")
    path = Path(name) if name.endswith(".md") else directory / f"{name}.md"
    if not path.is_file():
        raise ConfigError(f"prompt {name!r} not found (available: {', '.join(list_prompts(directory)) or 'none'})")
    template = PromptTemplate(name=path.stem, text=path.read_text(encoding="utf-8"))
    if set(template.sections()) != {"system", "user"}:
        raise ConfigError(f"prompt {path} needs a '--- system ---' and a '--- user ---' section")
    return template


def fit_budget(text: str, max_chars: int) -> tuple[str, str | None]:
    """The text cut at the last paragraph boundary within `max_chars`, and a warning when it was cut."""
    if len(text) <= max_chars:
        return text, None
    cut = text.rfind("\n\n", 0, max_chars)
    kept = text[: cut if cut > 0 else max_chars]
    return kept, f"article truncated to {len(kept)} of {len(text)} characters (input budget {max_chars})"


def calendar(published: dt.date, days: int = 7) -> str:
    """The week before publication, one weekday per line, for resolving "on Sunday" without arithmetic."""
    lines = [
        f"- {published - dt.timedelta(days=n):%A} = {published - dt.timedelta(days=n):%Y-%m-%d}" for n in range(days)
    ]
    return "Calendar (publication day first):\n" + "\n".join(lines)


def fill_placeholders(section: str, values: dict[str, str]) -> str:
    """`{{name}}` replaced by `values[name]` (unknown names are left as they are)."""
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values.get(m[1], m[0]), section)


def article_values(article: Article, text: str) -> dict[str, str]:
    """The placeholders every prompt may use for an article."""
    return {
        "calendar": calendar(article.published.date()) if article.published else "",
        "title": article.title,
        "published": article.published.strftime("%A %Y-%m-%d %H:%M %z") if article.published else "unknown",
        "text": text,
    }


EXAMPLES_LEAD = "Worked examples from hand-labelled articles (different articles from the one to extract):"


def render(template: PromptTemplate, article: Article, text: str, examples: str = "") -> list[dict[str, str]]:
    """Chat messages for one article; `text` is the article text after the input budget."""
    from .schema import schema_for_prompt  # imports openai: only when a prompt is rendered

    values = {
        "examples": examples,
        "calendar": calendar(article.published.date()) if article.published else "",
        "schema": schema_for_prompt(),
        "title": article.title,
        "published": article.published.strftime("%A %Y-%m-%d %H:%M %z") if article.published else "unknown",
        "text": text,
    }
    sections = template.sections()

    def fill(section: str) -> str:
        return fill_placeholders(section, values)

    user = fill(sections["user"])
    if examples and "{{examples}}" not in template.text:  # examples chosen per article: after the static prefix
        user = f"{EXAMPLES_LEAD}\n{examples}\n\nNow the article to extract.\n\n{user}"
    if article.part:  # one window of a long article: say where it sits, after the article (the prefix stays static)
        user += "\n\n" + part_note(*article.part)
    return [
        {"role": "system", "content": fill(sections["system"])},
        {"role": "user", "content": user},
    ]


def part_note(n: int, of: int) -> str:
    """The position note of window `n` of `of` (see pipeline/windows.py)."""
    return (
        f"Note: the text above is part {n} of {of} of a longer article, split at paragraph boundaries; consecutive "
        "parts overlap by one paragraph. The title and publication date are the whole article's. Report the "
        "incidents this part describes; an incident reported in several parts will be merged afterwards."
    )
