"""The `extract` command: typer commands and rich tables (typer and rich live here alone). Each command parses
options, calls the library, and turns an ExtractorError into a one-line message and a non-zero exit code."""

from . import batch, bench, evaluate, golden, review, run, serve, store, tools  # noqa: F401  (registers the commands)
from .app import app

__all__ = ["app"]
