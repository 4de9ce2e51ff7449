"""The Batch API side of the client: the request lines (the same prompt, mode, schema and parameters as the
synchronous path), uploading them (`/v1/files`), creating and polling a batch (`/v1/batches`), and reading
the output and error files back into replies. Providers answer within 24 hours at half price.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import openai
from openai.types import CompletionUsage

from ..errors import BackendError, ConfigError
from ..models import Article, Usage
from .client import OpenAICompatBackend, _response_format, openai_client, usage_of
from .examples import render_examples
from .faults import scrub_key, translate
from .prompts import fit_budget, render

CHAT_URL = "/v1/chat/completions"
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})


def request_body(
    backend: OpenAICompatBackend, article: Article, history: list[dict[str, str]] | None = None
) -> tuple[dict[str, Any], list[str]]:
    """The chat request `backend.extract` would send first for `article` (plus a re-ask `history`), and the
    warnings of preparing it (an article cut to the input budget)."""
    settings = backend.settings
    text, warning = fit_budget(article.text, settings.max_input_chars)
    examples = render_examples(backend.examples.for_article(article)) if backend.examples else ""
    messages = render(backend.prompt, article, text, examples) + list(history or [])
    body = {
        "model": backend.model,
        "messages": messages,
        "temperature": settings.temperature,
        "max_tokens": settings.max_tokens,
        **_response_format(backend.mode),
    }
    return body, [warning] if warning else []


def request_line(custom_id: str, body: dict[str, Any]) -> str:
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": CHAT_URL, "body": body}, ensure_ascii=False)


@dataclass
class BatchReply:
    """One line of a batch's output or error file: the reply's content and usage, or why there is none."""

    custom_id: str
    content: str | None = None
    usage: Usage = field(default_factory=Usage)
    error: str | None = None
    truncated: bool = False


@dataclass
class BatchInfo:
    """What the server says about a batch."""

    id: str
    status: str
    total: int = 0
    completed: int = 0
    failed: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.status in TERMINAL


class BatchAPI:
    """Files and batches through the openai SDK; SDK errors become this package's errors, keys scrubbed."""

    def __init__(self, backend: OpenAICompatBackend, client: openai.OpenAI | None = None) -> None:
        settings = backend.settings
        self._key = settings.api_key
        self._client = client or openai_client(settings, sync=True, max_retries=3)

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except openai.APIError as exc:
            error = scrub_key(translate(exc), self._key)
            if isinstance(error, BackendError) and error.status == 404:
                raise ConfigError(f"the endpoint has no Batch API: {error}") from None
            raise error from None

    def submit(self, lines: list[str], metadata: dict[str, str] | None = None) -> BatchInfo:
        """Upload the request lines as one JSONL file and create a batch over them."""
        data = ("\n".join(lines) + "\n").encode()
        upload = self._call(
            self._client.files.create, file=("requests.jsonl", data, "application/jsonl"), purpose="batch"
        )
        batch = self._call(
            self._client.batches.create,
            input_file_id=upload.id,
            endpoint=CHAT_URL,
            completion_window="24h",
            metadata=metadata or None,
        )
        return _info(batch)

    def retrieve(self, batch_id: str) -> BatchInfo:
        return _info(self._call(self._client.batches.retrieve, batch_id))

    def replies(self, info: BatchInfo) -> dict[str, BatchReply]:
        """The replies of a finished batch by custom_id: output lines, then error-file lines."""
        found: dict[str, BatchReply] = {}
        for file_id in (info.output_file_id, info.error_file_id):
            if file_id:
                text = self._call(self._client.files.content, file_id).text
                for line in text.splitlines():
                    reply = parse_line(line)
                    if reply is not None:
                        found.setdefault(reply.custom_id, reply)
        return found

    def close(self) -> None:
        self._client.close()


def _info(batch: Any) -> BatchInfo:
    counts = batch.request_counts
    errors = [f"{e.code}: {e.message}" for e in (batch.errors.data or [])] if batch.errors else []
    return BatchInfo(
        id=batch.id,
        status=batch.status,
        total=counts.total if counts else 0,
        completed=counts.completed if counts else 0,
        failed=counts.failed if counts else 0,
        output_file_id=batch.output_file_id,
        error_file_id=batch.error_file_id,
        errors=errors,
    )


def parse_line(line: str) -> BatchReply | None:
    """One output/error file line as a reply (None for a line that is not JSON or has no custom_id)."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict) or not data.get("custom_id"):
        return None
    reply = BatchReply(custom_id=str(data["custom_id"]))
    response, error = data.get("response") or {}, data.get("error")
    body = response.get("body") if isinstance(response, dict) else None
    if error or response.get("status_code") != 200 or not isinstance(body, dict):
        detail = error or (body or {}).get("error") or {}
        message = detail.get("message") if isinstance(detail, dict) else str(detail)
        code = detail.get("code") if isinstance(detail, dict) else None
        reply.error = f"{code or 'HTTP ' + str(response.get('status_code'))}: {message or 'no answer'}"
        return reply
    choices = body.get("choices") or [{}]
    reply.content = ((choices[0].get("message") or {}).get("content")) or ""
    reply.truncated = choices[0].get("finish_reason") == "length"
    try:
        usage = CompletionUsage.model_validate(body.get("usage"))
    except ValueError:
        usage = None
    reply.usage = usage_of(SimpleNamespace(usage=usage)) or Usage()
    return reply
