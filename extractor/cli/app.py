"""The `extract` application: the typer app, the consoles, and turning an ExtractorError into one line."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler

from ..errors import ExtractorError
from ..runner.run import RunHooks
from .options import SettingOptions

if TYPE_CHECKING:
    from rich.progress import Progress

    from ..models import ArticleRecord
    from ..pipeline.run import RunSummary
    from ..settings import RunSettings

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


def settings_of(llm: SettingOptions) -> RunSettings:
    """Settings from a command's options, the environment and the config file (a notice when offline)."""
    settings, notice = llm.setup().resolve()
    if notice:
        err.print(f"[yellow]{notice}[/]", highlight=False)
    return settings


def progress_bar(total: int | None, quiet: bool) -> Progress:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    progress = Progress(*columns, console=err, disable=quiet)
    progress.add_task("extracting", total=total)
    return progress


class Shown(RunHooks):
    """A library run's messages on stderr and its progress bar (hidden with --quiet)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.progress: Progress | None = None

    def warning(self, text: str) -> None:
        err.print(f"[yellow]warning:[/] {text}", highlight=False)

    def notice(self, text: str) -> None:
        err.print(f"[yellow]{text}[/]", highlight=False)

    def note(self, text: str) -> None:
        err.print(text, highlight=False)

    def started(self, total: int | None) -> None:
        self.show(progress_bar(total, self.quiet))

    def show(self, progress: Progress) -> None:
        self.progress = progress
        progress.start()

    def record(self, record: ArticleRecord) -> None:
        if self.progress is not None:
            self.progress.advance(self.progress.task_ids[0])

    def finished(self, summary: RunSummary, output: str) -> None:
        if self.progress is not None:
            self.progress.stop()
