"""The `extract` command: a thin typer layer. Each command parses options, calls the library, and turns an
ExtractorError into a one-line message and a non-zero exit code. The only module importing typer."""

from __future__ import annotations

import asyncio
import difflib
import json
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, Optional, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import prompts as prompt_store
from .backends import create_backend
from .cache import ResultCache
from .compare import compare as compare_runs
from .config import LLMSettings, resolve_settings
from .errors import ConfigError, ExtractorError
from .evaluate import evaluate, score_predictions
from .feeds import load_feed
from .fewshot import ExamplePool
from .golden import DEFAULT_PATH, GOLDEN_FEED, load_golden
from .output import open_writer, prepare_resume
from .report import print_comparison, print_scores
from .runner import RunSummary, run_articles
from .runs import DEFAULT_RUNS_DIR, predictions_path
from .schema import SCHEMA_FILE, schema_json, write_schema

app = typer.Typer(help="Extract armed-violence incidents from news feeds with an LLM.", no_args_is_help=True)
cache_app = typer.Typer(help="Inspect or clear the on-disk result cache.", no_args_is_help=True)
prompts_app = typer.Typer(help="List, show and diff the versioned prompt templates in prompts/.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")
app.add_typer(prompts_app, name="prompts")
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

EXIT_FAILED = 1  # some articles failed, or a score is under --fail-under
EXIT_ERROR = 2  # bad input or configuration
EXIT_INTERRUPTED = 130
GOLDEN_LABELS = str(DEFAULT_PATH)
T = TypeVar("T")

# Options shared by `run` and `eval`, written once.
Model = Annotated[Optional[str], typer.Option(help="Model name; 'baseline' for the offline rule-based extractor.")]
BaseUrl = Annotated[Optional[str], typer.Option(help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1.")]
Structured = Annotated[
    Optional[str], typer.Option(help="auto (default), json_schema, json_object_schema, json_object or prompt.")
]
PromptName = Annotated[str, typer.Option(help="Prompt name in prompts/ (or a path to a .md file).")]
Concurrency = Annotated[Optional[int], typer.Option(min=1, help="Articles in progress at once (default 4).")]
Rpm = Annotated[Optional[int], typer.Option(min=1, help="Client-side limit: requests per minute.")]
Tpm = Annotated[Optional[int], typer.Option(min=1, help="Client-side limit: estimated tokens per minute.")]
Temperature = Annotated[Optional[float], typer.Option(help="Sampling temperature (default 0).")]
MaxTokens = Annotated[Optional[int], typer.Option(min=1, help="Completion token cap per request (default 2048).")]
MaxInput = Annotated[Optional[int], typer.Option(min=500, help="Input budget in characters; longer articles are cut.")]
Timeout = Annotated[Optional[float], typer.Option(min=1, help="Seconds per request (default 120).")]
CacheDir = Annotated[Optional[Path], typer.Option(help="Cache directory (default $EXTRACT_CACHE_DIR or ~/.cache).")]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the cache.")]
Refresh = Annotated[bool, typer.Option("--refresh", help="Ignore cached results but store the new ones.")]
Config = Annotated[Optional[str], typer.Option(help="TOML config file (default $EXTRACT_CONFIG or ./extract.toml).")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
Golden = Annotated[str, typer.Option(help="Golden labels (JSONL).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")]
FailUnder = Annotated[
    Optional[float], typer.Option(help="Exit 1 when the all-incidents F1 is below this (0-1), for CI.")
]
RunsDir = Annotated[Path, typer.Option(help="Folder of stored evaluation runs.")]


def _fail(message: str, code: int = EXIT_ERROR) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    return typer.Exit(code)


def _guarded(call: Callable[[], T]) -> T:
    """Run `call`, turning an ExtractorError into a one-line error and exit code 2."""
    try:
        return call()
    except ExtractorError as exc:
        raise _fail(str(exc)) from None


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug details to stderr.")] = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=err, show_time=False, show_path=False)],
    )
    for noisy in ("httpx", "httpx2", "openai"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


SETTING_OPTIONS = (
    "model", "base_url", "structured_output", "concurrency", "rpm", "tpm", "temperature", "max_tokens",
    "max_input_chars", "timeout",
)  # fmt: skip


def _settings(config: str | None, options: dict[str, Any]) -> LLMSettings:
    """Settings from a command's options (its `locals()`), the environment and the config file."""
    settings, notice = resolve_settings({name: options[name] for name in SETTING_OPTIONS}, config)
    if notice:
        err.print(f"[yellow]{notice}[/]", highlight=False)
    return settings


def _progress(total: int, quiet: bool) -> Progress:
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    progress = Progress(*columns, console=err, disable=quiet)
    progress.add_task("extracting", total=total)
    return progress


def _in_loop(progress: Progress, work: Coroutine[Any, Any, T]) -> T:
    with progress:
        return asyncio.run(work)


@app.command()
def run(
    feed: Annotated[str, typer.Argument(help="Feed file path or http(s) URL (RSS 2.0, Atom, RSS 1.0).")],
    output: Annotated[str, typer.Option("--output", "-o", help="Output file; '-' for stdout.")] = "incidents.jsonl",
    fmt: Annotated[str, typer.Option("--format", help="jsonl (a line per article) or csv (a row per incident).")] = "jsonl",
    model: Model = None,
    base_url: BaseUrl = None,
    structured_output: Structured = None,
    prompt: PromptName = prompt_store.DEFAULT_PROMPT,
    concurrency: Concurrency = None,
    rpm: Rpm = None,
    tpm: Tpm = None,
    temperature: Temperature = None,
    max_tokens: MaxTokens = None,
    max_input_chars: MaxInput = None,
    timeout: Timeout = None,
    cache_dir: CacheDir = None,
    no_cache: NoCache = False,
    refresh: Refresh = False,
    drop_ungrounded: Annotated[bool, typer.Option(help="Drop incidents none of whose quotes is in the article.")] = False,
    resume: Annotated[
        bool, typer.Option("--resume", help="Keep finished articles of an existing output; rerun failed and missing ones.")
    ] = False,
    config: Config = None,
    quiet: Quiet = False,
) -> None:
    """Extract incidents from every article of FEED, writing a record per article as it finishes."""
    options = locals()

    def prepare():
        if resume and (output == "-" or fmt != "jsonl"):
            raise ConfigError("--resume needs a JSONL output file (-o FILE)")
        parsed = load_feed(feed)
        settings = _settings(config, options)
        for warning in parsed.warnings:
            err.print(f"[yellow]warning:[/] {warning}", highlight=False)
        template = prompt_store.load_prompt(prompt)
        examples = ExamplePool.from_golden(str(GOLDEN_FEED), GOLDEN_LABELS) if template.uses_examples else None
        cache = ResultCache(cache_dir, read=not (no_cache or refresh), write=not no_cache)
        backend = create_backend(settings, template, cache, examples)
        done = prepare_resume(output, backend.model, backend.prompt_hash) if resume else set()
        return parsed.articles, settings, cache, backend, done, open_writer(output, fmt, append=resume)

    articles, settings, cache, backend, done, writer = _guarded(prepare)
    summary = RunSummary()
    progress = _progress(len({a.id for a in articles} - done), quiet)

    async def work() -> RunSummary:
        try:
            return await run_articles(
                articles, backend, writer, cache=cache, concurrency=settings.concurrency,
                drop_ungrounded=drop_ungrounded, skip_ids=done, summary=summary,
                on_record=lambda _: progress.advance(progress.task_ids[0]),
            )  # fmt: skip
        finally:
            await backend.aclose()

    try:
        _in_loop(progress, work())
    except KeyboardInterrupt:
        _print_summary(summary, output)
        raise _fail(f"interrupted; finished articles are in {output} (continue with --resume)", EXIT_INTERRUPTED) from None
    except ExtractorError as exc:
        _print_summary(summary, output)
        raise _fail(str(exc)) from None
    finally:
        writer.close()
        cache.close()
    _print_summary(summary, output)
    if summary.failed:
        raise typer.Exit(EXIT_FAILED)


def _print_summary(summary: RunSummary, output: str) -> None:
    per_article = summary.elapsed_s / summary.articles if summary.articles else 0.0
    articles = f"{summary.articles} articles ({summary.ok} ok, {summary.failed} failed"
    articles += f", {summary.skipped} already done" if summary.skipped else ""
    articles += f", {summary.duplicates} duplicate ids skipped" if summary.duplicates else ""
    ungrounded = f"{summary.ungrounded} ungrounded"
    ungrounded += f" ({summary.ungrounded_dropped} dropped)" if summary.ungrounded_dropped else ""
    usage = summary.usage
    parts = [
        articles + ")", f"{summary.incidents} incidents", ungrounded, f"{summary.cache_hits} cache hits",
        f"{summary.attempts} requests ({summary.reasks} re-asks)", f"{usage.total_tokens} tokens ({usage.prompt_tokens} in, {usage.completion_tokens} out)",
        f"{summary.elapsed_s:.1f}s ({per_article:.3g}s/article)",
    ]  # fmt: skip
    err.print(", ".join(parts) + (f" -> {output}" if output != "-" else ""), highlight=False)


@app.command("eval")
def eval_command(
    feed: Annotated[str, typer.Option(help="The golden feed.")] = str(GOLDEN_FEED),
    golden: Golden = GOLDEN_LABELS,
    model: Model = None,
    base_url: BaseUrl = None,
    structured_output: Structured = None,
    prompt: PromptName = prompt_store.DEFAULT_PROMPT,
    concurrency: Concurrency = None,
    rpm: Rpm = None,
    tpm: Tpm = None,
    temperature: Temperature = None,
    max_tokens: MaxTokens = None,
    max_input_chars: MaxInput = None,
    timeout: Timeout = None,
    cache_dir: CacheDir = None,
    no_cache: NoCache = False,
    refresh: Refresh = False,
    config: Config = None,
    runs_dir: RunsDir = DEFAULT_RUNS_DIR,
    name: Annotated[Optional[str], typer.Option(help="Run id (default: time-model-prompt).")] = None,
    price_in: Annotated[Optional[float], typer.Option(help="USD per million input tokens, for the cost.")] = None,
    price_out: Annotated[Optional[float], typer.Option(help="USD per million output tokens, for the cost.")] = None,
    as_json: AsJson = False,
    fail_under: FailUnder = None,
    quiet: Quiet = False,
) -> None:
    """Extract the golden feed into a stored run (through the cache) and score it against the labels."""
    options = locals()

    def prepare():
        settings = _settings(config, options)
        template = prompt_store.load_prompt(prompt)
        return settings, template, ResultCache(cache_dir, read=not (no_cache or refresh), write=not no_cache)

    settings, template, cache = _guarded(prepare)
    progress = _progress(len(_guarded(lambda: load_golden(golden))), quiet or as_json)
    prices = (price_in or 0.0, price_out or 0.0) if price_in is not None or price_out is not None else None
    work = evaluate(
        settings, template, cache, feed_path=feed, golden_path=golden, runs_dir=runs_dir, name=name,
        price_per_million=prices, on_record=lambda _: progress.advance(progress.task_ids[0]),
    )  # fmt: skip
    try:
        result = _guarded(lambda: _in_loop(progress, work))
    finally:
        cache.close()
    if as_json:
        typer.echo(json.dumps({"run_dir": str(result.run_dir), "manifest": result.manifest.model_dump(mode="json"),
                               **json.loads(result.scores.to_json())}))  # fmt: skip
    else:
        _print_summary(result.summary, str(result.run_dir))
        print_scores(result.scores.primary, out, worst=0)
        print_scores(result.scores.all, out)
        cost = result.manifest.estimated_cost_usd
        out.print(f"run stored in {result.run_dir}" + (f"; estimated cost ${cost:.4f}" if cost is not None else ""))
    _check_threshold(result.scores.all.incidents.f1, fail_under)


def _check_threshold(f1: float | None, fail_under: float | None) -> None:
    if fail_under is not None and (f1 or 0.0) < fail_under:
        raise _fail(f"incident F1 {f1 or 0.0:.3f} is below --fail-under {fail_under}", EXIT_FAILED)


@app.command()
def score(
    predictions: Annotated[str, typer.Argument(help="Predictions JSONL (an `extract run` output), or a run id/folder.")],
    golden: Golden = GOLDEN_LABELS,
    runs_dir: RunsDir = DEFAULT_RUNS_DIR,
    as_json: AsJson = False,
    fail_under: FailUnder = None,
) -> None:
    """Score stored predictions against the golden labels (no LLM call)."""
    gold = _guarded(lambda: load_golden(golden))
    scores, _ = _guarded(lambda: score_predictions(predictions_path(predictions, runs_dir), gold))
    if as_json:
        typer.echo(scores.to_json())
    else:
        print_scores(scores.primary, out, worst=0)
        print_scores(scores.all, out)
    _check_threshold(scores.all.incidents.f1, fail_under)


@app.command()
def compare(
    run_a: Annotated[str, typer.Argument(help="Baseline run: run id, run folder or predictions JSONL.")],
    run_b: Annotated[str, typer.Argument(help="Candidate run, compared against RUN_A.")],
    golden: Golden = GOLDEN_LABELS,
    runs_dir: RunsDir = DEFAULT_RUNS_DIR,
    primary_only: Annotated[bool, typer.Option(help="Compare on primary incidents only.")] = False,
    as_json: AsJson = False,
) -> None:
    """Compare two runs: headline and per-field deltas with noise marks, per-article changes, regressions, fixes."""
    gold = _guarded(lambda: load_golden(golden))
    (scores_a, preds_a), (scores_b, preds_b) = (
        _guarded(lambda ref=ref: score_predictions(predictions_path(ref, runs_dir), gold)) for ref in (run_a, run_b)
    )
    view = "primary" if primary_only else "all"
    comparison = compare_runs(getattr(scores_a, view), getattr(scores_b, view), preds_a, preds_b, gold)
    if as_json:
        typer.echo(comparison.model_dump_json())
    else:
        out.print(f"A = {run_a}\nB = {run_b}")
        print_comparison(comparison, out)


@cache_app.command("stats")
def cache_stats(cache_dir: CacheDir = None) -> None:
    """Entries and size of the result cache."""
    cache = ResultCache(cache_dir)
    stats = cache.stats()
    cache.close()
    typer.echo(json.dumps(stats, indent=2))


@cache_app.command("clear")
def cache_clear(cache_dir: CacheDir = None) -> None:
    """Delete every cached result and remembered endpoint mode."""
    cache = ResultCache(cache_dir)
    removed = cache.clear()
    cache.close()
    typer.echo(f"removed {removed} entries from {cache.directory}")


@prompts_app.command("list")
def prompts_list() -> None:
    """Prompt names with their content hashes."""
    table = Table("prompt", "hash", "few-shot")
    for name in prompt_store.list_prompts():
        template = prompt_store.load_prompt(name)
        table.add_row(name, template.hash, "yes" if template.uses_examples else "")
    out.print(table)


@prompts_app.command("show")
def prompts_show(name: Annotated[str, typer.Argument(help="Prompt name.")]) -> None:
    """Print a prompt template."""
    typer.echo(_guarded(lambda: prompt_store.load_prompt(name)).text)


@prompts_app.command("diff")
def prompts_diff(
    old: Annotated[str, typer.Argument(help="Prompt name.")], new: Annotated[str, typer.Argument(help="Prompt name.")]
) -> None:
    """Unified diff between two prompt templates."""
    a, b = (_guarded(lambda n=n: prompt_store.load_prompt(n)) for n in (old, new))
    diff = difflib.unified_diff(a.text.splitlines(), b.text.splitlines(), a.name, b.name, lineterm="")
    typer.echo("\n".join(diff) or "identical")


@app.command()
def schema(check: Annotated[bool, typer.Option("--check", help="Exit 1 when schemas/ is out of date.")] = False) -> None:
    """Write the extraction JSON schema to schemas/ (or check that it is current)."""
    if check:
        current = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
        if current != schema_json():
            raise _fail(f"{SCHEMA_FILE} is out of date; run `extract schema`", EXIT_FAILED)
        typer.echo(f"{SCHEMA_FILE} is current")
        return
    typer.echo(f"wrote {write_schema()}")
