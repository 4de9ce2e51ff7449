"""Whole-process speed of the offline path, as a user runs it: `python bench/bench_speed.py [--repeat 5] [--label L]`.

Each measure runs a command `--repeat` times under `/usr/bin/time -f "%e %U %M"` and reports the median wall
time, the median user CPU time (less noisy on a shared machine) and the median max RSS:

- offline baseline over 2,000 articles: the seed feed repeated 200 times with distinct guids (`extract run`, index
  cache warm), articles per second of wall time and of user CPU time;
- first run on a fresh machine: the seed feed with an empty cache directory (EXTRACT_CACHE_DIR, HOME and
  XDG_CACHE_HOME pointing to a new temp dir each time);
- `extract --help`;
- warm offline seed run (the index cache filled by an earlier run);
- the pre-filter alone, per article: `codebook.relevance.prefilter_reason` over the 2,000 articles, in-process.

Prints Markdown rows (label, measure, command, median wall, median user, max RSS) for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_baseline import synthetic_feed  # noqa: E402
from bench.common import SEED  # noqa: E402

EXTRACT = Path(sys.executable).with_name("extract")
PREFILTER = """
import statistics, sys, time
from extractor.codebook.relevance import prefilter_reason
from extractor.feeds import load_feed
articles = load_feed(sys.argv[1]).articles
prefilter_reason(articles[0].title, articles[0].text)
per = []
for _ in range(int(sys.argv[2])):
    started = time.process_time()
    for article in articles:
        prefilter_reason(article.title, article.text)
    per.append((time.process_time() - started) / len(articles))
print(statistics.median(per))
"""


def timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, int]:
    """(wall s, user s, max RSS KB) of one whole process."""
    stats = cwd / "time.txt"
    done = subprocess.run(["/usr/bin/time", "-o", str(stats), "-f", "%e %U %M", *command], env=env, cwd=cwd,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)}: exit {done.returncode}\n{done.stderr[-2000:]}")
    wall, user, rss = stats.read_text().split()[-3:]
    return float(wall), float(user), int(rss)


def measure(command, env_of, cwd, repeat):
    """Median wall time, median user CPU time and median max RSS of `repeat` runs."""
    runs = [timed(command, env_of(), cwd) for _ in range(repeat)]
    return tuple(statistics.median(r[k] for r in runs) for k in range(3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--label", default="")
    parser.add_argument("--extract", default=str(EXTRACT), help="the extract executable (another install's)")
    parser.add_argument("--python", default=sys.executable, help="the Python of that install, for the pre-filter")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        feed = tmp / "feed2000.xml"
        count = synthetic_feed(feed, 200)
        warm = tmp / "warm"
        base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "EXTRACT_"))}

        def warm_env():
            return {**base, "EXTRACT_CACHE_DIR": str(warm), "HOME": str(tmp), "XDG_CACHE_HOME": str(tmp / "xdg")}

        def fresh_env():
            home = Path(tempfile.mkdtemp(dir=tmp))
            return {**base, "EXTRACT_CACHE_DIR": str(home / "cache"), "HOME": str(home),
                    "XDG_CACHE_HOME": str(home / "xdg")}  # fmt: skip

        extract = args.extract
        run = [extract, "run", "-q", "--force", "-o", str(tmp / "out.jsonl")]
        rows = []
        wall, user, rss = measure([*run, str(SEED)], fresh_env, tmp, args.repeat)
        rows.append(("first run on a fresh machine, seed feed (10 articles)", "extract run golden/feed.xml (empty cache dir)",
                     f"{wall:.2f} s", f"{user:.2f} s", f"{rss / 1024:.0f} MB"))  # fmt: skip
        timed([*run, str(SEED)], warm_env(), tmp)  # the warm runs' index cache, filled once
        wall, user, rss = measure([*run, str(SEED)], warm_env, tmp, args.repeat)
        rows.append(("warm offline seed run (10 articles)", "extract run golden/feed.xml", f"{wall:.2f} s",
                     f"{user:.2f} s", f"{rss / 1024:.0f} MB"))  # fmt: skip
        wall, user, rss = measure([extract, "--help"], warm_env, tmp, args.repeat)
        rows.append(("extract --help", "extract --help", f"{wall:.2f} s", f"{user:.2f} s", f"{rss / 1024:.0f} MB"))
        wall, user, rss = measure([*run, str(feed)], warm_env, tmp, args.repeat)
        rows.append((f"offline baseline, {count} articles", "extract run feed2000.xml (seed x200, distinct guids)",
                     f"{wall:.2f} s = {count / wall:.0f} articles/s", f"{user:.2f} s = {count / user:.0f} articles/s",
                     f"{rss / 1024:.0f} MB"))  # fmt: skip
        probe = subprocess.run([args.python, "-c", PREFILTER, str(feed), str(args.repeat)], env=warm_env(),
                               cwd=tmp, check=True, capture_output=True, text=True)  # fmt: skip
        rows.append(("pre-filter alone, per article", f"prefilter_reason over the {count} articles, in-process (CPU)",
                     "", f"{float(probe.stdout.split()[-1]) * 1000:.3f} ms", ""))  # fmt: skip
    for row in rows:
        print(f"| {args.label} | " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
