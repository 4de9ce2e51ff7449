"""The library run: one feed (a file, URL, JSONL or list of feeds) to records, end to end. `extract run` and the
service call `execute_run(request, hooks)`; everything a command did around `run_feed` lives here:

1. the input is opened and its first article read (a bad input is an error before anything is written);
2. the settings are resolved, the backend built (with the seed set's few-shot examples when the prompt uses them)
   and given the --max-cost budget;
3. with `resume`, the existing output is read (what finished is not run again); with a database (`db`, or the
   settings' db) only new, changed or failed articles are selected;
4. the records go to the output (JSONL or CSV, '-' for stdout), or to the database; with `batch`, the articles
   not answered from the cache are submitted through the Batch API instead, and the run returns at once;
5. after a database run, its events are rebuilt.

What the run has to say goes to `hooks` (RunHooks), in this order: input warnings, the settings notice, notes
on the resumed output, `started(total)`, each record, `finished(summary, output)` (also when the work is
interrupted or stopped by an error), then the database counts and the events. Errors are ExtractorErrors;
KeyboardInterrupt passes through, after `finished`.

`execute_run` runs its own event loop; from async code (the service) call it in a worker thread,
`await asyncio.to_thread(execute_run, request, hooks)` (the hooks are then called from that thread).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from .setup import Prepared, Setup, build_backend

if TYPE_CHECKING:
    from ..backend import Backend
    from ..events.models import Event
    from ..models import Article, ArticleRecord
    from ..pipeline.batch import BatchJob
    from ..pipeline.run import RunSummary
    from ..store.dbsink import DatabaseSink, SinkCounts


class RunHooks:
    """What a run reports while it goes; every method is optional (these do nothing)."""

    def warning(self, text: str) -> None:
        """Something the caller should know: a skipped input line or entry, output lines kept but run again."""

    def notice(self, text: str) -> None:
        """The settings' notice (no LLM configured: the offline baseline is used)."""

    def note(self, text: str) -> None:
        """A plain remark (records of an older format read from the resumed output)."""

    def started(self, total: int | None) -> None:
        """The work starts: `total` records will be written (None: a long stream, its length not known)."""

    def record(self, record: ArticleRecord) -> None:
        """A record was written."""

    def finished(self, summary: RunSummary, output: str) -> None:
        """The work ended (or was interrupted or stopped by an error): its counters and where records went."""

    def database(self, path: str, run_id: str, counts: SinkCounts) -> None:
        """After a database run: what was new, updated, retried or unchanged."""

    def events(self, found: list[Event]) -> None:
        """After a database run: the rebuilt events."""


@dataclass
class RunRequest:
    """One run, as plain values: what to read, how to extract, where records go."""

    feed: str  # a feed file or URL, a JSONL file of articles, an OPML or text list of feeds
    setup: Setup = field(default_factory=Setup)
    output: str = "incidents.jsonl"  # '-' for stdout
    fmt: str = "jsonl"  # or csv
    drop_ungrounded: bool = False
    resume: bool = False  # keep the output's finished articles; run failed and missing ones
    max_cost: float | None = None  # USD cap on the estimated cost
    batch: bool = False  # submit through the Batch API and return at once
    db: str | None = field(default=None, repr=False)  # an incident database instead of `output` (default: the
    # settings' db); not in the repr: a postgresql:// URL may carry a password
    events: bool = True  # rebuild the events after a database run
    enqueue: bool = False  # with a database: queue the articles for `extract worker` instead of extracting them
    force: bool = False  # replace `output` even if it is a database or a file of another kind (never the input)
    articles: Iterable[Article] | None = None  # given: read instead of `feed` (which then only names the source)
    backend: Backend | None = None  # given: used instead of the backend of the settings (extractor.testing)


@dataclass
class RunOutcome:
    """What a run did."""

    summary: RunSummary
    output: str  # where the records went: the output file, '-' or the database
    job: BatchJob | None = None  # a batch run: the submitted job (None: nothing needed sending)
    run_id: str | None = None  # a database run: its run id
    database: SinkCounts | None = None  # a database run: what was new, updated, retried or unchanged
    events: list[Event] | None = None  # a database run: the rebuilt events (None: not rebuilt)
    queued: int | None = None  # an --enqueue run: the articles queued for the workers


@dataclass
class _Opened:
    """A run set up: the articles still to read, the backend, what is already done, the sink."""

    articles: Iterator[Article]
    prepared: Prepared
    backend: Any
    done: set[str]
    sink: Any
    output: str
    database: DatabaseSink | None = None


def execute_run(request: RunRequest, hooks: RunHooks | None = None) -> RunOutcome:
    """Run `request` end to end (see the module docstring); the synchronous entry, for callers without a loop."""
    hooks = hooks or RunHooks()
    if request.enqueue and request.batch:
        raise ConfigError("--enqueue queues the articles for `extract worker`: drop --batch")
    opened = open_run(request, hooks)
    try:
        if request.enqueue:
            return _enqueue(opened, hooks)
        if request.batch:
            from .batch import submit_run

            return submit_run(opened.articles, opened.backend, opened.prepared.cache, opened.sink, opened.output,
                              opened.done, request.drop_ungrounded, opened.prepared.settings.prefilter)  # fmt: skip
        summary = _extract(request, opened, hooks)
    finally:
        opened.sink.close()
        opened.prepared.cache.close()
    return _finish(request, opened, summary, hooks)


def _enqueue(opened: _Opened, hooks: RunHooks) -> RunOutcome:
    """--enqueue: the articles the run has not stored (new, changed, failed) queued in the database's work queue,
    for `extract worker` processes (on this machine or others) to extract."""
    from ..pipeline.run import RunSummary
    from ..store import work

    sink = opened.database
    if sink is None:
        raise ConfigError("--enqueue needs --db (the database whose queue the workers work)")
    articles = list(opened.articles)
    queued = work.enqueue(sink.db, sink.run_id, articles)
    hooks.database(str(sink.db.path), sink.run_id, sink.counts)
    return RunOutcome(RunSummary(), opened.output, run_id=sink.run_id, database=sink.counts, queued=queued)


def open_run(request: RunRequest, hooks: RunHooks) -> _Opened:
    """Steps 1 to 3: the input's first article read, the backend built, the output checked and opened."""
    if request.resume and (request.output == "-" or request.fmt != "jsonl"):
        raise ConfigError("--resume needs a JSONL output file (-o FILE)")
    if request.batch and (request.output == "-" or request.fmt != "jsonl"):
        raise ConfigError("--batch needs a JSONL output file (-o FILE)")
    stream = _articles(request, hooks)
    first = next(stream)  # a bad input is an error before anything is written
    prepared = request.setup.prepare(hooks.notice)
    backend = request.backend or build_backend(prepared.settings, prepared.template, prepared.cache)
    if request.max_cost is not None:
        from ..llm.pricing import attach_budget

        attach_budget(backend, request.max_cost, batch=request.batch)
    done = _resumed(request, backend, hooks)
    articles = chain([first], stream)
    db = request.db or prepared.settings.db
    if db:
        if request.batch or request.resume:
            raise ConfigError("--db is incremental by itself: drop --batch / --resume")
        from .database import open_db_sink

        sink = open_db_sink(db, backend, request.feed)
        return _Opened(sink.select(articles), prepared, backend, done, sink, str(sink.db.path), sink)
    from ..store.writers import open_writer

    writer = open_writer(
        request.output, request.fmt, append=request.resume, force=request.force, inputs=[request.feed]
    )
    return _Opened(articles, prepared, backend, done, writer, request.output)


def _articles(request: RunRequest, hooks: RunHooks) -> Iterator[Article]:
    if request.articles is not None:
        return iter(request.articles)
    from ..feeds import iter_articles

    return iter_articles(request.feed, hooks.warning, request.setup.fetch_limits())


def _resumed(request: RunRequest, backend: Any, hooks: RunHooks) -> set[str]:
    """The articles the output already holds finished (resume), after saying what else was read in it."""
    if not request.resume:
        return set()
    from ..pipeline.article import run_identity
    from ..store.resume import prepare_resume

    state, output = prepare_resume(request.output, run_identity(backend)), request.output
    if state.older:
        hooks.note(f"{state.older} line(s) in an older record format, read from {output}")
    if state.foreign:
        hooks.warning(f"{state.foreign} foreign line(s) kept in {output} (a newer record format, or not a valid "
                      "record); their articles run again")  # fmt: skip
    if state.unreadable:
        hooks.warning(f"{state.unreadable} unreadable line(s) kept in {output} (cut by a crash?); their articles "
                      "run again")  # fmt: skip
    return state.done


def _extract(request: RunRequest, opened: _Opened, hooks: RunHooks) -> RunSummary:
    """Step 4: every article not done to a record, written as it finishes; `hooks.finished` whatever happens."""
    from ..pipeline.run import RunSummary, counted, run_feed

    summary = RunSummary()
    articles, total = counted(opened.articles, opened.done)  # None: a long stream, its length is not known
    hooks.started(total)
    work = run_feed(
        articles, opened.backend, opened.sink, cache=opened.prepared.cache, concurrency=opened.prepared.settings.concurrency,
        drop_ungrounded=request.drop_ungrounded, skip_ids=opened.done, summary=summary,
        prefilter=opened.prepared.settings.prefilter, on_record=hooks.record,
    )  # fmt: skip
    try:
        import asyncio  # here, not at the top: `extract --help` imports this module for RunHooks

        asyncio.run(work)
    finally:
        hooks.finished(summary, opened.output)
    return summary


def _finish(request: RunRequest, opened: _Opened, summary: RunSummary, hooks: RunHooks) -> RunOutcome:
    """Step 5: after a database run, its counts and (unless turned off) the rebuilt events."""
    outcome = RunOutcome(summary, opened.output)
    sink = opened.database
    if sink is None:
        return outcome
    outcome.run_id, outcome.database = sink.run_id, sink.counts
    hooks.database(str(sink.db.path), sink.run_id, sink.counts)
    if request.events:
        from .database import rebuild_events

        outcome.events = rebuild_events(str(sink.db.path), sink.run_id)
        hooks.events(outcome.events)
    return outcome
