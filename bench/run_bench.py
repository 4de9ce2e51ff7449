"""Load, faults, cache and overhead of `extract run` against the fake OpenAI-compatible server.

    python bench/run_bench.py            # full run (about 10-15 minutes on 2 cores)
    python bench/run_bench.py --quick    # smoke run (about a minute), results are not written

Everything runs as separate processes, as a user would: the fake server (`python -m bench.fake_server`,
restarted for every measurement so its counters are per run) and the real CLI (`extract run`, reaped with
os.wait4 to get that one child's CPU time and peak RSS). Feeds are synthetic (distinct guids, text varied
from the articles of golden/feed.xml) and live in a temporary directory, as do outputs and caches.
The full run rewrites the "## Load and faults (fake OpenAI-compatible server)" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import RESULTS, SEED, machine, write_section  # noqa: E402
from extractor import store  # noqa: E402
from extractor.feeds import load_feed  # noqa: E402
from extractor.models import ArticleRecord  # noqa: E402

HEADING = "## Load and faults (fake OpenAI-compatible server)"
MODEL = "fake-model"
_SUMMARY = re.compile(r"(\d+) articles \((\d+) ok, (\d+) failed.*?(\d+) requests.*?([\d.]+)s \(", re.S)


# -- feeds ---------------------------------------------------------------------------------------------


def synthetic_feed(path: Path, count: int, seed: int = 0) -> None:
    """`count` distinct articles: a seed article's paragraphs, a random ordered subset, plus a unique line.

    Texts (and so cache keys and the fake server's article keys) all differ; guids are unique.
    """
    rng = random.Random(seed)
    sources = [(a.title, [p for p in a.text.split("\n\n") if p.strip()]) for a in load_feed(str(SEED)).articles]
    places = ["Gao", "Mopti", "Diffa", "Tillaberi", "Maiduguri", "Kidal", "Idlib", "Kirkuk", "Imphal", "Kabul"]
    items = []
    for n in range(count):
        title, paragraphs = sources[n % len(sources)]
        keep = sorted(rng.sample(range(1, len(paragraphs)), k=rng.randint(min(2, len(paragraphs) - 1),
                                                                           len(paragraphs) - 1)))
        body = [paragraphs[0]] + [paragraphs[i] for i in keep]
        body.insert(1, f"Local officials in {rng.choice(places)} confirmed the account in report {seed}-{n}.")
        content = "".join(f"<p>{html.escape(p, quote=False)}</p>\n" for p in body)
        day = 1 + n % 28
        items.append(
            f"<item><title>{html.escape(title)} ({n})</title>"
            f"<link>https://example.test/{seed}/{n}</link>"
            f"<guid isPermaLink=\"false\">bench-{seed}-{n}</guid>"
            f"<pubDate>{['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][n % 7]}, {day:02d} Sep 2024 08:00:00 +0000"
            f"</pubDate><content:encoded><![CDATA[{content}]]></content:encoded></item>\n"
        )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>\n'
        "<title>bench</title><link>https://example.test/</link><description>synthetic</description>\n"
        + "".join(items)
        + "</channel></rss>\n",
        encoding="utf-8",
    )


# -- processes -----------------------------------------------------------------------------------------


class Server:
    """`python -m bench.fake_server` as a child process; `stats` (outcome counts) are read at stop()."""

    command = ("-m", "bench.fake_server")  # after the interpreter; a subclass may serve through another module

    def __init__(self, *args: str, port: int = 0) -> None:
        self.args, self.port = list(args), port
        self.stats: dict[str, int] = {}

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(
            [sys.executable, *self.command, "--port", str(self.port), *self.args],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.base_url = self.proc.stdout.readline().strip()
        if not self.base_url.startswith("http"):
            self.proc.kill()
            raise RuntimeError(f"fake server did not start: {self.proc.stderr.read()}")
        self.port = int(self.base_url.rsplit(":", 1)[1].split("/")[0])
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.send_signal(signal.SIGTERM)
        _, err = self.proc.communicate(timeout=30)
        lines = [line for line in err.splitlines() if line.startswith("{")]
        self.stats = json.loads(lines[-1]) if lines else {}

    @property
    def requests(self) -> int:
        return sum(self.stats.values())


@dataclass
class Run:
    """One `extract run`: wall time, the run's own elapsed time (its summary), CPU, peak RSS, records."""

    articles: int
    wall_s: float
    run_s: float
    cpu_s: float
    maxrss_mb: float
    exit_code: int
    records: list[ArticleRecord] = field(default_factory=list)
    stderr: str = ""
    unreadable: int = 0

    @property
    def rate(self) -> float:
        return len(self.records) / self.run_s if self.run_s else 0.0

    def latency(self, q: float) -> float:
        values = sorted(r.provenance.latency_s for r in self.records if not r.provenance.cache_hit)
        if not values:
            return 0.0
        return values[min(len(values) - 1, round(q * (len(values) - 1)))]

    def unique_ok(self) -> int:
        return len({r.article_id for r in self.records if r.status == "ok"})


def _vm_hwm_kb(pid: int) -> int:
    """The process's peak resident set so far (kB), 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
    except (OSError, ValueError):
        return 0


def extract_script() -> str:
    script = Path(sys.executable).with_name("extract")
    return str(script) if script.exists() else "extract"


def extract_command(feed: Path, out: Path, base_url: str, concurrency: int, *extra: str,
                    cache_dir: Path | None = None, config: Path | None = None) -> tuple[list[str], dict[str, str]]:
    """The `extract run` command line and its environment (a bench key, no EXTRACT_CONFIG)."""
    cmd = [extract_script(), "run", str(feed), "-o", str(out), "--model", MODEL, "--base-url", base_url,
           "--concurrency", str(concurrency), "-q", *extra]
    cmd += ["--cache-dir", str(cache_dir)] if cache_dir else ["--no-cache"]
    if config:
        cmd += ["--config", str(config)]
    env = {**os.environ, "OPENAI_API_KEY": "sk-bench"}
    env.pop("EXTRACT_CONFIG", None)
    return cmd, env


def extract_run(feed: Path, out: Path, base_url: str, concurrency: int, articles: int, *extra: str,
                cache_dir: Path | None = None, config: Path | None = None, timeout: float | None = None) -> Run:
    """Run the real CLI in a child process; reap it with wait4 for its own rusage. Past `timeout` seconds it is
    killed (SIGKILL, exit code -9); a line it was cutting is counted in `unreadable`, not parsed."""
    cmd, env = extract_command(feed, out, base_url, concurrency, *extra, cache_dir=cache_dir, config=config)
    with tempfile.TemporaryFile("w+") as errfile:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errfile, env=env, cwd=out.parent)
        # Peak RSS from /proc VmHWM (per address space, so it starts at exec). ru_maxrss of the child is not
        # usable: Linux carries the parent's high-water mark across fork/vfork + exec into it.
        hwm_kb = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            hwm_kb = max(hwm_kb, _vm_hwm_kb(proc.pid))
            if timeout is not None and time.perf_counter() - started > timeout:
                os.kill(proc.pid, signal.SIGKILL)  # not send_signal: its poll() could reap the child
            time.sleep(0.02)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        errfile.seek(0)
        stderr = errfile.read()
    match = _SUMMARY.search(stderr)
    records, unreadable = store.read_records(out) if out.exists() else ([], 0)
    return Run(
        articles=articles,
        wall_s=wall,
        run_s=float(match[5]) if match else wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        maxrss_mb=hwm_kb / 1024,
        exit_code=proc.returncode,
        records=records,
        stderr=stderr,
        unreadable=unreadable,
    )


# -- measurements --------------------------------------------------------------------------------------




def table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, about a minute; RESULTS.md untouched")
    parser.add_argument("--no-write", action="store_true", help="print the section, do not rewrite RESULTS.md")
    args = parser.parse_args(argv)
    quick = args.quick
    latency = 0.2
    # (concurrency, articles): enough articles for several seconds of steady state at each level
    load_plan = [(1, 20), (8, 100), (32, 300), (64, 300)] if quick else [(1, 100), (8, 1000), (32, 2000), (64, 2000)]
    sizes = sorted({n for _, n in load_plan} | ({100, 300, 1000} if quick else {100, 1000, 10000}))
    rpm, rpm_articles = (600, 100) if quick else (300, 600)  # quick: no window wait, a smoke test only
    fault_articles = 60 if quick else 500
    small, large = (100, 1000) if quick else (1000, 10000)
    sections: list[str] = []
    goals: list[str] = []

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp_name:
        tmp = Path(tmp_name)
        feeds = {}
        for n in sizes:
            feeds[n] = tmp / f"feed-{n}.xml"
            synthetic_feed(feeds[n], n)
        tiny = tmp / "feed-10.xml"
        synthetic_feed(tiny, 10, seed=1)
        print(f"feeds: {', '.join(str(n) for n in sizes)} articles in {tmp}", flush=True)

        # 1. throughput and latency against the ceiling concurrency / latency
        rows = []
        for concurrency, n in load_plan:
            with Server("--latency", str(latency)) as server:
                run = extract_run(feeds[n], tmp / f"load-{concurrency}.jsonl", server.base_url, concurrency, n)
            ceiling = concurrency / latency
            retries = server.requests - n
            rows.append([concurrency, n, f"{run.rate:.1f}", f"{ceiling:.0f}", f"{100 * run.rate / ceiling:.0f}%",
                         f"{run.latency(0.5):.3f}", f"{run.latency(0.95):.3f}", retries, f"{run.wall_s:.1f}",
                         f"{run.cpu_s:.1f}", f"{run.maxrss_mb:.0f}"])
            print("load", rows[-1], flush=True)
            if concurrency == 32:
                share = run.rate / ceiling
                goals.append(f"- ≥90% of the ceiling at concurrency 32: **{share:.0%}** "
                             + ("(met)" if share >= 0.9 else "(**missed**)"))
        sections.append(
            f"### Throughput (server latency {latency * 1000:.0f} ms, --no-cache)\n\n"
            "articles/s = records / the run's own elapsed time (its summary line, feed parsing and start-up "
            "excluded); wall = the whole process. Ceiling = concurrency / latency. Latency = "
            "provenance.latency_s per article. Retries = server requests beyond one per article.\n\n"
            + table(["concurrency", "articles", "articles/s", "ceiling", "of ceiling", "p50 (s)", "p95 (s)",
                     "retries", "wall (s)", "client CPU (s)", "peak RSS (MB)"], rows)
        )

        # 2. an rpm limit on the server, the same limit on the client
        concurrency = 32
        with Server("--latency", str(latency), "--rpm", str(rpm)) as server:
            run = extract_run(feeds_for(feeds, tmp, rpm_articles), tmp / "rpm.jsonl", server.base_url, concurrency,
                              rpm_articles, "--rpm", str(rpm))
        windows = -(-rpm_articles // rpm) - 1
        # a sliding window: a burst of `rpm`, then `rpm` more every 60 s; the last batch at full concurrency
        best = windows * 60 + -(-(rpm_articles - windows * rpm) // concurrency) * latency
        ceiling = rpm_articles / best
        row = [rpm, concurrency, rpm_articles, f"{run.rate:.2f}", f"{ceiling:.2f}", f"{100 * run.rate / ceiling:.0f}%",
               server.stats.get("rate_limited", 0), server.requests - rpm_articles, f"{run.wall_s:.1f}"]
        print("rpm", row, flush=True)
        sections.append(
            f"### Requests-per-minute limit (server --rpm {rpm}, client --rpm {rpm}, latency {latency * 1000:.0f} ms)\n\n"
            f"Ceiling = articles / the shortest possible time under a sliding 60 s window ({windows} x 60 s, then "
            "the last batch at full concurrency). Server 429s show whether the client kept under the server's window.\n\n"
            + table(["rpm", "concurrency", "articles", "articles/s", "ceiling", "of ceiling", "server 429s",
                     "retries", "wall (s)"], [row])
        )

        # 3. faults: 20% 429 (Retry-After 1 s), 5% 500, 5% malformed; default retry settings
        rows = []
        concurrency = 32
        for retry_after in (1, 0):
            with Server("--latency", str(latency), "--p-429", "0.2", "--p-500", "0.05", "--p-malformed", "0.05",
                        "--retry-after", str(retry_after), "--seed", "7") as server:
                out = tmp / f"faults-{retry_after}.jsonl"
                run = extract_run(feeds_for(feeds, tmp, fault_articles), out, server.base_url, concurrency,
                                  fault_articles)
            ids = [r.article_id for r in run.records]
            written, unique = len(ids), len(set(ids))
            failed = sum(r.status == "failed" for r in run.records)
            lost = fault_articles - run.unique_ok()
            extra = (server.requests - fault_articles) / fault_articles
            rows.append([f"{retry_after} s", concurrency, fault_articles, written, unique, failed, lost,
                         f"{extra:.2f}", json.dumps(server.stats, sort_keys=True), f"{run.rate:.1f}",
                         f"{run.wall_s:.1f}"])
            print("faults", rows[-1], flush=True)
            if retry_after == 1:
                goals.append(f"- 0 articles lost under faults: **{lost} lost** (of {fault_articles}; {failed} written "
                             f"as failed, {fault_articles - unique} missing from the output) "
                             + ("(met)" if lost == 0 else "(**missed**)"))
        sections.append(
            f"### Faults (20% 429, 5% 500, 5% malformed JSON; latency {latency * 1000:.0f} ms, "
            "default retry settings: 6 attempts, re-asks 2)\n\n"
            "Lost = articles without an ok record (failed records included). Extra requests per article = server "
            "requests / articles - 1.\n\n"
            + table(["429 Retry-After", "concurrency", "articles", "records", "unique ids", "failed", "lost",
                     "extra req/article",
                     "server outcomes", "articles/s", "wall (s)"], rows)
        )

        # 4. overhead at zero latency, memory growth, and a fully cached second run
        concurrency = 32
        rows = []
        cache_dir = tmp / "cache"
        runs = {}
        port = 0
        for label, feed_path, n, cache in (
            ("start-up (10 articles)", tiny, 10, tmp / "cache-tiny"),
            (f"{small} articles", feeds_for(feeds, tmp, small), small, tmp / "cache-small"),
            (f"{large} articles", feeds_for(feeds, tmp, large), large, cache_dir),
        ):
            with Server() as server:
                run = extract_run(feed_path, tmp / f"overhead-{n}.jsonl", server.base_url, concurrency, n,
                                  cache_dir=cache)
            runs[n] = run
            port = server.port
            rows.append([label, f"{run.wall_s:.1f}", f"{run.run_s:.1f}", f"{run.rate:.0f}", f"{run.cpu_s:.1f}",
                         f"{1000 * run.cpu_s / n:.2f}", f"{run.maxrss_mb:.0f}", run.unique_ok()])
            print("overhead", rows[-1], flush=True)
        marginal = (runs[large].cpu_s - runs[small].cpu_s) / (large - small)
        growth = runs[large].maxrss_mb - runs[small].maxrss_mb
        with Server(port=port) as server:  # same endpoint as the run that filled the cache: it is in the key
            cached = extract_run(feeds_for(feeds, tmp, large), tmp / "cached.jsonl", server.base_url, concurrency,
                                 large, cache_dir=cache_dir)
        hits = sum(r.provenance.cache_hit for r in cached.records)
        rows.append([f"{large} articles, all cached", f"{cached.wall_s:.1f}", f"{cached.run_s:.1f}",
                     f"{cached.rate:.0f}", f"{cached.cpu_s:.1f}", f"{1000 * cached.cpu_s / large:.2f}",
                     f"{cached.maxrss_mb:.0f}", cached.unique_ok()])
        print("cached", rows[-1], f"hits {hits}, server requests {server.requests}", flush=True)
        sections.append(
            f"### Overhead, memory and cache (server latency 0, concurrency {concurrency}, cache on)\n\n"
            "CPU = user + sys of the `extract run` process (os.wait4); peak RSS = its VmHWM (polled). Marginal CPU per article = "
            f"(CPU at {large} - CPU at {small}) / {large - small} = **{1000 * marginal:.2f} ms** "
            f"(start-up and imports excluded). Peak RSS growth from {small} to {large} articles: "
            f"**{growth:.0f} MB**. The cached run: {hits} cache hits, {server.requests} server requests.\n\n"
            + table(["run", "wall (s)", "run (s)", "articles/s", "CPU (s)", "CPU ms/article", "peak RSS (MB)",
                     "ok"], rows)
        )
        goals.append(f"- a fully cached {large}-article run in under 10 s: **{cached.wall_s:.1f} s wall** "
                     f"({cached.run_s:.1f} s in the run itself) " + ("(met)" if cached.wall_s < 10 else "(**missed**)"))
        goals.append(f"- memory growth under 50 MB from {small} to {large} articles: **{growth:.0f} MB** "
                     + ("(met)" if growth < 50 else "(**missed**)"))

    section = (
        f"{HEADING}\n\n"
        f"Command: `python bench/run_bench.py{' --quick' if quick else ''}` (fake server and `extract run` as "
        "separate processes on the same machine; synthetic feeds with distinct guids and texts varied from "
        "golden/feed.xml).\n\n"
        f"Machine: {machine()}.\n\n"
        "Goals:\n\n" + "\n".join(goals) + "\n\n" + "\n\n".join(sections) + "\n"
    )
    print()
    print(section)
    if not (quick or args.no_write):
        write_section(HEADING, section)
        print(f"wrote {RESULTS}")


def feeds_for(feeds: dict[int, Path], tmp: Path, n: int) -> Path:
    """The feed of `n` articles, written on first use."""
    if n not in feeds:
        feeds[n] = tmp / f"feed-{n}.xml"
        synthetic_feed(feeds[n], n)
    return feeds[n]




if __name__ == "__main__":
    main()
