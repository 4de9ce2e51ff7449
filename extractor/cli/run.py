"""`extract run`: every article of a feed to a record, written as it finishes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import BudgetExceeded, ExtractorError
from .app import EXIT_FAILED, EXIT_INTERRUPTED, Shown, app, err, fail, progress_bar
from .options import Force, Quiet, SettingOptions, with_setting_options
from .tables import print_events, print_summary

if TYPE_CHECKING:
    from ..pipeline.run import RunSummary
    from ..runner.run import RunOutcome, RunRequest
    from ..store.dbsink import SinkCounts


Feed = Annotated[
    str,
    typer.Argument(
        help="A feed file or http(s) URL (RSS 2.0, Atom, RSS 1.0), a JSONL file of articles "
        "(id, title, text, published, url), or an OPML or text list of feeds."
    ),
]
Output = Annotated[str, typer.Option("--output", "-o", help="Output file; '-' for stdout.")]
Format = Annotated[str, typer.Option("--format", help="jsonl (a line per article) or csv (a row per incident).")]
DropUngrounded = Annotated[bool, typer.Option(help="Drop incidents none of whose quotes is in the article.")]
Resume = Annotated[
    bool, typer.Option("--resume", help="Keep finished articles of an existing output; rerun failed and missing ones.")
]
MaxCost = Annotated[
    float | None,
    typer.Option(min=0, help="Stop before the estimated cost in USD would exceed this (finished work stays)."),
]
Batch = Annotated[
    bool, typer.Option("--batch", help="Submit through the Batch API (half price, within 24 h) and return at once.")
]
Db = Annotated[
    str | None,
    typer.Option("--db", help="Write to this incident database (SQLite file or postgresql:// URL; config key db) "
                 "instead of -o: only new "
                 "or changed articles are extracted, then events are rebuilt."),
]  # fmt: skip
NoEvents = Annotated[bool, typer.Option("--no-events", help="With --db: do not rebuild the events.")]
Enqueue = Annotated[
    bool, typer.Option("--enqueue", help="With --db: queue the new articles for `extract worker` instead of extracting.")
]


@app.command()
@with_setting_options
def run(
    feed: Feed,
    output: Output = "incidents.jsonl",
    fmt: Format = "jsonl",
    drop_ungrounded: DropUngrounded = False,
    resume: Resume = False,
    max_cost: MaxCost = None,
    batch: Batch = False,
    db: Db = None,
    no_events: NoEvents = False,
    enqueue: Enqueue = False,
    force: Force = False,
    quiet: Quiet = False,
    *,
    llm: SettingOptions,
) -> None:
    """Extract incidents from every article of FEED, writing a record per article as it finishes."""
    from ..runner.run import RunRequest, execute_run

    request = RunRequest(feed, llm.setup(), output=output, fmt=fmt, drop_ungrounded=drop_ungrounded, resume=resume,
                         max_cost=max_cost, batch=batch, db=db, events=not no_events, force=force,
                         enqueue=enqueue)  # fmt: skip
    shown = Printed(quiet)
    try:
        outcome = execute_run(request, shown)
    except KeyboardInterrupt:
        raise fail(_interrupted(request, shown.output or output), EXIT_INTERRUPTED) from None
    except BudgetExceeded as exc:
        raise fail(_stopped(exc, request, shown.output or output), EXIT_FAILED) from None
    except ExtractorError as exc:
        raise fail(str(exc)) from None
    if batch or enqueue:
        return print_submitted(outcome) if batch else err.print(f"{outcome.queued} article(s) queued", highlight=False)
    if outcome.summary.failed:
        raise typer.Exit(EXIT_FAILED)


class Printed(Shown):
    """The run's progress bar and lines: its counters, and after a database run what was new and the events."""

    output: str | None = None

    def started(self, total: int | None) -> None:  # this module's progress_bar: tests record the total shown
        self.show(progress_bar(total, self.quiet))

    def finished(self, summary: RunSummary, output: str) -> None:
        super().finished(summary, output)
        self.output = output
        print_summary(summary, output)

    def database(self, path: str, run_id: str, counts: SinkCounts) -> None:
        c = counts
        err.print(f"database {path}, run {run_id}: {c.new} new, {c.updated} updated ({c.replaced_incidents} earlier "
                  f"incidents replaced), {c.retried} retried, {c.unchanged} unchanged article(s)", highlight=False)  # fmt: skip

    def events(self, found) -> None:
        print_events(found, 0)


def _interrupted(request: RunRequest, output: str) -> str:
    if request.batch:
        return f"interrupted before the batch was recorded; cached articles are in {output}"
    return f"interrupted; finished articles are in {output} (continue with --resume)"


def _stopped(exc: BudgetExceeded, request: RunRequest, output: str) -> str:
    if request.batch:
        return f"{exc} (at the batch price); nothing was submitted"
    return f"{exc}; finished articles are in {output} (continue with --resume)"


def print_submitted(outcome: RunOutcome) -> None:
    """What `extract run --batch` did: nothing to submit, or the batch job and how to follow it."""
    summary, job, output = outcome.summary, outcome.job, outcome.output
    if job is None:
        err.print(f"nothing to submit: {summary.articles} article(s) answered from the cache, "
                  f"{summary.already_done} already done -> {output}", highlight=False)  # fmt: skip
        return
    requests = len(job.state.requests)
    err.print(f"submitted batch {job.id}: {requests} request(s); {summary.articles} cached article(s) written to "
              f"{output}; follow it with: extract batch status|wait|collect {job.id}", highlight=False)  # fmt: skip
    typer.echo(job.id)
