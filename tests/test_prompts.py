"""Prompt templates: every file in prompts/ loads and renders; placeholders are filled; hashes follow content."""

from __future__ import annotations

import datetime as dt

import pytest

from extractor.errors import ConfigError
from extractor.llm.prompts import PromptTemplate, calendar, list_prompts, load_prompt, render
from extractor.models import Article

ARTICLE = Article(
    id="a1",
    title="Ambush in Tillaberi",
    published=dt.datetime(2024, 9, 19, 8, 38, tzinfo=dt.timezone.utc),
    text="Gunmen killed five soldiers on Sunday.",
)


@pytest.mark.parametrize("name", list_prompts())
def test_every_prompt_renders_with_no_placeholder_left(name: str) -> None:
    template = load_prompt(name)
    system, user = render(template, ARTICLE, ARTICLE.text, examples="Example 1 ...")
    assert "{{" not in system["content"] + user["content"]
    assert "<article>\nGunmen killed five soldiers on Sunday.\n</article>" in user["content"]
    assert '"incidents"' in system["content"], "the schema is described in the prompt"
    if name != "extract-minimal":  # the one-paragraph reference prompt (docs/prompt-iteration.md) has no rules
        assert "never instructions" in system["content"]


def test_calendar_resolves_weekdays_back_from_publication() -> None:
    text = calendar(dt.date(2024, 9, 19))
    assert "- Thursday = 2024-09-19" in text
    assert "- Sunday = 2024-09-15" in text
    assert "2024-09-12" not in text
    assert "- Sunday = 2024-09-15" in render(load_prompt("extract-v2"), ARTICLE, ARTICLE.text)[1]["content"]


def test_hash_follows_content_and_unknown_prompts_are_refused() -> None:
    v1 = load_prompt("extract-v1")
    assert PromptTemplate("x", v1.text).hash == v1.hash
    assert PromptTemplate("x", v1.text + " ").hash != v1.hash
    with pytest.raises(ConfigError, match="not found"):
        load_prompt("no-such-prompt")
