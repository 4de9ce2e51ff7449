"""Reading what the model returns: lenient JSON parsing, schema validation, and the re-ask message."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import validation_text
from ..models import Extraction

M = TypeVar("M", bound=BaseModel)
_FENCE = re.compile(r"^\s*```(?:json|JSON)?\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)


@dataclass(frozen=True)
class ReplyShape:
    """What a request asks for: how its reply is parsed (raising InvalidOutput) and the response_format that
    asks for it in a structured-output mode."""

    name: str
    parse: Callable[[str], Any]
    response_format: Callable[[str], dict[str, Any]]


class InvalidOutput(ValueError):
    """The model's reply is not valid JSON or does not match the schema; `str()` is the re-ask text."""


def parse_extraction(raw: str) -> Extraction:
    """Validate a model reply, tolerating Markdown fences and prose around the JSON object."""
    data = reply_json(raw)
    if isinstance(data, list):
        data = {"incidents": data}
    try:
        return Extraction.model_validate(data)
    except ValidationError as exc:
        raise InvalidOutput(_describe(exc)) from None


def parse_reply(raw: str, model: type[M], list_key: str) -> M:
    """A reply validated as `model`; a bare JSON list is read as `{list_key: [...]}`."""
    data = reply_json(raw)
    if isinstance(data, list):
        data = {list_key: data}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidOutput(_describe(exc)) from None


def reply_json(raw: str) -> Any:
    """The JSON value of a reply, tolerating Markdown fences and prose around the JSON object."""
    text = raw.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    if not text.startswith(("{", "[")):
        start, end = text.find("{"), text.rfind("}")
        if start == -1 or end < start:
            raise InvalidOutput("the reply holds no JSON object")
        text = text[start : end + 1]
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidOutput(f"the reply is not valid JSON: {exc}") from None


def _describe(exc: ValidationError, limit: int = 12) -> str:
    lines = validation_text(exc, limit=limit, sep="\n", bullet="- ", more="\n- … and {n} more")
    return "the reply does not match the schema:\n" + lines


def reask_message(error: InvalidOutput) -> str:
    """The user message appended after an invalid reply."""
    return (
        f"Your previous reply was invalid: {error}\n"
        "Reply again with only the corrected JSON object, following the schema exactly."
    )


CUT_ECHO_CHARS = 200  # how much of a runaway reply is shown back to the model (not its thousands of tokens)


def cut_message(max_tokens: int) -> str:
    """The user message appended after a reply cut at the token limit: names the cause, not a JSON error."""
    return (
        f"Your previous reply was cut off at the token limit ({max_tokens} tokens) before the JSON object was "
        "complete: it was far too long. Reply again with a short JSON object: a one-sentence summary per incident, "
        "at most 3 evidence quotes of one sentence each, short names and descriptions, and never copy the article "
        'into a field. If the article reports no incident, reply {"incidents": []}.'
    )


# What to do after an invalid reply (the re-ask policy, shared by the synchronous client and batch runs).
REASK, REASK_CUT, AFRESH, FAIL, FAIL_CUT = "reask", "reask_cut", "afresh", "fail", "fail_cut"


def after_invalid(
    reasks: int, invalid: int, max_reasks: int, max_attempts: int, *, cut: bool = False, cut_reasked: bool = False
) -> str:
    """The next step after an invalid reply, given the re-asks made and the invalid replies met so far (this one
    included): a reply cut at max_tokens is re-asked once, naming the cause, never afresh (REASK_CUT, else
    FAIL_CUT); otherwise the model is shown its error while re-asks are left (REASK), then asked afresh, since a
    broken reply can be a flaky server's, up to `max_attempts` invalid replies (AFRESH), then the article fails."""
    if cut:
        return FAIL_CUT if cut_reasked or reasks >= max_reasks else REASK_CUT
    if reasks < max_reasks:
        return REASK
    return AFRESH if invalid < max_attempts else FAIL


def reask_turns(raw: str, error: InvalidOutput) -> list[dict[str, str]]:
    """The turns appended to re-ask: the invalid reply, and the error shown to the model."""
    return [{"role": "assistant", "content": raw}, {"role": "user", "content": reask_message(error)}]


def cut_turns(raw: str, max_tokens: int) -> list[dict[str, str]]:
    """The turns appended after a reply cut at max_tokens: its start, and the cause named."""
    echo = {"role": "assistant", "content": raw[:CUT_ECHO_CHARS] + " …"}
    return [echo, {"role": "user", "content": cut_message(max_tokens)}]
