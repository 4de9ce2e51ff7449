"""End to end: a real `extract serve` process on 127.0.0.1 with a local feed server (counting conditional GETs and
304s) and the fake OpenAI-compatible server; a feed is added, the service is SIGKILLed mid-queue and restarted,
and nothing is lost or extracted twice. Every wait polls against a deadline; nothing is timed."""

from __future__ import annotations

import collections
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

pytest.importorskip("uvicorn")

from bench.fake_server import FakeConfig, FakeServer  # noqa: E402

from bench.feed_server import FeedServer, attack_items, rss  # noqa: E402

from .conftest import free_port, service_healthy, wait_for  # noqa: E402

TOKEN = "e2e-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
N_ARTICLES = 12


def start_service(db: Path, llm_url: str, tmp_path: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-c", "from extractor.cli import app; app()", "serve", "--db", str(db), "--port",
               str(port), "--base-url", llm_url, "--model", "fake-model", "--concurrency", "1", "--cache-dir",
               str(tmp_path / "cache")]  # fmt: skip
    env = {**os.environ, "EXTRACT_API_TOKENS": TOKEN, "OPENAI_API_KEY": "sk-fake-e2e-key-000000000000"}
    log = open(tmp_path / f"serve-{port}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: service_healthy(base, process), "the service to answer /health", process)
    return process, base


def queue(base: str) -> dict[str, int]:
    return httpx.get(f"{base}/health", timeout=5).json()["queue"]


def test_killed_and_restarted_the_service_loses_nothing_and_extracts_nothing_twice(tmp_path: Path) -> None:
    db = tmp_path / "service.db"
    items = attack_items(N_ARTICLES)
    with FeedServer() as feeds, FakeServer(FakeConfig(latency=0.4)) as llm:
        feeds.documents["/news.xml"] = rss(items)
        first, base = start_service(db, llm.base_url, tmp_path)
        try:
            added = httpx.post(f"{base}/v1/feeds", json={"url": f"{feeds.base_url}/news.xml", "interval": 5},
                               headers=AUTH, timeout=10)  # fmt: skip
            assert added.status_code == 201, added.text
            assert httpx.post(f"{base}/v1/feeds", json={"url": f"{feeds.base_url}/x.xml"}, timeout=10).status_code == 401
            wait_for(lambda: queue(base)["done"] >= 3, "three articles done", first)
            assert queue(base)["done"] < N_ARTICLES  # mid-queue
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        with sqlite3.connect(db) as conn:
            states = dict(conn.execute("SELECT state, count(*) FROM work_queue GROUP BY state").fetchall())
        assert sum(states.values()) == N_ARTICLES and states.get("done", 0) < N_ARTICLES

        second, base = start_service(db, llm.base_url, tmp_path)
        try:
            wait_for(lambda: queue(base)["done"] == N_ARTICLES, "every article done after the restart", second)
            feed_id = added.json()["feed_id"]
            wait_for(lambda: httpx.get(f"{base}/v1/feeds/{feed_id}", headers=AUTH, timeout=5).json()["not_modified"] >= 1,
                     "a conditional poll answered 304", second)  # fmt: skip
            feed = httpx.get(f"{base}/v1/feeds/{feed_id}", headers=AUTH, timeout=5).json()
            assert feed["articles_queued"] == N_ARTICLES and feed["status"] in ("ok", "not_modified")
            incidents, cursor = [], None
            while True:
                page = httpx.get(f"{base}/v1/incidents", params={"limit": 5, **({"cursor": cursor} if cursor else {})},
                                 headers=AUTH, timeout=10).json()  # fmt: skip
                incidents += page["items"]
                cursor = page["next"]
                if cursor is None:
                    break
            assert {i["article_id"] for i in incidents} == {guid for guid, _, _ in items}
            metrics = httpx.get(f"{base}/metrics", headers=AUTH, timeout=5).text
            assert "extract_queue_depth 0.0" in metrics
        finally:
            second.send_signal(signal.SIGTERM)  # graceful: drains and exits 0
            assert second.wait(timeout=60) == 0
        assert "stopped: in-flight articles finished" in (tmp_path / f"serve-{base.rsplit(':', 1)[1]}.log").read_text()
        assert feeds.stats.conditional >= 1 and feeds.stats.not_modified >= 1
        assert feeds.stats.requests == feeds.stats.by_path["/news.xml"]
        requests_per_article = collections.Counter(r.article_key for r in llm.requests if r.status == 200)

    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT article_id) FROM extractions").fetchone() == (N_ARTICLES,) * 2
        assert conn.execute("SELECT state, count(*) FROM work_queue GROUP BY state").fetchall() == [("done", N_ARTICLES)]
        assert conn.execute("SELECT count(*) FROM extractions WHERE status = 'ok'").fetchone() == (N_ARTICLES,)
    # One request per article, but for the one in flight when the process was killed (concurrency 1).
    assert len(requests_per_article) == N_ARTICLES
    assert sum(requests_per_article.values()) <= N_ARTICLES + 1
    assert max(requests_per_article.values()) <= 2
