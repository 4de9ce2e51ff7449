"""Runs that never lose work: rate limits spend time not attempts, a dead endpoint stops the run at once, a
remembered mode is renegotiated, failed records keep what they met, secrets are scrubbed, resume loses nothing."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from extractor.errors import OutputError
from extractor.models import ArticleRecord
from extractor.store.resume import prepare_resume

from .conftest import COMPLETIONS, FEED, SECRET, article_of, echo, records, request_json, run_cli, runner


def test_a_429_storm_longer_than_the_attempt_budget_still_ends_with_every_article_done(
    feed: str, httpx2_mock, sleeps: list[float]
) -> None:
    storm = iter(range(10))  # ten 429s in a row: more than max_attempts (6)

    def limited(request: httpx.Request) -> httpx.Response:
        if next(storm, None) is not None:
            return httpx.Response(429, headers={"Retry-After": "0"}, json={"error": {"message": "slow down"}})
        return echo(request)

    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=limited)

    result = run_cli(feed, "--concurrency", "1")

    assert result.exit_code == 0, result.output
    assert route.call_count == 10 + 3
    assert article_of(route.calls[10].request) == article_of(route.calls[0].request), "the same article, asked again"
    got = records()
    assert all(r.status == "ok" for r in got.values())
    assert got["a1"].provenance.attempts == 11


def test_the_article_budget_bounds_endless_429s(feed: str, httpx2_mock) -> None:
    route = httpx2_mock.post(COMPLETIONS).mock(
        return_value=httpx.Response(429, headers={"retry-after-ms": "100"}, json={"error": {"message": "slow down"}})
    )

    result = run_cli(feed, "--concurrency", "3", "--article-budget", "1")

    assert result.exit_code == 1
    got = records()
    assert {r.status for r in got.values()} == {"failed"}
    assert all("RateLimited" in r.error for r in got.values())
    assert 3 <= route.call_count <= 3 * 15  # about ten 100 ms waits per article, not an endless loop
    assert {article_of(c.request).split()[0] for c in route.calls} == {"Gunmen", "An", "Militants"}


def test_an_unreachable_endpoint_stops_the_run_at_once(feed: str, httpx2_mock, sleeps: list[float]) -> None:
    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=httpx.ConnectError("[Errno 111] Connection refused"))

    result = run_cli(feed, "--concurrency", "1")

    assert result.exit_code == 2
    assert route.call_count == 3  # the cold threshold: no backoff for every article
    assert request_json(route.calls[0])["model"] == "test-model"
    assert len(result.stderr.strip().splitlines()) == 2  # the run summary and one error line
    assert "http://llm.test/v1 cannot be reached" in result.stderr and "Connection refused" in result.stderr
    assert not Path("out.jsonl").read_text()


def test_an_endpoint_that_goes_away_stops_the_run_and_keeps_finished_records(feed: str, httpx2_mock, sleeps) -> None:
    text = Path(feed).read_text()
    items = text[text.index("<item>") : text.rindex("</item>") + len("</item>")]
    copies = [items.replace("<guid>a", f"<guid>copy{n}-a") for n in range(3)]  # twelve articles in all
    Path(feed).write_text(text.replace(items, items + "".join(copies)))
    answered = {"n": 0}

    def dies(request: httpx.Request) -> httpx.Response:
        if answered["n"] < 2:
            answered["n"] += 1
            return echo(request)
        raise httpx.ConnectError("[Errno -2] Name or service not known")

    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=dies)

    result = run_cli(feed, "--concurrency", "1", "--no-cache")

    assert result.exit_code == 2, result.output
    assert route.call_count == 2 + 20  # the warm threshold, across articles
    assert "Name or service not known" in result.stderr
    got = records()
    assert [r.status for r in got.values()].count("ok") == 2
    assert all(r.status == "failed" and "Unreachable" in r.error for r in got.values() if r.status != "ok")
    assert len(got) == 2 + 3  # three articles failed after six attempts each; the fourth was cut short
    resumed = run_cli(feed, "--concurrency", "1", "--resume", "--no-cache")
    assert resumed.exit_code == 2 and "2 already done" in resumed.stderr


def test_the_same_refusal_for_every_request_stops_the_run(feed: str, httpx2_mock) -> None:
    route = httpx2_mock.post(COMPLETIONS).mock(
        return_value=httpx.Response(400, json={"error": {"message": "model 'test-model' is not loaded"}})
    )

    result = run_cli(feed, "--concurrency", "1", "--structured-output", "json_object")

    assert result.exit_code == 2
    assert route.call_count == 3
    assert all(request_json(c)["response_format"] == {"type": "json_object"} for c in route.calls)
    assert "refuses every request alike" in result.stderr and "is not loaded" in result.stderr


def test_a_remembered_mode_that_is_rejected_now_is_renegotiated_once(feed: str, httpx2_mock) -> None:
    state = {"schema_ok": True}

    def server(request: httpx.Request) -> httpx.Response:
        if request_json_body(request)["response_format"]["type"] == "json_schema" and not state["schema_ok"]:
            return httpx.Response(400, json={"error": {"message": "response_format json_schema is not supported"}})
        return echo(request)

    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=server)
    assert run_cli(feed, "--concurrency", "1").exit_code == 0  # json_schema works and is remembered
    state["schema_ok"] = False
    route.reset()

    result = run_cli(feed, "--concurrency", "1", "--refresh", output="again.jsonl")

    assert result.exit_code == 0, result.output
    kinds = [request_json(c)["response_format"]["type"] for c in route.calls]
    assert kinds == ["json_schema", "json_schema", "json_object", "json_object", "json_object"]
    again = records("again.jsonl")
    assert {r.provenance.mode for r in again.values()} == {"json_object_schema"}
    assert any("renegotiating" in w for w in again["a1"].warnings)
    stats = runner.invoke(app_cli(), ["cache", "stats"])
    assert json.loads(stats.stdout)["results"] == 6, "the results cached under the old mode are kept"
    route.reset()
    third = run_cli(feed, "--concurrency", "1", "--refresh", output="third.jsonl")
    assert third.exit_code == 0
    assert [request_json(c)["response_format"]["type"] for c in route.calls] == ["json_object"] * 3


def request_json_body(request: httpx.Request) -> dict:
    return json.loads(request.content)


def test_a_failed_record_keeps_its_warnings_and_a_server_message_is_scrubbed(feed: str, httpx2_mock, sleeps) -> None:
    leak = f"upstream said: invalid key {SECRET}, also sk-proj-abcdefghijklmnop and api_key=hunter22"
    route = httpx2_mock.post(COMPLETIONS).mock(return_value=httpx.Response(503, json={"error": {"message": leak}}))
    long_feed = Path(feed).read_text().replace("<p>It was the third attack.</p>", "<p>" + "More. " * 100 + "</p>")
    Path(feed).write_text(long_feed)

    result = run_cli(feed, "--concurrency", "1", "--max-input-chars", "500")

    assert result.exit_code == 1
    assert route.call_count == 3 * 6
    assert route.calls[0].request.headers["authorization"] == f"Bearer {SECRET}"
    failed = records()["a1"]
    assert failed.status == "failed" and "failed in part 1 of 2" in failed.warnings  # the long one, in windows
    assert "upstream said: invalid key ***" in failed.error
    for secret in (SECRET, "sk-proj-abcdefghijklmnop", "hunter22"):
        assert secret not in Path("out.jsonl").read_text() and secret not in result.output


# --- resume ----------------------------------------------------------------------------------------------------


@pytest.fixture
def baseline_output(tmp_path: Path) -> Path:
    """A finished offline run of the test feed (three articles)."""
    (tmp_path / "feed.xml").write_text(FEED)
    assert runner.invoke(app_cli(), ["run", "feed.xml", "--model", "baseline", "-o", "out.jsonl", "-q"]).exit_code == 0
    return tmp_path / "out.jsonl"


def app_cli():
    from extractor.cli import app

    return app


def resume_baseline(output: str = "out.jsonl"):
    return runner.invoke(app_cli(), ["run", "feed.xml", "--model", "baseline", "-o", output, "--resume"])


def test_resume_over_a_line_cut_inside_a_multibyte_character(baseline_output: Path) -> None:
    lines = baseline_output.read_bytes().splitlines(keepends=True)
    lines.sort(key=lambda line: b"Raid in Agadez" in line)  # records come as they finish: that one last
    last = lines[-1].replace(b'"title":"Raid in Agadez"', "\"title\":\"Raid’s in Agadez\"".encode())
    cut = last[: last.index("’".encode()) + 1]  # the first byte of a three-byte character, no newline
    baseline_output.write_bytes(b"".join(lines[:-1]) + cut)

    result = resume_baseline()

    assert result.exit_code == 0, result.output
    assert "1 unreadable line(s) kept" in result.stderr and "2 already done" in result.stderr
    data = baseline_output.read_bytes()
    assert cut + b"\n" in data, "the cut line is kept, ended by a newline"
    got = [ArticleRecord.model_validate_json(line) for line in data.splitlines()[:2] + data.splitlines()[3:]]
    assert sorted(r.article_id for r in got) == ["a1", "a2", "a3"]


def test_resume_refuses_an_output_of_an_older_schema_and_changes_nothing(baseline_output: Path) -> None:
    old = []
    for line in baseline_output.read_text().splitlines():
        data = json.loads(line)
        data["provenance"]["schema_hash"] = "0123456789abcdef"
        data["provenance"].pop("config_hash")
        data["legacy_field"] = True  # the models forbid it: such lines do not validate any more
        old.append(json.dumps(data))
    baseline_output.write_text("\n".join(old) + "\n")
    before = baseline_output.read_bytes()

    result = resume_baseline()

    assert result.exit_code == 2
    assert "another configuration: schema_hash 0123456789abcdef (this run:" in result.stderr
    assert baseline_output.read_bytes() == before


@pytest.mark.parametrize(
    "content",
    ["article_id,title\na1,x\n", '{"name": "not a record"}\n', "just some notes\n"],
    ids=["csv", "other-json", "text"],
)
def test_resume_refuses_a_file_that_is_not_a_run_output(tmp_path: Path, baseline_output: Path, content: str) -> None:
    foreign = tmp_path / "notes.jsonl"
    foreign.write_text(content)

    result = resume_baseline("notes.jsonl")

    assert result.exit_code == 2
    assert "is not an output of extract run" in result.stderr
    assert foreign.read_text() == content


def test_resume_refuses_an_output_of_another_endpoint(baseline_output: Path) -> None:
    changed = [json.loads(line) for line in baseline_output.read_text().splitlines()]
    for data in changed:
        data["provenance"]["endpoint"] = "http://other.test/v1"
    baseline_output.write_text("".join(json.dumps(d) + "\n" for d in changed))

    with pytest.raises(OutputError, match=r"endpoint http://other.test/v1 \(this run: -\)"):
        prepare_resume(str(baseline_output), {"model": "baseline-rules-v1", "endpoint": None})


def test_an_article_id_is_not_read_from_a_superseded_failed_line(baseline_output: Path) -> None:
    lines = baseline_output.read_text().splitlines()
    failed = json.loads(lines[0]) | {"status": "failed", "incidents": [], "error": "boom"}
    baseline_output.write_text("\n".join([*lines, json.dumps(failed)]) + "\n")  # a1: ok, then failed

    expected = json.loads(lines[0])["provenance"]
    state = prepare_resume(str(baseline_output), expected)

    assert state.done == {"a2", "a3"} and state.unreadable == 0


# --- inputs ------------------------------------------------------------------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures" / "inputs"


def test_extract_run_reads_a_jsonl_file_of_articles_and_warns_about_bad_lines() -> None:
    result = runner.invoke(app_cli(), ["run", str(FIXTURES / "articles.jsonl"), "--model", "baseline", "-o", "out.jsonl"])

    assert result.exit_code == 0, result.output
    got = [json.loads(line) for line in Path("out.jsonl").read_text().splitlines()]
    assert [r["article_id"] for r in got][:2] == ["a1", "a2"] and "5" in [r["article_id"] for r in got]
    assert "line 2" in result.stderr and "not JSON" in result.stderr.replace("valid JSON", "JSON")
    a1 = next(r for r in got if r["article_id"] == "a1")
    assert a1["link"] == "https://news.test/diffa?id=7" and a1["published"].startswith("2024-09-19T10:00:00")
    assert [i["attack_type"] for i in a1["incidents"]] == ["bombing"]


def test_extract_run_reads_an_opml_list_of_feeds() -> None:
    result = runner.invoke(app_cli(), ["run", str(FIXTURES / "feeds.opml"), "--model", "baseline", "-o", "out.jsonl"])

    assert result.exit_code == 0, result.output
    assert len(Path("out.jsonl").read_text().splitlines()) >= 2


def test_a_bad_input_is_an_error_before_any_output_is_written(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("not json\n")

    result = runner.invoke(app_cli(), ["run", "empty.jsonl", "--model", "baseline", "-o", "out.jsonl"])

    assert result.exit_code == 2
    assert "error:" in result.stderr and "Traceback" not in result.output
    assert not Path("out.jsonl").exists()
