"""Batch API and money: 5,000 articles through the fake server's batch endpoints (5% failed lines, 5% invalid
replies, and a run where 10% of every batch expires) against the same articles run synchronously with the same
fault shares; and the cost of a run against a server that reports cached prompt tokens.

    python bench/bench_batch.py            # full sizes, prints the tables
    python bench/bench_batch.py --write    # the same, then replaces "## Batch and cost" in bench/RESULTS.md
    python bench/bench_batch.py --quick    # 200 articles, a smoke test; never writes

Run by hand, never by tests. The fake server is a child process (`python -m bench.fake_server`), the CLI is the
real `extract` in child processes (`extract run --batch`, then `extract batch wait`). Costs are the records'
estimates at the shipped gpt-4o-mini prices (the fake server answers any model name).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

common = importlib.import_module("bench.common")  # after the path is set: the script runs from anywhere
run_bench = importlib.import_module("bench.run_bench")
store = importlib.import_module("extractor.store")
Server, extract_script, synthetic_feed, table = (
    run_bench.Server, run_bench.extract_script, run_bench.synthetic_feed, run_bench.table
)
machine, write_section = common.machine, common.write_section

HEADING = "## Batch and cost"
MODEL = "gpt-4o-mini"
API_CALLS = ("files_upload", "batches_create", "batches_retrieve", "files_content")


def _env(cache: Path) -> dict[str, str]:
    env = {**os.environ, "OPENAI_API_KEY": "sk-bench", "EXTRACT_CACHE_DIR": str(cache)}
    env.pop("EXTRACT_CONFIG", None)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        env.pop(name, None)
    return env


def _run(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str, float]:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=3600, check=False)
    return done.returncode, done.stdout, done.stderr, time.perf_counter() - started


def _totals(out: Path, n: int) -> dict[str, object]:
    records, unreadable = store.read_records(out)
    last = {r.article_id: r for r in records}
    costs = [r.provenance.cost_usd or 0.0 for r in last.values()]
    return {
        "ok": sum(r.status == "ok" for r in last.values()),
        "failed": sum(r.status == "failed" for r in last.values()),
        "lost": n - len(last),
        "duplicates": len(records) - len(last),
        "unreadable": unreadable,
        "prompt": sum(r.provenance.usage.prompt_tokens for r in last.values()),
        "cached": sum(r.provenance.usage.cached_tokens for r in last.values()),
        "completion": sum(r.provenance.usage.completion_tokens for r in last.values()),
        "cost": sum(costs),
    }


def batch_run(feed: Path, tmp: Path, n: int, *server_args: str) -> dict[str, object]:
    """`extract run --batch` then `extract batch wait` against a fake server with `server_args`."""
    work = Path(tempfile.mkdtemp(dir=tmp))
    env = _env(work / "cache")
    with Server("--seed", "7", *server_args) as server:
        submit = [extract_script(), "run", str(feed), "--batch", "-o", "out.jsonl", "--model", MODEL,
                  "--base-url", server.base_url, "-q"]  # fmt: skip
        code, job, err, submit_s = _run(submit, env, work)
        assert code == 0, err
        code, _, err, wait_s = _run([extract_script(), "batch", "wait", job.strip(), "--poll", "1", "-q"], env, work)
    stats = server.stats
    lines = sum(v for k, v in stats.items() if k.startswith("batch_"))
    batches = stats.get("batches_create", 0)
    return {
        "exit": code, "submit_s": submit_s, "wait_s": wait_s, "lines": lines, "batches": batches,
        "api_calls": sum(stats.get(k, 0) for k in API_CALLS), "stats": stats, **_totals(work / "out.jsonl", n),
    }  # fmt: skip


def sync_run(feed: Path, tmp: Path, n: int, *server_args: str, concurrency: int = 32) -> dict[str, object]:
    """The same articles through `extract run` (chat completions), no cache."""
    work = Path(tempfile.mkdtemp(dir=tmp))
    with Server("--seed", "7", *server_args) as server:
        cmd = [extract_script(), "run", str(feed), "-o", "out.jsonl", "--model", MODEL, "--base-url",
               server.base_url, "--concurrency", str(concurrency), "--no-cache", "-q"]  # fmt: skip
        code, _, err, wall = _run(cmd, _env(work / "cache"), work)
    stats = server.stats
    return {"exit": code, "wall_s": wall, "requests": sum(stats.values()), "stats": stats,
            **_totals(work / "out.jsonl", n), "summary": err.strip().splitlines()[-1] if err.strip() else ""}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="replace the section in bench/RESULTS.md")
    parser.add_argument("--quick", action="store_true", help="200 articles; never writes")
    args = parser.parse_args(argv)
    n = 200 if args.quick else 5000
    n_cached = 100 if args.quick else 1000
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        feed = tmp / "feed.xml"
        synthetic_feed(feed, n, seed=11)
        faults = ("--p-batch-fail", "0.05", "--p-malformed", "0.05", "--batch-polls", "2")
        batch = batch_run(feed, tmp, n, *faults)
        expiring = batch_run(feed, tmp, n, *faults, "--batch-expire-share", "0.1")
        sync = sync_run(feed, tmp, n, "--p-500", "0.05", "--p-malformed", "0.05")
        small = tmp / "small.xml"
        synthetic_feed(small, n_cached, seed=12)
        plain = sync_run(small, tmp, n_cached)
        cached = sync_run(small, tmp, n_cached, "--cached-prefix")

    rows = []
    for name, r in (("batch, 5% failed + 5% invalid lines", batch), ("batch, same + 10% of every batch expires",
                                                                       expiring)):  # fmt: skip
        rows.append([name, f"{r['submit_s']:.1f} + {r['wait_s']:.1f}", f"{r['lines']} lines in {r['batches']} batches",
                     r["api_calls"], f"{r['ok']} ok / {r['failed']} failed", r["lost"], r["duplicates"],
                     f"${r['cost']:.4f}", r["exit"]])  # fmt: skip
    rows.append(["synchronous, 5% HTTP 500 + 5% invalid replies (concurrency 32)", f"{sync['wall_s']:.1f}",
                 f"{sync['requests']} chat requests", sync["requests"], f"{sync['ok']} ok / {sync['failed']} failed",
                 sync["lost"], sync["duplicates"], f"${sync['cost']:.4f}", sync["exit"]])  # fmt: skip
    batch_table = table(
        ["run", "wall s (submit + wait)", "requests", "HTTP calls", "records", "lost", "duplicate lines",
         "cost (estimate)", "exit"], rows)  # fmt: skip
    saving = 1 - batch["cost"] / sync["cost"] if sync["cost"] else 0.0
    cache_rows = [
        [name, r["prompt"], r["cached"], r["completion"], f"${r['cost']:.4f}"]
        for name, r in (("server reports no cached tokens", plain), ("server reports cached tokens", cached))
    ]
    cache_table = table(["run (synchronous, 0 ms latency)", "prompt tokens", "of them cached", "completion tokens",
                         "cost (estimate)"], cache_rows)  # fmt: skip
    cache_saving = 1 - cached["cost"] / plain["cost"] if plain["cost"] else 0.0
    section = "\n".join([
        HEADING, "",
        (f"`python bench/bench_batch.py --write` on {machine()}, 2 cores, 24 GiB. Costs are the records' own estimates "
         f"at the shipped {MODEL} prices (input $0.15, cached input $0.075, output $0.60 per million tokens; batch "
         "half price). Fake server: `python -m bench.fake_server --p-batch-fail 0.05 --p-malformed 0.05 "
         "--batch-polls 2` (a batch stays in progress for two polls); `extract batch wait --poll 1`."), "",
        f"### Batch versus synchronous ({n} synthetic articles)", "",
        batch_table, "",
        (f"Batch cost is {saving:.1%} below the synchronous run of the same articles. Failed and expired lines and "
         "invalid replies go into follow-up batches (a re-ask shows the model its error), so every article ends "
         "with a record; `lost` counts articles without any record."), "",
        f"### Cached prompt tokens ({n_cached} synthetic articles)", "",
        cache_table, "",
        (f"The static prefix (instructions and schema in the system message) is identical for every article, so a "
         f"server with a prefix cache serves it from cache after the first request: {cache_saving:.1%} cheaper "
         "(fake server `--cached-prefix`: the repeated system message's tokens reported as "
         "`prompt_tokens_details.cached_tokens`)."), "",
        "Server outcome counts: batch " + json.dumps(batch["stats"], sort_keys=True) + "; expiring " +
        json.dumps(expiring["stats"], sort_keys=True) + "; synchronous " + json.dumps(sync["stats"], sort_keys=True),
        "",
    ])  # fmt: skip
    print(section)
    if args.write and not args.quick:
        write_section(HEADING, section)


if __name__ == "__main__":
    main()
