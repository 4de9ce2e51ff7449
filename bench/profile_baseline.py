"""Profile the offline baseline's per-article work in one thread: `python bench/profile_baseline.py FEED [N]`.

`extract run` does the checks after the backend in worker threads, which cProfile does not follow; this runs the
same steps (backend, then the record's checks) in the main thread and prints the top functions by own time and by
cumulative time.
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from extractor.baseline import BaselineBackend  # noqa: E402
from extractor.feeds import load_feed  # noqa: E402
from extractor.pipeline import article as one  # noqa: E402


def records(articles, backend):
    async def inline(func, *args):  # the worker thread's work, in this thread
        return func(*args)

    one.asyncio.to_thread = inline
    try:
        return [asyncio.run(one.extract_one(a, backend)) for a in articles]
    finally:
        one.asyncio.to_thread = asyncio.to_thread


def main() -> None:
    articles = load_feed(sys.argv[1]).articles[: int(sys.argv[2]) if len(sys.argv) > 2 else None]
    backend = BaselineBackend()
    records(articles[:1], backend)  # the index and the patterns, loaded once
    started = time.perf_counter()
    profile = cProfile.Profile()
    profile.runcall(records, articles, backend)
    print(f"{len(articles)} articles in {time.perf_counter() - started:.2f} s (profiled)")
    stats = pstats.Stats(profile)
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumtime").print_stats(50)


if __name__ == "__main__":
    main()
