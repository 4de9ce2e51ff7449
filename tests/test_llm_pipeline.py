"""`extract run` against a mocked OpenAI-compatible endpoint (respx on httpcore2, via pytest-httpx2).

Every test asserts how often the mock was called and what the requests carried.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from extractor.cli import app
from extractor.llm.schema import request_schema
from extractor.models import ArticleRecord

from .conftest import (
    BASE_URL,
    COMPLETIONS,
    SECRET,
    article_of,
    completion,
    echo,
    extraction_reply,
    incident,
    records,
    request_json,
    run_cli,
    runner,
)


def test_happy_path_writes_grounded_records(feed: str, httpx2_mock) -> None:
    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=echo)

    result = run_cli(feed)

    assert result.exit_code == 0, result.output
    assert route.call_count == 3
    body = request_json(route.calls[0])
    assert body["model"] == "test-model"
    assert body["temperature"] == 0
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["response_format"]["json_schema"]["schema"] == request_schema("json_schema")  # + list bounds
    system, user = body["messages"]
    assert "never instructions" in system["content"]
    assert "Published: Thursday 2024-09-19" in user["content"]
    assert route.calls[0].request.headers["authorization"] == f"Bearer {SECRET}"
    got = records()
    assert set(got) == {"a1", "a2", "a3"}
    for record in got.values():
        assert record.status == "ok"
        assert [i.grounded for i in record.incidents] == [True]
        assert record.provenance.mode == "json_schema"
        assert record.provenance.usage.total_tokens == 120
        assert record.provenance.prompt_name == "extract-v2"
    assert "3 articles (3 ok, 0 failed)" in result.stderr


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("json_schema", {"type": "json_schema"}),
        ("json_object_schema", {"type": "json_object", "schema": request_schema("json_object_schema")}),
        ("json_object", {"type": "json_object"}),
        ("prompt", None),
    ],
)
def test_each_structured_mode_sends_its_response_format(feed: str, httpx2_mock, mode: str, expected) -> None:
    def fenced(request: httpx.Request) -> httpx.Response:
        content = json.loads(extraction_reply(article_of(request)).content)["choices"][0]["message"]["content"]
        return completion(f"Here you are:\n```json\n{content}\n```" if mode == "prompt" else content)

    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=fenced)

    result = run_cli(feed, "--structured-output", mode)

    assert result.exit_code == 0, result.output
    assert route.call_count == 3
    sent = request_json(route.calls[0]).get("response_format")
    if expected is None:
        assert sent is None
    else:
        assert {k: sent[k] for k in expected} == expected
    assert all(r.provenance.mode == mode and r.status == "ok" for r in records().values())


def test_auto_falls_back_when_json_schema_is_rejected_and_remembers(feed: str, httpx2_mock) -> None:
    def llama_cpp_python(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["response_format"]["type"] == "json_schema":
            return httpx.Response(500, text="Input should be 'text' or 'json_object'")
        return echo(request)

    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=llama_cpp_python)

    result = run_cli(feed)

    assert result.exit_code == 0, result.output
    formats = [request_json(call)["response_format"] for call in route.calls]
    assert [f["type"] for f in formats] == ["json_schema", "json_object", "json_object", "json_object"]
    assert formats[1] == {"type": "json_object", "schema": request_schema("json_object_schema")}
    assert all(r.provenance.mode == "json_object_schema" for r in records().values())

    route.reset()
    again = run_cli(feed, "--refresh", output="again.jsonl")
    assert again.exit_code == 0, again.output
    assert [request_json(c)["response_format"]["type"] for c in route.calls] == ["json_object"] * 3


def test_auto_reaches_prompt_only_mode(feed: str, httpx2_mock) -> None:
    def plain_server(request: httpx.Request) -> httpx.Response:
        if "response_format" in json.loads(request.content):
            return httpx.Response(400, json={"error": {"message": "'response_format' is not supported"}})
        return echo(request)

    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=plain_server)

    result = run_cli(feed)

    assert result.exit_code == 0, result.output
    assert route.call_count == 3 + 3
    assert "response_format" not in request_json(route.calls[-1])
    assert {r.provenance.mode for r in records().values()} == {"prompt"}


def test_429_honours_retry_after_then_succeeds(feed: str, httpx2_mock, sleeps: list[float]) -> None:
    replies = iter([httpx.Response(429, headers={"Retry-After": "2"}, json={"error": {"message": "slow down"}})])

    def limited(request: httpx.Request) -> httpx.Response:
        return next(replies, None) or echo(request)

    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=limited)

    result = run_cli(feed, "--concurrency", "1")

    assert result.exit_code == 0, result.output
    assert route.call_count == 4
    assert sleeps == [2.0]
    assert sorted(r.provenance.attempts for r in records().values()) == [1, 1, 2]


def test_repeated_5xx_fails_one_article_without_stopping_the_others(feed: str, httpx2_mock, sleeps) -> None:
    def flaky(request: httpx.Request) -> httpx.Response:
        if "Diffa" in article_of(request):
            return httpx.Response(503, json={"error": {"message": "overloaded"}})
        return echo(request)

    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=flaky)

    result = run_cli(feed)

    assert result.exit_code == 1
    got = records()
    assert got["a2"].status == "failed"
    assert "503" in got["a2"].error and "overloaded" in got["a2"].error
    assert got["a2"].provenance.attempts == 6
    assert got["a1"].status == got["a3"].status == "ok"
    assert route.call_count == 6 + 2
    assert len(sleeps) == 5
    assert "1 failed" in result.stderr


def test_invalid_json_is_reasked_with_the_error(feed: str, httpx2_mock) -> None:
    first = {"done": False}

    def invalid_once(request: httpx.Request) -> httpx.Response:
        if "Tillaberi" in article_of(request) and not first["done"]:
            first["done"] = True
            return completion('{"incidents": [', prompt_tokens=50, completion_tokens=5)
        return echo(request)

    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=invalid_once)

    result = run_cli(feed, "--concurrency", "1")

    assert result.exit_code == 0, result.output
    assert route.call_count == 4
    reask = request_json(route.calls[1])["messages"]
    assert reask[2] == {"role": "assistant", "content": '{"incidents": ['}
    assert reask[3]["role"] == "user"
    assert "not valid JSON" in reask[3]["content"]
    record = records()["a1"]
    assert record.status == "ok"
    assert record.provenance.attempts == 2
    assert record.provenance.reasks == 1
    assert record.provenance.usage.total_tokens == 55 + 120
    assert "4 requests (1 re-asks)" in result.stderr


def test_schema_violation_reask_names_the_field(feed: str, httpx2_mock) -> None:
    bad = json.dumps({"incidents": [incident("Gunmen killed five soldiers", killed="five")]})
    replies = iter([completion(bad)])
    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=lambda r: next(replies, None) or echo(r))

    result = run_cli(feed, "--concurrency", "1")

    assert result.exit_code == 0, result.output
    reask = request_json(route.calls[1])["messages"][-1]["content"]
    assert "incidents.0.killed" in reask


def test_reasks_run_out_keeping_the_last_raw_output(feed: str, httpx2_mock) -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        return completion("I cannot answer in JSON, sorry." if "Agadez" in article_of(request) else "")

    route = httpx2_mock.post(COMPLETIONS).mock(
        side_effect=lambda r: broken(r) if "Agadez" in article_of(r) else echo(r)
    )

    result = run_cli(feed)

    assert result.exit_code == 1
    failed = records()["a3"]
    assert failed.status == "failed"
    assert failed.raw_output == "I cannot answer in JSON, sorry."
    # two re-asks showing the error, then fresh tries up to max_attempts (6) invalid replies in all
    assert failed.provenance.attempts == 6
    assert failed.provenance.reasks == 2
    assert failed.provenance.usage.total_tokens == 6 * 120
    assert route.call_count == 6 + 2
    fresh = [request_json(c)["messages"] for c in route.calls if "Agadez" in article_of(c.request)][3:]
    assert all(len(messages) == 2 for messages in fresh), "after the re-asks, the original prompt is sent afresh"
    assert "2 re-ask(s) and 6 invalid replies" in failed.error

    route.reset()
    run_cli(feed, output="again.jsonl")
    assert route.call_count == 6, "failures are never cached: only the failed article is asked again"


def test_ungrounded_quote_is_flagged_and_can_be_dropped(feed: str, httpx2_mock) -> None:
    def invented(request: httpx.Request) -> httpx.Response:
        if "Diffa" in article_of(request):
            return completion(json.dumps({"incidents": [incident("Twenty soldiers were beheaded in Diffa.")]}))
        return echo(request)

    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=invented)

    result = run_cli(feed)
    assert result.exit_code == 0, result.output
    flagged = records()["a2"].incidents[0]
    assert flagged.grounded is False
    assert flagged.ungrounded_quotes == ["Twenty soldiers were beheaded in Diffa."]
    assert "1 ungrounded" in result.stderr

    dropped = run_cli(feed, "--drop-ungrounded", output="dropped.jsonl")
    assert dropped.exit_code == 0
    assert records("dropped.jsonl")["a2"].incidents == []
    assert records("dropped.jsonl")["a2"].ungrounded_dropped == 1
    assert route.call_count == 3, "the second run is answered from the cache"


def test_second_run_makes_no_request_and_refresh_does(feed: str, httpx2_mock) -> None:
    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=echo)

    assert run_cli(feed).exit_code == 0
    assert route.call_count == 3
    second = run_cli(feed, output="second.jsonl")
    assert second.exit_code == 0
    assert route.call_count == 3
    assert all(r.provenance.cache_hit for r in records("second.jsonl").values())
    assert "3 cache hits" in second.stderr

    assert run_cli(feed, "--refresh", output="third.jsonl").exit_code == 0
    assert route.call_count == 6
    assert run_cli(feed, "--no-cache", output="fourth.jsonl").exit_code == 0
    assert route.call_count == 9


def test_a_prompt_change_is_a_cache_miss(feed: str, httpx2_mock, tmp_path: Path) -> None:
    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=echo)
    from extractor.llm.prompts import load_prompt

    changed = tmp_path / "extract-v1-edited.md"
    changed.write_text(load_prompt().text.replace("careful analyst", "meticulous analyst"))

    assert run_cli(feed).exit_code == 0
    assert run_cli(feed, "--prompt", str(changed), output="edited.jsonl").exit_code == 0

    assert route.call_count == 6
    assert "meticulous analyst" in request_json(route.calls[-1])["messages"][0]["content"]
    assert {r.provenance.prompt_name for r in records("edited.jsonl").values()} == {"extract-v1-edited"}


def test_api_key_is_never_written(feed: str, httpx2_mock, tmp_path: Path) -> None:
    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=echo)

    result = run_cli(feed)

    assert result.exit_code == 0
    assert route.calls[0].request.headers["authorization"] == f"Bearer {SECRET}"
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.parent.name == "cache" for p in written)
    for path in written:
        assert SECRET.encode() not in path.read_bytes(), path
    assert SECRET not in result.output


def test_bad_credentials_stop_the_run_with_one_line(feed: str, httpx2_mock) -> None:
    route = httpx2_mock.post(COMPLETIONS).mock(
        return_value=httpx.Response(401, json={"error": {"message": f"Incorrect API key provided: {SECRET}"}})
    )

    result = run_cli(feed)

    assert result.exit_code == 2
    assert route.call_count >= 1
    assert "OPENAI_API_KEY" in result.stderr
    assert SECRET not in result.output
    assert "Traceback" not in result.output


def test_long_article_is_split_into_windows_not_cut(feed: str, httpx2_mock) -> None:
    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=echo)

    result = run_cli(feed, "--max-input-chars", "500", "--concurrency", "1")

    assert result.exit_code == 0, result.output
    assert route.call_count == 3
    long_feed = Path(feed).read_text().replace("<p>It was the third attack.</p>", "<p>" + "More. " * 100 + "</p>")
    Path(feed).write_text(long_feed)
    run_cli(feed, "--max-input-chars", "500", "--concurrency", "1", output="cut.jsonl")
    sent = [article_of(c.request) for c in route.calls[3:]]
    assert sent[0].startswith("Gunmen killed five soldiers in Tillaberi on Sunday, the army said.")
    assert sent[-1].endswith("More.") and all(len(text) <= 500 for text in sent)  # the end is read too
    record = records("cut.jsonl")["a1"]
    assert record.windows == len(sent) == 2 and not any("truncated" in w for w in record.warnings)  # a2, a3: cached


def test_resume_reruns_only_failed_articles_and_refuses_another_model(feed: str, httpx2_mock, sleeps) -> None:
    broken = {"on": True}

    def flaky(request: httpx.Request) -> httpx.Response:
        if broken["on"] and "Agadez" in article_of(request):
            return httpx.Response(500, json={"error": {"message": "boom"}})
        return echo(request)

    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=flaky)
    assert run_cli(feed, "--no-cache").exit_code == 1
    calls_before = route.call_count
    broken["on"] = False

    resumed = run_cli(feed, "--no-cache", "--resume")

    assert resumed.exit_code == 0, resumed.output
    assert [article_of(c.request) for c in route.calls[calls_before:]] == [
        "Militants attacked a military outpost in Agadez on Tuesday, killing two soldiers."
    ]
    lines = [ArticleRecord.model_validate_json(line) for line in Path("out.jsonl").read_text().splitlines()]
    # Append-only: the failed a3 line stays, and the later ok line for a3 supersedes it.
    assert [(r.article_id, r.status) for r in lines if r.article_id == "a3"] == [("a3", "failed"), ("a3", "ok")]
    assert {r.article_id: r.status for r in lines} == {"a1": "ok", "a2": "ok", "a3": "ok"}
    assert "2 already done" in resumed.stderr

    before = Path("out.jsonl").read_bytes()
    other = runner.invoke(app, ["run", feed, "--model", "other", "--base-url", BASE_URL, "-o", "out.jsonl", "--resume"])
    assert other.exit_code == 2
    assert "another configuration: model test-model (this run: other)" in other.stderr
    assert Path("out.jsonl").read_bytes() == before
