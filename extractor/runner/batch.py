"""Runs through the Batch API, around pipeline/batch.py: submitting a run's articles (`execute_run` with
`batch`), and opening a submitted job again with the backend of its stored settings and prompt, to follow and
collect it (`extract batch status|wait|collect`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..backend import supports
from ..errors import ConfigError

if TYPE_CHECKING:
    from ..models import Article, ArticleRecord
    from ..pipeline.batch import BatchJob, CollectResult
    from ..pipeline.cache import ResultCache
    from ..pipeline.run import RunSummary
    from .run import RunOutcome


def submit_run(
    articles: Iterable[Article], backend: Any, cache: ResultCache, writer: Any, output: str, done: set[str],
    drop_ungrounded: bool, prefilter: bool = False,
) -> RunOutcome:  # fmt: skip
    """Write cached articles' records, submit the rest as a batch job and return at once (the outcome's job is
    None when nothing needed sending). The caller closes the writer and the cache."""
    from ..llm.batch import BatchAPI
    from ..pipeline.batch import submit
    from ..pipeline.run import RunSummary
    from .run import RunOutcome

    if not supports(backend, "settings"):
        raise ConfigError("--batch needs an LLM endpoint (--model and --base-url, or OPENAI_API_KEY), not the baseline")
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
    finally:
        api.close()
    summary.elapsed_s = time.perf_counter() - started
    return RunOutcome(summary, output, job=job)


class OpenedJob:
    """A submitted batch job, the backend rebuilt from its stored settings and prompt (the key from the
    environment or config), and the cache; `close()` when done."""

    def __init__(self, job: BatchJob, backend: Any, cache: ResultCache) -> None:
        self.job, self.backend, self.cache = job, backend, cache

    def api(self) -> Any:
        from ..llm.batch import BatchAPI

        return BatchAPI(self.backend)

    def done_ids(self) -> set[str]:
        """The articles of the job's output whose record is ok already."""
        from ..store.resume import prepare_resume

        return prepare_resume(self.job.state.output, self.job.state.identity).done

    def close(self) -> None:
        self.cache.close()


def open_job(job_id: str | None, cache_dir: Path | None, config: str | None) -> OpenedJob:
    """The job (default: the latest), its backend and the cache; refused when the configuration changed since."""
    from ..evaluation.fewshot import seed_examples
    from ..llm.client import OpenAICompatBackend
    from ..llm.prompts import PromptTemplate
    from ..pipeline.article import run_identity
    from ..pipeline.batch import load_job
    from ..pipeline.cache import ResultCache, default_cache_dir
    from ..settings import resolve_settings

    directory = Path(cache_dir or default_cache_dir())
    job = load_job(directory, job_id)
    settings, _ = resolve_settings(job.state.settings, config)
    template = PromptTemplate(**job.state.prompt)
    cache = ResultCache(directory)
    backend = OpenAICompatBackend(settings, template, cache, seed_examples() if template.uses_examples else None)
    expected, found = job.state.identity, run_identity(backend)
    if found != expected:
        cache.close()
        differs = ", ".join(k for k in expected if expected[k] != found.get(k))
        raise ConfigError(f"batch job {job.id} was submitted with another configuration ({differs} differ)")
    return OpenedJob(job, backend, cache)


def job_status(opened: OpenedJob) -> list[Any]:
    """The job's batches not yet collected, as the server reports them."""
    from ..pipeline.batch import status

    api = opened.api()
    try:
        return status(opened.job, api)
    finally:
        api.close()


async def collect_rounds(
    opened: OpenedJob,
    done: set[str],
    reask_sync: bool,
    *,
    poll: float | None = None,
    on_record: Callable[[ArticleRecord], None] | None = None,
    on_round: Callable[[CollectResult], None] | None = None,
) -> CollectResult:
    """Collect what is finished into the job's output; with `poll`, keep polling (and collecting) until no batch
    is left. The last round's result."""
    from ..pipeline.batch import collect
    from ..store.writers import open_writer

    job, backend = opened.job, opened.backend
    writer, api = open_writer(job.state.output, "jsonl", append=True), opened.api()

    def seen(record: ArticleRecord) -> None:
        if record.status == "ok":
            done.add(record.article_id)
        if on_record:
            on_record(record)

    try:
        while True:
            result = await collect(job, backend, api, writer, cache=opened.cache, done_ids=done,
                                   reask_sync=reask_sync, on_record=seen)  # fmt: skip
            if on_round:
                on_round(result)
            if poll is None or not job.pending_batches:
                return result
            await asyncio.sleep(poll)
    finally:
        writer.close()
        api.close()
        await backend.aclose()


def collect_job(
    opened: OpenedJob,
    reask_sync: bool = False,
    *,
    poll: float | None = None,
    on_record: Callable[[ArticleRecord], None] | None = None,
    on_round: Callable[[CollectResult], None] | None = None,
) -> tuple[RunSummary, CollectResult]:
    """Collect a job's finished batches once, or with `poll` until every request is answered. The counters (of
    the one round; with `poll`, of every record written) with the whole call's elapsed time, and the last round."""
    from ..pipeline.run import RunSummary

    started, total = time.perf_counter(), RunSummary()

    def seen(record: ArticleRecord) -> None:
        total.add(record)
        if on_record:
            on_record(record)

    done = opened.done_ids()
    work = collect_rounds(opened, done, reask_sync, poll=poll, on_record=seen, on_round=on_round)
    result = asyncio.run(work)
    summary = total if poll is not None else result.summary
    summary.elapsed_s = time.perf_counter() - started
    return summary, result
