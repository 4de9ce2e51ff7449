"""`extract events` and `extract export`: the incident database's events and exports (`extract run --db` fills it)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .app import app, err, guarded, settings_of
from .options import Force, judge_options
from .tables import print_events

DbPath = Annotated[
    str, typer.Option("--db", help="The incident database (SQLite file or postgresql:// URL) written by `extract run --db`.")
]
RunId = Annotated[str | None, typer.Option("--run", help="Run id (default: the database's current run).")]


@app.command()
def events(
    db: DbPath,
    run: RunId = None,
    date_slack_days: Annotated[int, typer.Option(min=0, help="Days two dates may differ and still match.")] = 1,
    max_distance_km: Annotated[float, typer.Option(min=0, help="Farthest apart two located incidents may be.")] = 25.0,
    min_affinity: Annotated[
        float, typer.Option(min=0, max=1, help="Merge confidence (agreeing fields and text) a pair needs to merge.")
    ] = 0.45,
    show: Annotated[int, typer.Option(min=0, help="Events to list, newest first; 0 for none.")] = 20,
    adjudicate: Annotated[
        bool, typer.Option("--adjudicate", help="Ask the LLM (--model, --base-url) about borderline pairs; cached.")
    ] = False,
    model: Annotated[str | None, typer.Option(help="The judge's model (with --adjudicate).")] = None,
    base_url: Annotated[str | None, typer.Option(help="The judge's endpoint (with --adjudicate).")] = None,
    config: Annotated[str | None, typer.Option(help="TOML config file (default $EXTRACT_CONFIG or ./extract.toml).")] = None,
) -> None:
    """Merge the incidents of a run into events across articles, with stable ids and reconciled figures."""
    from ..events.rules import Rules
    from ..runner.database import rebuild_events

    rules = Rules(date_slack_days=date_slack_days, max_distance_km=max_distance_km, min_affinity=min_affinity)
    judge_settings = guarded(lambda: settings_of(judge_options(model, base_url, config))) if adjudicate else None
    found = guarded(lambda: rebuild_events(db, run, rules, judge_settings=judge_settings))
    print_events(found, show)


@app.command()
def export(
    db: DbPath,
    fmt: Annotated[
        str, typer.Option("--format", help="csv, jsonl, geojson, acled (ACLED's columns) or gtd (GTD's core columns).")
    ] = "csv",
    what: Annotated[str, typer.Option("--what", help="incidents (one row per incident) or events.")] = "incidents",
    output: Annotated[str, typer.Option("--output", "-o", help="Output file; '-' for stdout.")] = "-",
    run: RunId = None,
    force: Force = False,
) -> None:
    """Export a run's incidents or events from the incident database as CSV, JSONL, GeoJSON, ACLED or GTD columns."""
    from ..store.export import export_file

    written = guarded(lambda: export_file(db, what, fmt, output, run_id=run, force=force, stdout=sys.stdout))
    err.print(f"{written} {what} exported" + (f" -> {output}" if output != "-" else ""), highlight=False)


db_app = typer.Typer(help="The incident database itself: copy it between SQLite and PostgreSQL.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("copy")
def db_copy(
    source: Annotated[str, typer.Argument(help="The database to copy: an SQLite file or a postgresql:// URL.")],
    destination: Annotated[str, typer.Argument(help="Where to: an SQLite file or a postgresql:// URL (created).")],
    force: Annotated[bool, typer.Option("--force", help="Replace the records a destination already holds.")] = False,
) -> None:
    """Copy an incident database, every table row for row (SQLite <-> PostgreSQL), and check the counts."""
    from ..store.copy import copy_db
    from ..store.pg import redact

    counts = guarded(lambda: copy_db(source, destination, force=force))
    rows = ", ".join(f"{n} {name}" for name, n in counts.items() if n and name != "meta") or "no records"
    err.print(f"copied to {redact(destination)}: {rows} (counts checked)", highlight=False)
