"""The LLM backend: any OpenAI-compatible endpoint through the `openai` SDK (only this stage imports openai).

One extraction is: render the prompt, send it in the negotiated structured-output mode, retry transient
failures (tenacity: 5xx, timeouts, dropped connections, bounded by `max_attempts`; 429s wait for Retry-After
without spending attempts, bounded by the article's time budget), validate the reply and re-ask with the
validation error when it is invalid (`max_reasks`), then, since a broken reply may be a flaky server's, ask
afresh until `max_attempts` invalid replies. The SDK's own retries are off so the layers don't multiply.
Tokens of every request are counted, failed ones included. A circuit breaker stops the run when the endpoint
cannot answer at all, and a remembered structured-output mode that the server now rejects is renegotiated once.
With several endpoints (replicas of the model, `endpoints.py`) each request goes to the one with the most free
capacity, a failed request is asked again on another, and the run stops only when every endpoint is set aside.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Any, Protocol

import openai
from tenacity import AsyncRetrying, retry_if_exception, wait_exponential_jitter

from ..backend import BackendResult
from ..errors import (
    BackendError,
    BackendTimeout,
    ConfigError,
    ExtractionFailed,
    ModeRejected,
    RateLimited,
    remember_secret,
)
from ..models import Article, Spend, Usage
from ..settings import MODES, LLMSettings
from .examples import ExampleSource, render_examples
from .endpoints import Endpoint, EndpointPool
from .faults import scrub_key, translate
from .pricing import Budget, estimate_usage, lookup, price_table
from .prompts import PromptTemplate, fit_budget, render
from .replies import (
    AFRESH,
    FAIL_CUT,
    REASK,
    REASK_CUT,
    InvalidOutput,
    ReplyShape,
    after_invalid,
    cut_turns,
    parse_extraction,
    reask_turns,
)
from .schema import SCHEMA_NAME, bounds_hash, request_schema, schema_hash

FIRST_REQUEST_GRACE_S = 1.0  # an article whose budget went before its first request: that request's bound
MAX_RETRY_AFTER_S = 600.0  # a longer Retry-After is honoured only up to ten minutes


class _BudgetSpent(BackendTimeout):
    """The article's budget ran out before a request could be sent (after waiting for the rate limiter)."""


class _Tally:
    """Failed requests of one answer, across the endpoints it was asked at."""

    failures = 0


class ModeMemory(Protocol):
    """Remembers which structured-output mode an endpoint accepted (the pipeline's cache is one)."""

    def known_mode(self, endpoint_key: str) -> str | None: ...

    def remember_mode(self, endpoint_key: str, mode: str) -> None: ...


class OpenAICompatBackend:
    """Extraction through an OpenAI-compatible chat completions endpoint."""

    name = "openai"
    cacheable = True
    _sleep = staticmethod(asyncio.sleep)  # the wait between retries (tests record it instead of sleeping)

    def __init__(
        self,
        settings: LLMSettings,
        prompt: PromptTemplate | None,
        modes: ModeMemory | None = None,
        examples: ExampleSource | None = None,
        client: openai.AsyncOpenAI | None = None,
    ) -> None:
        if not settings.model:
            raise ConfigError("a model name is required")
        if prompt is not None and prompt.uses_examples and examples is None:
            raise ConfigError(f"prompt {prompt.name} uses few-shot examples but no golden example pool was given")
        self.examples = examples
        self.settings = settings
        self.model = settings.model
        self.endpoint = settings.endpoint_identity()
        self.prompt = prompt
        self.prompt_name, self.prompt_hash = (prompt.name, prompt.hash) if prompt else (None, None)  # None: ask() only
        self.window_chars, self.max_windows = settings.max_input_chars, settings.max_windows  # pipeline/windowed.py
        self.article_budget = settings.article_budget  # seconds for all of an article's work (pipeline/article.py)
        self.price = lookup(price_table(settings.prices, settings.price_file), self.model)  # None: unknown
        self.budget: Budget | None = None  # a --max-cost cap, shared by the run's requests
        remember_secret(settings.api_key)  # hidden from every log line, error and record from now on
        specs = settings.endpoints()
        several = len(specs) > 1
        self.endpoints = [
            Endpoint(spec, settings, (client if client and not several else None) or openai_client(
                settings, base_url=spec.url if settings.base_url else None), modes, several)
            for spec in specs
        ]  # fmt: skip
        self.pool = EndpointPool(self.endpoints)

    @property
    def mode(self) -> str:
        """The negotiated structured-output mode; of several endpoints, the least structured they use (the cache
        identity's mode: replicas normally agree)."""
        if not self.pool.several:
            return self.endpoints[0].mode
        modes = [e.mode for e in self.endpoints if e.confirmed] or [e.mode for e in self.endpoints]
        return max(modes, key=MODES.index)

    def cache_identity(self) -> dict[str, Any]:
        s = self.settings
        return {
            "backend": self.name,
            "model": self.model,
            "endpoint": self.endpoint,
            "prompt": self.prompt_hash,
            "schema": schema_hash(),
            "bounds": bounds_hash(),
            "mode": self.mode,
            "examples": self.examples.hash if self.examples else None,
            "params": {"temperature": s.temperature, "max_tokens": s.max_tokens, "max_input_chars": s.max_input_chars},
        }

    def cost_of(self, usage: Usage, *, batch: bool = False) -> float | None:
        """Estimated USD for `usage` at this model's price; None when the price table does not know the model."""
        if not (usage.prompt_tokens or usage.completion_tokens):
            return 0.0  # nothing sent, or answered from the cache
        return round(self.price.cost(usage, batch=batch), 8) if self.price else None

    async def aclose(self) -> None:
        for endpoint in self.endpoints:
            await endpoint.client.close()

    def deadline(self) -> float:
        """When an article started now must be finished (`--article-budget`)."""
        return time.monotonic() + self.settings.article_budget

    async def extract(self, article: Article) -> BackendResult:
        """One request (re-asked while invalid) for every incident of the article: the one-call strategy."""
        text, warning = fit_budget(article.text, self.settings.max_input_chars)
        examples = render_examples(self.examples.for_article(article)) if self.examples else ""
        messages = render(self.prompt, article, text, examples)
        result = BackendResult(incidents=[], spent=Spend(warnings=[warning] if warning else []))
        result.incidents = (await self.ask(messages, EXTRACTION, result, self.deadline())).incidents
        return result

    async def ask(self, messages: list[dict[str, str]], shape: ReplyShape, result: BackendResult, deadline: float):
        """The parsed answer to `messages` in `shape`: retried, re-asked with the validation error while invalid,
        asked afresh up to `max_attempts` invalid replies. Every request's attempts, usage and warnings are added
        to `result`; a failure carries them too."""
        history: list[dict[str, str]] = []
        spent = result.spent
        raw, invalid, cut_reasked = None, 0, False
        while True:
            cut_before = spent.cut_replies
            try:
                raw = await self._complete(messages + history, result, deadline, shape)
            except BackendError as exc:
                exc.spent = replace(spent)  # what the article spent up to the failure
                raise
            try:
                return shape.parse(raw)
            except InvalidOutput as exc:
                invalid, error = invalid + 1, exc
            s = self.settings
            cut = spent.cut_replies > cut_before  # a runaway reply
            step = after_invalid(spent.reasks, invalid, s.max_reasks, s.max_attempts, cut=cut, cut_reasked=cut_reasked)
            if step == FAIL_CUT:
                raise self._cut_failure(raw, result)
            if step == REASK_CUT:
                history, cut_reasked = cut_turns(raw, s.max_tokens), True
                spent.reasks += 1
            elif step == REASK:  # ask again, showing the model its error
                history = reask_turns(raw, error)
                spent.reasks += 1
            elif step == AFRESH:
                history = []
            else:
                break
        raise self._failure(
            f"output still invalid after {spent.reasks} re-ask(s) and {invalid} invalid replies: {error}", raw, result
        )

    def _cut_failure(self, raw: str | None, result: BackendResult) -> ExtractionFailed:
        return self._failure(
            f"reply cut at max_tokens ({self.settings.max_tokens}) {result.spent.cut_replies} time(s), "
            f"{result.spent.cut_completion_tokens} completion tokens: the model ran away "
            "(a field copying the article?)",
            raw,
            result,
        )

    @staticmethod
    def _failure(message: str, raw: str | None, result: BackendResult) -> ExtractionFailed:
        """The article's failure, carrying the last reply and everything it cost (cut replies included)."""
        return ExtractionFailed(message, last_output=raw, spent=replace(result.spent))

    async def _complete(
        self, messages: list[dict[str, str]], result: BackendResult, deadline: float, shape: ReplyShape
    ) -> str:
        """One answer; with several endpoints, a request that failed at one (5xx, timeout, no connection) is asked
        again at another right away, within the same `max_attempts` failures and the article's deadline."""
        if not self.pool.several:
            return await self._complete_on(self.endpoints[0], messages, result, deadline, shape, None)
        tally, avoid = _Tally(), None
        while True:
            endpoint = self.pool.pick(avoid)  # EndpointUnavailable when every endpoint is set aside
            probe = self.pool.probing(endpoint)
            endpoint.assigned += 1
            try:
                return await self._complete_on(endpoint, messages, result, deadline, shape, tally)
            except BackendError as exc:
                if isinstance(exc, _BudgetSpent) or not exc.transient or isinstance(exc, RateLimited):
                    raise
                if tally.failures >= self.settings.max_attempts or time.monotonic() >= deadline:
                    raise
                avoid = endpoint
            finally:
                endpoint.assigned -= 1
                if probe:
                    self.pool.settle_probe(endpoint)

    async def _complete_on(
        self,
        endpoint: Endpoint,
        messages: list[dict[str, str]],
        result: BackendResult,
        deadline: float,
        shape: ReplyShape,
        tally: _Tally | None,
    ) -> str:
        """One answer from `endpoint` in its negotiated mode; negotiates the mode first when it is not yet known,
        and once more when a mode remembered from an earlier run is rejected now."""
        where = f"endpoint {endpoint.url}" if self.pool.several else "endpoint"
        if endpoint.confirmed:
            try:
                return await self._complete_in_mode(endpoint, endpoint.mode, messages, result, deadline, shape, tally)
            except ModeRejected:
                if not endpoint.remembered:
                    raise
                async with endpoint.negotiation:
                    if endpoint.remembered:  # the first request to meet the rejection starts the renegotiation
                        result.spent.warnings.append(
                            f"{where} now rejects the remembered mode {endpoint.mode}; renegotiating"
                        )
                        endpoint.remembered, endpoint.confirmed, endpoint.chosen = False, False, None
        async with endpoint.negotiation:
            if not endpoint.confirmed:
                for mode in MODES[MODES.index(endpoint.mode) :]:
                    try:
                        raw = await self._complete_in_mode(endpoint, mode, messages, result, deadline, shape, tally)
                    except ModeRejected:
                        result.spent.warnings.append(f"{where} rejected structured-output mode {mode}")
                        continue
                    endpoint.remember(mode)
                    return raw
                raise BackendError(f"{where} rejected every structured-output mode")
        # Negotiated while this request waited for the lock: send it outside the lock, alongside the others.
        return await self._complete_in_mode(endpoint, endpoint.mode, messages, result, deadline, shape, tally)

    async def _complete_in_mode(
        self,
        endpoint: Endpoint,
        mode: str,
        messages: list[dict[str, str]],
        result: BackendResult,
        deadline: float,
        shape: ReplyShape,
        tally: _Tally | None = None,
    ) -> str:
        result.mode = mode
        tally = tally or _Tally()

        def stop(retry_state: Any) -> bool:
            """Attempts bound real failures; a 429 spends only time, bounded by the article's budget. Of several
            endpoints, a failure is asked again elsewhere (`_complete`) while another endpoint is available."""
            limited = isinstance(retry_state.outcome.exception(), RateLimited)
            tally.failures += not limited
            if tally.failures >= self.settings.max_attempts or time.monotonic() >= deadline:
                return True
            return self.pool.several and not limited and (
                not endpoint.available or self.pool.others_available(endpoint)
            )

        def wait(retry_state: Any) -> float:
            return min(self._wait(retry_state), max(0.0, deadline - time.monotonic()))

        retrying = AsyncRetrying(
            stop=stop,
            wait=wait,
            sleep=lambda seconds: self._sleep(seconds),
            retry=retry_if_exception(lambda e: isinstance(e, BackendError) and e.transient),
            reraise=True,
        )
        last: BackendError | None = None
        async for attempt in retrying:
            with attempt:
                if last is not None and time.monotonic() >= deadline:
                    raise last  # the budget ran out while waiting to retry: the article fails with the last error
                try:
                    return await self._request(mode, messages, result, deadline, shape, endpoint)
                except _BudgetSpent:
                    if last is not None:
                        raise last from None
                    raise
                except BackendError as exc:
                    last = exc
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, retry_state: Any) -> float:
        """Retry-After when the server sent one, else exponential backoff with jitter."""
        exc = retry_state.outcome.exception()
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            return min(exc.retry_after, MAX_RETRY_AFTER_S)
        s = self.settings
        backoff = wait_exponential_jitter(
            multiplier=s.retry_initial_wait, max=s.retry_max_wait, jitter=s.retry_initial_wait
        )
        return backoff(retry_state)

    async def _request(
        self,
        mode: str,
        messages: list[dict[str, str]],
        result: BackendResult,
        deadline: float | None = None,
        shape: ReplyShape | None = None,
        endpoint: Endpoint | None = None,
    ) -> str:
        """One request (to `endpoint`, by default the first), bounded as a whole (connect, wait, every byte of the
        reply) by `--timeout` and by what is left of the article's budget: a server that trickles its reply cannot
        keep it alive past either."""
        estimate = sum(len(m["content"]) for m in messages) // 4 + self.settings.max_tokens
        chars = sum(len(m["content"]) for m in messages)
        reserved = self.budget.reserve(estimate_usage(chars, self.settings.max_tokens)) if self.budget else 0.0
        before = time.monotonic()
        endpoint = endpoint or self.endpoints[0]
        async with endpoint.limiter.request(estimate):
            limit = self._time_limit(deadline, before, result.spent.attempts, reserved)
            result.spent.attempts += 1
            response = await self._send(endpoint, mode, messages, shape or EXTRACTION, limit, reserved)
        endpoint.limiter.succeeded()
        endpoint.breaker.succeeded()
        endpoint.answered += 1
        if self.pool.several:
            result.spent.answered_by.append(endpoint.url)
        return self._read(response, reserved, result)

    def _refund(self, reserved: float) -> None:
        """A request that was not answered is not billed: its reservation in the --max-cost budget goes."""
        if self.budget:
            self.budget.settle(reserved, Usage())

    def _time_limit(self, deadline: float | None, before: float, attempts: int, reserved: float) -> float:
        """Seconds the request may take: `--timeout`, or what is left of the article's budget when less; raises
        when nothing is left (a rate limit that held the request past the deadline, or the budget spent)."""
        timeout = self.settings.timeout
        left = deadline - time.monotonic() if deadline is not None else timeout
        if left <= 0 and attempts == 0:  # the budget went waiting for others (limiter, mode negotiation):
            left = FIRST_REQUEST_GRACE_S  # the article's first request still goes out, briefly bounded
        limit = min(timeout, left)
        if limit <= 0:
            self._refund(reserved)
            spent = f"article budget of {self.settings.article_budget:g} s spent (--article-budget)"
            if deadline is not None and before < deadline:  # the rate limiter held the request past it
                raise RateLimited(f"{spent} waiting for the rate limit", status=None)
            raise _BudgetSpent(spent)
        return limit

    async def _send(
        self,
        endpoint: Endpoint,
        mode: str,
        messages: list[dict[str, str]],
        shape: ReplyShape,
        limit: float,
        reserved: float,
    ) -> Any:
        """The completion, within `limit` seconds; a failure translated to our errors (key scrubbed), told to the
        rate limiter (429) or the circuit breaker, and its reservation refunded."""
        timeout = self.settings.timeout
        try:
            return await asyncio.wait_for(
                endpoint.client.chat.completions.create(
                    model=self.model,
                    messages=messages,  # type: ignore[arg-type]
                    temperature=self.settings.temperature,
                    max_tokens=self.settings.max_tokens,
                    **shape.response_format(mode),
                ),
                limit,
            )
        except asyncio.TimeoutError:
            self._refund(reserved)
            which = f"--timeout {timeout:g} s" if limit >= timeout else (
                f"what was left of the article budget, --article-budget {self.settings.article_budget:g} s"
            )
            error = BackendTimeout(f"request not answered in full within {limit:.3g} s ({which})")
            endpoint.breaker.failed(error)  # a lone endpoint's breaker counts only connections; replicas' count it
            raise error from None
        except asyncio.CancelledError:
            self._refund(reserved)
            raise
        except openai.APIError as exc:
            self._refund(reserved)  # a refused request is not billed
            error = scrub_key(translate(exc), self.settings.api_key)
            if isinstance(error, RateLimited):
                endpoint.limiter.throttled(error.retry_after)
            elif isinstance(error, BackendError):
                endpoint.breaker.failed(error)
            raise error from None

    def _read(self, response: Any, reserved: float, result: BackendResult) -> str:
        """The reply's content; its usage settled in the budget and added to `result`, a reply cut at max_tokens
        counted and said."""
        usage = usage_of(response)
        if self.budget:
            self.budget.settle(reserved, usage)
        if usage:
            result.spent.usage += usage
        choice = response.choices[0] if response.choices else None
        content = (choice.message.content or "") if choice else ""
        if choice is not None and choice.finish_reason == "length":
            tokens = usage.completion_tokens if usage else 0
            result.spent.cut_replies += 1
            result.spent.cut_completion_tokens += tokens
            result.spent.warnings.append(f"reply cut at max_tokens ({self.settings.max_tokens}) after {tokens} tokens")
        return content


def openai_client(
    settings: LLMSettings, *, sync: bool = False, max_retries: int = 0, base_url: str | None = None
) -> Any:
    """The one place an openai SDK client is made: the endpoint (`base_url`, else the settings' only one), the key
    (a placeholder when there is none) and the timeout from `settings`; the SDK's own retries off unless asked for
    (this stage retries requests itself)."""
    if base_url is None and settings.base_url is not None:
        specs = settings.endpoints()
        if len(specs) > 1:
            raise ConfigError(f"this command talks to one endpoint; --base-url was given {len(specs)} times")
        base_url = specs[0].url
    make = openai.OpenAI if sync else openai.AsyncOpenAI
    key = settings.api_key or "no-key"
    return make(api_key=key, base_url=base_url, max_retries=max_retries, timeout=settings.timeout)


def usage_of(response: Any) -> Usage | None:
    """A completion's usage, cached prompt tokens (`prompt_tokens_details.cached_tokens`) counted apart."""
    usage = getattr(response, "usage", None)
    if not usage:
        return None
    details = getattr(usage, "prompt_tokens_details", None)
    return Usage(
        prompt_tokens=usage.prompt_tokens or 0,
        completion_tokens=usage.completion_tokens or 0,
        total_tokens=usage.total_tokens or 0,
        cached_tokens=(getattr(details, "cached_tokens", None) or 0) if details else 0,
    )


def _response_format(mode: str) -> dict[str, Any]:
    """The request's response_format for a structured-output mode (the extraction schema)."""
    if mode == "json_schema":
        schema = {"name": SCHEMA_NAME, "schema": request_schema(mode), "strict": True}  # list bounds only
        return {"response_format": {"type": "json_schema", "json_schema": schema}}
    if mode == "json_object_schema":
        return {"response_format": {"type": "json_object", "schema": request_schema(mode)}}  # strings bounded too
    if mode == "json_object":
        return {"response_format": {"type": "json_object"}}
    return {}


EXTRACTION = ReplyShape("extraction", parse_extraction, _response_format)
