"""Runaway replies: a reply cut at max_tokens (finish reason "length") is its own failure, re-asked once with the
cause named and never asked afresh; cut replies and their tokens are counted; the schema sent bounds strings and
lists where the mode enforces them (not `maxLength` in strict json_schema)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from extractor.llm.replies import CUT_ECHO_CHARS
from extractor.llm.schema import ITEM_BOUNDS, QUOTE_CHARS, STRING_BOUNDS, extraction_schema, request_schema

from .conftest import COMPLETIONS, article_of, completion, echo, incident, records, request_json, run_cli
from .conftest import schema_objects as _objects

RUNAWAY = '{"incidents": [{"summary": "The article discusses the election. ' + "The election " * 400


def cut(content: str = RUNAWAY, completion_tokens: int = 2048) -> httpx.Response:
    """A reply the server stopped at max_tokens."""
    return completion(content, prompt_tokens=300, completion_tokens=completion_tokens, finish_reason="length")


def test_a_cut_reply_is_re_asked_once_naming_the_cause_and_counted(feed: str, httpx2_mock) -> None:
    served: dict[str, int] = {}

    def server(request: httpx.Request) -> httpx.Response:
        text = article_of(request)
        served[text] = served.get(text, 0) + 1
        return cut() if "Tillaberi" in text and served[text] == 1 else echo(request)

    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=server)

    result = run_cli(feed, "--concurrency", "1")

    assert result.exit_code == 0, result.output
    assert route.call_count == 3 + 1
    reask = request_json(next(c for c in route.calls[1:] if "Tillaberi" in article_of(c.request)))
    assert reask["messages"][-2]["role"] == "assistant"
    assert len(reask["messages"][-2]["content"]) <= CUT_ECHO_CHARS + 2, "the runaway is not sent back whole"
    last = reask["messages"][-1]["content"]
    assert "cut off at the token limit (2048 tokens)" in last and "at most 3 evidence quotes" in last
    assert "not valid JSON" not in last and "Unterminated" not in last
    record = records()["a1"]
    assert record.status == "ok" and record.provenance.reasks == 1 and record.provenance.attempts == 2
    assert record.provenance.cut_replies == 1 and record.provenance.cut_completion_tokens == 2048
    assert any("reply cut at max_tokens (2048) after 2048 tokens" in w for w in record.warnings)
    assert records()["a2"].provenance.cut_replies == 0
    assert "1 replies cut at max_tokens (2048 tokens)" in result.stderr


def test_a_reply_cut_twice_fails_the_article_without_a_third_runaway(feed: str, httpx2_mock) -> None:
    def server(request: httpx.Request) -> httpx.Response:
        return cut(completion_tokens=2000) if "Tillaberi" in article_of(request) else echo(request)

    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=server)

    result = run_cli(feed, "--concurrency", "1")

    assert result.exit_code == 1
    tillaberi = [c for c in route.calls if "Tillaberi" in article_of(c.request)]
    assert len(tillaberi) == 2, "one re-ask, no fresh attempts (max_attempts is 6, max_reasks 2)"
    assert route.call_count == 2 + 2
    record = records()["a1"]
    assert record.status == "failed" and "reply cut at max_tokens (2048) 2 time(s), 4000 completion tokens" in record.error
    assert record.raw_output == RUNAWAY
    assert record.provenance.cut_replies == 2 and record.provenance.cut_completion_tokens == 4000
    assert record.provenance.usage.completion_tokens == 4000
    assert "2 replies cut at max_tokens (4000 tokens)" in result.stderr


def test_without_re_asks_a_cut_reply_fails_at_once(feed: str, httpx2_mock) -> None:
    route = httpx2_mock.post(COMPLETIONS).mock(return_value=cut())
    Path("extract.toml").write_text("max_reasks = 0\n")

    result = run_cli(feed, "--concurrency", "1")

    assert result.exit_code == 1
    assert route.call_count == 3
    assert all(r.provenance.cut_replies == 1 and r.status == "failed" for r in records().values())


def test_a_cut_reply_then_invalid_ones_fails_with_the_cut_counted(feed: str, httpx2_mock) -> None:
    replies = iter([cut(completion_tokens=1500), completion("not json", prompt_tokens=10, completion_tokens=5)])

    def server(request: httpx.Request) -> httpx.Response:
        return next(replies) if "Tillaberi" in article_of(request) else echo(request)

    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=server)
    Path("extract.toml").write_text("max_reasks = 1\nmax_attempts = 2\n")

    result = run_cli(feed, "--concurrency", "1")

    assert result.exit_code == 1 and route.call_count == 2 + 2
    first = records()["a1"]
    assert first.status == "failed" and first.error.startswith("output still invalid after 1 re-ask(s)")
    assert first.provenance.cut_replies == 1 and first.provenance.cut_completion_tokens == 1500
    assert "cut off at the token limit" in request_json(route.calls[1])["messages"][-1]["content"]


def test_a_cut_reply_that_still_parses_is_kept(feed: str, httpx2_mock) -> None:
    def server(request: httpx.Request) -> httpx.Response:
        first = article_of(request).split("\n\n")[0]
        return cut(json.dumps({"incidents": [incident(first)]}), completion_tokens=90)

    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=server)

    result = run_cli(feed, "--concurrency", "1")

    assert result.exit_code == 0, result.output
    assert route.call_count == 3
    assert all(r.status == "ok" and r.provenance.cut_replies == 1 for r in records().values())


# --- the schema sent ---------------------------------------------------------------------------------------------


def _strings_and_arrays(schema: dict) -> tuple[list[dict], list[dict]]:
    strings, arrays = [], []

    def visit(node):
        if isinstance(node, dict):
            (strings if node.get("type") == "string" else arrays if node.get("type") == "array" else []).append(node)
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(schema)
    return strings, arrays


def test_json_object_schema_mode_sends_bounded_strings_and_lists(feed: str, httpx2_mock) -> None:
    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=echo)

    assert run_cli(feed, "--structured-output", "json_object_schema", "--concurrency", "1").exit_code == 0

    assert route.call_count == 3
    schema = request_json(route.calls[0])["response_format"]["schema"]
    incident_props = schema["$defs"]["Incident"]["properties"]
    assert incident_props["summary"]["maxLength"] == STRING_BOUNDS["summary"]
    assert incident_props["evidence"]["items"]["maxLength"] == QUOTE_CHARS
    assert incident_props["evidence"]["maxItems"] == 3 and incident_props["evidence"]["minItems"] == 1
    assert schema["properties"]["incidents"]["maxItems"] == ITEM_BOUNDS["incidents"]
    location = next(b for b in incident_props["location"]["anyOf"] if b["type"] == "string")
    assert location["maxLength"] == STRING_BOUNDS["location"], "the bound sits on the string branch of a nullable"
    strings, arrays = _strings_and_arrays(schema)
    assert all("maxLength" in s or "enum" in s for s in strings), "every free string is bounded"
    assert all("maxItems" in a for a in arrays)


def test_strict_json_schema_mode_gets_list_bounds_but_no_string_lengths(feed: str, httpx2_mock) -> None:
    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=echo)

    assert run_cli(feed, "--structured-output", "json_schema", "--concurrency", "1").exit_code == 0

    sent = request_json(route.calls[0])["response_format"]["json_schema"]
    assert sent["strict"] is True and route.call_count == 3
    assert "maxLength" not in json.dumps(sent["schema"])
    strings, arrays = _strings_and_arrays(sent["schema"])
    assert strings and arrays and all("maxItems" in a for a in arrays)
    for obj in _objects(sent["schema"]):  # still valid for strict mode
        assert obj["additionalProperties"] is False and set(obj["required"]) == set(obj["properties"])


def test_bounds_shape_the_request_only_never_the_validation(feed: str, httpx2_mock) -> None:
    """A long summary in prompt mode (nothing enforces the bound there) is not re-asked."""

    def server(request: httpx.Request) -> httpx.Response:
        first = article_of(request).split("\n\n")[0]
        long = incident(first, summary="A long summary. " * 40)
        return httpx.Response(200, json=json.loads(echo(request).content) | {
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": json.dumps({"incidents": [long]})}}]})  # fmt: skip

    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=server)

    assert run_cli(feed, "--structured-output", "prompt", "--concurrency", "1").exit_code == 0

    assert route.call_count == 3 and "response_format" not in request_json(route.calls[0])
    assert all(len(r.incidents[0].summary) > STRING_BOUNDS["summary"] for r in records().values())
    assert extraction_schema() != request_schema("json_object_schema"), "the shipped schema itself is unchanged"
