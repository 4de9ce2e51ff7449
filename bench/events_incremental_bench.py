"""Incremental events against a full rebuild, in a store: N synthetic incidents (bench/merge_bench.py's generator,
one per article, a year of reports in 40 countries) are written to a fresh SQLite store and merged once; then
batches of `--batch` new articles (dated in the last days of that year, as a watched feed brings them) are added and
the events updated with `add_to_events` (what the service and `extract watch` run), and once more with the full
`update_events`. Prints the seconds and peak memory of each, and whether the two give the same events.

    python bench/events_incremental_bench.py                 # 20,000 incidents, batches of 20
    python bench/events_incremental_bench.py --n 50000 --batch 50 --batches 3
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.merge_bench import synthetic  # noqa: E402
from extractor.events.incremental import add_to_events  # noqa: E402
from extractor.events.storage import update_events  # noqa: E402
from extractor.models import Article, ArticleRecord, Provenance  # noqa: E402
from extractor.store.database import open_db  # noqa: E402


def write(db, run_id: str, members) -> None:
    provenance = Provenance(backend="bench", model="bench", schema_hash="bench")
    for m in members:
        article = Article(id=m.article_id, title=m.title, text=m.incident.evidence[0], published=m.published,
                          link=f"https://{m.outlet}/{m.article_id}")  # fmt: skip
        db.write_record(run_id, article, ArticleRecord(article_id=m.article_id, title=m.title, status="ok",
                                                       published=m.published, link=article.link,
                                                       incidents=[m.incident], provenance=provenance))  # fmt: skip


def partition(db) -> list[tuple[str, ...]]:
    rows = db.query("SELECT ei.event_id, i.incident_key FROM event_incidents ei JOIN incidents i USING (incident_id)")
    groups: dict[str, list[str]] = {}
    for r in rows:
        groups.setdefault(r["event_id"], []).append(r["incident_key"])
    return sorted(tuple(sorted(g)) for g in groups.values())


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    extra = args.batch * args.batches
    members, _ = synthetic(args.n + extra, args.seed)
    members.sort(key=lambda m: (m.published, m.key))  # the newest reports arrive last
    old, new = members[: args.n], members[args.n :]
    folder = Path(tempfile.mkdtemp())
    try:
        db = open_db(folder / "bench.db")
        run_id = db.register_run({"model": "bench", "config_hash": "bench"})
        started = time.perf_counter()
        write(db, run_id, old)
        print(f"{args.n} incidents written in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        events = update_events(db, run_id)
        print(f"full build: {len(events)} events in {time.perf_counter() - started:.1f} s, peak {peak_mb():.0f} MB")
        for b in range(args.batches):
            write(db, run_id, new[b * args.batch : (b + 1) * args.batch])
            started = time.perf_counter()
            update = add_to_events(db, run_id)
            print(f"batch {b + 1}: {args.batch} new articles, add_to_events {time.perf_counter() - started:.2f} s "
                  f"(clustered {update.clustered}, replaced {update.replaced} events with {update.events}, "
                  f"full={update.full})")  # fmt: skip
        incremental = partition(db)
        shutil.copy(folder / "bench.db", folder / "rebuilt.db")
        started = time.perf_counter()
        with open_db(folder / "rebuilt.db") as rebuilt:
            update_events(rebuilt, run_id)
            elapsed = time.perf_counter() - started
            full = partition(rebuilt)
        same = sum(1 for g in incremental if g in set(full))
        print(f"full rebuild after the batches: {elapsed:.1f} s; events identical to the incremental ones: "
              f"{same} of {len(full)} ({'all' if incremental == full else 'not all'}); peak {peak_mb():.0f} MB")
        db.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
