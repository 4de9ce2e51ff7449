"""`extract run`: every article of a feed to a record, written as it finishes."""

from __future__ import annotations

from itertools import chain
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import BudgetExceeded, ConfigError, ExtractorError
from .app import EXIT_FAILED, EXIT_INTERRUPTED, app, err, fail, fetch_limits, guarded, in_loop, prepare, progress_bar
from .batch import submit_batch
from .options import Quiet, SettingOptions, with_setting_options

if TYPE_CHECKING:
    from ..pipeline.run import RunSummary


@app.command()
@with_setting_options
def run(
    feed: Annotated[
        str,
        typer.Argument(
            help="A feed file or http(s) URL (RSS 2.0, Atom, RSS 1.0), a JSONL file of articles "
            "(id, title, text, published, url), or an OPML or text list of feeds."
        ),
    ],
    output: Annotated[str, typer.Option("--output", "-o", help="Output file; '-' for stdout.")] = "incidents.jsonl",
    fmt: Annotated[
        str, typer.Option("--format", help="jsonl (a line per article) or csv (a row per incident).")
    ] = "jsonl",
    drop_ungrounded: Annotated[
        bool, typer.Option(help="Drop incidents none of whose quotes is in the article.")
    ] = False,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Keep finished articles of an existing output; rerun failed and missing ones."),
    ] = False,
    max_cost: Annotated[
        float | None,
        typer.Option(min=0, help="Stop before the estimated cost in USD would exceed this (finished work stays)."),
    ] = None,
    batch: Annotated[
        bool, typer.Option("--batch", help="Submit through the Batch API (half price, within 24 h) and return at once.")
    ] = False,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Write to this incident database (SQLite, config key db) instead of -o: only new "
                     "or changed articles are extracted, then events are rebuilt."),
    ] = None,
    no_events: Annotated[bool, typer.Option("--no-events", help="With --db: do not rebuild the events.")] = False,
    quiet: Quiet = False,
    *,
    llm: SettingOptions,
) -> None:
    """Extract incidents from every article of FEED, writing a record per article as it finishes."""
    from ..evaluation.fewshot import seed_examples
    from ..feeds import iter_articles
    from ..pipeline.article import run_identity
    from ..pipeline.backends import create_backend
    from ..pipeline.run import RunSummary, counted, run_feed
    from ..store.dbsink import DatabaseSink
    from ..store.resume import ResumeState, prepare_resume
    from ..store.writers import open_writer
    from .store import finish_db_run, open_db_sink

    def setup():
        if resume and (output == "-" or fmt != "jsonl"):
            raise ConfigError("--resume needs a JSONL output file (-o FILE)")
        if batch and (output == "-" or fmt != "jsonl"):
            raise ConfigError("--batch needs a JSONL output file (-o FILE)")
        warn = lambda warning: err.print(f"[yellow]warning:[/] {warning}", highlight=False)  # noqa: E731
        stream = iter_articles(feed, warn, fetch_limits(llm))
        first = next(stream)  # a bad input is an error before anything is written
        settings, template, cache = prepare(llm)
        examples = seed_examples() if template.uses_examples else None
        backend = create_backend(settings, template, cache, examples)
        if max_cost is not None:
            from ..llm.pricing import attach_budget

            attach_budget(backend, max_cost, batch=batch)
        state = prepare_resume(output, run_identity(backend)) if resume else ResumeState()
        if state.older:
            err.print(f"{state.older} line(s) in an older record format, read from {output}", highlight=False)
        if state.foreign:
            err.print(f"[yellow]warning:[/] {state.foreign} foreign line(s) kept in {output} (a newer record format, "
                      "or not a valid record); their articles run again", highlight=False)  # fmt: skip
        if state.unreadable:
            err.print(f"[yellow]warning:[/] {state.unreadable} unreadable line(s) kept in {output} (cut by a crash?); "
                      "their articles run again", highlight=False)  # fmt: skip
        if db or settings.db:
            if batch or resume:
                raise ConfigError("--db is incremental by itself: drop --batch / --resume")
            sink = open_db_sink(db or settings.db, backend, feed)
            return sink.select(chain([first], stream)), settings, cache, backend, state.done, sink
        return chain([first], stream), settings, cache, backend, state.done, open_writer(output, fmt, append=resume)

    articles, settings, cache, backend, done, writer = guarded(setup)
    output = str(writer.db.path) if isinstance(writer, DatabaseSink) else output
    if batch:
        return submit_batch(articles, backend, cache, writer, output, done, drop_ungrounded, settings.prefilter)
    summary = RunSummary()
    articles, total = guarded(lambda: counted(articles, done))  # None: a long stream, its length is not known
    progress = progress_bar(total, quiet)
    work = run_feed(
        articles, backend, writer, cache=cache, concurrency=settings.concurrency, drop_ungrounded=drop_ungrounded,
        skip_ids=done, summary=summary, prefilter=settings.prefilter, on_record=lambda _: progress.advance(progress.task_ids[0]),
    )  # fmt: skip
    try:
        in_loop(progress, work)
    except KeyboardInterrupt:
        print_summary(summary, output)
        raise fail(
            f"interrupted; finished articles are in {output} (continue with --resume)", EXIT_INTERRUPTED
        ) from None
    except BudgetExceeded as exc:
        print_summary(summary, output)
        raise fail(f"{exc}; finished articles are in {output} (continue with --resume)", EXIT_FAILED) from None
    except ExtractorError as exc:
        print_summary(summary, output)
        raise fail(str(exc)) from None
    finally:
        writer.close()
        cache.close()
    print_summary(summary, output)
    if isinstance(writer, DatabaseSink):
        guarded(lambda: finish_db_run(writer, events=not no_events))
    if summary.failed:
        raise typer.Exit(EXIT_FAILED)


def cost_text(cost_usd: float, unknown: int) -> str:
    """'cost $0.0123 (estimated)', naming the records whose model has no price."""
    if unknown and not cost_usd:
        return "cost unknown (no price for the model: set prices in the config)"
    return f"cost ${cost_usd:.4f} (estimated" + (f"; {unknown} record(s) of unknown price)" if unknown else ")")


def print_summary(summary: RunSummary, output: str) -> None:
    """One line of counters on stderr."""
    per_article = summary.elapsed_s / summary.articles if summary.articles else 0.0
    articles = f"{summary.articles} articles ({summary.ok} ok, {summary.failed} failed"
    articles += f", {summary.prefiltered} skipped by the pre-filter" if summary.prefiltered else ""
    articles += f", {summary.already_done} already done" if summary.already_done else ""
    articles += f", {summary.duplicates} duplicate ids skipped" if summary.duplicates else ""
    ungrounded = f"{summary.ungrounded} ungrounded"
    ungrounded += f" ({summary.ungrounded_dropped} dropped)" if summary.ungrounded_dropped else ""
    ungrounded += f", {summary.figures_corrected} unsupported figures or types corrected" if summary.figures_corrected else ""
    ungrounded += f", {summary.irrelevant_dropped} not-an-act incidents dropped" if summary.irrelevant_dropped else ""
    usage = summary.usage
    parts = [
        articles + ")", f"{summary.incidents} incidents", ungrounded, f"{summary.cache_hits} cache hits",
        f"{summary.attempts} requests ({summary.reasks} re-asks)",
        f"{usage.total_tokens} tokens ({usage.prompt_tokens} in, {usage.cached_tokens} of them cached, "
        f"{usage.completion_tokens} out)",
        cost_text(summary.cost_usd, summary.cost_unknown),
        f"{summary.elapsed_s:.1f}s ({per_article:.3g}s/article)",
    ]  # fmt: skip
    if summary.split_articles:  # long articles read window by window (--max-input-chars, --max-windows)
        capped = f", {summary.window_caps} with their end unread at the window cap" if summary.window_caps else ""
        parts.insert(2, f"{summary.split_articles} long articles read in {summary.windows} windows{capped}")
    if summary.cut_replies:  # runaway replies: cut at max_tokens
        parts.insert(-1, f"{summary.cut_replies} replies cut at max_tokens ({summary.cut_completion_tokens} tokens)")
    err.print(", ".join(parts) + (f" -> {output}" if output != "-" else ""), highlight=False)
