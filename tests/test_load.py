"""Load and faults against the fake OpenAI-compatible server: 429 storms, malformed replies, a run killed and
resumed, failed articles resumed, and the client-side rpm window under many concurrent requests.

The server runs in a thread (bench.fake_server.FakeServer); nothing here asserts on wall-clock timing.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.fake_server import FakeConfig, FakeServer, _error, article_key, article_text
from bench.run_bench import synthetic_feed
from extractor import store
from extractor.cli import app
from extractor.feeds import load_feed
from extractor.llm import limits
from extractor.llm.limits import MARGIN_S, WINDOW_S, RequestLimiter
from extractor.models import ArticleRecord

runner = CliRunner()
FAST_RETRIES = "retry_initial_wait = 0.001\nretry_max_wait = 0.01\n"


@pytest.fixture
def feed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """24 distinct articles (texts varied from the golden feed) and fast retries in ./extract.toml."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-load-test")
    (tmp_path / "extract.toml").write_text(FAST_RETRIES + "max_attempts = 30\n")
    path = tmp_path / "feed.xml"
    synthetic_feed(path, 24)
    return path


def keys_by_id(feed: Path) -> dict[str, str]:
    """Article id -> the fake server's article_key of the text the client sends."""
    return {a.id: article_key(a.text) for a in load_feed(str(feed)).articles}


def run_cli(feed: Path, server: FakeServer, *args: str, output: str = "out.jsonl"):
    return runner.invoke(
        app, ["run", str(feed), "--model", "fake-model", "--base-url", server.base_url, "-o", output, "-q", *args]
    )


def read_records(path: str | Path = "out.jsonl") -> list[ArticleRecord]:
    """Every record of a finished output, through the project's one reader; no line may be unreadable."""
    records, unreadable = store.read_records(path)
    assert unreadable == 0
    return records


def assert_each_article_done_once(records: list[ArticleRecord], keys: dict[str, str]) -> None:
    """Every article has exactly one ok record and it is its last line (a superseded failed line may precede it)."""
    ok = collections.Counter(r.article_id for r in records if r.status == "ok")
    assert ok == collections.Counter(dict.fromkeys(keys, 1)), "every article done exactly once"
    assert all(r.status == "ok" for r in store.records_by_id(records).values())


def original_key(body: dict) -> str:
    """The article_key of a request's article, also for a re-ask (whose last user message is the error)."""
    return article_key(article_text({"messages": body["messages"][:2]}))


def test_429_storm_ends_with_every_article_done_once(feed: Path) -> None:
    with FakeServer(FakeConfig(p_429=0.5, retry_after=0, seed=3, record_bodies=False)) as server:
        result = run_cli(feed, server, "--concurrency", "8", "--no-cache")

    assert result.exit_code == 0, result.output
    records = read_records()
    assert sorted(r.article_id for r in records) == sorted(keys_by_id(feed))
    assert all(r.status == "ok" for r in records)
    assert server.stats["forced_429"] > 0
    assert server.stats["ok"] == len(records), "one successful request per article, no duplicates"
    assert sum(r.provenance.attempts for r in records) == len(server.requests)


def test_server_rpm_limit_429s_are_retried_until_every_article_is_done(feed: Path, monkeypatch) -> None:
    # The server's window is 60 s; 429s carry Retry-After >= 1 s. Shorten the client's waits (recorded, not
    # slept) and let the server forget its window on every 429, so the run takes no real minute.
    from extractor.llm.client import OpenAICompatBackend

    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(OpenAICompatBackend, "_sleep", staticmethod(no_sleep))
    monkeypatch.setattr(RequestLimiter, "throttled", lambda self, retry_after: setattr(self, "rate_limited", 1))

    class Forgetful(FakeServer):
        def _decide(self, body, text, prompt_tokens, now):
            response, outcome = super()._decide(body, text, prompt_tokens, now)
            if outcome == "rate_limited":
                self._window.clear()
                self._window_tokens = 0
            return response, outcome

    with Forgetful(FakeConfig(rpm=5, record_bodies=False)) as server:
        result = run_cli(feed, server, "--concurrency", "8", "--no-cache")

    assert result.exit_code == 0, result.output
    assert server.stats["rate_limited"] > 0 and len(waits) == server.stats["rate_limited"]
    # Retry-After is whole seconds rounded up, and a request's arrival time can precede the window entry of one
    # decided before it, so 61 is possible.
    assert all(1 <= w <= 61 for w in waits), f"the server's Retry-After is what the client waited: {waits}"
    records = read_records()
    assert sorted(r.article_id for r in records) == sorted(keys_by_id(feed))
    assert all(r.status == "ok" for r in records)


def test_malformed_reply_is_reasked_with_the_parse_error(feed: Path) -> None:
    with FakeServer(FakeConfig(p_malformed=0.3, seed=5)) as server:
        result = run_cli(feed, server, "--concurrency", "1", "--no-cache")

    assert result.exit_code in (0, 1), result.output  # 1: an article was malformed three times in a row
    by_article: dict[str, list] = collections.defaultdict(list)
    for request in server.requests:
        by_article[original_key(request.body)].append(request)
    malformed = [reqs for reqs in by_article.values() if reqs[0].outcome == "malformed"]
    assert malformed, "the seed gives at least one malformed first reply"
    for first, second, *_ in malformed:
        messages = second.body["messages"]
        assert len(messages) == 4 and messages[2]["role"] == "assistant"
        with pytest.raises(json.JSONDecodeError):
            json.loads(messages[2]["content"])  # the cut reply, sent back
        assert messages[3]["role"] == "user"
        assert "not valid JSON" in messages[3]["content"]
    records = {r.article_id: r for r in read_records()}
    assert len(records) == 24
    assert all(r.status == "ok" or r.provenance.attempts == 3 for r in records.values()), "failed only after 2 re-asks"
    assert result.exit_code == any(r.status == "failed" for r in records.values())
    keys = keys_by_id(feed)
    for article_id, record in records.items():
        assert record.provenance.attempts == len(by_article[keys[article_id]])


def test_requests_queued_behind_mode_negotiation_then_run_concurrently(feed: Path) -> None:
    # The first request negotiates the structured-output mode alone; the 7 that waited for it must then be
    # in flight together. The server holds each of them until 8 requests have arrived (or 3 s have passed).
    class Barrier(FakeServer):
        arrived, timed_out, full = 0, 0, None

        async def _chat(self, request):
            self.arrived += 1
            self.full = self.full or asyncio.Event()
            if self.arrived >= 8:
                self.full.set()
            elif self.arrived > 1:
                try:
                    await asyncio.wait_for(self.full.wait(), 3)
                except asyncio.TimeoutError:
                    self.timed_out += 1
            return await super()._chat(request)

    with Barrier(FakeConfig(record_bodies=False)) as server:
        result = run_cli(feed, server, "--concurrency", "8", "--no-cache")

    assert result.exit_code == 0, result.output
    assert server.timed_out == 0, "requests after the negotiation were sent one at a time"


def test_killed_run_resumes_without_asking_again_for_finished_articles(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    synthetic_feed(feed, 40)
    keys = keys_by_id(feed)
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "OPENAI_API_KEY": "sk-load-test", "EXTRACT_CACHE_DIR": str(tmp_path / "cache")}

    def cli(server: FakeServer, *extra: str) -> subprocess.Popen:
        command = [sys.executable, "-c", "from extractor.cli import app; app()", "run", str(feed), "-o", str(out),
                   "--model", "fake-model", "--base-url", server.base_url, "--concurrency", "2", "-q", "--no-cache",
                   *extra]
        return subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    with FakeServer(FakeConfig(latency=0.1, record_bodies=False)) as server:
        first = cli(server)
        deadline = time.monotonic() + 120
        while (not out.exists() or len(out.read_text().splitlines()) < len(keys) // 2) and first.poll() is None:
            assert time.monotonic() < deadline, "the first run wrote too little in two minutes"
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        first.wait()
        assert first.returncode == -signal.SIGKILL, "killed before it finished"
        # SIGKILL may cut the last line in two: --resume keeps such a line and runs its article again.
        kept, cut = store.read_records(str(out))
        assert cut <= 1
        finished = {r.article_id for r in kept if r.status == "ok"}
        assert len(keys) // 2 - cut <= len(finished) < len(keys)
        before = len(server.requests)

        second = cli(server, "--resume")
        _, stderr = second.communicate(timeout=120)
        assert second.returncode == 0, stderr.decode()
        again = collections.Counter(r.article_key for r in server.requests[before:])

    assert again == collections.Counter({keys[i]: 1 for i in keys if i not in finished})
    records, still_cut = store.read_records(out)
    assert still_cut == cut, "a cut line is kept, never deleted"
    assert_each_article_done_once(records, keys)


def test_failed_article_is_written_with_its_error_and_resume_reruns_only_it(feed: Path) -> None:
    (feed.parent / "extract.toml").write_text(FAST_RETRIES + "max_attempts = 3\n")
    keys = keys_by_id(feed)
    bad_id = sorted(keys)[5]

    class OneBroken(FakeServer):
        broken = True

        def _decide(self, body, text, prompt_tokens, now):
            if self.broken and article_key(text) == keys[bad_id]:
                return _error(500, "The server had an error processing this article.", "server_error"), "error_500"
            return super()._decide(body, text, prompt_tokens, now)

    with OneBroken(FakeConfig(record_bodies=False)) as server:
        result = run_cli(feed, server, "--concurrency", "4")
        assert result.exit_code == 1, result.output
        records = {r.article_id: r for r in read_records()}
        assert set(records) == set(keys)
        failed = records[bad_id]
        assert failed.status == "failed"
        assert "500" in failed.error and "error processing this article" in failed.error
        assert failed.provenance.attempts == 3
        assert all(r.status == "ok" for i, r in records.items() if i != bad_id)

        server.broken = False
        before = len(server.requests)
        resumed = run_cli(feed, server, "--concurrency", "4", "--resume")
        assert resumed.exit_code == 0, resumed.output
        assert [r.article_key for r in server.requests[before:]] == [keys[bad_id]]

    assert_each_article_done_once(read_records(), keys)


class VirtualTime:
    """Stands in for `asyncio` inside extractor.llm.limits: a timed wait for the limiter's condition moves a fake
    clock forward instead of sleeping; an untimed wait (for a slot) is real."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now

    def __getattr__(self, name: str):
        return getattr(asyncio, name)

    async def wait_for(self, awaitable, timeout):
        if timeout is None:
            return await awaitable
        awaitable.close()  # the condition's wait is never started; the lock stays held, as after a timeout
        self.now += timeout
        raise asyncio.TimeoutError


@pytest.mark.parametrize(("rpm", "concurrency", "requests"), [(10, 4, 45), (7, 64, 50), (60, 8, 200)])
def test_rpm_limit_never_exceeded_in_any_60s_window(monkeypatch, rpm: int, concurrency: int, requests: int) -> None:
    clock = VirtualTime()
    monkeypatch.setattr(limits, "asyncio", clock)
    limiter = RequestLimiter(concurrency, rpm=rpm, clock=clock)
    started: list[float] = []

    async def one() -> None:
        async with limiter.request(100):
            started.append(clock())
            await asyncio.sleep(0)  # let the others queue up while this one is in flight

    async def scenario() -> None:
        await asyncio.gather(*(one() for _ in range(requests)))

    asyncio.run(scenario())

    assert len(started) == requests
    started.sort()
    for i, t in enumerate(started):
        in_window = sum(1 for s in started[i:] if s < t + WINDOW_S)
        assert in_window <= rpm, f"{in_window} requests in the 60 s from {t - 5000:.1f}"
    # and the limiter is not needlessly slow: a full batch each window
    windows = -(-requests // rpm) - 1
    assert started[-1] - started[0] <= windows * (WINDOW_S + MARGIN_S) + 1e-6
    assert limiter.peak_in_flight <= concurrency
