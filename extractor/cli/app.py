"""The `extract` application: the typer app, the consoles, and turning an ExtractorError into one line."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..errors import ExtractorError
from .options import SettingOptions

if TYPE_CHECKING:
    from ..feeds import FetchLimits
    from ..settings import LLMSettings

app = typer.Typer(help="Extract armed-violence incidents from news feeds with an LLM.", no_args_is_help=True)
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)  # tables stay readable in files and pipes

EXIT_FAILED = 1  # some articles failed, or a score is under --fail-under
EXIT_ERROR = 2  # bad input or configuration
EXIT_INTERRUPTED = 130
T = TypeVar("T")


def fail(message: str, code: int = EXIT_ERROR) -> typer.Exit:
    """Print `message` as one error line; the exit to raise."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    return typer.Exit(code)


def guarded(call: Callable[[], T]) -> T:
    """Run `call`, turning an ExtractorError into a one-line error and exit code 2."""
    try:
        return call()
    except ExtractorError as exc:
        raise fail(str(exc)) from None


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("incident-extractor")
        except PackageNotFoundError:  # run from a source tree that is not installed
            from .. import __version__ as number
        typer.echo(f"incident-extractor {number}")
        raise typer.Exit()


def _scrubbed(record: logging.LogRecord) -> bool:
    """Every log line with credentials hidden (errors.scrub: the key in use, whole or in part, and key shapes)."""
    from ..errors import scrub

    message = record.getMessage()
    clean = scrub(message)
    if clean != message:
        record.msg, record.args = clean, ()
    return True


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug details to stderr.")] = False,
    show_version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    handler = RichHandler(console=err, show_time=False, show_path=False)
    handler.addFilter(_scrubbed)  # a server may echo the key in a header or a body that -v logs
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(message)s", handlers=[handler])
    for noisy in ("httpx", "httpx2", "openai"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def fetch_limits(llm: SettingOptions) -> FetchLimits:
    """The bounds on fetching a feed URL (settings fetch_timeout, max_feed_bytes), from the options, the
    environment and the config file; resolved quietly (the command's own settings_of gives any notice)."""
    from ..feeds import FetchLimits
    from ..settings import resolve_settings

    settings, _ = resolve_settings(llm.settings(), llm.config)
    return FetchLimits(timeout=settings.fetch_timeout, max_bytes=settings.max_feed_bytes)


def settings_of(llm: SettingOptions) -> LLMSettings:
    """Settings from a command's options, the environment and the config file (a notice when offline)."""
    from ..settings import resolve_settings

    settings, notice = resolve_settings(llm.settings(), llm.config)
    if notice:
        err.print(f"[yellow]{notice}[/]", highlight=False)
    return settings


def prepare(llm: SettingOptions):
    """Settings, prompt template and cache of a command that extracts."""
    from ..llm.prompts import load_prompt
    from ..pipeline.cache import ResultCache

    settings = settings_of(llm)
    template = load_prompt(llm.prompt)
    cache = ResultCache(llm.cache_dir, read=not (llm.no_cache or llm.refresh), write=not llm.no_cache)
    return settings, template, cache


def progress_bar(total: int | None, quiet: bool) -> Progress:
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    progress = Progress(*columns, console=err, disable=quiet)
    progress.add_task("extracting", total=total)
    return progress


def in_loop(progress: Progress, work: Coroutine[Any, Any, T]) -> T:
    with progress:
        return asyncio.run(work)
