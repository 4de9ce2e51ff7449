"""Robustness of `extract run` as whole processes: faults, a dead endpoint, SIGKILL and --resume, memory,
throughput with start-up, and start-up alone.

    python bench/bench_robust.py                  # full run, prints the tables (see ESTIMATE below)
    python bench/bench_robust.py --write          # the same, then replaces "## Robust runs" in bench/RESULTS.md
    python bench/bench_robust.py --quick          # tiny sizes, a smoke test of the script; never writes
    python bench/bench_robust.py --only kill      # one measurement (faults, dead, kill, memory, throughput, startup)

Run by hand, never by tests. It reuses bench/run_bench.py: `synthetic_feed` / `feeds_for` for the inputs, `Server`
for the fake server (`python -m bench.fake_server`, a child process restarted for every measurement) and
`extract_command` / `extract_run` for the real CLI (a child process reaped with os.wait4: wall, CPU, peak RSS from
VmHWM, the summary line). The SIGKILL measurement needs the server's per-request log (which article each request
was for), so its server is the same fake server run through this module (`serve-logged`), writing the log at exit.

All traffic stays on loopback: the fake server listens on 127.0.0.1, the dead-endpoint run uses a closed port on
127.0.0.1 (a DNS failure is not measured here, since a name lookup would leave the machine; the tests cover it with
a mocked transport), and proxy variables are removed from the environment so the CLI's HTTP client never uses a proxy. Every child
process has a timeout; every loop is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import json
import os
import random
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import RESULTS, SEED, machine, write_section  # noqa: E402
from bench.run_bench import (  # noqa: E402
    _SUMMARY,
    Run,
    Server,
    extract_command,
    extract_run,
    extract_script,
    feeds_for,
    synthetic_feed,
    table,
)

HEADING = "## Robust runs"
MEASUREMENTS = ("faults", "dead", "kill", "memory", "throughput", "startup")
ESTIMATE = "about 1 to 1.5 hours on 2 idle cores, most of it in the two 5,000-article fault runs"
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "ws_proxy", "wss_proxy")


# -- the fake server with a per-request log ------------------------------------------------------------


class LoggedServer(Server):
    """The fake server as a child process (run_bench.Server) that also writes, at exit, one JSON line per request
    it received to `log`: arrival time (time.time()), the article_key of the article text, HTTP status, outcome.

    The fake server keeps no request bodies when run as a process, so the key of a re-ask (whose last user message
    is the validation error) is not its article's key: use it with no malformed / schema faults.
    """

    command = ("-m", "bench.bench_robust", "serve-logged")

    def __init__(self, log: Path, *args: str, port: int = 0) -> None:
        super().__init__("--request-log", str(log), *args, port=port)
        self.log = log

    def entries(self) -> list[dict]:
        """The logged requests (after the server stopped)."""
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]


def serve_logged(argv: list[str]) -> None:
    """`python -m bench.bench_robust serve-logged --request-log FILE [fake_server options]`: bench.fake_server's
    own process entry (base URL on stdout, outcome counts on stderr at SIGTERM), plus the request log."""
    from bench import fake_server

    parser = argparse.ArgumentParser(prog="bench_robust serve-logged")
    parser.add_argument("--request-log", required=True)
    known, rest = parser.parse_known_args(argv)
    port, config = fake_server._parse_args(rest)
    server = asyncio.run(fake_server._main(port, config))
    with open(known.request_log, "w", encoding="utf-8") as log:
        log.writelines(
            json.dumps({"t": r.time, "key": r.article_key, "status": r.status, "outcome": r.outcome}) + "\n"
            for r in server.requests
        )
    print(json.dumps(dict(server.stats)), file=sys.stderr)


# -- small helpers ---------------------------------------------------------------------------------------


def loopback_only() -> None:
    """No proxy for the CLI's HTTP client (httpx reads these variables): requests go where the URL says."""
    for name in list(os.environ):
        if name.lower() in PROXY_VARIABLES:
            del os.environ[name]
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "*"


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then closed: connecting is refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shown(cmd: list[str], tmp: Path) -> str:
    """A command line for the report: the temp dir as $TMP, the extract script as `extract`."""
    text = " ".join(cmd).replace(str(tmp), "$TMP")
    return text.replace(extract_script(), "extract", 1)


def summary_counts(run: Run) -> dict[str, float]:
    """articles, ok, failed, requests and the run's own seconds from the summary line (empty when none)."""
    match = _SUMMARY.search(run.stderr)
    if not match:
        return {}
    return {"articles": int(match[1]), "ok": int(match[2]), "failed": int(match[3]), "requests": int(match[4]),
            "run_s": float(match[5])}  # fmt: skip


def error_line(stderr: str) -> str:
    """The CLI's one-line error (`error: ...`), else its last non-blank stderr line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    line = (errors or lines or ["(no output)"])[-1]
    return line.replace("|", "\\|")


def mb(kb_or_mb: float) -> str:
    return f"{kb_or_mb:.0f}"


def outcome(run: Run, timeout: float) -> str:
    return f"killed at the {timeout:.0f} s timeout" if run.exit_code == -signal.SIGKILL else str(run.exit_code)


class Context:
    """What the measurements share: sizes (full or quick), the temp dir and the feeds written so far."""

    def __init__(self, tmp: Path, quick: bool) -> None:
        self.tmp, self.quick = tmp, quick
        self.feeds: dict[int, Path] = {}

    def feed(self, n: int) -> Path:
        return feeds_for(self.feeds, self.tmp, n)

    def size(self, full: int, quick: int) -> int:
        return quick if self.quick else full


def progress(label: str, row: object) -> None:
    print(label, row, flush=True)


def unexpected(label: str, run: Run, sane: bool) -> None:
    """Show the end of the CLI's stderr when a run ended in a way the table alone would not explain."""
    if run.exit_code not in (0, 1) or not sane:
        print(f"{label}: unexpected end (exit {run.exit_code}); stderr ends:\n{run.stderr[-2000:]}", flush=True)


# -- 1. faults -------------------------------------------------------------------------------------------


def measure_faults(ctx: Context) -> str:
    n, concurrency, latency, client_timeout, hang = ctx.size(5000, 40), 32, 0.2, 2, 5
    limit = 300 + 2.0 * n  # seconds; far above the expected run (see ESTIMATE)
    feed = ctx.feed(n)
    rows, cmd = [], []
    for retry_after in (0, 1):
        out = ctx.tmp / f"faults-{retry_after}.jsonl"
        with Server("--latency", str(latency), "--p-429", "0.2", "--p-500", "0.05", "--p-timeout", "0.05",
                    "--hang-s", str(hang), "--p-malformed", "0.05", "--retry-after", str(retry_after),
                    "--seed", "7") as server:  # fmt: skip
            extra = ("--timeout", str(client_timeout))
            cmd = extract_command(feed, out, server.base_url, concurrency, *extra)[0]
            run = extract_run(feed, out, server.base_url, concurrency, n, *extra, timeout=limit)
        ids = [r.article_id for r in run.records]
        failed = sum(r.status == "failed" for r in run.records)
        lost = n - run.unique_ok()
        extra_requests = (server.requests - n) / n
        errors = collections.Counter(
            (r.error or "").split(":")[0] for r in run.records if r.status == "failed"
        )  # fmt: skip
        rows.append([f"{retry_after} s", n, len(ids), len(set(ids)), failed, lost, f"{extra_requests:.2f}",
                     json.dumps(server.stats, sort_keys=True), json.dumps(dict(errors)) if errors else "-",
                     f"{run.rate:.1f}", f"{run.wall_s:.1f}", outcome(run, limit)])  # fmt: skip
        progress("faults", rows[-1])
        unexpected("faults", run, bool(run.records))
    return (
        f"### Faults (20% 429, 5% 500, 5% timeouts, 5% malformed; latency {latency * 1000:.0f} ms, "
        f"concurrency {concurrency})\n\n"
        f"`{shown(cmd, ctx.tmp).replace('faults-1', 'faults-RA')}`; fake server `--latency {latency} --p-429 0.2 "
        f"--p-500 0.05 --p-timeout 0.05 --hang-s {hang} --p-malformed 0.05 --retry-after RA --seed 7` (a timeout "
        f"fault hangs {hang} s, longer than the client's --timeout {client_timeout}). Default retry settings "
        "(max_attempts 6, max_reasks 2, article_budget 1800 s; 429s spend time, not attempts). Lost = articles "
        "without an ok record. Extra requests per article = server requests / articles - 1. Failed by = the "
        "error class of failed records. articles/s = records / the run's own time.\n\n"
        + table(["429 Retry-After", "articles", "records", "unique ids", "failed", "lost", "extra req/article",
                 "server outcomes", "failed by", "articles/s", "wall (s)", "exit"], rows)
    )


# -- 2. dead endpoint --------------------------------------------------------------------------------------


def measure_dead(ctx: Context) -> str:
    n, concurrency = ctx.size(10000, 200), 32
    limit = 300.0
    feed = ctx.feed(n)
    port = closed_port()
    cases = [
        ("connection refused (closed port)", f"http://127.0.0.1:{port}/v1"),
    ]
    rows, cmd = [], []
    for label, url in cases:
        out = ctx.tmp / f"dead-{len(rows)}.jsonl"
        cmd = extract_command(feed, out, url, concurrency)[0]
        run = extract_run(feed, out, url, concurrency, n, timeout=limit)
        counts = summary_counts(run)
        stopped = run.exit_code != -signal.SIGKILL
        in_run = f"{counts['run_s']:.1f}" if counts else "-"
        rows.append([label, f"`{url}`", n, f"{run.wall_s:.1f}", in_run, outcome(run, limit), len(run.records),
                     f"{run.maxrss_mb:.0f}", error_line(run.stderr)])  # fmt: skip
        progress("dead", rows[-1] + ["clean stop" if stopped else "NOT STOPPED"])
    return (
        f"### Dead endpoint ({n} articles queued, concurrency {concurrency})\n\n"
        f"`{shown(cmd, ctx.tmp)}` with the base URL of each row. Time to stop = wall time of the whole process, "
        "start-up included; in run = the run's own time until it stopped (its summary line). Records = lines "
        "written to the output. The circuit breaker should stop the run after 3 failed connections in a row "
        "(none succeeded).\n\n"
        + table(["case", "base URL", "articles", "time to stop (s)", "in run (s)", "exit", "records",
                 "peak RSS (MB)", "error line"], rows)
    )


# -- 3. SIGKILL at random points, then --resume ------------------------------------------------------------


def _appended_lines(path: Path, offset: int) -> int:
    """Newlines written to `path` after byte `offset`."""
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            return handle.read().count(b"\n")
    except FileNotFoundError:
        return 0


def _ok_ids(path: Path) -> set[str]:
    from extractor import store

    if not path.exists():
        return set()
    records, _ = store.read_records(path)
    return {r.article_id for r in records if r.status == "ok"}


def measure_kill(ctx: Context) -> str:
    from bench.fake_server import article_key
    from extractor import store
    from extractor.feeds import load_feed

    n, concurrency, latency, kills = ctx.size(1000, 150), 16, 0.1, 10
    max_resumes, run_limit = 5, ctx.size(300, 120)
    rng = random.Random(11)
    feed = ctx.feed(n)
    keys = {a.id: article_key(a.text) for a in load_feed(str(feed)).articles}
    out = ctx.tmp / "kill.jsonl"
    log = ctx.tmp / "kill-requests.jsonl"
    runs: list[dict] = []
    cmd: list[str] = []
    with LoggedServer(log, "--latency", str(latency)) as server, tempfile.TemporaryFile("w+") as errfile:
        for index in range(kills + max_resumes):
            killing = index < kills
            resume = index > 0
            extra = ("--resume",) if resume else ()
            cmd, env = extract_command(feed, out, server.base_url, concurrency, *extra)
            before_ok = _ok_ids(out)
            remaining = n - len(before_ok)
            delay, lines = 0.0, None  # kill at `delay` s after the start, or `delay` s after `lines` new lines
            if killing and rng.random() < 0.2:
                delay = rng.uniform(0.1, 1.5)
                plan = f"at +{delay:.2f} s (start-up)"
            elif killing:
                lines, delay = rng.randint(1, max(1, remaining // 8)), rng.uniform(0.0, 0.05)
                plan = f"after {lines} new lines"
            else:
                plan = "none (--resume until done)"
            offset = out.stat().st_size if out.exists() else 0
            errfile.seek(0)
            errfile.truncate()
            launched = time.time()
            started = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errfile, env=env, cwd=ctx.tmp)
            killed = timed_out = False
            while proc.poll() is None:  # bounded by run_limit
                elapsed = time.perf_counter() - started
                if elapsed > run_limit:
                    proc.kill()
                    timed_out = True
                    break
                if killing and (lines is None and elapsed >= delay or
                                lines is not None and _appended_lines(out, offset) >= lines):  # fmt: skip
                    if lines is not None:
                        time.sleep(delay)
                    if proc.poll() is None:
                        proc.kill()
                        killed = True
                    break
                time.sleep(0.01)
            code = proc.wait(timeout=30)
            wall = time.perf_counter() - started
            errfile.seek(0)
            stderr = errfile.read()
            after_ok = _ok_ids(out)
            runs.append({"index": index + 1, "resume": resume, "plan": plan, "killed": killed, "timed_out": timed_out,
                         "code": code, "launched": launched, "before_ok": before_ok, "after_ok": after_ok,
                         "new_lines": _appended_lines(out, offset), "wall": wall, "stderr": stderr})  # fmt: skip
            progress("kill", {k: v for k, v in runs[-1].items() if k not in ("before_ok", "after_ok", "stderr")}
                     | {"ok": len(after_ok)})  # fmt: skip
            if not killing and code == 0 and len(after_ok) == n:
                break
    entries = server.entries()
    bounds = [r["launched"] for r in runs] + [float("inf")]
    rows, re_requested_total = [], 0
    for i, r in enumerate(runs):
        mine = [e for e in entries if bounds[i] <= e["t"] < bounds[i + 1]]
        done_keys = {keys[a] for a in r["before_ok"] if a in keys}
        again = sum(e["key"] in done_keys for e in mine)
        re_requested_total += again
        answered_ok = sum(e["outcome"] == "ok" for e in mine)
        new_ok = len(r["after_ok"] - r["before_ok"])
        state = ("killed" if r["killed"] else f"timed out ({run_limit} s)" if r["timed_out"]
                 else f"exit {r['code']}")  # fmt: skip
        rows.append([r["index"], "--resume" if r["resume"] else "fresh", r["plan"], state, f"{r['wall']:.1f}",
                     r["new_lines"], new_ok, len(r["after_ok"]), len(mine), answered_ok - new_ok, again])  # fmt: skip
    records, unreadable = store.read_records(out)
    ok_count = collections.Counter(r.article_id for r in records if r.status == "ok")
    last = store.records_by_id(records)
    exactly_once = all(ok_count.get(a) == 1 for a in keys) and set(ok_count) <= set(keys)
    last_ok = set(last) == set(keys) and all(r.status == "ok" for r in last.values())
    finished = bool(runs) and runs[-1]["code"] == 0 and not runs[-1]["killed"]
    actual_kills = sum(r["killed"] for r in runs)
    failed_lines = sum(r.status == "failed" for r in records)
    unknown = sum(e["key"] not in set(keys.values()) for e in entries)
    verdict = [
        f"- kills that hit a running process: **{actual_kills} of {kills}**",
        (
            f"- the last run ended with exit 0: **{'yes' if finished else 'NO'}** ({len(runs) - kills} resume "
            f"run(s) after the kills{'' if finished or not runs else '; its error: ' + error_line(runs[-1]['stderr'])})"
        ),
        (
            f"- every article has exactly one ok record: **{'yes' if exactly_once else 'NO'}** "
            f"({sum(ok_count.values())} ok lines for {len(ok_count)} of {n} articles)"
        ),
        f"- every article's last line is its ok record: **{'yes' if last_ok else 'NO'}**",
        f"- requests for an article that already had an ok record: **{re_requested_total}**",
        (
            f"- output: {len(records) + unreadable} lines, {failed_lines} failed, {unreadable} unreadable (cut by a "
            f"kill; kept); server: {len(entries)} requests for {n} articles, {unknown} with an unknown article key"
        ),
    ]
    print("\n".join(verdict), flush=True)
    return (
        f"### SIGKILL ten times, then --resume ({n} articles, concurrency {concurrency}, latency "
        f"{latency * 1000:.0f} ms, --no-cache)\n\n"
        f"`{shown(cmd, ctx.tmp)}` (the first run without --resume). One fake server for all runs, logging the "
        "article of every request; a run's requests are those that arrived after it was started. Kill points "
        "(seeded): a random moment of start-up, or a random number of new output lines plus up to 50 ms. "
        "Ok but not written = ok answers the server sent in that run minus the run's new ok records (in flight "
        "at the kill). Asked again = requests for articles that already had an ok record before the run "
        "(must be 0).\n\n"
        + "\n".join(verdict) + "\n\n"
        + table(["run", "mode", "kill point", "result", "wall (s)", "new lines", "new ok", "ok in total",
                 "requests", "ok but not written", "asked again"], rows)
    )


# -- 4. memory ---------------------------------------------------------------------------------------------


def _write_jsonl(feed: Path, path: Path) -> int:
    """The feed's articles as JSONL article lines (streamed through iter_articles); returns the count."""
    from extractor.feeds import iter_articles

    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        for a in iter_articles(str(feed)):
            row = {"id": a.id, "title": a.title, "text": a.text, "url": a.link,
                   "published": a.published.isoformat() if a.published else None}  # fmt: skip
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def jsonl_supported(ctx: Context) -> tuple[bool, str]:
    """Whether `extract run file.jsonl` works now: 10 articles through the fake server, all ok."""
    try:
        feed = ctx.tmp / "probe.xml"
        synthetic_feed(feed, 10, seed=3)
        path = ctx.tmp / "probe.jsonl"
        _write_jsonl(feed, path)
    except Exception as exc:  # noqa: BLE001 - the colleague's reader may not be there yet
        return False, f"cannot write JSONL through extractor.feeds.iter_articles ({type(exc).__name__}: {exc})"
    with Server() as server:
        run = extract_run(path, ctx.tmp / "probe-out.jsonl", server.base_url, 4, 10, timeout=120)
    if run.exit_code == 0 and run.unique_ok() == 10:
        return True, ""
    return False, f"`extract run probe.jsonl` gave exit {run.exit_code}: {error_line(run.stderr)}"


def measure_memory(ctx: Context) -> str:
    sizes, concurrency = ((1000, 10000, 100000) if not ctx.quick else (100, 1000)), 32
    supported, why = jsonl_supported(ctx)
    progress("memory", f"JSONL input {'works' if supported else 'does not work yet: ' + why}")
    rows, peaks, cmd = [], {}, []
    for kind in ("RSS", "JSONL") if supported else ("RSS",):
        for n in sizes:
            source = ctx.feed(n)
            if kind == "JSONL":
                source = ctx.tmp / f"feed-{n}.jsonl"
                _write_jsonl(ctx.feed(n), source)
            limit = 120 + 0.1 * n
            with Server() as server:
                cmd = extract_command(source, Path("/dev/null"), server.base_url, concurrency)[0]
                run = extract_run(source, Path("/dev/null"), server.base_url, concurrency, n, timeout=limit)
            counts = summary_counts(run)
            peaks[kind, n] = run.maxrss_mb
            size_mb = source.stat().st_size / 1e6
            rows.append([kind, n, f"{size_mb:.0f}", counts.get("ok", "-"), counts.get("failed", "-"),
                         mb(run.maxrss_mb), f"{run.wall_s:.1f}", f"{counts.get('run_s', 0):.1f}", f"{run.cpu_s:.1f}",
                         outcome(run, limit)])  # fmt: skip
            progress("memory", rows[-1])
            unexpected("memory", run, counts.get("ok", 0) == n)
    growth = []
    for kind in ("RSS", "JSONL"):
        for small, large in itertools.pairwise(sizes):
            if (kind, small) in peaks and (kind, large) in peaks:
                growth.append(f"{kind} {small} -> {large}: **{peaks[kind, large] - peaks[kind, small]:+.0f} MB**")
    todo = "" if supported else (
        "\n\n**TODO (JSONL rows):** `extract run file.jsonl` did not work when this ran (" + why + "); rerun "
        "`--only memory` once `extract run` reads its input through `extractor.feeds.sources.iter_articles`."
    )
    return (
        f"### Memory (latency 0, concurrency {concurrency}, --no-cache, -o /dev/null)\n\n"
        f"`{shown(cmd, ctx.tmp)}`. Peak RSS = VmHWM of the `extract run` process (polled every 20 ms). Inputs "
        "are synthetic (about 2 kB of text per article; the JSONL rows hold the same articles, converted through "
        "`iter_articles`; feed files above 8 MB are read item by item, smaller ones whole). Wall = the whole process; run = its own summary time; ok/failed from its summary. "
        "Growth: " + ("; ".join(growth) or "-") + "." + todo + "\n\n"
        + table(["input", "articles", "file (MB)", "ok", "failed", "peak RSS (MB)", "wall (s)", "run (s)", "CPU (s)",
                 "exit"], rows)
    )


# -- 5. throughput -----------------------------------------------------------------------------------------


def measure_throughput(ctx: Context) -> str:
    latency = 0.5
    sizes = (64, 256) if ctx.quick else (640, 5000)
    rows, cmd = [], []
    for n in sizes:
        for concurrency in (32, 64):
            ceiling = concurrency / latency
            limit = 120 + 4 * n / ceiling
            out = ctx.tmp / f"tp-{concurrency}-{n}.jsonl"
            with Server("--latency", str(latency)) as server:
                cmd = extract_command(ctx.feed(n), out, server.base_url, concurrency)[0]
                run = extract_run(ctx.feed(n), out, server.base_url, concurrency, n, timeout=limit)
            whole = run.unique_ok() / run.wall_s
            best = -(-n // concurrency) * latency  # waves of `concurrency` requests, nothing else
            rows.append([concurrency, n, f"{ceiling:.0f}", f"{whole:.1f}", f"{100 * whole / ceiling:.0f}%",
                         f"{run.rate:.1f}", f"{100 * run.rate / ceiling:.0f}%", f"{best:.1f}", f"{run.wall_s:.1f}",
                         f"{run.wall_s - run.run_s:.1f}", f"{run.cpu_s:.1f}", mb(run.maxrss_mb),
                         run.unique_ok(), outcome(run, limit)])  # fmt: skip
            progress("throughput", rows[-1])
            unexpected("throughput", run, run.unique_ok() == n)
    return (
        f"### Throughput as a whole process (latency {latency * 1000:.0f} ms, --no-cache)\n\n"
        f"`{shown(cmd, ctx.tmp)}`. Ceiling = concurrency / latency. Whole process = ok articles / wall time "
        "(start-up, feed parsing and shutdown included); in run = records / the run's own time (its summary). "
        "Best wall = ceil(articles / concurrency) x latency, the time of the requests alone. Outside the run = "
        "wall - the run's own time (start-up, parsing, exit).\n\n"
        + table(["concurrency", "articles", "ceiling (/s)", "whole process (/s)", "of ceiling", "in run (/s)",
                 "of ceiling", "best wall (s)", "wall (s)", "outside the run (s)", "CPU (s)", "peak RSS (MB)",
                 "ok", "exit"], rows)
    )


# -- 6. start-up -------------------------------------------------------------------------------------------


def _timed(cmd: list[str], env: dict[str, str], cwd: Path, limit: float) -> tuple[float, float, int]:
    """Wall and CPU (user + sys of the child) seconds and the exit code of one run of `cmd`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(cmd, check=False, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=limit)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode


def measure_startup(ctx: Context) -> str:
    repeats = ctx.size(10, 3)
    extract = extract_script()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("EXTRACT_") and k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}  # fmt: skip
    env["EXTRACT_CACHE_DIR"] = str(ctx.tmp / "cache-startup")
    commands = [
        ("extract --help", [extract, "--help"]),
        ("extract run golden/feed.xml --model baseline -o /dev/null -q",
         [extract, "run", str(SEED.relative_to(ROOT)), "--model", "baseline", "-o", "/dev/null", "-q"]),
    ]
    rows = []
    for label, cmd in commands:
        walls, cpus, codes = [], [], set()
        for _ in range(repeats):
            wall, cpu, code = _timed(cmd, env, ROOT, 60)
            walls.append(wall)
            cpus.append(cpu)
            codes.add(code)
        rows.append([f"`{label}`", repeats, f"{statistics.median(walls):.2f}", f"{min(walls):.2f}",
                     f"{max(walls):.2f}", f"{statistics.median(cpus):.2f}", ", ".join(map(str, sorted(codes)))])
        progress("startup", rows[-1])
    return (
        f"### Start-up (whole processes, {repeats} runs each, run from the repository root)\n\n"
        "Wall = from spawn to exit; CPU = user + sys of the child. No EXTRACT_* or OPENAI_* variables; a "
        "temporary EXTRACT_CACHE_DIR.\n\n"
        + table(["command", "runs", "median wall (s)", "min (s)", "max (s)", "median CPU (s)", "exit codes"], rows)
    )


# -- main --------------------------------------------------------------------------------------------------

RUNNERS: dict[str, Callable[[Context], str]] = {
    "faults": measure_faults,
    "dead": measure_dead,
    "kill": measure_kill,
    "memory": measure_memory,
    "throughput": measure_throughput,
    "startup": measure_startup,
}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve-logged"]:
        serve_logged(argv[1:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, about a minute; never writes RESULTS.md")
    parser.add_argument("--only", choices=MEASUREMENTS, help="run one measurement")
    parser.add_argument("--write", action="store_true", help=f'replace "{HEADING}" in bench/RESULTS.md')
    args = parser.parse_args(argv)
    if args.write and (args.quick or args.only):
        parser.error("--write needs the full run (no --quick, no --only): it replaces the whole section")
    loopback_only()
    names = [args.only] if args.only else list(MEASUREMENTS)
    command = "python bench/bench_robust.py" + (" --quick" if args.quick else "") + (
        f" --only {args.only}" if args.only else "")
    if not args.quick and not args.only:
        print(f"full run: {ESTIMATE}", flush=True)
    started = time.perf_counter()
    sections = []
    with tempfile.TemporaryDirectory(prefix="bench-robust-") as tmp_name:
        ctx = Context(Path(tmp_name), args.quick)
        for name in names:
            t0 = time.perf_counter()
            print(f"== {name}", flush=True)
            sections.append(RUNNERS[name](ctx))
            print(f"== {name}: {time.perf_counter() - t0:.0f} s", flush=True)
    section = (
        f"{HEADING}\n\n"
        f"Command: `{command}` (the fake server of bench/fake_server.py and `extract run` as separate processes on "
        f"the same machine; synthetic feeds from bench/run_bench.py; {time.perf_counter() - started:.0f} s in all).\n\n"
        f"Machine: {machine()}.\n\n" + "\n\n".join(sections) + "\n"
    )
    print()
    print(section)
    if args.write:
        write_section(HEADING, section)
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
