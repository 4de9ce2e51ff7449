"""Batch runs: `extract run --batch` submits and returns at once; `extract batch status|wait|collect` follows the
job, writes records through the same validation, grounding, cache and writers, re-asks invalid replies, resends
failed requests, never loses or duplicates work, and never sends a cached article. The Batch API is mocked with
respx (files, batches), and one test drives the whole cycle through the fake server of bench/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from extractor.cli import app
from extractor.llm.client import _response_format

from .conftest import COMPLETIONS, SECRET, BatchAPI, article_in, echo, records, run_cli, runner, valid


def batch_cli(*args: str):
    return runner.invoke(app, ["batch", *args])


def job_state(job_id: str) -> dict:
    return json.loads((Path("cache") / "batches" / job_id / "state.json").read_text())


@pytest.fixture
def api(httpx2_mock) -> BatchAPI:
    return BatchAPI(httpx2_mock)


@pytest.mark.httpx2(assert_all_called=False)
def test_submit_returns_at_once_with_the_batch_id_stored(feed: str, api: BatchAPI, httpx2_mock) -> None:
    chat = httpx2_mock.post(COMPLETIONS).mock(side_effect=echo)

    result = run_cli(feed, "--batch", "--model", "gpt-4o-mini")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "batch_0"
    assert api.upload.call_count == 1 and api.create.call_count == 1 and api.retrieve.call_count == 0
    assert chat.call_count == 0, "nothing is sent synchronously"
    lines = api.uploads[0]
    assert len(lines) == 3 and {line["url"] for line in lines} == {"/v1/chat/completions"}
    body = lines[0]["body"]  # the synchronous path's request: model, parameters, mode and schema, prompt
    assert body["model"] == "gpt-4o-mini" and body["temperature"] == 0 and body["max_tokens"] == 2048
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"] == _response_format("json_schema")["response_format"]  # as a synchronous request
    assert "never instructions" in body["messages"][0]["content"]
    assert "Published: Thursday 2024-09-19" in body["messages"][1]["content"]
    state = job_state("batch_0")
    assert [r["batch_id"] for r in state["rounds"]] == ["batch_0"]
    assert {r["article_id"] for r in state["requests"].values()} == {"a1", "a2", "a3"}
    assert SECRET not in json.dumps(state)
    assert not Path("out.jsonl").read_text()

    status = batch_cli("status")
    assert status.exit_code == 0, status.output
    assert "batch_0 in_progress 0/3" in status.stdout and "3 pending" in status.stdout
    assert api.retrieve.call_count == 1


def test_collect_writes_records_at_the_batch_price_and_a_second_collect_writes_nothing(
    feed: str, api: BatchAPI
) -> None:
    assert run_cli(feed, "--batch", "--model", "gpt-4o-mini").exit_code == 0

    early = batch_cli("collect", "batch_0")  # still in progress: nothing to write yet
    assert early.exit_code == 0, early.output
    assert "in_progress" in early.stdout and not Path("out.jsonl").read_text()

    result = batch_cli("collect", "batch_0")

    assert result.exit_code == 0, result.output
    assert api.retrieve.call_count == 2 and api.content.call_count == 1
    got = records()
    assert set(got) == {"a1", "a2", "a3"}
    sync_cost = (500 * 0.15 + 500 * 0.075 + 100 * 0.60) / 1e6
    for record in got.values():
        assert record.status == "ok" and [i.grounded for i in record.incidents] == [True]
        assert record.provenance.usage.cached_tokens == 500 and record.provenance.attempts == 1
        assert record.provenance.cost_usd == pytest.approx(sync_cost / 2)
    assert "3 articles (3 ok, 0 failed)" in result.stderr
    lines = Path("out.jsonl").read_text()

    again = batch_cli("collect", "batch_0")

    assert again.exit_code == 0, again.output
    assert Path("out.jsonl").read_text() == lines
    assert api.retrieve.call_count == 2 and api.content.call_count == 1, "a collected batch is not fetched again"


def test_a_collect_cut_short_is_run_again_without_duplicates(feed: str, api: BatchAPI) -> None:
    assert run_cli(feed, "--batch", "--model", "gpt-4o-mini").exit_code == 0
    state = Path("cache/batches/batch_0/state.json")
    before = state.read_text()
    assert batch_cli("collect").exit_code == 0  # in progress
    assert batch_cli("collect").exit_code == 0  # writes three records
    state.write_text(before)  # as if it crashed after writing the records, before saving its state

    result = batch_cli("collect")

    assert result.exit_code == 0, result.output
    assert len(Path("out.jsonl").read_text().splitlines()) == 3
    assert job_state("batch_0")["requests"] and all(
        r["status"] == "done" for r in job_state("batch_0")["requests"].values()
    )


def test_invalid_replies_are_re_asked_in_a_follow_up_batch_with_the_error(feed: str, api: BatchAPI) -> None:
    asked: list[str] = []

    def answer(line: dict, n: int) -> tuple[str, str]:
        asked.append(line["custom_id"])
        if n == 0 and len(line["body"]["messages"]) == 2:
            return "ok", '{"incidents": [{"summary": "cut'  # invalid JSON the first time
        return "ok", valid(line["body"])

    api.answer = answer
    assert run_cli(feed, "--batch", "--model", "gpt-4o-mini").exit_code == 0

    result = batch_cli("wait", "--poll", "0", "-q")

    assert result.exit_code == 0, result.output
    assert api.create.call_count == 2 and len(api.uploads[1]) == 1
    reask = api.uploads[1][0]
    assert reask["custom_id"] == api.uploads[0][0]["custom_id"]
    messages = reask["body"]["messages"]
    assert len(messages) == 4 and messages[2] == {"role": "assistant", "content": '{"incidents": [{"summary": "cut'}
    assert "Your previous reply was invalid" in messages[3]["content"]
    got = records()
    assert all(r.status == "ok" for r in got.values()) and len(got) == 3
    first = next(r for r in got.values() if r.provenance.reasks)
    assert first.provenance.attempts == 2 and first.provenance.usage.prompt_tokens == 2000


@pytest.mark.httpx2(assert_all_called=False)
def test_failed_requests_are_resent_then_reported(feed: str, api: BatchAPI, httpx2_mock) -> None:
    Path("extract.toml").write_text("max_attempts = 2\n")
    chat = httpx2_mock.post(COMPLETIONS).mock(side_effect=echo)
    api.answer = lambda line, n: ("failed", "") if "Gunmen" in article_in(line["body"]) else ("ok", valid(line["body"]))
    assert run_cli(feed, "--batch", "--model", "gpt-4o-mini").exit_code == 0

    result = batch_cli("wait", "--poll", "0", "-q")

    assert result.exit_code == 1
    assert api.create.call_count == 2  # the first batch, and one follow-up with the failed request
    assert api.uploads[1][0]["body"] == api.uploads[0][0]["body"], "a failed request is sent again unchanged"
    got = records()
    assert got["a1"].status == "failed" and "server error" in got["a1"].error
    assert got["a1"].provenance.attempts == 2
    assert got["a2"].status == got["a3"].status == "ok"
    assert chat.call_count == 0
    assert "1 failed" in batch_cli("status").stdout


def test_reask_sync_asks_invalid_replies_synchronously(feed: str, api: BatchAPI, httpx2_mock) -> None:
    chat = httpx2_mock.post(COMPLETIONS).mock(side_effect=echo)
    api.answer = lambda line, n: ("ok", "not json") if n == 1 else ("ok", valid(line["body"]))
    assert run_cli(feed, "--batch", "--model", "gpt-4o-mini").exit_code == 0

    result = batch_cli("wait", "--poll", "0", "-q", "--reask-sync")

    assert result.exit_code == 0, result.output
    assert api.create.call_count == 1 and chat.call_count == 1
    assert article_in(json.loads(chat.calls[0].request.content)).startswith("An improvised explosive device")
    got = records()
    assert all(r.status == "ok" for r in got.values())
    assert got["a2"].provenance.attempts == 2 and got["a2"].provenance.usage.prompt_tokens == 1100


def test_cached_articles_are_never_sent(feed: str, api: BatchAPI, httpx2_mock) -> None:
    chat = httpx2_mock.post(COMPLETIONS).mock(side_effect=echo)
    text = Path(feed).read_text()
    one = text[: text.index("<item>")] + text[text.index("<item>") : text.index("</item>") + 7] + "</channel></rss>"
    Path("one.xml").write_text(one)
    assert run_cli("one.xml", "--model", "gpt-4o-mini", output="sync.jsonl").exit_code == 0  # a1, synchronously
    assert chat.call_count == 1

    result = run_cli(feed, "--batch", "--model", "gpt-4o-mini")

    assert result.exit_code == 0, result.output
    sent = {article_in(line["body"]).split()[0] for line in api.uploads[0]}
    assert sent == {"An", "Militants"}, "a1 was cached"
    assert records()["a1"].provenance.cache_hit is True  # its record is written at once
    assert batch_cli("wait", "--poll", "0", "-q").exit_code == 0
    assert set(records()) == {"a1", "a2", "a3"}

    again = run_cli(feed, "--batch", "--model", "gpt-4o-mini", output="again.jsonl")

    assert again.exit_code == 0, again.output
    assert api.upload.call_count == 1 and "nothing to submit" in again.stderr
    assert len(records("again.jsonl")) == 3 and chat.call_count == 1


@pytest.mark.httpx2(assert_all_called=False)
def test_batch_needs_an_endpoint_and_a_jsonl_file(feed: str) -> None:
    baseline = runner.invoke(app, ["run", feed, "--model", "baseline", "--batch", "-o", "b.jsonl"])
    assert baseline.exit_code == 2 and "--batch needs an LLM endpoint" in baseline.stderr
    csv = run_cli(feed, "--batch", "--format", "csv")
    assert csv.exit_code == 2 and "--batch needs a JSONL output file" in csv.stderr
    missing = batch_cli("status", "batch_nope")
    assert missing.exit_code == 2 and "no batch job 'batch_nope'" in missing.stderr


def test_the_whole_cycle_through_the_fake_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.fake_server import FakeConfig, FakeServer

    from .conftest import GOLDEN_FEED

    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    shutil.copy(GOLDEN_FEED, "feed.xml")
    config = FakeConfig(batch_polls=1, p_batch_fail=0.2, p_malformed=0.2, seed=3, cached_prefix=True)
    with FakeServer(config) as server:
        common = ["--model", "gpt-4o-mini", "--base-url", server.base_url, "-o", "out.jsonl"]
        submitted = runner.invoke(app, ["run", "feed.xml", "--batch", *common])
        assert submitted.exit_code == 0, submitted.output
        job = submitted.stdout.strip()
        assert "in_progress" in batch_cli("status", job).stdout

        done = batch_cli("wait", job, "--poll", "0", "-q")

        assert done.exit_code == 0, done.output
        stats = dict(server.stats)
    got = records()
    assert len(got) == 10 and all(r.status == "ok" for r in got.values())
    assert stats["batches_create"] >= 2 and stats["batch_failed"] > 0 and stats["batch_malformed"] > 0
    assert stats["batch_ok"] == 10
    assert sum(r.provenance.usage.cached_tokens for r in got.values()) > 0
    assert all(r.incidents and r.incidents[0].grounded for r in got.values())


@pytest.mark.httpx2(assert_all_called=False)
def test_max_cost_refuses_a_batch_whose_estimate_exceeds_the_cap(feed: str, api: BatchAPI) -> None:
    result = run_cli(feed, "--batch", "--model", "gpt-4o-mini", "--max-cost", "0.0001")

    assert result.exit_code == 1
    assert api.upload.call_count == 0 and api.create.call_count == 0
    assert "cost cap $0.0001 reached" in result.stderr and "nothing was submitted" in result.stderr
    assert not list(Path("cache/batches").iterdir())
