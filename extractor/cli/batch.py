"""`extract run FEED --batch` (submit) and `extract batch status|wait|collect [ID]`: runs through the Batch API."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .app import EXIT_FAILED, EXIT_INTERRUPTED, app, err, fail, guarded, out
from .options import Quiet
from .tables import print_summary

if TYPE_CHECKING:
    from ..llm.batch import BatchInfo
    from ..pipeline.batch import BatchJob, CollectResult
    from ..pipeline.run import RunSummary

batch_app = typer.Typer(help="Follow and collect runs submitted with extract run --batch.", no_args_is_help=True)
app.add_typer(batch_app, name="batch")
JobId = Annotated[
    str | None, typer.Argument(help="Batch job id (printed by extract run --batch; default: the latest).")
]
CacheDir = Annotated[Path | None, typer.Option(help="Cache directory (default $EXTRACT_CACHE_DIR or ~/.cache).")]
Config = Annotated[str | None, typer.Option(help="TOML config file (default $EXTRACT_CONFIG or ./extract.toml).")]
ReaskSync = Annotated[
    bool, typer.Option("--reask-sync", help="Re-ask invalid replies at once, synchronously, not in a follow-up batch.")
]


def _describe(job: BatchJob, infos: list[BatchInfo]) -> str:
    counts = job.counts()
    running = "; ".join(f"{i.id} {i.status} {i.completed + i.failed}/{i.total}" for i in infos) or "none"
    return (f"job {job.id}: {counts['done']} done, {counts['failed']} failed, {counts['pending']} pending "
            f"of {len(job.state.requests)} request(s); batches not collected: {running}")  # fmt: skip


@batch_app.command("status")
def batch_status(job_id: JobId = None, cache_dir: CacheDir = None, config: Config = None) -> None:
    """Show a batch job's progress: its requests and the state of its batches on the server."""
    from ..runner.batch import job_status, open_job

    opened = guarded(lambda: open_job(job_id, cache_dir, config))
    try:
        infos = guarded(lambda: job_status(opened))
    finally:
        opened.close()
    out.print(_describe(opened.job, infos), highlight=False)


def _report(job: BatchJob, summary: RunSummary, result: CollectResult | None) -> None:
    print_summary(summary, job.state.output)
    if result and result.followups:
        err.print(f"{result.resubmitted} request(s) sent again in follow-up batch(es) {', '.join(result.followups)}",
                  highlight=False)  # fmt: skip


@batch_app.command("collect")
def batch_collect(
    job_id: JobId = None, cache_dir: CacheDir = None, config: Config = None, reask_sync: ReaskSync = False
) -> None:
    """Write the records of a batch job's finished batches; re-ask invalid replies and resend failed requests."""
    from ..runner.batch import collect_job, open_job

    opened = guarded(lambda: open_job(job_id, cache_dir, config))
    try:
        summary, result = guarded(lambda: collect_job(opened, reask_sync))
    except KeyboardInterrupt:
        raise fail(f"interrupted; run extract batch collect {opened.job.id} again: nothing is lost",
                   EXIT_INTERRUPTED) from None  # fmt: skip
    finally:
        opened.close()
    _report(opened.job, summary, result)
    out.print(_describe(opened.job, result.running), highlight=False)
    if summary.failed:
        raise typer.Exit(EXIT_FAILED)


@batch_app.command("wait")
def batch_wait(
    job_id: JobId = None,
    cache_dir: CacheDir = None,
    config: Config = None,
    reask_sync: ReaskSync = False,
    poll: Annotated[float, typer.Option(min=0, help="Seconds between polls (default 30).")] = 30.0,
    quiet: Quiet = False,
) -> None:
    """Poll a batch job with a progress display until every request is answered, collecting batches as they end."""
    from ..runner.batch import collect_job, open_job

    opened = guarded(lambda: open_job(job_id, cache_dir, config))
    job = opened.job
    try:
        with _job_progress(job, quiet) as show:
            summary, last = guarded(lambda: collect_job(opened, reask_sync, poll=poll, on_round=show))
    except KeyboardInterrupt:
        raise fail(f"interrupted; run extract batch wait {job.id} again: nothing is lost", EXIT_INTERRUPTED) from None
    finally:
        opened.close()
    _report(job, summary, last)
    if summary.failed:
        raise typer.Exit(EXIT_FAILED)


@contextmanager
def _job_progress(job: BatchJob, quiet: bool) -> Iterator[Callable[[CollectResult], None]]:
    """A progress display of the job's answered requests; yields what updates it after each round."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=err, disable=quiet) as progress:
        task = progress.add_task(f"batch {job.id}", total=len(job.state.requests))

        def show(result: CollectResult) -> None:
            counts = job.counts()
            running = ", ".join(f"{i.status} {i.completed + i.failed}/{i.total}" for i in result.running)
            progress.update(task, completed=counts["done"] + counts["failed"],
                            description=f"batch {job.id}" + (f" ({running})" if running else ""))  # fmt: skip

        yield show
