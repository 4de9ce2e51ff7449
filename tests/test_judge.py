"""The same-event judge asks through the extraction client: its retries, structured-output negotiation, re-asks and
--max-cost budget apply to the judge's requests too."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from extractor.errors import BudgetExceeded
from extractor.llm.judge import SAME_EVENT_SCHEMA, SameEventJudge
from extractor.llm.pricing import Budget, Price
from extractor.settings import LLMSettings

from .conftest import BASE_URL, COMPLETIONS, completion, request_json

YES = json.dumps({"same_event": True, "reason": "one blast"})


def _judge() -> SameEventJudge:
    return SameEventJudge(LLMSettings(model="judge-model", base_url=BASE_URL, api_key="k-12345678"))


def _ask(judge: SameEventJudge):
    async def go():
        try:
            return await judge.ask("Same event?", "report A ... report B ...")
        finally:
            await judge.aclose()

    return asyncio.run(go())


def test_a_server_error_is_retried_and_both_requests_are_counted(httpx2_mock, sleeps: list[float]) -> None:
    route = httpx2_mock.post(COMPLETIONS).mock(
        side_effect=[httpx.Response(503, json={"error": {"message": "busy"}}), completion(YES, 40, 5)]
    )
    answer, usage = _ask(_judge())
    assert answer.same_event is True and answer.reason == "one blast"
    assert route.call_count == 2 and len(sleeps) == 1, "retried after a wait, as extractions are"
    body = request_json(route.calls[1])
    assert body["model"] == "judge-model" and body["temperature"] == 0 and body["max_tokens"] == 300
    assert body["response_format"]["json_schema"]["schema"] == SAME_EVENT_SCHEMA
    assert usage.prompt_tokens == 40 and usage.completion_tokens == 5


def test_a_rejected_schema_mode_moves_to_the_next_mode_with_the_schema_in_the_prompt(httpx2_mock) -> None:
    def server(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content).get("response_format", {}).get("type") == "json_schema":
            return httpx.Response(400, json={"error": {"message": "json_schema is not supported"}})
        return completion(YES)

    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=server)
    answer, _ = _ask(_judge())
    assert answer.same_event is True and route.call_count == 2
    second = request_json(route.calls[1])
    assert second["response_format"]["type"] == "json_object"
    assert json.dumps(SAME_EVENT_SCHEMA) in second["messages"][0]["content"]


def test_an_invalid_answer_is_reasked_with_the_error(httpx2_mock) -> None:
    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=[completion('{"same_event": "perhaps"}'), completion(YES)])
    answer, _ = _ask(_judge())
    assert answer.same_event is True and route.call_count == 2
    reask = request_json(route.calls[1])["messages"]
    assert reask[-2]["content"] == '{"same_event": "perhaps"}' and "same_event" in reask[-1]["content"]


def test_the_judge_keeps_to_the_cost_cap(httpx2_mock) -> None:
    judge = _judge()  # no route: any request would fail the test as unmocked
    judge.budget = Budget(0.000001, Price(input=1000, output=1000))
    with pytest.raises(BudgetExceeded):
        _ask(judge)
    assert httpx2_mock.calls.call_count == 0, "refused before it was sent"
