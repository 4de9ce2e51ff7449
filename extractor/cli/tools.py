"""`extract cache`, `extract prompts` and `extract schema`: the cache, the prompt templates, the JSON schema."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..llm import prompts as prompt_store
from .app import EXIT_FAILED, app, fail, guarded, out
from .options import Force

cache_app = typer.Typer(help="Inspect or clear the on-disk result cache.", no_args_is_help=True)
prompts_app = typer.Typer(help="List, show and diff the versioned prompt templates in prompts/.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")
app.add_typer(prompts_app, name="prompts")
CacheDir = Annotated[Path | None, typer.Option(help="Cache directory (default $EXTRACT_CACHE_DIR or ~/.cache).")]


@cache_app.command("stats")
def cache_stats(cache_dir: CacheDir = None) -> None:
    """Entries and size of the result cache."""
    from ..pipeline.cache import ResultCache

    cache = ResultCache(cache_dir)
    stats = cache.stats()
    cache.close()
    typer.echo(json.dumps(stats, indent=2))


@cache_app.command("clear")
def cache_clear(cache_dir: CacheDir = None) -> None:
    """Delete every cached result and remembered endpoint mode."""
    from ..pipeline.cache import ResultCache

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
    typer.echo(guarded(lambda: prompt_store.load_prompt(name)).text)


@prompts_app.command("diff")
def prompts_diff(
    old: Annotated[str, typer.Argument(help="Prompt name.")], new: Annotated[str, typer.Argument(help="Prompt name.")]
) -> None:
    """Unified diff between two prompt templates."""
    a, b = (guarded(lambda n=n: prompt_store.load_prompt(n)) for n in (old, new))
    diff = difflib.unified_diff(a.text.splitlines(), b.text.splitlines(), a.name, b.name, lineterm="")
    typer.echo("\n".join(diff) or "identical")


@app.command()
def schema(
    check: Annotated[bool, typer.Option("--check", help="Exit 1 when the shipped schema is out of date.")] = False,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Where to write (default: schemas/ of a checkout; else stdout)."),
    ] = None,
    force: Force = False,
) -> None:
    """Write the extraction JSON schema to schemas/ (or check that the shipped one is current)."""
    from ..outputs import SCHEMA, check_output
    from ..llm.schema import default_schema_target, schema_json, shipped_schema, write_schema

    if check:
        shipped = shipped_schema()
        current = shipped.read_text(encoding="utf-8") if shipped.is_file() else ""
        if current != schema_json():
            raise fail(f"{shipped} is out of date; run `extract schema`", EXIT_FAILED)
        typer.echo(f"{shipped} is current")
        return
    target = output or default_schema_target()
    if target is None:
        typer.echo(schema_json(), nl=False)
        return
    guarded(lambda: check_output(target, SCHEMA, force=force))
    typer.echo(f"wrote {guarded(lambda: write_schema(target))}")
