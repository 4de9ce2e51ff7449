"""The service's feed scheduler at load: FEEDS feeds of ITEMS items each, subscribed to a real `extract serve`
process whose LLM is the fake OpenAI-compatible server at LATENCY seconds a reply. Measures articles per second
against the ceiling (concurrency / latency), then lets every feed be polled again unchanged: each poll must be a
conditional GET answered 304, with no request to the LLM. Reports the service's peak memory (VmHWM).

    python bench/serve_feeds_bench.py [--feeds 50] [--items 100] [--latency 0.5] [--concurrency 32]

A simulated day (`--rounds 96 --new 2`: a quarter-hour poll compressed to `--interval` seconds): after the first
load, each round adds `--new` items to every feed; the service polls, extracts them and updates the events. Prints
the service's resident memory after each tenth round and at the end, so growth over a day shows.

    python bench/serve_feeds_bench.py --feeds 50 --items 20 --rounds 96 --new 2 --interval 5
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.fake_server import FakeConfig, FakeServer  # noqa: E402
from bench.feed_server import FeedServer, attack_items, rss  # noqa: E402
from bench.serve_bench import AUTH, TOKEN, TOWNS, free_port  # noqa: E402


def memory_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--interval", type=int, default=20, help="poll interval of each feed (s)")
    parser.add_argument("--rounds", type=int, default=0, help="rounds of new items after the first load")
    parser.add_argument("--new", type=int, default=2, help="new items per feed per round")
    args = parser.parse_args()
    memory: list[tuple[int, int, int]] = []  # (round, done, VmRSS kB)
    total = args.feeds * args.items
    with tempfile.TemporaryDirectory() as tmp, FeedServer() as feeds, FakeServer(FakeConfig(latency=args.latency)) as llm:
        day0 = datetime(2024, 9, 20, 8, tzinfo=timezone.utc)
        for f in range(args.feeds):  # each feed a different span of days, an item a day, ten towns
            items = attack_items(args.items, prefix=f"f{f}", towns=TOWNS)
            feeds.documents[f"/{f}.xml"] = rss(items, start=day0 - timedelta(days=f * args.items), step_hours=24)
        port = free_port()
        command = [sys.executable, "-c", "from extractor.cli import app; app()", "serve", "--db", f"{tmp}/feeds.db",
                   "--port", str(port), "--base-url", llm.base_url, "--model", "fake-model", "--concurrency",
                   str(args.concurrency), "--cache-dir", f"{tmp}/cache", "--rate-limit", "0"]  # fmt: skip
        env = {**os.environ, "EXTRACT_API_TOKENS": TOKEN, "OPENAI_API_KEY": "sk-fake-bench-000000000000"}
        process = subprocess.Popen(command, env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("the service did not start")
                time.sleep(0.2)
            started = time.perf_counter()
            for f in range(args.feeds):
                httpx.post(f"{base}/v1/feeds", json={"url": f"{feeds.base_url}/{f}.xml", "interval": args.interval},
                           headers=AUTH, timeout=30).raise_for_status()  # fmt: skip
            first_done = None
            while True:
                done = httpx.get(f"{base}/health", timeout=30).json()["queue"]["done"]
                if done >= total:
                    first_done = time.perf_counter() - started
                    break
                if time.perf_counter() - started > 3600:
                    break
                time.sleep(0.5)
            llm_requests = len(llm.requests)
            before = feeds.stats.not_modified
            while feeds.stats.not_modified - before < args.feeds and time.perf_counter() - started < 3600:
                time.sleep(0.5)  # every feed polled again, unchanged
            second_pass_llm = len(llm.requests) - llm_requests
            memory.append((0, total, memory_kb(process.pid, "VmRSS")))
            expected = total
            for r in range(1, args.rounds + 1):
                expected += args.feeds * args.new
                n = args.items + r * args.new
                for f in range(args.feeds):  # the same feeds, `new` more items each, newest first as feeds are
                    items = attack_items(n, prefix=f"f{f}", towns=TOWNS)
                    feeds.documents[f"/{f}.xml"] = rss(items[::-1][: args.items], start=day0 + timedelta(hours=r),
                                                       step_hours=1)  # fmt: skip
                while httpx.get(f"{base}/health", timeout=30).json()["queue"]["done"] < expected:
                    if time.perf_counter() - started > 7200:
                        raise SystemExit(f"round {r}: the queue did not drain")
                    time.sleep(0.5)
                if r % 10 == 0 or r == args.rounds:
                    memory.append((r, expected, memory_kb(process.pid, "VmRSS")))
            peak = memory_kb(process.pid, "VmHWM")
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=120)
    ceiling = args.concurrency / args.latency
    rate = total / first_done if first_done else 0.0
    print(f"machine: nproc {os.cpu_count()}, {platform.machine()}, Python {platform.python_version()}")
    print(f"{args.feeds} feeds x {args.items} items, fake LLM {args.latency} s, concurrency {args.concurrency}: "
          f"{total} articles in {first_done:.1f} s from the first subscription = {rate:.1f} articles/s, ceiling "
          f"{ceiling:.0f} ({100 * rate / ceiling:.0f}%); {llm_requests} LLM requests")
    print(f"second pass: {feeds.stats.not_modified - before} conditional polls answered 304, {second_pass_llm} LLM "
          f"requests; feed requests in all {feeds.stats.requests} ({feeds.stats.conditional} conditional), most at "
          f"once {feeds.stats.max_in_flight}; service peak RSS {peak / 1024:.0f} MB")
    if args.rounds:
        print(f"simulated day: {args.rounds} rounds of {args.new} new items per feed; resident memory (round, articles "
              "done, MB): " + ", ".join(f"({r}, {d}, {kb / 1024:.0f})" for r, d, kb in memory))


if __name__ == "__main__":
    main()
