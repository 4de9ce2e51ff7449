"""The `extract` command: a thin typer layer. Each command parses options, calls the library, and turns an
ExtractorError into a one-line message and a non-zero exit code. The only module importing typer."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import prompts as prompt_store
from .backends import create_backend
from .cache import ResultCache
from .config import resolve_settings
from .errors import ConfigError, ExtractorError
from .feeds import load_feed
from .output import open_writer, prepare_resume
from .runner import RunSummary, run_articles
from .schema import SCHEMA_FILE, schema_json, write_schema

app = typer.Typer(help="Extract armed-violence incidents from news feeds with an LLM.", no_args_is_help=True)
cache_app = typer.Typer(help="Inspect or clear the on-disk result cache.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")
err = Console(stderr=True, soft_wrap=True)

EXIT_FAILED_ARTICLES = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


def _fail(message: str, code: int = EXIT_ERROR) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug details to stderr.")) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=err, show_time=False, show_path=False)],
    )
    for noisy in ("httpx", "httpx2", "openai"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@app.command()
def run(
    feed: str = typer.Argument(..., help="Feed file path or http(s) URL (RSS 2.0, Atom, RSS 1.0)."),
    output: str = typer.Option("incidents.jsonl", "--output", "-o", help="Output file; '-' for stdout."),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl (a line per article) or csv (a row per incident)."),
    model: Optional[str] = typer.Option(None, help="Model name; 'baseline' for the offline rule-based extractor."),
    base_url: Optional[str] = typer.Option(None, help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1."),
    structured_output: Optional[str] = typer.Option(
        None, help="auto (default), json_schema, json_object_schema, json_object or prompt."
    ),
    prompt: str = typer.Option(prompt_store.DEFAULT_PROMPT, help="Prompt name in prompts/ (or a path to a .md file)."),
    concurrency: Optional[int] = typer.Option(None, min=1, help="Articles in progress at once (default 4)."),
    rpm: Optional[int] = typer.Option(None, min=1, help="Client-side limit: requests per minute."),
    tpm: Optional[int] = typer.Option(None, min=1, help="Client-side limit: estimated tokens per minute."),
    temperature: Optional[float] = typer.Option(None, help="Sampling temperature (default 0)."),
    max_tokens: Optional[int] = typer.Option(None, min=1, help="Completion token cap per request (default 2048)."),
    max_input_chars: Optional[int] = typer.Option(None, min=500, help="Input budget; longer articles are cut."),
    timeout: Optional[float] = typer.Option(None, min=1, help="Seconds per request (default 120)."),
    cache_dir: Optional[Path] = typer.Option(None, help="Cache directory (default $EXTRACT_CACHE_DIR or ~/.cache)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Neither read nor write the cache."),
    refresh: bool = typer.Option(False, "--refresh", help="Ignore cached results but store the new ones."),
    drop_ungrounded: bool = typer.Option(False, help="Drop incidents none of whose quotes is in the article."),
    resume: bool = typer.Option(False, "--resume", help="Keep finished articles of an existing output; rerun the rest."),
    config: Optional[str] = typer.Option(None, help="TOML config file (default $EXTRACT_CONFIG or ./extract.toml)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Extract incidents from every article of FEED and write a record per article as it finishes."""
    try:
        settings, notice = resolve_settings(
            {
                "model": model, "base_url": base_url, "structured_output": structured_output,
                "concurrency": concurrency, "rpm": rpm, "tpm": tpm, "temperature": temperature,
                "max_tokens": max_tokens, "max_input_chars": max_input_chars, "timeout": timeout,
            },
            config,
        )
        if resume and (output == "-" or fmt != "jsonl"):
            raise ConfigError("--resume needs a JSONL output file (-o FILE)")
        parsed = load_feed(feed)
        if notice:
            err.print(f"[yellow]{notice}[/]", highlight=False)
        for warning in parsed.warnings:
            err.print(f"[yellow]warning:[/] {warning}", highlight=False)
        cache = ResultCache(cache_dir, read=not (no_cache or refresh), write=not no_cache)
        backend = create_backend(settings, prompt_store.load_prompt(prompt), cache)
        done = prepare_resume(output) if resume else set()
        writer = open_writer(output, fmt, append=resume)
    except ExtractorError as exc:
        raise _fail(str(exc)) from None

    summary = RunSummary()
    try:
        summary = asyncio.run(_run(parsed.articles, backend, writer, cache, settings.concurrency, drop_ungrounded,
                                   done, quiet, summary))
    except KeyboardInterrupt:
        _print_summary(summary, output)
        raise _fail(f"interrupted; finished articles are in {output} (continue with --resume)", EXIT_INTERRUPTED)
    except ExtractorError as exc:
        _print_summary(summary, output)
        raise _fail(str(exc)) from None
    finally:
        writer.close()
        cache.close()
    _print_summary(summary, output)
    if summary.failed:
        raise typer.Exit(EXIT_FAILED_ARTICLES)


async def _run(articles, backend, writer, cache, concurrency, drop_ungrounded, done, quiet, summary) -> RunSummary:
    """The run inside one event loop, with a progress bar on stderr; `summary` is filled as records arrive."""
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=err, disable=quiet) as progress:
        task = progress.add_task("extracting", total=len({a.id for a in articles} - done))
        try:
            return await run_articles(
                articles, backend, writer, cache=cache, concurrency=concurrency, drop_ungrounded=drop_ungrounded,
                skip_ids=done, on_record=lambda _: progress.advance(task), summary=summary,
            )
        finally:
            await backend.aclose()


def _print_summary(summary: RunSummary, output: str) -> None:
    per_article = summary.elapsed_s / summary.articles if summary.articles else 0.0
    parts = [
        f"{summary.articles} articles ({summary.ok} ok, {summary.failed} failed"
        + (f", {summary.skipped} already done" if summary.skipped else "")
        + (f", {summary.duplicates} duplicate ids skipped" if summary.duplicates else "") + ")",
        f"{summary.incidents} incidents",
        f"{summary.ungrounded} ungrounded" + (f" ({summary.ungrounded_dropped} dropped)" if summary.ungrounded_dropped else ""),
        f"{summary.cache_hits} cache hits",
        f"{summary.attempts} requests",
        f"{summary.usage.total_tokens} tokens ({summary.usage.prompt_tokens} in, {summary.usage.completion_tokens} out)",
        f"{summary.elapsed_s:.1f}s ({per_article:.2f}s/article)",
    ]
    err.print(", ".join(parts) + (f" -> {output}" if output != "-" else ""), highlight=False)


@cache_app.command("stats")
def cache_stats(cache_dir: Optional[Path] = typer.Option(None, help="Cache directory.")) -> None:
    """Entries and size of the result cache."""
    cache = ResultCache(cache_dir)
    stats = cache.stats()
    cache.close()
    typer.echo(json.dumps(stats, indent=2))


@cache_app.command("clear")
def cache_clear(cache_dir: Optional[Path] = typer.Option(None, help="Cache directory.")) -> None:
    """Delete every cached result and remembered endpoint mode."""
    cache = ResultCache(cache_dir)
    removed = cache.clear()
    cache.close()
    typer.echo(f"removed {removed} entries from {cache.directory}")


@app.command()
def schema(check: bool = typer.Option(False, "--check", help="Exit 1 when schemas/ is out of date.")) -> None:
    """Write the extraction JSON schema to schemas/ (or check that it is current)."""
    if check:
        current = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
        if current != schema_json():
            raise _fail(f"{SCHEMA_FILE} is out of date; run `extract schema`", 1)
        typer.echo(f"{SCHEMA_FILE} is current")
        return
    typer.echo(f"wrote {write_schema()}")
