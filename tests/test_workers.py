"""Workers sharing one PostgreSQL queue: real `extract worker` processes against the fake OpenAI-compatible server
(in a thread), articles queued by `extract run --enqueue`; one worker SIGKILLed while it holds a claim. Every
article ends done exactly once: one stored extraction each, none lost, none extracted twice by live workers."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.fake_server import FakeConfig, FakeServer, article_key
from bench.run_bench import synthetic_feed
from extractor.cli import app
from extractor.feeds import load_feed
from extractor.store import work
from extractor.store.database import open_db
from tests.conftest import runner

N_ARTICLES = 24
DEADLINE_S = 120.0


def _worker(url: str, base_url: str, tmp_path: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "OPENAI_API_KEY": "sk-worker-test", "EXTRACT_CACHE_DIR": str(tmp_path / "cache")}
    command = [str(Path(sys.executable).with_name("extract")), "worker", "--db", url, "--model", "fake-model", "--base-url",
               base_url, "--no-cache", "--workers", "1", "--heartbeat", "0.3", "--claim-timeout", "3", *args]  # fmt: skip
    return subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip


def _wait(condition, what: str, processes: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    for process in processes:
        process.kill()
    raise AssertionError(f"gave up waiting for {what}")


def test_three_workers_one_killed_mid_claim_every_article_done_once(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-worker-test")
    pg_url = pg_url.replace("postgres@", "postgres:pw-SECRET-42@")  # the test server trusts 127.0.0.1: not checked
    feed = tmp_path / "feed.xml"
    synthetic_feed(feed, N_ARTICLES)
    keys = {article_key(a.text): a.id for a in load_feed(str(feed)).articles}
    with FakeServer(FakeConfig(latency=0.4)) as server:
        queued = runner.invoke(app, ["run", str(feed), "--db", pg_url, "--enqueue", "--model", "fake-model",
                                     "--base-url", server.base_url])  # fmt: skip
        assert queued.exit_code == 0, queued.output
        assert f"{N_ARTICLES} article(s) queued" in queued.output
        assert server.requests == []  # queued, not extracted
        workers = [_worker(pg_url, server.base_url, tmp_path, "--exit-when-idle") for _ in range(3)]
        with open_db(pg_url, create=False) as db:
            _wait(lambda: work.queue_counts(db)["claimed"] >= 3 and len(server.requests) >= 4, "three claims", workers)
        workers[0].send_signal(signal.SIGKILL)  # it holds a claim: its request is still in the server's latency
        survivors = []
        for process in workers[1:]:
            _, err = process.communicate(timeout=DEADLINE_S)
            assert process.returncode == 0, err
            survivors.append(err)
        workers[0].wait(timeout=10)
        assert workers[0].returncode == -signal.SIGKILL
        requests = list(server.requests)
    taken_over = sum(int(err.rsplit(" claim(s) of stopped workers", 1)[0].rsplit(", ", 1)[1]) for err in survivors)
    assert not any("pw-SECRET-42" in err for err in [*survivors, queued.output])  # shown as postgres:***@
    assert all("postgres:***@" in err for err in survivors)
    assert taken_over >= 1, survivors  # the killed worker's claim went back to the queue and was done by another
    with open_db(pg_url, create=False) as db:
        assert work.queue_counts(db) == {"queued": 0, "claimed": 0, "done": N_ARTICLES}
        stored = db.query("SELECT article_id, count(*) AS n FROM extractions GROUP BY article_id")
        assert sorted(r["article_id"] for r in stored) == sorted(keys.values()) and {r["n"] for r in stored} == {1}
        assert db.query("SELECT sum(replaced_incidents) AS n FROM extractions")[0]["n"] == 0  # none written twice
        assert db.query("SELECT count(*) AS n FROM events")[0]["n"] > 0  # merged by the last worker out
    per_article = collections.Counter(keys[r.article_key] for r in requests if r.article_key in keys)
    assert set(per_article) == set(keys.values())
    assert sum(per_article.values()) <= N_ARTICLES + taken_over  # only the dead worker's claims were asked again
    assert max(per_article.values()) <= 2


def test_enqueue_needs_a_database_and_queues_only_what_is_not_stored(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    synthetic_feed(feed, 3)
    alone = runner.invoke(app, ["run", str(feed), "--model", "baseline", "--enqueue"])
    assert alone.exit_code != 0 and "--enqueue needs --db" in alone.output
    target = str(tmp_path / "queue.db")
    assert runner.invoke(app, ["run", str(feed), "--model", "baseline", "--db", target, "-q"]).exit_code == 0
    again = runner.invoke(app, ["run", str(feed), "--model", "baseline", "--db", target, "--enqueue"])
    assert again.exit_code == 0 and "0 article(s) queued" in again.output  # all stored already: nothing to do
    with open_db(target, create=False) as db:
        assert work.queue_counts(db) == {"queued": 0, "claimed": 0, "done": 0}


def test_a_service_on_postgresql_takes_over_only_claims_left_to_go_stale(pg_url: str, tmp_path: Path) -> None:
    import asyncio

    from tests.conftest import article, identity, make_runtime

    with open_db(pg_url) as db:
        run_id = db.register_run(identity())
        work.enqueue(db, run_id, [article(1), article(2)])
        held = work.claim(db, run_id)  # a live worker elsewhere holds it
        assert held is not None
    runtime = make_runtime(tmp_path, db=pg_url)
    try:
        assert runtime.shared and runtime.requeued == 0  # not re-queued: its worker may be alive
    finally:
        asyncio.run(runtime.close())
    with open_db(pg_url) as db, db.transaction():
        db.db.execute("UPDATE work_queue SET claimed_at = '2000-01-01T00:00:00+00:00' WHERE item_id = ?", [held[0]])
    runtime = make_runtime(tmp_path, db=pg_url)
    try:
        assert runtime.requeued == 1  # no heartbeat for longer than the claim timeout: taken over
    finally:
        asyncio.run(runtime.close())
