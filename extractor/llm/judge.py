"""A strict yes/no question to the LLM: are two reports the same real-world event? (the events stage's adjudicator)

One question, `{"same_event": bool, "reason": str}`, asked through the extraction client's `ask()`: the same
rate limiter, circuit breaker, --max-cost budget, retries (transient failures, 429s with Retry-After), key
scrubbing and structured-output negotiation (a strict JSON schema first; a server that rejects it is asked in the
next mode, the schema stated in the system message), and the same re-asks while the answer is invalid.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ..backend import BackendResult
from ..errors import validation_text
from ..models import Usage
from ..settings import LLMSettings
from .client import OpenAICompatBackend
from .replies import InvalidOutput, ReplyShape, reply_json

SAME_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"same_event": {"type": "boolean"}, "reason": {"type": "string"}},
    "required": ["same_event", "reason"],
    "additionalProperties": False,
}
JUDGE_MAX_TOKENS = 300  # a yes or no and one sentence


class SameEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    same_event: bool
    reason: str


def _parse(raw: str) -> SameEvent:
    try:
        return SameEvent.model_validate(reply_json(raw))
    except ValidationError as exc:
        raise InvalidOutput("the answer does not match the schema: " + validation_text(exc)) from None


def _format(mode: str) -> dict[str, Any]:
    if mode == "json_schema":
        schema = {"name": "same_event", "schema": SAME_EVENT_SCHEMA, "strict": True}
        return {"response_format": {"type": "json_schema", "json_schema": schema}}
    if mode == "json_object_schema":
        return {"response_format": {"type": "json_object", "schema": SAME_EVENT_SCHEMA}}
    if mode == "json_object":
        return {"response_format": {"type": "json_object"}}
    return {}


SAME_EVENT = ReplyShape("same_event", _parse, _format)


class SameEventJudge:
    """Asks an OpenAI-compatible endpoint whether two reports are one event."""

    def __init__(self, settings: LLMSettings, client: Any = None) -> None:
        self.settings = settings
        self.model = settings.model or ""
        self.endpoint = settings.endpoint_identity()
        asked = settings.model_copy(update={"temperature": 0.0, "max_tokens": JUDGE_MAX_TOKENS})
        self.llm = OpenAICompatBackend(asked, None, client=client)  # its limiter, breaker and budget

    @property
    def budget(self) -> Any:
        return self.llm.budget

    @budget.setter
    def budget(self, value: Any) -> None:  # a --max-cost cap, shared with the run's other requests
        self.llm.budget = value

    async def ask(self, system: str, user: str) -> tuple[SameEvent, Usage]:
        """The answer, and what asking cost; raises BackendError or ExtractionFailed like an extraction."""
        system += "\nAnswer with JSON matching: " + json.dumps(SAME_EVENT_SCHEMA)
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        result = BackendResult(incidents=[])
        answer = await self.llm.ask(messages, SAME_EVENT, result, self.llm.deadline())
        return answer, result.spent.usage

    async def aclose(self) -> None:
        await self.llm.aclose()
