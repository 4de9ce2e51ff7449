"""Workers sharing one PostgreSQL queue: 1, 2 and 4 `extract worker` processes against the fake LLM server.

    python bench/pg_workers.py            # the full run; rewrites its section of bench/RESULTS.md
    python bench/pg_workers.py --quick    # a smoke run, nothing written

A throw-away PostgreSQL server is started for it (tests/pg_server.py: Debian's postgresql, as the `postgres` user
when run as root), or `--db-server URL` names one whose user may create databases. Each measurement gets a fresh
database; the articles (a synthetic feed, distinct texts) are queued by `extract run FEED --db URL --enqueue`, then
N `extract worker --db URL --exit-when-idle --no-cache --workers C` processes work the queue against the fake
OpenAI-compatible server (in this process's thread, fixed latency). Throughput is the done count's rate between 10%
and 90% of the articles (start-up and the last stragglers left out), against the summed ceiling N x C / latency.
Duplicates are articles asked of the server more than once; in the kill run one worker is SIGKILLed at half way,
and the articles it held are asked again by the others (that is the takeover, not a duplicate extraction: each
article is stored once, which the stored extractions show).
"""

from __future__ import annotations

import argparse
import collections
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import machine, write_section  # noqa: E402
from bench.fake_server import FakeConfig, FakeServer, article_key  # noqa: E402
from bench.run_bench import synthetic_feed  # noqa: E402

HEADING = "## Workers sharing one PostgreSQL queue (`bench/pg_workers.py`)"
EXTRACT = str(Path(sys.executable).with_name("extract"))


def measure(server_url: str, name: str, fake: FakeServer, folder: Path, *, workers: int, concurrency: int,
            articles: int, kill: bool, claim_timeout: float) -> dict:  # fmt: skip
    sys.path.insert(0, str(ROOT / "tests"))
    import pg_server  # noqa: E402  (tests/pg_server.py)

    from extractor.store.database import open_db

    load = os.getloadavg()[0]
    url = pg_server.create_database(server_url, name)
    feed = folder / f"{name}.xml"
    synthetic_feed(feed, articles, seed=len(name))
    env = {**os.environ, "OPENAI_API_KEY": "sk-bench", "EXTRACT_CACHE_DIR": str(folder / "cache")}
    common = ["--model", "fake-model", "--base-url", fake.base_url]
    subprocess.run([EXTRACT, "run", str(feed), "--db", url, "--enqueue", "-q", *common], env=env, check=True,
                   capture_output=True, cwd=folder)  # fmt: skip
    fake.reset()
    processes = [subprocess.Popen([EXTRACT, "worker", "--db", url, "--exit-when-idle", "--no-cache", "--workers",
                                   str(concurrency), "--claim-timeout", str(claim_timeout), "--heartbeat", "1",
                                   *common], env=env, cwd=folder, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL) for _ in range(workers)]  # fmt: skip
    marks: dict[int, float] = {}
    killed = False
    started = time.monotonic()
    cpu: dict[int, float] = {}  # pid -> user + system seconds (os.wait4 reaps each worker itself)
    with open_db(url, create=False) as db:
        while len(cpu) < len(processes):
            for process in processes:
                if process.pid not in cpu:
                    pid, _, usage = os.wait4(process.pid, os.WNOHANG)
                    if pid:
                        cpu[pid] = usage.ru_utime + usage.ru_stime
            done = db.query("SELECT count(*) AS n FROM work_queue WHERE state = 'done'")[0]["n"]
            now = time.monotonic()
            for share in (10, 50, 90):
                if done >= articles * share // 100 and share not in marks:
                    marks[share] = now
            if kill and not killed and done >= articles // 2:
                processes[0].send_signal(signal.SIGKILL)
                killed = True
            if now - started > 1800:
                for p in processes:
                    p.kill()
                raise SystemExit(f"{name}: gave up after 1800 s")
            time.sleep(0.05)
        wall = time.monotonic() - started
        stored = db.query("SELECT count(*) AS n, count(DISTINCT article_id) AS distinct_ FROM extractions")[0]
        queue = db.query("SELECT state, count(*) AS n FROM work_queue GROUP BY state")
    pg_server.drop_database(server_url, name)
    asked = collections.Counter(r.article_key for r in fake.requests if r.article_key)
    keys = {article_key(a) for a in _texts(feed)}
    rate = (articles * 0.8) / (marks[90] - marks[10]) if 10 in marks and 90 in marks and marks[90] > marks[10] else 0
    ceiling = workers * concurrency / fake.config.latency
    return {
        "workers": workers, "concurrency": concurrency, "articles": articles, "kill": kill,
        "load": load, "rate": rate, "ceiling": ceiling, "wall": wall,
        "stored": stored["n"], "distinct": stored["distinct_"],
        "lost": articles - stored["distinct_"], "duplicates": stored["n"] - stored["distinct_"],
        "asked_again": sum(n - 1 for k, n in asked.items() if k in keys and n > 1),
        "queue": {r["state"]: r["n"] for r in queue},
        "cpu_ms": 1000 * sum(cpu.values()) / articles,
    }  # fmt: skip


def _texts(feed: Path) -> list[str]:
    from extractor.feeds import load_feed

    return [a.text for a in load_feed(str(feed)).articles]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a smoke run; RESULTS.md is not written")
    p.add_argument("--db-server", help="a PostgreSQL server URL to use instead of a throw-away one")
    p.add_argument("--latency", type=float, default=0.5)
    p.add_argument("--concurrency", type=int, default=4, help="articles each worker extracts at once")
    p.add_argument("--articles", type=int, default=240)
    args = p.parse_args(argv)
    sys.path.insert(0, str(ROOT / "tests"))
    import pg_server  # noqa: E402

    server = None if args.db_server else pg_server.Server(pg_server.server_binaries())
    server_url = args.db_server or server.url  # type: ignore[union-attr]
    articles = 40 if args.quick else args.articles
    plan = [(1, False), (2, False), (4, False), (4, True)] if not args.quick else [(2, False), (2, True)]
    rows = []
    import tempfile

    try:
        with tempfile.TemporaryDirectory() as tmp, FakeServer(FakeConfig(latency=args.latency,
                                                                         record_bodies=False)) as fake:  # fmt: skip
            for workers, kill in plan:
                name = f"bench_{workers}_{'kill' if kill else 'all'}"
                row = measure(server_url, name, fake, Path(tmp), workers=workers, concurrency=args.concurrency,
                              articles=articles, kill=kill, claim_timeout=10.0)  # fmt: skip
                rows.append(row)
                print(f"{workers} worker(s){' one killed' if kill else ''}: {row['rate']:.1f} articles/s of "
                      f"{row['ceiling']:.0f} ({row['rate'] / row['ceiling']:.0%}), stored {row['distinct']}/"
                      f"{articles}, lost {row['lost']}, duplicates {row['duplicates']}, asked again "
                      f"{row['asked_again']}, wall {row['wall']:.1f} s, workers' CPU {row['cpu_ms']:.0f} ms/article",
                      flush=True)  # fmt: skip
    finally:
        if server is not None:
            server.stop()
    if args.quick:
        return
    command = (f"python bench/pg_workers.py --latency {args.latency:g} --concurrency {args.concurrency} "
               f"--articles {args.articles}")  # fmt: skip
    lines = [
        HEADING, "",
        f"Command: `{command}` (a throw-away PostgreSQL 15 server on 127.0.0.1, the fake LLM server at a fixed "
        f"{args.latency:g} s in the bench's thread, `extract run FEED --db URL --enqueue` then N `extract worker --db "
        f"URL --exit-when-idle --no-cache --workers {args.concurrency}` processes).", "",
        f"Machine: {machine()} (2 cores shared with other work; every worker process, the server and PostgreSQL "
        "share them).", "",
        "Throughput: the done count's rate from 10% to 90% of the articles. Ceiling: workers x concurrency / latency. "
        "Duplicates: articles stored more than once (must be 0). Lost: articles never stored (must be 0). Asked "
        "again: articles the fake server was asked more than once (in the kill run, those the killed worker held, "
        "taken over after the claim timeout of 10 s). Workers' CPU: user + system time of the worker processes "
        "(their start-up, and the events merges they run in child processes, included) per article; once it nears "
        "the machine's two cores the workers are CPU-bound, not queue-bound.", "",
        "| workers | concurrency each | articles | killed | articles/s | summed ceiling | of ceiling | stored | lost "
        "| duplicates | asked again | wall (s) | workers' CPU per article (ms) | load average at start |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for r in rows:
        lines.append(f"| {r['workers']} | {r['concurrency']} | {r['articles']} | {'one at 50%' if r['kill'] else '-'} "
                     f"| {r['rate']:.1f} | {r['ceiling']:.0f} | {r['rate'] / r['ceiling']:.0%} | {r['distinct']} "
                     f"| {r['lost']} | {r['duplicates']} | {r['asked_again']} | {r['wall']:.1f} | {r['cpu_ms']:.0f} "
                     f"| {r['load']:.1f} |")  # fmt: skip
    write_section(HEADING, "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
