"""API latency of `extract serve`: GET /v1/incidents under many concurrent clients, while a feed is being watched.

A real `extract serve` process (the offline baseline) on 127.0.0.1 is filled through POST /v1/extract with
synthetic articles; then a feed of new articles is subscribed (so the scheduler and the queue worker write while the
readers read), and CLIENTS concurrent clients each make REQUESTS GETs of /v1/incidents, mixing a first page, a
country filter, a full-text search and a next page. Prints the latency percentiles and the requests per second.

    python bench/serve_bench.py [--articles 2000] [--clients 50] [--requests 40] [--feed-items 300]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.feed_server import FeedServer, attack_items, rss  # noqa: E402

TOKEN = "bench-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(db: Path, workdir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-c", "from extractor.cli import app; app()", "serve", "--db", str(db), "--port",
               str(port), "--model", "baseline", "--rate-limit", "0", "--max-articles", "50"]  # fmt: skip
    process = subprocess.Popen(command, env={**os.environ, "EXTRACT_API_TOKENS": TOKEN}, cwd=workdir,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the service did not start")


TOWNS = ("Bamako", "Niamey", "Mogadishu", "Kabul", "Gao", "Mopti", "Kidal", "Diffa", "Maiduguri", "Baidoa")


def fill(base: str, n: int) -> None:
    """n articles, about ten a day over n/10 days in ten towns (events of a few articles each, as in real news)."""
    items = attack_items(n, prefix="seed", towns=TOWNS)
    day0 = datetime(2024, 9, 20, 8, tzinfo=timezone.utc)
    with httpx.Client(timeout=300, headers=AUTH) as client:
        for start_at in range(0, n, 50):
            batch = [{"id": g, "title": t, "text": x, "published": (day0 - timedelta(days=(start_at + k) // 10)).isoformat()}
                     for k, (g, t, x) in enumerate(items[start_at:start_at + 50])]  # fmt: skip
            response = client.post(f"{base}/v1/extract", json={"articles": batch})
            response.raise_for_status()


async def reader(base: str, requests: int, latencies: list[float], errors: list[int], seed: int) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(timeout=60, headers=AUTH) as client:
        cursor = None
        for _ in range(requests):
            choice = rng.random()
            params: dict[str, object] = {"limit": 50}
            if choice < 0.25:
                params["country"] = rng.choice(["Mali", "Niger", "Somalia", "Afghanistan"])
            elif choice < 0.5:
                params["q"] = rng.choice(["market", "Kabul", "villagers wounded"])
            elif choice < 0.75 and cursor:
                params["cursor"] = cursor
            started = time.perf_counter()
            response = await client.get(f"{base}/v1/incidents", params=params)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                errors.append(response.status_code)
                continue
            cursor = response.json()["next"] or cursor


async def load(base: str, clients: int, requests: int) -> tuple[list[float], list[int], float]:
    latencies: list[float] = []
    errors: list[int] = []
    started = time.perf_counter()
    await asyncio.gather(*(reader(base, requests, latencies, errors, seed) for seed in range(clients)))
    return latencies, errors, time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--feed-items", type=int, default=300, help="items of the feed watched during the load")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FeedServer() as feeds:
        workdir = Path(tmp)
        process, base = start(workdir / "bench.db", workdir)
        try:
            t0 = time.perf_counter()
            fill(base, args.articles)
            filled = time.perf_counter() - t0
            incidents = httpx.get(f"{base}/metrics", headers=AUTH, timeout=60).text
            feeds.documents["/watch.xml"] = rss(attack_items(args.feed_items, prefix="watch"))
            httpx.post(f"{base}/v1/feeds", json={"url": f"{feeds.base_url}/watch.xml", "interval": 5}, headers=AUTH,
                       timeout=60).raise_for_status()
            latencies, errors, elapsed = asyncio.run(load(base, args.clients, args.requests))
            health = httpx.get(f"{base}/health", timeout=60).json()
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=120)
    stored = next((line.split()[-1] for line in incidents.splitlines() if line.startswith("extract_incidents_total")), "?")
    print(f"machine: nproc {os.cpu_count()}, {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"filled {args.articles} articles ({stored} incidents) through POST /v1/extract in {filled:.1f} s "
          f"({args.articles / filled:.0f} articles/s)")
    print(f"{args.clients} clients x {args.requests} GET /v1/incidents: {len(latencies)} requests, {len(errors)} errors, "
          f"{len(latencies) / elapsed:.0f} requests/s; latency p50 {1000 * percentile(latencies, 50):.0f} ms, "
          f"p99 {1000 * percentile(latencies, 99):.0f} ms, mean {1000 * statistics.mean(latencies):.0f} ms")
    print(f"while watching a feed of {args.feed_items} items: queue at the end {health['queue']}")


if __name__ == "__main__":
    main()
