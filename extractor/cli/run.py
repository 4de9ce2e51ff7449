"""`extract run`: every article of a feed to a record, written as it finishes."""

from __future__ import annotations

from itertools import chain
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import ConfigError, ExtractorError
from .app import EXIT_FAILED, EXIT_INTERRUPTED, app, err, fail, guarded, in_loop, prepare, progress_bar
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
    quiet: Quiet = False,
    *,
    llm: SettingOptions,
) -> None:
    """Extract incidents from every article of FEED, writing a record per article as it finishes."""
    from ..evaluation.fewshot import seed_examples
    from ..feeds import iter_articles
    from ..pipeline.article import run_identity
    from ..pipeline.backends import create_backend
    from ..pipeline.run import RunSummary, run_feed
    from ..store.resume import ResumeState, prepare_resume
    from ..store.writers import open_writer

    def setup():
        if resume and (output == "-" or fmt != "jsonl"):
            raise ConfigError("--resume needs a JSONL output file (-o FILE)")
        stream = iter_articles(feed, lambda warning: err.print(f"[yellow]warning:[/] {warning}", highlight=False))
        first = next(stream)  # a bad input is an error before anything is written
        settings, template, cache = prepare(llm)
        examples = seed_examples() if template.uses_examples else None
        backend = create_backend(settings, template, cache, examples)
        state = prepare_resume(output, run_identity(backend)) if resume else ResumeState()
        if state.unreadable:
            err.print(f"[yellow]warning:[/] {state.unreadable} unreadable line(s) kept in {output} (cut by a crash?); "
                      "their articles run again", highlight=False)  # fmt: skip
        return chain([first], stream), settings, cache, backend, state.done, open_writer(output, fmt, append=resume)

    articles, settings, cache, backend, done, writer = guarded(setup)
    summary = RunSummary()
    progress = progress_bar(None, quiet)  # a stream's length is not known in advance
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
    except ExtractorError as exc:
        print_summary(summary, output)
        raise fail(str(exc)) from None
    finally:
        writer.close()
        cache.close()
    print_summary(summary, output)
    if summary.failed:
        raise typer.Exit(EXIT_FAILED)


def print_summary(summary: RunSummary, output: str) -> None:
    """One line of counters on stderr."""
    per_article = summary.elapsed_s / summary.articles if summary.articles else 0.0
    articles = f"{summary.articles} articles ({summary.ok} ok, {summary.failed} failed"
    articles += f", {summary.prefiltered} skipped by the pre-filter" if summary.prefiltered else ""
    articles += f", {summary.skipped} already done" if summary.skipped else ""
    articles += f", {summary.duplicates} duplicate ids skipped" if summary.duplicates else ""
    ungrounded = f"{summary.ungrounded} ungrounded"
    ungrounded += f" ({summary.ungrounded_dropped} dropped)" if summary.ungrounded_dropped else ""
    ungrounded += f", {summary.figures_corrected} unsupported figures or types corrected" if summary.figures_corrected else ""
    ungrounded += f", {summary.irrelevant_dropped} not-an-act incidents dropped" if summary.irrelevant_dropped else ""
    usage = summary.usage
    parts = [
        articles + ")", f"{summary.incidents} incidents", ungrounded, f"{summary.cache_hits} cache hits",
        f"{summary.attempts} requests ({summary.reasks} re-asks)", f"{usage.total_tokens} tokens ({usage.prompt_tokens} in, {usage.completion_tokens} out)",
        f"{summary.elapsed_s:.1f}s ({per_article:.3g}s/article)",
    ]  # fmt: skip
    err.print(", ".join(parts) + (f" -> {output}" if output != "-" else ""), highlight=False)
