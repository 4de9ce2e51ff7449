"""The requests of the multi-step extraction strategies (pipeline/strategies.py): what each asks, in which shape.

- enumerate: list the distinct attacks an article reports, one line each (what, where, when, the sentence that
  says so); a short reply, a narrow task.
- fill: the extraction prompt for the whole article, with one listed attack named as the anchor: exactly that
  incident comes back.
- hybrid: the extraction prompt's rules, the article's excerpts around the rules' candidates, and the candidates:
  the model confirms, corrects, rejects or adds.

The step prompts are files of `prompts/` (`strategy-*.md`), hashed into the cache identity like any prompt. The
fill and hybrid prompts reuse the extraction prompt's system section unchanged, so a server that caches a static
prompt prefix (llama.cpp) reuses it across steps and articles.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..models import Article, Incident
from .prompts import PromptTemplate, article_values, fill_placeholders, load_prompt, render
from .replies import ReplyShape, parse_reply

ENUMERATE_CAP = 8  # attacks listed per article (more are cut, with a warning)
STEP_PROMPTS = ("strategy-enumerate", "strategy-fill", "strategy-hybrid")


class AttackMention(BaseModel):
    """One attack as the enumeration step lists it."""

    model_config = ConfigDict(extra="forbid")
    what: str = Field(description="What happened, in a few words.")
    where: str | None = Field(description="Where, as the article names it; null if not named.")
    when: str | None = Field(description="When, in the article's own words; null if not said.")
    sentence: str = Field(description="One sentence copied word for word from the article that reports it.")


class AttackList(BaseModel):
    model_config = ConfigDict(extra="forbid")
    attacks: list[AttackMention] = Field(description="The distinct attacks the article reports; [] if none.")


@lru_cache(maxsize=1)
def attack_list_schema() -> dict[str, Any]:
    import openai  # only when a step is sent

    schema = openai.pydantic_function_tool(AttackList)["function"]["parameters"]
    schema["properties"]["attacks"]["maxItems"] = ENUMERATE_CAP
    return schema


def _attack_list_format(mode: str) -> dict[str, Any]:
    if mode == "json_schema":
        return {"response_format": {"type": "json_schema", "json_schema": {
            "name": "attack_list", "schema": attack_list_schema(), "strict": True}}}  # fmt: skip
    if mode == "json_object_schema":
        return {"response_format": {"type": "json_object", "schema": attack_list_schema()}}
    if mode == "json_object":
        return {"response_format": {"type": "json_object"}}
    return {}


ATTACK_LIST = ReplyShape("attack_list", lambda raw: parse_reply(raw, AttackList, "attacks"), _attack_list_format)


@lru_cache(maxsize=None)
def step_prompt(name: str) -> PromptTemplate:
    return load_prompt(name)


def steps_hash() -> str:
    """The step prompts' content, for the cache identity of a multi-step strategy."""
    joined = "\n".join(step_prompt(name).hash for name in STEP_PROMPTS)
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


def enumerate_messages(article: Article, text: str) -> list[dict[str, str]]:
    sections = step_prompt("strategy-enumerate").sections()
    values = article_values(article, text) | {
        "cap": str(ENUMERATE_CAP),
        "schema": json.dumps(attack_list_schema(), separators=(",", ":")),
    }
    return [{"role": "system", "content": fill_placeholders(sections["system"], values)},
            {"role": "user", "content": fill_placeholders(sections["user"], values)}]  # fmt: skip


def fill_messages(
    template: PromptTemplate, article: Article, text: str, attack: AttackMention, examples: str = ""
) -> list[dict[str, str]]:
    base = render(template, article, text, examples)
    sections = step_prompt("strategy-fill").sections()
    values = {
        "base_system": base[0]["content"],
        "base_user": base[1]["content"],
        "what": attack.what,
        "where": attack.where or "not named",
        "when": attack.when or "not said",
        "sentence": attack.sentence.replace('"', "'"),
    }
    return [{"role": "system", "content": fill_placeholders(sections["system"], values)},
            {"role": "user", "content": fill_placeholders(sections["user"], values)}]  # fmt: skip


def candidate_line(incident: Incident) -> str:
    """A candidate as one compact JSON line: the fields the model checks, its evidence."""
    fields = incident.model_dump(
        mode="json", include={"summary", "date", "date_text", "country", "region", "location", "attack_type",
                              "perpetrators", "killed", "wounded", "kidnapped", "evidence"},
    )  # fmt: skip
    return json.dumps({k: v for k, v in fields.items() if v not in (None, [], "")}, ensure_ascii=False)


def hybrid_messages(
    template: PromptTemplate, article: Article, excerpts: str, candidates: list[Incident], examples: str = ""
) -> list[dict[str, str]]:
    base = render(template, article, "", examples)
    sections = step_prompt("strategy-hybrid").sections()
    values = article_values(article, "") | {
        "base_system": base[0]["content"],
        "excerpts": excerpts,
        "candidates": "\n".join(candidate_line(c) for c in candidates) or "(none)",
    }
    return [{"role": "system", "content": fill_placeholders(sections["system"], values)},
            {"role": "user", "content": fill_placeholders(sections["user"], values)}]  # fmt: skip
