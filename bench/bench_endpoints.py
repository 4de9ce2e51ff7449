"""Several endpoints: `extract run` against four fake servers, one killed mid-run.

    python bench/bench_endpoints.py                 # 3000 articles, the kill after 1000 records
    python bench/bench_endpoints.py --articles 600 --kill-after 200 --repeat 1 --quick  # smoke run, prints only

Four `python -m bench.fake_server` processes (fixed latency, 0.2 s by default) and the real CLI, each a separate
process, as a user would run them: `extract run FEED --base-url URL1#concurrency=8 ... --base-url URL4#concurrency=8`.
The output file is polled while the run goes: its record count over time gives the throughput before the kill
(from the 100th record to the kill, so start-up and mode negotiation are left out) and after it (from the kill to
the last record), each against the summed ceiling of the endpoints alive (concurrency / latency, added up).
Once `--kill-after` records are written, one server is killed with SIGKILL: its requests in flight break, new
connections are refused. Lost = articles of the feed without an ok record.
"""

from __future__ import annotations

import argparse
import collections
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import machine, write_section  # noqa: E402
from bench.run_bench import MODEL, Server, extract_script, synthetic_feed  # noqa: E402
from extractor import store  # noqa: E402

HEADING = "## Several endpoints (four fake servers, one killed mid-run)"


def lines_in(path: Path) -> int:
    try:
        with open(path, "rb") as handle:
            return sum(1 for line in handle if line.endswith(b"\n"))
    except OSError:
        return 0


def measure(articles: int, kill_after: int, latency: float, per_endpoint: int, servers: int = 4,
            kill: bool = True) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        feed, out = work / "feed.xml", work / "out.jsonl"
        synthetic_feed(feed, articles)
        fakes = [Server("--latency", str(latency)) for _ in range(servers)]
        for fake in fakes:
            fake.__enter__()
        victim = fakes[-1]
        try:
            urls = [f"{fake.base_url}#concurrency={per_endpoint}" for fake in fakes]
            cmd = [extract_script(), "run", str(feed), "-o", str(out), "--model", MODEL, "--no-cache", "-q"]
            cmd += [arg for url in urls for arg in ("--base-url", url)]
            env = {**os.environ, "OPENAI_API_KEY": "sk-bench"}
            env.pop("EXTRACT_CONFIG", None)
            errfile = open(work / "stderr.txt", "w+")
            load = os.getloadavg()[0]
            started = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errfile, env=env, cwd=work)
            progress: list[tuple[float, int]] = []
            killed_at = None
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)  # reaped here: its own CPU time
                if pid:
                    break
                now, count = time.perf_counter() - started, lines_in(out)
                progress.append((now, count))
                if killed_at is None and count >= kill_after:
                    if kill:
                        victim.proc.send_signal(signal.SIGKILL)
                    killed_at = (now, count)
                time.sleep(0.05)
            returncode = os.waitstatus_to_exitcode(status)
            errfile.seek(0)
            stderr = errfile.read()
            errfile.close()
            wall = time.perf_counter() - started
        finally:
            for fake in fakes:
                if fake.proc.poll() is None:
                    fake.__exit__()
        records, _ = store.read_records(out)
    ok = {r.article_id for r in records if r.status == "ok"}
    first = next(((t, n) for t, n in progress if n >= 100), progress[0])
    last = next(((t, n) for t, n in progress if n >= len(records)), progress[-1])
    ceiling_before = servers * per_endpoint / latency
    ceiling_after = (servers - kill) * per_endpoint / latency
    before = (killed_at[1] - first[1]) / (killed_at[0] - first[0]) if killed_at and killed_at[0] > first[0] else 0.0
    after = (last[1] - killed_at[1]) / (last[0] - killed_at[0]) if killed_at and last[0] > killed_at[0] else 0.0
    victim_url = victim.base_url.rstrip("/")
    by_replica = collections.Counter(r.provenance.replica or "-" for r in records)
    # The killed server's records written after the kill was sent: replies it gave just before (between the last
    # poll and the signal), nothing after (the file is in completion order).
    after_kill = records[killed_at[1]:] if killed_at else []
    return {
        "articles": articles, "records": len(records), "lost": articles - len(ok), "exit": returncode,
        "cpu_s": usage.ru_utime + usage.ru_stime, "load": load,
        "before": before, "ceiling_before": ceiling_before, "after": after, "ceiling_after": ceiling_after,
        "wall": wall, "killed_at": killed_at, "by_replica": dict(by_replica), "victim": victim_url,
        "victim_records": by_replica.get(victim_url, 0),
        "victim_after": sum(r.provenance.replica == victim_url for r in after_kill),
        "after_kill_records": len(after_kill),
        "failed_over": sum(r.provenance.attempts > 1 for r in records),
        "stderr": stderr.strip().splitlines()[-3:], "kill": kill,
    }  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--articles", type=int, default=3000)
    p.add_argument("--kill-after", type=int, default=1000, help="records written before one server is killed")
    p.add_argument("--latency", type=float, default=0.2)
    p.add_argument("--concurrency", type=int, default=8, help="per endpoint")
    p.add_argument("--quick", action="store_true", help="print only, RESULTS.md untouched")
    p.add_argument("--repeat", type=int, default=2, help="runs, one row each (the machine's load varies)")
    p.add_argument("--no-control", action="store_true", help="no control runs (the same run, nothing killed)")
    a = p.parse_args()
    runs = []
    for _ in range(a.repeat):
        for kill in (True,) if a.no_control else (True, False):
            m = measure(a.articles, a.kill_after, a.latency, a.concurrency, kill=kill)
            for key, value in m.items():
                print(f"{key}: {value}")
            runs.append(m)
    if a.quick:
        return
    command = "python bench/bench_endpoints.py" + (
        f" --articles {a.articles} --kill-after {a.kill_after}" if (a.articles, a.kill_after) != (3000, 1000) else ""
    )
    rows = [
        "| run | articles | endpoints x concurrency | latency | before the kill (articles/s) | summed ceiling | of ceiling "
        "| after the kill (articles/s) | ceiling of those alive | of ceiling | records | lost | asked again elsewhere "
        "| killed server's records (after the kill) | wall (s) | client CPU (s) | load average at start |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ] + [
        f"| {'one killed' if m['kill'] else 'control, none killed'} "
        f"| {m['articles']} | 4 x {a.concurrency} | {a.latency:g} s | {m['before']:.1f} | {m['ceiling_before']:.0f} "
        f"| {m['before'] / m['ceiling_before']:.0%} | {m['after']:.1f} | {m['ceiling_after']:.0f} "
        f"| {m['after'] / m['ceiling_after']:.0%} | {m['records']} | {m['lost']} | {m['failed_over']} "
        f"| {m['victim_records'] if m['kill'] else '-'} "
        f"({m['victim_after'] if m['kill'] else '-'} of the {m['after_kill_records']} after it) | {m['wall']:.1f} "
        f"| {m['cpu_s']:.1f} | {m['load']:.1f} |"
        for m in runs
    ]
    killed = [m for m in runs if m["kill"]]
    controls = [m for m in runs if not m["kill"]]
    best = max(m["before"] / m["ceiling_before"] for m in killed)
    per_article_ms = 1000 * sum(m["cpu_s"] for m in runs) / sum(m["records"] for m in runs)
    goals = [
        f"- ≥ 95% of the summed ceiling before the kill: **{best:.0%}** at best ({'met' if best >= 0.95 else 'missed'})",
        f"- 0 articles lost: **{sum(m['lost'] for m in killed)} lost** of {sum(m['articles'] for m in killed)} "
        f"({'met' if not sum(m['lost'] for m in killed) else 'missed'})",
        "- the rest finished on three: after the kill the killed server answered "
        f"{', '.join(str(m['victim_after']) for m in killed)} of the records written after it (replies it sent "
        "between the last poll and the signal); after it the three reached "
        f"{', '.join(format(m['after'] / m['ceiling_after'], '.0%') for m in killed)} of their ceiling, the control "
        f"runs' four {', '.join(format(m['after'] / m['ceiling_after'], '.0%') for m in controls) or '-'} of theirs",
        f"- client CPU: {per_article_ms:.1f} ms per article, so {per_article_ms * 0.16:.2f} of a core at the 160 "
        "articles/s ceiling, beside four fake servers, on two cores",
    ]
    section = "\n".join([
        HEADING, "",
        f"Command: `{command}` (four `python -m bench.fake_server --latency {a.latency:g}` processes and `extract run "
        "FEED --base-url URL1#concurrency=8 ... --base-url URL4#concurrency=8 --no-cache` as separate processes on "
        "the same machine; synthetic feed with distinct guids; one server killed with SIGKILL once "
        f"{a.kill_after} records were written).", "",
        f"Machine: {machine()} (2 cores shared with other work).", "",
        "Throughput from the output file's record count over time: before the kill from the 100th record to the kill, "
        "after it from the kill to the last record. Ceiling = the alive endpoints' concurrency / latency, summed. "
        "Asked again elsewhere = records with more than one attempt (requests broken by the kill, probes of the dead "
        "server after its cool-down). A control run (the same, nothing killed: 'after' is then the same stretch of "
        "the run on four servers) follows each run, to tell the machine's load from the kill's cost.", "",
        "Goals (issue 24):", "", *goals, "",
        *rows, "",
    ])  # fmt: skip
    write_section(HEADING, section)
    print(f"wrote {HEADING!r} in bench/RESULTS.md")


if __name__ == "__main__":
    main()
