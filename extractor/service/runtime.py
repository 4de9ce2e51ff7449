"""What runs behind the API: the database handles, the queue worker and the feed scheduler.

- One writer connection, used under a lock from worker threads (`write`); readers get a connection per thread
  (`reader`), which SQLite's WAL mode lets read while the writer writes.
- The worker claims queued articles, extracts them through the pipeline adapter and stores each record in the
  transaction that marks its queue row done. An endpoint that is down (EndpointUnavailable, a refused
  configuration, or a request that failed for a transient reason) puts the article back and *pauses* the queue,
  for a time that doubles up to `pause_max_s`; the first answer resumes it. An article is stored as failed only
  for a reason of its own (invalid output after the re-asks), or after `max_transient` endpoint failures.
- The scheduler polls due feeds with conditional GETs, one request at a time per host and at least
  `host_interval_s` apart; a failure backs off exponentially, `fail_after` failures in a row mark the feed
  failing (still tried, at most every `max_backoff_s`). New and changed articles are queued.
- Events are updated incrementally (`events.incremental.add_to_events`: only the new incidents and the events they
  could join are clustered again) when the queue runs dry after new records (at most every EVENTS_IDLE_S), at most
  every EVENTS_BUSY_S while it is busy, and once after each start.
- Shared (`extract worker`, service/worker.py): several processes work one queue; each heartbeats its claims and
  puts back those of a worker that died, instead of re-queueing every claim on start; events are updated by one
  worker at a time (`worker.merge_events`).
- `stop()` (SIGTERM): no new claim and no new fetch; in-flight articles finish (within `drain_timeout_s`); the
  events are left for the next start (an update would hold up the exit; the next one picks up every incident not
  yet in an event).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from ..errors import ConfigError, EndpointUnavailable, FeedError, StoreError
from ..models import Article, ArticleRecord
from ..store import work
from ..store.database import IncidentDB, open_db
from .config import ServiceConfig
from .metrics import Metrics
from .pipeline import Pipeline

log = logging.getLogger("extractor.service")
T = TypeVar("T")
TRANSIENT = ("Unreachable", "BackendTimeout", "ServerError", "RateLimited")  # record errors the endpoint caused
EVENTS_BUSY_S = 60.0  # while the queue is busy, events are rebuilt at most this often
EVENTS_IDLE_S = 5.0  # and when it runs dry, at most this often


def endpoint_trouble(record: ArticleRecord) -> bool:
    """A failed record whose cause was the endpoint (down, timing out, overloaded), not the article."""
    return record.status == "failed" and (record.error or "").split(":", 1)[0] in TRANSIENT


class Runtime:
    def __init__(self, config: ServiceConfig, pipeline: Pipeline | None = None, *, shared: bool = False) -> None:
        self.config = config
        target = str(config.db)
        self.path: str | Path = target if target.startswith(("postgresql://", "postgres://")) else Path(target)
        self.writer = open_db(self.path)
        # PostgreSQL is shared by nature: workers elsewhere may hold claims, so `serve` heartbeats and takes over too
        self.shared = shared or self.writer.shared
        self._lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[IncidentDB] = []
        self._readers_lock = threading.Lock()
        self.pipeline = pipeline or Pipeline.from_options(
            config.settings, config.config_file, prompt=config.prompt, cache_dir=config.cache_dir,
            no_cache=config.no_cache,
        )  # fmt: skip
        self.run_id = self.writer.register_run(self.pipeline.identity(), "service")
        # what a killed process left claimed (shared: only claims no live worker heartbeats)
        self.requeued = (work.requeue_stale(self.writer, config.claim_timeout_s) if self.shared
                         else work.requeue_claimed(self.writer))  # fmt: skip
        self._claims: set[int] = set()  # the queue items this process is extracting
        self.done = 0  # records this process stored from the queue
        self.metrics = Metrics(self._queue_depth, lambda: float(self.paused))
        self.n_workers = config.workers or self.pipeline.settings.concurrency
        self.paused_until = 0.0
        self.pause_reason: str | None = None
        self._pause_s = config.pause_initial_s
        self.in_flight = 0
        self.events_dirty = True  # once after start: a stop does not wait for a rebuild, so the last may be missing
        self._events_at = 0.0
        self._host_locks: dict[str, asyncio.Lock] = {}
        self._host_last: dict[str, float] = {}
        self._fetching: set[int] = set()
        self._stopping: asyncio.Event | None = None
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task] = []
        self._polls: set[asyncio.Task] = set()
        self.closed = False
        self.left_queued = 0
        self._rebuilding: asyncio.subprocess.Process | None = None
        self._api_slots: asyncio.Semaphore | None = None

    # -- database access ------------------------------------------------------------------------------------------

    def write_sync(self, call: Callable[[IncidentDB], T]) -> T:
        with self._lock:
            return call(self.writer)

    async def write(self, call: Callable[[IncidentDB], T]) -> T:
        return await asyncio.to_thread(self.write_sync, call)

    def reader(self) -> IncidentDB:
        """This thread's read connection."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = open_db(self.path, create=False)
            with self._readers_lock:  # not the writer's lock: a reader never waits for a write
                self._readers.append(db)
        return db

    def _queue_depth(self) -> float:
        counts = work.queue_counts(self.reader())
        return float(counts["queued"] + counts["claimed"])

    @property
    def paused(self) -> bool:
        return time.monotonic() < self.paused_until

    # -- lifecycle ------------------------------------------------------------------------------------------------

    async def start(self, *, scheduler: bool = True) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping, self._wake = asyncio.Event(), asyncio.Event()
        self._tasks = [asyncio.create_task(self._worker(n)) for n in range(self.n_workers)]
        if self.shared:
            self._tasks.append(asyncio.create_task(self._heartbeat()))
        if scheduler:
            self._tasks.append(asyncio.create_task(self._scheduler()))

    def wake(self) -> None:
        """Cut the worker's and the scheduler's sleep short (from the loop or from a request's thread)."""
        if self._wake is None or self._loop is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._wake.set()
        elif not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    async def stop(self) -> None:
        """Drain: no new work; in-flight articles finish within the drain timeout (the events wait for the next
        start)."""
        if self._stopping is None:
            return
        self._stopping.set()
        self.wake()
        if self._rebuilding is not None and self._rebuilding.returncode is None:
            self._rebuilding.kill()  # its one transaction is all or nothing; the next start rebuilds
        for task in self._polls:
            task.cancel()
        done, pending = await asyncio.wait(self._tasks, timeout=self.config.drain_timeout_s) if self._tasks else ((), ())
        for task in pending:  # still extracting past the deadline: its claim is re-queued on the next start
            task.cancel()
        await asyncio.gather(*pending, *self._polls, return_exceptions=True)
        self.left_queued = (await self.write(work.queue_counts))["queued"]

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        await self.pipeline.aclose()
        with self._readers_lock:
            for db in self._readers:
                db.close()
        with self._lock:
            self.writer.close()

    async def drain(self) -> None:
        """Wait until nothing is queued or claimed (`extract watch --once`) and the events are current."""
        while True:
            run = self.run_id if self.shared else None  # workers of other runs may share the queue
            counts = await asyncio.to_thread(lambda: work.queue_counts(self.reader(), run))
            if not counts["queued"] and not counts["claimed"] and not self.in_flight:
                break
            await asyncio.sleep(0.2)
        while self._rebuilding is not None:  # a rebuild begun by the worker: let it finish
            await asyncio.sleep(0.1)
        if self.events_dirty:
            await self.rebuild_events()

    async def _sleep(self, seconds: float) -> None:
        """Sleep, cut short by a wake-up or the stop."""
        assert self._wake is not None and self._stopping is not None
        self._wake.clear()
        waiters = [asyncio.create_task(self._wake.wait()), asyncio.create_task(self._stopping.wait())]
        await asyncio.wait(waiters, timeout=max(0.0, seconds), return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()

    @property
    def stopping(self) -> bool:
        return self._stopping is not None and self._stopping.is_set()

    # -- the queue worker -----------------------------------------------------------------------------------------

    def pause(self, reason: str) -> None:
        if not self.paused:
            self.metrics.endpoint_pauses.inc()
            log.warning("endpoint trouble, the queue waits %.0f s: %s", self._pause_s, reason)
        self.pause_reason = reason
        self.paused_until = time.monotonic() + self._pause_s
        self._pause_s = min(self._pause_s * 2, self.config.pause_max_s)

    def _resumed(self) -> None:
        self._pause_s = self.config.pause_initial_s
        self.pause_reason = None

    async def _worker(self, n: int) -> None:
        while not self.stopping:
            if self.paused:
                await self._sleep(self.paused_until - time.monotonic())
                continue
            item = await self.write(lambda db: work.claim(db, self.run_id))
            if item is None:
                if self._events_due(EVENTS_IDLE_S) and n == 0 and not self.in_flight:
                    await self.rebuild_events()
                await self._sleep(self.config.tick_s * 5)
                continue
            item_id, article = item
            self._claims.add(item_id)
            try:
                await self._process(item_id, article)
            finally:
                self._claims.discard(item_id)
            if n == 0 and self._events_due(EVENTS_BUSY_S):
                await self.rebuild_events()

    async def _heartbeat(self) -> None:
        """Shared queue: this process's claims kept fresh; claims of a dead worker put back (taken over)."""
        while not self.stopping:
            try:
                await self.write(lambda db: work.heartbeat(db, sorted(self._claims)))
                taken = await self.write(lambda db: work.requeue_stale(db, self.config.claim_timeout_s))
            except StoreError as exc:
                log.warning("heartbeat: %s", exc)
                taken = 0
            if taken:
                self.requeued += taken
                log.warning("%d claim(s) of a stopped worker taken over", taken)
                self.wake()
            await self._sleep(self.config.heartbeat_s)

    def _events_due(self, gap_s: float) -> bool:
        return self.events_dirty and time.monotonic() - self._events_at >= gap_s

    async def _process(self, item_id: int, article: Article) -> None:
        self.in_flight += 1
        try:
            record = await self.pipeline.extract(article)
        except (EndpointUnavailable, ConfigError) as exc:
            await self.write(lambda db: work.release(db, item_id, str(exc), count=False))
            self.pause(str(exc))
            return
        finally:
            self.in_flight -= 1
        if endpoint_trouble(record):
            attempts = await self.write(lambda db: work.attempts_of(db, item_id))
            if attempts < self.config.max_transient:
                await self.write(lambda db: work.release(db, item_id, record.error))
                self.pause(record.error or "endpoint failure")
                return
        else:
            self._resumed()
        await self.write(lambda db: db.write_record(self.run_id, article, record, queue_item=item_id))
        self.done += 1
        self.metrics.record(record)
        self.events_dirty = True

    async def rebuild_events(self) -> None:
        """Update the run's events with the incidents not yet in one, in a process of its own: clustering is CPU-
        and memory-heavy when many articles arrive at once, and there it neither holds the interpreter the API
        answers from nor leaves its peak memory in the service. Its one transaction makes it safe to stop at any
        moment (see `stop`)."""
        self.events_dirty = False
        self._events_at = time.monotonic()
        script = ("import sys; from extractor.events.incremental import add_to_events; "
                  "from extractor.store.database import open_db; db = open_db(sys.argv[1], create=False); "
                  "add_to_events(db, sys.argv[2]); db.close()")  # fmt: skip
        if self.shared:  # one worker at a time, and only when the events lag behind the records
            script = "import sys; from extractor.service.worker import merge_events; merge_events(*sys.argv[1:3])"
        target, env = str(self.path), None
        if isinstance(self.path, str):  # a URL: its password goes to the child in PGPASSWORD, never in argv
            from ..store.pg import child_environment

            target, extra = child_environment(str(self.writer.path))
            env = {**os.environ, **extra}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", script, target, self.run_id,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        self._rebuilding = process
        try:
            _, err = await process.communicate()
        finally:
            self._rebuilding = None
        if process.returncode != 0 and not self.stopping:
            lines = (err or b"").decode(errors="replace").strip().splitlines()
            log.warning("events not rebuilt (exit %s): %s", process.returncode, lines[-1] if lines else "")
        if process.returncode != 0:
            self.events_dirty = True

    async def extract_now(self, articles: list[Article]) -> list[ArticleRecord]:
        """POST /v1/extract: each article's record, extracted now (or as stored, when this content was extracted
        before with an ok or skipped record) and stored; EndpointUnavailable / ConfigError come through. Each
        article goes through the work queue, claimed by the request: a service killed mid-request finishes it after
        the restart, and an endpoint failure leaves it queued for the worker. The events follow when the worker is
        next idle (never one update per request)."""
        if self._api_slots is None:  # posted articles in extraction at once, across requests: as many as workers
            self._api_slots = asyncio.Semaphore(self.n_workers)
        async with self._api_slots:
            return await self._extract_now(articles)

    async def _extract_now(self, articles: list[Article]) -> list[ArticleRecord]:
        from ..store.database import content_hash

        records = []
        for article in articles:
            stored = await asyncio.to_thread(lambda: self.reader().stored(self.run_id, article.id))
            if stored is not None and stored[0] == content_hash(article) and stored[1] != "failed":
                record = await asyncio.to_thread(lambda: self.reader().read_record(article.id, self.run_id))
                if record is not None:
                    records.append(record)
                    continue
            item_id = await self.write(lambda db: work.claim_posted(db, self.run_id, article))
            try:
                record = await self.pipeline.extract(article)
            except BaseException:
                if item_id is not None:  # the endpoint is down, or the request was cancelled: the worker retries it
                    await asyncio.shield(self.write(lambda db: work.release(db, item_id, "posted", count=False)))
                raise
            if endpoint_trouble(record):
                if item_id is not None:
                    await self.write(lambda db: work.release(db, item_id, record.error, count=False))
            else:
                await self.write(lambda db: db.write_record(self.run_id, article, record, queue_item=item_id))
                self.metrics.record(record)
                self.events_dirty = True
            records.append(record)
        self.wake()  # the worker rebuilds the events once the queue is idle
        return records

    # -- the feed scheduler ---------------------------------------------------------------------------------------

    async def _scheduler(self) -> None:
        while not self.stopping:
            now = dt.datetime.now(dt.timezone.utc)
            try:
                due = await asyncio.to_thread(lambda: work.due_feeds(self.reader(), now))
            except StoreError as exc:
                log.warning("scheduler: %s", exc)
                due = []
            for feed in due:
                if feed["feed_id"] not in self._fetching:
                    self._fetching.add(feed["feed_id"])
                    task = asyncio.create_task(self._poll(feed))
                    self._polls.add(task)
                    task.add_done_callback(self._polls.discard)
            await self._sleep(self.config.tick_s)

    def _host_lock(self, host: str) -> asyncio.Lock:
        return self._host_locks.setdefault(host, asyncio.Lock())

    async def poll_once(self, feed: dict[str, Any]) -> str:
        """Fetch one feed now (one request at a time per host), queue what is new; the fetch's status."""
        self._fetching.add(feed["feed_id"])
        return await self._poll(feed)

    async def _poll(self, feed: dict[str, Any]) -> str:
        url, feed_id = feed["url"], feed["feed_id"]
        host = urlsplit(url).hostname or url
        try:
            async with self._host_lock(host):
                wait = self._host_last.get(host, 0.0) + self.config.host_interval_s - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                try:
                    fetched = await self._fetch(feed)
                finally:
                    self._host_last[host] = time.monotonic()
            return await self._after_fetch(feed, fetched)
        except FeedError as exc:
            return await self._failed_fetch(feed, str(exc))
        finally:
            self._fetching.discard(feed_id)

    async def _fetch(self, feed: dict[str, Any]):
        from ..feeds.fetch import FetchLimits, Fetched, fetch_conditional

        settings = self.pipeline.settings
        limits = FetchLimits(timeout=settings.fetch_timeout, max_bytes=settings.max_feed_bytes)
        url = feed["url"]
        if url.startswith(("http://", "https://")):
            return await fetch_conditional(url, limits, etag=feed["etag"], last_modified=feed["last_modified"])
        path = Path(url.removeprefix("file://"))  # `extract watch` on a local file: its mtime is the validator
        try:
            stamp = str(path.stat().st_mtime_ns)
            if feed["last_modified"] == stamp:
                return Fetched(304, None, None, stamp)
            return Fetched(200, await asyncio.to_thread(path.read_bytes), None, stamp)
        except OSError as exc:
            raise FeedError(f"cannot read {url}: {exc.strerror}") from None

    async def _after_fetch(self, feed: dict[str, Any], fetched) -> str:
        from ..feeds.reader import parse_feed

        now = dt.datetime.now(dt.timezone.utc)
        following = now + dt.timedelta(seconds=feed["interval_s"])
        if fetched.not_modified:
            self.metrics.fetches.labels("not_modified").inc()
            await self.write(lambda db: work.record_fetch(db, feed["feed_id"], at=now, next_fetch=following,
                                                          status="not_modified"))  # fmt: skip
            return "not_modified"
        parsed = await asyncio.to_thread(parse_feed, feed["url"], fetched.body)
        queued = await self.write(lambda db: work.enqueue(db, self.run_id, parsed.articles, feed["feed_id"]))
        self.metrics.fetches.labels("ok").inc()
        await self.write(lambda db: work.record_fetch(
            db, feed["feed_id"], at=now, next_fetch=following, status="ok", etag=fetched.etag,
            last_modified=fetched.last_modified, seen=len(parsed.articles), queued=queued,
        ))  # fmt: skip
        if queued:
            self.wake()
        return "ok"

    async def _failed_fetch(self, feed: dict[str, Any], error: str) -> str:
        now = dt.datetime.now(dt.timezone.utc)
        failures = feed["failures"] + 1
        backoff = min(feed["interval_s"] * 2 ** min(failures, 20), self.config.max_backoff_s)
        status = "failing" if failures >= self.config.fail_after else "error"
        self.metrics.fetches.labels("error").inc()
        self.metrics.fetch_errors.inc()
        log.warning("feed %s: %s (failure %d, next try in %.0f s)", feed["feed_id"], error, failures, backoff)
        await self.write(lambda db: work.record_fetch(db, feed["feed_id"], at=now, status=status, error=error,
                                                      next_fetch=now + dt.timedelta(seconds=backoff)))  # fmt: skip
        return status
