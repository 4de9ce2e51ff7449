"""Feeds watched: conditional GETs (a 304 queues nothing), only new or changed articles queued, one request at a time
per host, exponential backoff and a failing mark, the scheduler inside the service, and `extract watch`."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path

from typer.testing import CliRunner

from extractor.cli import app
from extractor.service import ServiceConfig
from extractor.service.runtime import Runtime
from extractor.store import work
from extractor.store.database import open_db

from bench.feed_server import FeedServer, attack_items, rss


def make_runtime(tmp_path: Path, **overrides) -> Runtime:
    values = {"db": tmp_path / "w.db", "tokens": ("t" * 20,), "settings": {"model": "baseline"}, "workers": 2,
              "host_interval_s": 0.0, "tick_s": 0.02} | overrides  # fmt: skip
    return Runtime(ServiceConfig(**values))


def feed_row(runtime: Runtime, feed_id: int) -> dict:
    return runtime.writer.query("SELECT * FROM feeds WHERE feed_id = ?", [feed_id])[0]


def test_a_304_costs_nothing_and_only_new_or_changed_articles_are_queued(tmp_path: Path) -> None:
    with FeedServer() as server:
        server.documents["/f.xml"] = rss(attack_items(3))
        runtime = make_runtime(tmp_path)
        try:
            feed = runtime.write_sync(lambda db: work.add_feed(db, f"{server.base_url}/f.xml", 60))

            def poll() -> str:
                row = runtime.writer.query("SELECT * FROM feeds WHERE feed_id = ?", [feed["feed_id"]])[0]
                return asyncio.run(runtime.poll_once(row))

            assert poll() == "ok"
            assert work.queue_counts(runtime.writer)["queued"] == 3
            assert poll() == "not_modified"
            assert server.stats.requests == 2 and server.stats.conditional == 1 and server.stats.not_modified == 1
            assert work.queue_counts(runtime.writer)["queued"] == 3
            row = feed_row(runtime, feed["feed_id"])
            assert (row["status"], row["fetches"], row["not_modified"], row["articles_queued"]) == ("not_modified", 2, 1, 3)
            assert row["etag"] and row["last_modified"]
            items = attack_items(4)
            items[0] = (items[0][0], items[0][1], items[0][2] + " The toll rose later.")
            server.documents["/f.xml"] = rss(items)  # one changed, one new, two as before
            assert poll() == "ok"
            assert work.queue_counts(runtime.writer)["queued"] == 5
            metrics = runtime.metrics.render()[0].decode()
            assert 'extract_feed_fetches_total{result="not_modified"} 1.0' in metrics
        finally:
            asyncio.run(runtime.close())


def test_one_request_at_a_time_per_host(tmp_path: Path) -> None:
    with FeedServer(delay_s=0.2) as server:
        for name in ("a", "b", "c"):
            server.documents[f"/{name}.xml"] = rss(attack_items(1, prefix=name))
        runtime = make_runtime(tmp_path)
        try:
            feeds = [runtime.write_sync(lambda db, n=n: work.add_feed(db, f"{server.base_url}/{n}.xml", 60))
                     for n in ("a", "b", "c")]  # fmt: skip
            rows = [feed_row(runtime, f["feed_id"]) for f in feeds]

            async def all_at_once():
                return await asyncio.gather(*(runtime.poll_once(r) for r in rows))

            assert asyncio.run(all_at_once()) == ["ok", "ok", "ok"]
            assert server.stats.requests == 3 and server.stats.max_in_flight == 1
        finally:
            asyncio.run(runtime.close())


def test_a_failing_feed_backs_off_exponentially_and_is_marked_failing(tmp_path: Path) -> None:
    with FeedServer() as server:
        server.failing.add("/down.xml")
        runtime = make_runtime(tmp_path, fail_after=3, max_backoff_s=1000)
        try:
            feed = runtime.write_sync(lambda db: work.add_feed(db, f"{server.base_url}/down.xml", 60))
            statuses, waits = [], []
            for _ in range(5):
                row = feed_row(runtime, feed["feed_id"])
                statuses.append(asyncio.run(runtime.poll_once(row)))
                row = feed_row(runtime, feed["feed_id"])
                waits.append((dt.datetime.fromisoformat(row["next_fetch"])
                              - dt.datetime.fromisoformat(row["last_fetch"])).total_seconds())  # fmt: skip
            assert statuses == ["error", "error", "failing", "failing", "failing"]
            assert waits == [120, 240, 480, 960, 1000]
            row = feed_row(runtime, feed["feed_id"])
            assert row["failures"] == 5 and row["errors"] == 5 and "HTTP 500" in row["last_error"]
            assert "extract_feed_fetch_errors_total 5.0" in runtime.metrics.render()[0].decode()
            server.failing.clear()
            server.documents["/down.xml"] = rss(attack_items(1))
            assert asyncio.run(runtime.poll_once(row)) == "ok"
            assert feed_row(runtime, feed["feed_id"])["failures"] == 0
        finally:
            asyncio.run(runtime.close())


def test_the_scheduler_polls_a_subscribed_feed_into_the_store(tmp_path: Path) -> None:
    with FeedServer() as server:
        server.documents["/live.xml"] = rss(attack_items(4))
        runtime = make_runtime(tmp_path)

        async def scenario() -> None:
            runtime.write_sync(lambda db: work.add_feed(db, f"{server.base_url}/live.xml", 5))
            await runtime.start()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and work.queue_counts(runtime.reader())["done"] < 4:
                await asyncio.sleep(0.05)
            await runtime.drain()  # the events current
            await runtime.stop()

        try:
            asyncio.run(scenario())
            db = runtime.writer
            assert work.queue_counts(db) == {"queued": 0, "claimed": 0, "done": 4}
            assert db.query("SELECT count(*) AS n FROM incidents")[0]["n"] >= 4
            assert db.query("SELECT count(*) AS n FROM events")[0]["n"] >= 1
        finally:
            asyncio.run(runtime.close())


def test_watch_once_extracts_then_costs_nothing_on_an_unchanged_feed(tmp_path: Path) -> None:
    runner = CliRunner()
    with FeedServer() as server:
        server.documents["/w.xml"] = rss(attack_items(3))
        url = f"{server.base_url}/w.xml"
        args = ["watch", url, "--db", str(tmp_path / "watch.db"), "--every", "10m", "--once", "--model", "baseline"]
        first = runner.invoke(app, args)
        assert first.exit_code == 0, first.output
        assert "3 article(s) queued, 3 extracted" in first.output
        second = runner.invoke(app, args)
        assert second.exit_code == 0, second.output
        assert "1 unchanged (304)" in second.output and "0 article(s) queued, 0 extracted" in second.output
        assert server.stats.not_modified == 1
    with open_db(tmp_path / "watch.db") as db:
        assert db.query("SELECT interval_s FROM feeds")[0]["interval_s"] == 600
        assert db.query("SELECT count(*) AS n FROM extractions")[0]["n"] == 3
    bad = runner.invoke(app, ["watch", url, "--db", str(tmp_path / "watch.db"), "--every", "soon"])
    assert bad.exit_code == 2 and "cannot read the interval" in bad.output and "Traceback" not in bad.output


def test_watch_keeps_polling_until_sigterm_then_exits_cleanly(tmp_path: Path) -> None:
    import os
    import signal
    import sqlite3
    import subprocess
    import sys

    with FeedServer() as server:
        server.documents["/loop.xml"] = rss(attack_items(3))
        db = tmp_path / "loop.db"
        command = [sys.executable, "-c", "from extractor.cli import app; app()", "watch", f"{server.base_url}/loop.xml",
                   "--db", str(db), "--every", "5s", "--model", "baseline"]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path,
                                   env=dict(os.environ), text=True)  # fmt: skip

        def polled_twice() -> bool:
            assert process.poll() is None, process.stdout.read()
            if not db.exists():
                return False
            try:
                with sqlite3.connect(db) as conn:
                    row = conn.execute("SELECT fetches, not_modified FROM feeds").fetchone()
                    done = conn.execute("SELECT count(*) FROM work_queue WHERE state = 'done'").fetchone()[0]
            except sqlite3.OperationalError:  # not migrated yet
                return False
            return bool(row) and row[0] >= 2 and row[1] >= 1 and done == 3

        deadline = time.monotonic() + 90
        while not polled_twice():
            assert time.monotonic() < deadline, "the watch did not poll the feed twice"
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "watching 1 feed(s) every 5 s" in output and "3 extracted" in output and "unchanged (304)" in output
    assert "0 poll(s)" not in output
    assert server.stats.not_modified >= 1
