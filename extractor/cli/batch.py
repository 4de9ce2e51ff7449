"""`extract run FEED --batch` (submit) and `extract batch status|wait|collect [ID]`: runs through the Batch API."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..errors import BudgetExceeded, ConfigError, ExtractorError
from .app import EXIT_FAILED, EXIT_INTERRUPTED, app, err, fail, guarded, out
from .options import Quiet

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


def submit_batch(
    articles, backend, cache, writer, output: str, done: set[str], drop_ungrounded: bool, prefilter: bool = False
) -> None:
    """Write cached articles' records, submit the rest as a batch, print its id and return at once."""
    from ..backend import supports
    from ..llm.batch import BatchAPI
    from ..pipeline.batch import submit
    from ..pipeline.run import RunSummary

    if not supports(backend, "settings"):
        writer.close()
        raise fail("--batch needs an LLM endpoint (--model and --base-url, or OPENAI_API_KEY), not the baseline")
    settings = backend.settings.model_dump(mode="json", exclude={"api_key"}) | {"structured_output": backend.mode}
    details = {
        "output": str(Path(output).resolve()),
        "settings": settings,
        "prompt": {"name": backend.prompt.name, "text": backend.prompt.text},
    }
    summary, api = RunSummary(), BatchAPI(backend)
    started = time.perf_counter()
    work = submit(articles, backend, api, writer, cache.directory, cache=cache, skip_ids=done,
                  drop_ungrounded=drop_ungrounded, details=details, summary=summary, prefilter=prefilter)  # fmt: skip
    try:
        job = asyncio.run(work)
    except BudgetExceeded as exc:
        raise fail(f"{exc} (at the batch price); nothing was submitted", EXIT_FAILED) from None
    except KeyboardInterrupt:
        raise fail(
            f"interrupted before the batch was recorded; cached articles are in {output}", EXIT_INTERRUPTED
        ) from None
    except ExtractorError as exc:
        raise fail(str(exc)) from None
    finally:
        writer.close()
        cache.close()
        api.close()
    summary.elapsed_s = time.perf_counter() - started
    if job is None:
        err.print(f"nothing to submit: {summary.articles} article(s) answered from the cache, "
                  f"{summary.already_done} already done -> {output}", highlight=False)  # fmt: skip
        return
    requests = len(job.state["requests"])
    err.print(f"submitted batch {job.id}: {requests} request(s); {summary.articles} cached article(s) written to "
              f"{output}; follow it with: extract batch status|wait|collect {job.id}", highlight=False)  # fmt: skip
    typer.echo(job.id)


def _open(job_id: str | None, cache_dir: Path | None, config: str | None) -> tuple[BatchJob, Any, Any]:
    """The job, a backend rebuilt from its stored settings and prompt (the key from the environment or config),
    and the cache."""
    from ..evaluation.fewshot import seed_examples
    from ..llm.client import OpenAICompatBackend
    from ..llm.prompts import PromptTemplate
    from ..pipeline.article import run_identity
    from ..pipeline.batch import load_job
    from ..pipeline.cache import ResultCache, default_cache_dir
    from ..settings import resolve_settings

    directory = Path(cache_dir or default_cache_dir())
    job = load_job(directory, job_id)
    settings, _ = resolve_settings(job.state["settings"], config)
    template = PromptTemplate(**job.state["prompt"])
    cache = ResultCache(directory)
    backend = OpenAICompatBackend(settings, template, cache, seed_examples() if template.uses_examples else None)
    expected, found = job.state["identity"], run_identity(backend)
    if found != expected:
        cache.close()
        differs = ", ".join(k for k in expected if expected[k] != found.get(k))
        raise ConfigError(f"batch job {job.id} was submitted with another configuration ({differs} differ)")
    return job, backend, cache


def _describe(job: BatchJob, infos: list[BatchInfo]) -> str:
    counts = job.counts()
    running = "; ".join(f"{i.id} {i.status} {i.completed + i.failed}/{i.total}" for i in infos) or "none"
    return (f"job {job.id}: {counts['done']} done, {counts['failed']} failed, {counts['pending']} pending "
            f"of {len(job.state['requests'])} request(s); batches not collected: {running}")  # fmt: skip


@batch_app.command("status")
def batch_status(job_id: JobId = None, cache_dir: CacheDir = None, config: Config = None) -> None:
    """Show a batch job's progress: its requests and the state of its batches on the server."""
    from ..llm.batch import BatchAPI
    from ..pipeline.batch import status

    job, backend, cache = guarded(lambda: _open(job_id, cache_dir, config))
    api = BatchAPI(backend)
    try:
        infos = guarded(lambda: status(job, api))
    finally:
        api.close()
        cache.close()
    out.print(_describe(job, infos), highlight=False)


async def _collect_rounds(
    job: BatchJob,
    backend: Any,
    cache: Any,
    done: set[str],
    reask_sync: bool,
    *,
    poll: float | None = None,
    on_record=None,
    on_round=None,
) -> CollectResult:
    """Collect what is finished; with `poll`, keep polling (and collecting) until no batch is left. The last
    round's result."""
    from ..llm.batch import BatchAPI
    from ..pipeline.batch import collect
    from ..store.writers import open_writer

    writer, api = open_writer(job.state["output"], "jsonl", append=True), BatchAPI(backend)

    def seen(record) -> None:
        if record.status == "ok":
            done.add(record.article_id)
        if on_record:
            on_record(record)

    try:
        while True:
            result = await collect(job, backend, api, writer, cache=cache, done_ids=done, reask_sync=reask_sync,
                                   on_record=seen)  # fmt: skip
            if on_round:
                on_round(result)
            if poll is None or not job.pending_batches:
                return result
            await asyncio.sleep(poll)
    finally:
        writer.close()
        api.close()
        await backend.aclose()


def _done_ids(job: BatchJob) -> set[str]:
    from ..store.resume import prepare_resume

    return prepare_resume(job.state["output"], job.state["identity"]).done


def _report(job: BatchJob, summary: RunSummary, result: CollectResult | None) -> None:
    from .run import print_summary

    print_summary(summary, job.state["output"])
    if result and result.followups:
        err.print(f"{result.resubmitted} request(s) sent again in follow-up batch(es) {', '.join(result.followups)}",
                  highlight=False)  # fmt: skip


@batch_app.command("collect")
def batch_collect(
    job_id: JobId = None, cache_dir: CacheDir = None, config: Config = None, reask_sync: ReaskSync = False
) -> None:
    """Write the records of a batch job's finished batches; re-ask invalid replies and resend failed requests."""
    job, backend, cache = guarded(lambda: _open(job_id, cache_dir, config))
    started = time.perf_counter()
    try:
        done = guarded(lambda: _done_ids(job))
        result = guarded(lambda: asyncio.run(_collect_rounds(job, backend, cache, done, reask_sync)))
    except KeyboardInterrupt:
        raise fail(
            f"interrupted; run extract batch collect {job.id} again: nothing is lost", EXIT_INTERRUPTED
        ) from None
    finally:
        cache.close()
    result.summary.elapsed_s = time.perf_counter() - started
    _report(job, result.summary, result)
    out.print(_describe(job, result.running), highlight=False)
    if result.summary.failed:
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
    from ..pipeline.run import RunSummary

    job, backend, cache = guarded(lambda: _open(job_id, cache_dir, config))
    total, summary, last = len(job.state["requests"]), RunSummary(), None
    started = time.perf_counter()
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    try:
        done = guarded(lambda: _done_ids(job))
        with Progress(*columns, console=err, disable=quiet) as progress:
            task = progress.add_task(f"batch {job.id}", total=total)

            def show(result: CollectResult) -> None:
                counts = job.counts()
                running = ", ".join(f"{i.status} {i.completed + i.failed}/{i.total}" for i in result.running)
                progress.update(task, completed=counts["done"] + counts["failed"],
                                description=f"batch {job.id}" + (f" ({running})" if running else ""))  # fmt: skip

            work = _collect_rounds(job, backend, cache, done, reask_sync, poll=poll, on_record=summary.add,
                                   on_round=show)  # fmt: skip
            last = guarded(lambda: asyncio.run(work))
    except KeyboardInterrupt:
        raise fail(f"interrupted; run extract batch wait {job.id} again: nothing is lost", EXIT_INTERRUPTED) from None
    finally:
        cache.close()
    summary.elapsed_s = time.perf_counter() - started
    _report(job, summary, last)
    if summary.failed:
        raise typer.Exit(EXIT_FAILED)
