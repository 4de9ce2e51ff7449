"""`extract review`: one self-contained HTML page of a run, a stored eval run, two runs compared, or a database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..store.runs import DEFAULT_RUNS_DIR
from .app import app, err, fail, guarded
from .options import Force, RunsDir


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
    db: Annotated[Path | None, typer.Option(help="An incident database: its records, texts and events.")] = None,
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
    from ..review.page import render, write_page
    from ..review.sources import load_source

    refs = sources or []
    if len(refs) > 2:
        raise fail("give one run to review, or two to compare")
    if not refs and db is None:
        raise fail("give a run (JSONL output or stored run) or --db")
    guarded(lambda: check_output(output, REVIEW_PAGE, inputs=[*refs, feed, golden, db], force=force))
    events = None
    if db is not None:
        from ..review.database import load_database

        first, events = guarded(lambda: load_database(db, refs[0] if refs else None))
        other = guarded(lambda: load_database(db, refs[1], with_events=False)[0]) if len(refs) > 1 else None
    else:
        first = guarded(lambda: load_source(refs[0], feed=feed, golden=golden, runs_dir=runs_dir))
        other = None
        if len(refs) > 1:
            other = guarded(lambda: load_source(refs[1], feed=feed, runs_dir=runs_dir, texts=first.articles or None))
    for source in (first, other):
        for note in source.lines.notes() if source else []:  # "3 line(s) in an older record format, read"
            err.print(f"{source.label}: {note}", highlight=False)
    if first.no_feed:
        err.print("[yellow]warning:[/] article texts are missing (the run names no feed): give the feed the run read "
                  "with --feed FEED", highlight=False)  # fmt: skip
    html = render(first, other, events, title, compress)
    size = guarded(lambda: write_page(output, html))
    err.print(f"wrote {output} ({size / 1e6:.2f} MB, {len(first.records)} articles)", highlight=False)
