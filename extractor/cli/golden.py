"""`extract golden export`: reviewers' judgements in an incident database -> a golden set to score runs against."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import app, err, guarded
from .options import Force

golden_app = typer.Typer(help="Golden sets made from reviewers' judgements.", no_args_is_help=True)
app.add_typer(golden_app, name="golden")


@golden_app.command("export")
def export_command(
    db: Annotated[str, typer.Option("--db", help="The incident database holding the judgements (file or URL).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The labels file to write (JSONL).")] = Path("labels.jsonl"),
    articles: Annotated[
        Path | None, typer.Option(help="The judged articles' file (JSONL; default: LABELS.articles.jsonl beside it).")
    ] = None,
    run: Annotated[str | None, typer.Option("--run", help="Run id (default: the database's current run).")] = None,
    force: Force = False,
) -> None:
    """Turn judged articles into a golden set: corrections applied, wrong incidents dropped, missed ones added."""
    from ..evaluation.judged import export_golden

    n_articles, n_incidents, feed = guarded(lambda: export_golden(db, output, articles, run, force=force))
    err.print(f"{n_articles} judged article(s), {n_incidents} gold incident(s) -> {output}; articles -> {feed} "
              f"(score a run: extract eval --golden {output} --feed {feed})", highlight=False)  # fmt: skip
