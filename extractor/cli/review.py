"""`extract review`: one self-contained HTML page of a run, a stored eval run, two runs compared, or a database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import app, err, guarded
from .options import DEFAULT_RUNS_DIR, Force, RunsDir


@app.command("review")
def review_command(
    sources: Annotated[
        list[str] | None,
        typer.Argument(
            help="A run output (JSONL) or a stored run (runs/<id> or its id), a second one to compare; with --db, "
            "run ids in the database (default: its current run)."
        ),
    ] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")] = Path("review.html"),
    feed: Annotated[str | None, typer.Option(help="The feed the articles came from (default: the run's).")] = None,
    golden: Annotated[
        str | None, typer.Option(help="Golden set name or labels .jsonl: show gold versus predicted.")
    ] = None,
    db: Annotated[str | None, typer.Option(help="An incident database (file or URL): its records, texts and events.")] = None,
    title: Annotated[str | None, typer.Option(help="The page title.")] = None,
    compress: Annotated[
        bool | None,
        typer.Option("--compress/--no-compress", help="Embed the data gzipped (default: when over 2 MB)."),
    ] = None,
    runs_dir: RunsDir = DEFAULT_RUNS_DIR,
    force: Force = False,
) -> None:
    """Write a self-contained HTML review page: evidence highlighted, gold vs predicted, events, charts."""
    from ..outputs import REVIEW_PAGE, check_output
    from ..review.database import load_review
    from ..review.page import render, write_page

    guarded(lambda: check_output(output, REVIEW_PAGE, inputs=[*(sources or []), feed, golden, db], force=force))
    first, other, events = guarded(lambda: load_review(sources or [], db=db, feed=feed, golden=golden,
                                                       runs_dir=runs_dir))  # fmt: skip
    for source in (first, other):
        for note in source.lines.notes() if source else []:  # "3 line(s) in an older record format, read"
            err.print(f"{source.label}: {note}", highlight=False)
    if first.no_feed:
        err.print("[yellow]warning:[/] article texts are missing (the run names no feed): give the feed the run read "
                  "with --feed FEED", highlight=False)  # fmt: skip
    html = render(first, other, events, title, compress)
    size = guarded(lambda: write_page(output, html))
    err.print(f"wrote {output} ({size / 1e6:.2f} MB, {len(first.records)} articles)", highlight=False)
