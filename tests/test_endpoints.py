"""Several endpoints (replicas of one model): requests spread by capacity, a dead replica set aside while the others
finish every article and probed again later, the run stopped only when all are down, one cache whichever replica
answered, provenance naming the replica, modes negotiated per endpoint; one URL exactly as before."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from extractor.cli import app
from extractor.llm import faults
from extractor.llm.client import OpenAICompatBackend
from extractor.settings import LLMSettings, resolve_settings

from .conftest import SECRET, article_of, echo, records, request_json, runner

A, B, C = (f"http://127.0.0.1:{port}/v1" for port in (9101, 9102, 9103))


def chat(url: str) -> str:
    return f"{url}/chat/completions"


def copies(feed: str, times: int) -> str:
    """The three-article feed `times` over, each copy with its own guids."""
    text = Path(feed).read_text()
    items = text[text.index("<item>") : text.rindex("</item>") + len("</item>")]
    extra = [items.replace("<guid>a", f"<guid>copy{n}-a") for n in range(times - 1)]
    Path(feed).write_text(text.replace(items, items + "".join(extra)))
    return feed


@pytest.fixture
def twelve(feed: str) -> str:
    return copies(feed, 4)


@pytest.fixture
def thirty(feed: str) -> str:
    return copies(feed, 10)


def run(feed: str, *urls: str, args: tuple[str, ...] = (), output: str = "out.jsonl"):
    base = [arg for url in urls for arg in ("--base-url", url)]
    return runner.invoke(app, ["run", feed, "--model", "test-model", *base, "-o", output, "-q", *args])


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused")


def server_error(request: httpx.Request) -> httpx.Response:
    return httpx.Response(500, json={"error": {"message": "CUDA out of memory"}})


def test_several_urls_from_options_config_or_environment_and_concurrency_defaults_to_their_sum(monkeypatch) -> None:
    settings, _ = resolve_settings({"model": "m", "base_url": [f"{A}#concurrency=8", B]})
    assert settings.base_url == [f"{A}#concurrency=8", B]
    assert [(s.url, s.concurrency) for s in settings.endpoints()] == [(A, 8), (B, 4)]
    assert settings.concurrency == 12, "the sum of the endpoints' concurrencies"

    given, _ = resolve_settings({"model": "m", "base_url": [f"{A}#concurrency=8", B, C], "concurrency": 20})
    assert given.concurrency == 20
    assert [s.concurrency for s in given.endpoints()] == [8, 6, 6], "the others share what is left of it"

    Path("extract.toml").write_text(f'model = "m"\nbase_url = ["{A}", "{B}"]\n')
    from_file, _ = resolve_settings({})
    assert [s.url for s in from_file.endpoints()] == [A, B] and from_file.concurrency == 8

    monkeypatch.setenv("EXTRACT_BASE_URL", f"{B}, {A}#concurrency=2")
    from_env, _ = resolve_settings({"model": "m"})
    assert [(s.url, s.concurrency) for s in from_env.endpoints()] == [(B, 4), (A, 2)] and from_env.concurrency == 6


def test_one_url_keeps_its_identity_and_concurrency() -> None:
    plain = LLMSettings(model="m", base_url=f"{A}/")
    assert plain.base_url == f"{A}/" and plain.concurrency == 4 and plain.endpoint_identity() == A
    assert [(s.url, s.concurrency) for s in plain.endpoints()] == [(f"{A}/", 4)]
    own = LLMSettings(model="m", base_url=f"{A}#concurrency=8")
    assert own.endpoint_identity() == A and own.concurrency == 8 and own.endpoints()[0].url == A


@pytest.mark.parametrize(
    ("urls", "says"),
    [([A, f"{A}/"], "endpoint given more than once: http://127.0.0.1:9101/v1"),
     ([f"{A}#concurrency=0", B], "concurrency must be 1 to 256")],
)  # fmt: skip
@pytest.mark.httpx2(assert_all_called=False)
def test_a_bad_endpoint_list_is_one_line_and_exit_2(feed: str, httpx2_mock, urls: list[str], says: str) -> None:
    route = httpx2_mock.post(url__regex=r".*/chat/completions").mock(side_effect=echo)

    result = run(feed, *urls)

    assert result.exit_code == 2 and says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not route.called


def test_requests_go_to_the_endpoint_with_free_capacity(twelve: str, httpx2_mock) -> None:
    # Each request is held until four are in flight at once (3 + 1, the run's concurrency): the first four must
    # fill the three slots of A and the one of B.
    in_flight = {A: 0, B: 0}
    peak = {A: 0, B: 0}
    full = asyncio.Event()

    def answer(url: str):
        async def held(request: httpx.Request) -> httpx.Response:
            in_flight[url] += 1
            peak[url] = max(peak[url], in_flight[url])
            if sum(in_flight.values()) >= 4:
                full.set()
            await asyncio.wait_for(full.wait(), 10)
            in_flight[url] -= 1
            return echo(request)

        return held

    route_a = httpx2_mock.post(chat(A)).mock(side_effect=answer(A))
    route_b = httpx2_mock.post(chat(B)).mock(side_effect=answer(B))

    # The mode is fixed: negotiating it would hold each endpoint's first request alone.
    fixed = ("--no-cache", "--structured-output", "json_schema")
    result = run(twelve, f"{A}#concurrency=3", f"{B}#concurrency=1", args=fixed)

    assert result.exit_code == 0, result.output
    assert peak == {A: 3, B: 1}
    assert route_a.call_count + route_b.call_count == 12 and route_b.call_count >= 1
    assert route_a.call_count > route_b.call_count, "three times the capacity, more of the work"
    assert all(request_json(c)["model"] == "test-model" for c in route_a.calls + route_b.calls)
    assert route_a.calls[0].request.headers["authorization"] == f"Bearer {SECRET}"
    got = records()
    assert len(got) == 12 and all(r.status == "ok" for r in got.values())
    assert {r.provenance.replica for r in got.values()} == {A, B}, "provenance names the replica that answered"
    assert all(r.provenance.endpoint == f"{A},{B}" for r in got.values()), "the replica set, not the replica"
    assert sum(r.provenance.replica == B for r in got.values()) == route_b.call_count
    shares = {url: sum(r.provenance.replica == url for r in got.values()) for url in (A, B)}
    assert f"answered by {A} {shares[A]}, {B} {shares[B]}" in result.stderr, "the summary says how work was shared"


@pytest.mark.parametrize("failure", [refused, server_error], ids=["connection refused", "HTTP 500"])
def test_a_dead_replica_is_set_aside_and_the_others_finish_every_article(
    thirty: str, httpx2_mock, sleeps: list[float], monkeypatch, failure
) -> None:
    monkeypatch.setattr(faults, "COOLDOWN_S", 3600.0)  # never probed again within this run
    dead = httpx2_mock.post(chat(A)).mock(side_effect=failure)
    live_b = httpx2_mock.post(chat(B)).mock(side_effect=echo)
    live_c = httpx2_mock.post(chat(C)).mock(side_effect=echo)

    result = run(thirty, A, B, C, args=("--no-cache",))

    assert result.exit_code == 0, result.output
    got = records()
    assert len(got) == 30 and all(r.status == "ok" for r in got.values()), "0 articles lost"
    assert faults.REPLICA_FAILURES <= dead.call_count <= faults.REPLICA_FAILURES + 4, "set aside, not retried on"
    assert live_b.call_count + live_c.call_count == 30 and live_b.called and live_c.called
    assert {r.provenance.replica for r in got.values()} <= {B, C}
    failed_over = [r for r in got.values() if r.provenance.attempts == 2]
    assert failed_over, "the requests that met the dead replica were asked again elsewhere"
    assert not sleeps, "asked again elsewhere at once, no backoff"
    assert {article_of(c.request) for c in dead.calls} <= {article_of(c.request) for c in live_b.calls + live_c.calls}


def test_a_replica_set_aside_is_probed_after_its_cool_down_and_comes_back(
    twelve: str, httpx2_mock, sleeps, monkeypatch
) -> None:
    monkeypatch.setattr(faults, "COOLDOWN_S", 0.0)  # due a probe at once
    state = {"calls": 0}

    def flaky(request: httpx.Request) -> httpx.Response:
        state["calls"] += 1
        if state["calls"] <= faults.REPLICA_FAILURES:  # down for its first requests, then back
            raise httpx.ConnectError("[Errno 111] Connection refused")
        return echo(request)

    back = httpx2_mock.post(chat(A)).mock(side_effect=flaky)
    other = httpx2_mock.post(chat(B)).mock(side_effect=echo)

    result = run(twelve, f"{A}#concurrency=1", f"{B}#concurrency=1", args=("--no-cache",))

    assert result.exit_code == 0, result.output
    got = records()
    assert len(got) == 12 and all(r.status == "ok" for r in got.values())
    assert back.call_count > faults.REPLICA_FAILURES, "probed again after being set aside"
    assert any(r.provenance.replica == A for r in got.values()), "answered again once the probe succeeded"
    assert other.called


def test_the_run_stops_only_when_every_endpoint_is_down(twelve: str, httpx2_mock, sleeps, monkeypatch) -> None:
    monkeypatch.setattr(faults, "COOLDOWN_S", 3600.0)
    dead_a = httpx2_mock.post(chat(A)).mock(side_effect=refused)
    dead_b = httpx2_mock.post(chat(B)).mock(side_effect=server_error)

    result = run(twelve, A, B, args=("--no-cache",))

    assert result.exit_code == 2
    assert "all 2 endpoints are down" in result.stderr and A in result.stderr and B in result.stderr
    assert "Connection refused" in result.stderr and "CUDA out of memory" in result.stderr
    assert dead_a.call_count >= faults.REPLICA_FAILURES and dead_b.call_count >= faults.REPLICA_FAILURES
    assert dead_a.call_count + dead_b.call_count <= 2 * faults.REPLICA_FAILURES + 8, "no retries once all are down"
    assert not any(r.status == "ok" for r in records().values())


def test_all_endpoints_down_is_one_line_on_stderr_in_a_real_process(twelve: str, tmp_path: Path) -> None:
    # Nothing listens on these loopback ports: every connection is refused. Several articles meet the end of the
    # run at once; none of them may leave a traceback behind (asyncio logs a task exception nobody read).
    script = Path(sys.executable).with_name("extract")
    dead = ["--base-url", "http://127.0.0.1:9/v1", "--base-url", "http://127.0.0.1:10/v1"]
    env = {**os.environ, "OPENAI_API_KEY": SECRET, "EXTRACT_CACHE_DIR": str(tmp_path / "cache")}
    (tmp_path / "extract.toml").write_text("")  # the default retry waits: the articles end together after them
    done = subprocess.run([str(script), "run", twelve, "--model", "m", *dead, "-o", "out.jsonl", "-q", "--no-cache"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)  # fmt: skip

    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2 and "all 2 endpoints are down" in lines[1], done.stderr  # the summary and the error
    assert "Traceback" not in done.stderr and SECRET not in done.stderr


def test_the_cache_answers_whichever_replica_answered_and_however_the_set_is_listed(feed: str, httpx2_mock) -> None:
    route_a = httpx2_mock.post(chat(A)).mock(side_effect=echo)
    route_b = httpx2_mock.post(chat(B)).mock(side_effect=echo)
    assert run(feed, A, B).exit_code == 0
    assert route_a.call_count + route_b.call_count == 3

    again = run(feed, B, f"{A}#concurrency=2", output="again.jsonl")  # another order, another concurrency

    assert again.exit_code == 0, again.output
    assert route_a.call_count + route_b.call_count == 3, "no request: all three from the cache"
    cached = records("again.jsonl")
    assert all(r.provenance.cache_hit and r.provenance.replica is None for r in cached.values())
    assert {r.provenance.replica for r in records().values()} <= {A, B} and None not in {
        r.provenance.replica for r in records().values()
    }


@pytest.mark.httpx2(assert_all_called=False)
def test_a_named_replica_set_keeps_its_cache_when_replicas_change(feed: str, httpx2_mock) -> None:
    route_a = httpx2_mock.post(chat(A)).mock(side_effect=echo)
    route_b = httpx2_mock.post(chat(B)).mock(side_effect=echo)
    route_c = httpx2_mock.post(chat(C)).mock(side_effect=echo)
    assert run(feed, A, B, args=("--endpoint-name", "qwen-pool")).exit_code == 0
    first = route_a.call_count + route_b.call_count

    again = run(feed, C, args=("--endpoint-name", "qwen-pool"), output="again.jsonl")

    assert again.exit_code == 0 and first == 3 and not route_c.called
    assert all(r.provenance.cache_hit and r.provenance.endpoint == "qwen-pool" for r in records("again.jsonl").values())
    unnamed = run(feed, A, B, output="unnamed.jsonl")
    assert unnamed.exit_code == 0 and route_a.call_count + route_b.call_count == 6, "another identity: asked again"


def test_the_cache_identity_names_the_set_and_one_url_is_unchanged() -> None:
    one = OpenAICompatBackend(LLMSettings(model="m", base_url=A, api_key=SECRET), None)
    same = OpenAICompatBackend(LLMSettings(model="m", base_url=f"{A}#concurrency=8", api_key=SECRET), None)
    pair = OpenAICompatBackend(LLMSettings(model="m", base_url=[B, A], api_key=SECRET), None)
    swapped = OpenAICompatBackend(LLMSettings(model="m", base_url=[A, f"{B}#concurrency=9"], api_key=SECRET), None)

    assert one.cache_identity()["endpoint"] == A and one.cache_identity() == same.cache_identity()
    assert pair.cache_identity()["endpoint"] == f"{A},{B}"
    assert pair.cache_identity() == swapped.cache_identity()
    assert SECRET not in json.dumps(pair.cache_identity())
    assert [e.url for e in pair.endpoints] == [B, A] and [e.concurrency for e in swapped.endpoints] == [4, 9]


def test_modes_are_negotiated_per_endpoint(feed: str, httpx2_mock) -> None:
    def llama_cpp_python(request: httpx.Request) -> httpx.Response:
        if request_json_body(request).get("response_format", {}).get("type") == "json_schema":
            return httpx.Response(500, json={"error": {"message": "Input should be 'text' or 'json_object'"}})
        return echo(request)

    picky = httpx2_mock.post(chat(A)).mock(side_effect=llama_cpp_python)
    strict = httpx2_mock.post(chat(B)).mock(side_effect=echo)

    result = run(feed, f"{A}#concurrency=1", f"{B}#concurrency=1", args=("--concurrency", "2"))

    assert result.exit_code == 0, result.output
    sent_a = [request_json(c).get("response_format", {}).get("type") for c in picky.calls]
    sent_b = [request_json(c).get("response_format", {}).get("type") for c in strict.calls]
    assert sent_a[0] == "json_schema" and set(sent_a[1:]) == {"json_object"}, "A moved on to json_object_schema"
    assert all("schema" in request_json(c)["response_format"] for c in picky.calls[1:])
    assert set(sent_b) == {"json_schema"}, "B keeps json_schema"
    by_replica = {r.provenance.replica: r.provenance.mode for r in records().values() if r.status == "ok"}
    assert by_replica.get(A, "json_object_schema") == "json_object_schema"
    assert by_replica.get(B, "json_schema") == "json_schema"
    rejected = [w for r in records().values() for w in r.warnings if "rejected" in w]
    assert all(A in w for w in rejected), "the warning names the endpoint that rejected the mode"


def request_json_body(request: httpx.Request) -> dict:
    return json.loads(request.content)


def test_one_url_records_no_replica(feed: str, httpx2_mock) -> None:
    route = httpx2_mock.post(chat(A)).mock(side_effect=echo)

    result = run(feed, A)

    assert result.exit_code == 0 and route.call_count == 3
    assert all(r.provenance.replica is None and r.provenance.endpoint == A for r in records().values())


@pytest.mark.httpx2(assert_all_called=False)
def test_batch_takes_one_endpoint(feed: str, httpx2_mock) -> None:
    route = httpx2_mock.post(url__regex=r".*").mock(return_value=httpx.Response(500))

    result = run(feed, A, B, args=("--batch",))

    assert result.exit_code == 2 and "one endpoint" in result.stderr and "Traceback" not in result.output
    assert not route.called


def test_a_replica_breaker_opens_cools_down_probes_and_closes() -> None:
    from extractor.errors import ModeRejected, RateLimited, ServerError, Unreachable

    now = [0.0]
    breaker = faults.ReplicaBreaker("http://127.0.0.1:9101/v1", failures=3, clock=lambda: now[0])
    for _ in range(5):
        breaker.failed(RateLimited("HTTP 429", retry_after=None))  # the limiter's business
    breaker.failed(ModeRejected("HTTP 400: response_format", status=400))
    breaker.failed(ServerError("HTTP 500", status=500))
    breaker.failed(Unreachable("cannot connect"))
    assert breaker.closed
    breaker.succeeded()  # an answer between failures: not in a row
    for _ in range(3):
        breaker.failed(ServerError("HTTP 500", status=500))
    assert breaker.state == "open" and breaker.trips == 1 and not breaker.probe_due()

    now[0] = faults.COOLDOWN_S
    assert breaker.probe_due()
    breaker.start_probe()
    breaker.failed(Unreachable("cannot connect"))  # the probe failed: twice as long
    assert breaker.state == "open" and breaker.cooldown == 2 * faults.COOLDOWN_S and breaker.trips == 1
    now[0] += faults.COOLDOWN_S
    assert not breaker.probe_due()
    now[0] += faults.COOLDOWN_S
    breaker.start_probe()
    breaker.abandon_probe()  # cancelled before an answer: due again at once
    assert breaker.probe_due() and breaker.probes == 2
    breaker.start_probe()
    breaker.succeeded()
    assert breaker.closed and breaker.cooldown == faults.COOLDOWN_S


def test_a_record_of_format_3_without_a_replica_is_read_as_older() -> None:
    from extractor.models import RECORD_FORMAT
    from extractor.store.records import parse_line

    line = {"format": 3, "article_id": "a1", "title": "Ambush", "status": "ok", "incidents": [],
            "provenance": {"backend": "openai", "model": "m", "schema_hash": "s", "endpoint": A}}  # fmt: skip

    kind, record = parse_line(json.dumps(line))
    current, again = parse_line(json.dumps(line | {"format": RECORD_FORMAT, "provenance": line["provenance"] | {
        "replica": B}}))  # fmt: skip

    assert RECORD_FORMAT == 4 and kind == "older" and record is not None and record.provenance.replica is None
    assert current == "current" and again is not None and again.provenance.replica == B
