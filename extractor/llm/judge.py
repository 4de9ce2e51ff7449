"""A strict yes/no question to the LLM: are two reports the same real-world event? (the events stage's adjudicator)

One chat completion with a strict JSON schema (`{"same_event": bool, "reason": str}`); a server that rejects
json_schema is asked once more in json_object mode with the schema in the prompt. Transient failures are retried like
extractions (tenacity, `max_attempts`, exponential backoff with jitter); errors are translated and scrubbed of keys.
"""

from __future__ import annotations

import json
from typing import Any

import openai
from pydantic import BaseModel, ConfigDict, ValidationError
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from ..errors import BackendError, ModeRejected
from ..models import Usage
from ..settings import LLMSettings
from .faults import scrub_key, translate

SAME_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"same_event": {"type": "boolean"}, "reason": {"type": "string"}},
    "required": ["same_event", "reason"],
    "additionalProperties": False,
}


class SameEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    same_event: bool
    reason: str


class SameEventJudge:
    """Asks an OpenAI-compatible endpoint whether two reports are one event."""

    def __init__(self, settings: LLMSettings, client: openai.AsyncOpenAI | None = None) -> None:
        self.settings = settings
        self.model = settings.model or ""
        self.endpoint = settings.endpoint_identity()
        self._client = client or openai.AsyncOpenAI(
            api_key=settings.api_key or "no-key", base_url=settings.base_url, max_retries=0, timeout=settings.timeout
        )

    async def ask(self, system: str, user: str) -> tuple[SameEvent, Usage]:
        try:
            return await self._ask(system, user, "json_schema")
        except ModeRejected:
            return await self._ask(system + "\nAnswer with JSON matching: " + json.dumps(SAME_EVENT_SCHEMA), user,
                                   "json_object")  # fmt: skip

    async def _ask(self, system: str, user: str, mode: str) -> tuple[SameEvent, Usage]:
        s = self.settings
        retrying = AsyncRetrying(
            stop=stop_after_attempt(s.max_attempts),
            retry=retry_if_exception(lambda e: getattr(e, "transient", False)),
            wait=wait_exponential_jitter(initial=s.retry_initial_wait, max=s.retry_max_wait),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                try:
                    response = await self._client.chat.completions.create(
                        model=self.model,
                        messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
                        temperature=0,
                        max_tokens=300,
                        response_format=_format(mode),  # type: ignore[arg-type]
                    )
                except openai.APIError as exc:
                    raise scrub_key(translate(exc), s.api_key) from None
        content = (response.choices[0].message.content or "") if response.choices else ""
        usage = response.usage
        spent = Usage(prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens,
                      total_tokens=usage.total_tokens) if usage else Usage()  # fmt: skip
        try:
            return SameEvent.model_validate_json(content.strip().removeprefix("```json").strip("`\n ")), spent
        except ValidationError:
            raise BackendError(f"the same-event answer is not valid JSON of the schema: {content[:200]!r}") from None

    async def aclose(self) -> None:
        await self._client.close()


def _format(mode: str) -> dict[str, Any]:
    if mode == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": "same_event", "schema": SAME_EVENT_SCHEMA, "strict": True}}
    return {"type": "json_object"}
