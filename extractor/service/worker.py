"""`extract worker`: one of several processes, on one machine or many, working one shared queue (a postgresql://
store; an SQLite file works too, for processes on one machine).

A worker is the service's runtime without the API and the feed scheduler (`Runtime(config, shared=True)`):

- it claims the oldest queued article of its run (`work.claim`: FOR UPDATE SKIP LOCKED on PostgreSQL, so two
  workers never claim one article), extracts it and stores the record in the transaction that marks its queue row
  done, as the service does;
- every `heartbeat_s` it sets `claimed_at` of its claims to now, and puts back the claims no worker has heartbeaten
  for `claim_timeout_s` (their worker died: `work.requeue_stale`), so an article of a killed worker is extracted by
  another one, once, and none is lost;
- the events are merged by one worker at a time, under a PostgreSQL advisory lock (`merge_events`): a full rebuild
  of the run's events (they are not merged incrementally), skipped when they already reflect every stored
  extraction (a mark kept in `meta`), so N workers ending together rebuild them once;
- `exit_when_idle`: it stops once nothing of the queue is queued or claimed, after the events are merged.

Every worker computes its run id from its configuration (model, prompt, parameters), like `extract run --db`: give
the workers the options the articles were queued with (`extract run FEED --db URL --enqueue`).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from dataclasses import dataclass

from .config import ServiceConfig, require_serve_extra


@dataclass
class WorkerSummary:
    done: int  # articles this worker extracted and stored
    taken_over: int  # claims of dead workers this worker put back in the queue
    run_id: str
    left_queued: int  # articles still queued when it stopped


def merge_events(target: str, run_id: str) -> bool:
    """Update the run's events incrementally (`events.incremental`) unless they already reflect every stored
    extraction, one process at a time (a PostgreSQL advisory lock; SQLite's writers take turns anyway). True when
    they were updated."""
    from ..events.incremental import add_to_events
    from ..store.database import open_db
    from ..store.pg import EVENTS_LOCK

    with open_db(target, create=False) as db, db.advisory_lock(EVENTS_LOCK):
        found = db.query("SELECT count(*) AS n, coalesce(max(rowid), 0) AS last FROM extractions WHERE run_id = ?",
                         [run_id])[0]  # fmt: skip
        mark = f"{found['n']}:{found['last']}"  # a record rewritten gets a new row: a new mark
        key = f"events_mark:{run_id}"
        if db.query("SELECT value FROM meta WHERE key = ?", [key]) == [{"value": mark}]:
            return False
        add_to_events(db, run_id)
        with db.transaction():
            db.db["meta"].upsert({"key": key, "value": mark}, pk="key")
        return True


def run_worker(config: ServiceConfig, *, exit_when_idle: bool = False,
               on_ready: Callable[[str], None] | None = None) -> WorkerSummary:  # fmt: skip
    """Work the queue of `config.db` until SIGTERM / SIGINT (or, with `exit_when_idle`, until it is empty)."""
    require_serve_extra("prometheus_client")
    return asyncio.run(_work(config, exit_when_idle, on_ready or (lambda line: None)))


async def _work(config: ServiceConfig, exit_when_idle: bool, on_ready: Callable[[str], None]) -> WorkerSummary:
    from .runtime import Runtime

    runtime = await asyncio.to_thread(Runtime, config, shared=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await runtime.start(scheduler=False)
        on_ready(f"worker on {runtime.writer.path}, run {runtime.run_id}: {runtime.n_workers} article(s) at once, "
                 f"claims heartbeaten every {config.heartbeat_s:g} s, taken over after {config.claim_timeout_s:g} s")
        waiters = [asyncio.create_task(stop.wait())]
        if exit_when_idle:
            waiters.append(asyncio.create_task(runtime.drain()))
        done, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            task.result()  # a drain that failed (the store went away) is the worker's error
        await runtime.stop()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await runtime.close()
    return WorkerSummary(runtime.done, runtime.requeued, runtime.run_id, runtime.left_queued)
