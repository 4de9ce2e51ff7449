"""`extract events` and `extract export`: the incident database's events and exports (`extract run --db` fills it)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .app import app, err, guarded, settings_of
from .options import Force, SettingOptions, with_setting_options
from .tables import print_events

DbPath = Annotated[str, typer.Option("--db", help="The incident database (SQLite) written by `extract run --db`.")]
RunId = Annotated[str | None, typer.Option("--run", help="Run id (default: the database's current run).")]


@app.command()
@with_setting_options
def events(
    db: DbPath,
    run: RunId = None,
    date_slack_days: Annotated[int, typer.Option(min=0, help="Days two dates may differ and still match.")] = 1,
    max_distance_km: Annotated[float, typer.Option(min=0, help="Farthest apart two located incidents may be.")] = 25.0,
    min_affinity: Annotated[float, typer.Option(min=0, max=1, help="Agreeing evidence a pair needs to merge.")] = 0.45,
    show: Annotated[int, typer.Option(help="Events to list (most sources first); 0 for none.")] = 20,
    adjudicate: Annotated[
        bool, typer.Option("--adjudicate", help="Ask the LLM (--model, --base-url) about borderline pairs; cached.")
    ] = False,
    *,
    llm: SettingOptions,
) -> None:
    """Merge the incidents of a run into events across articles, with stable ids and reconciled figures."""
    from ..events.rules import Rules
    from ..runner.database import rebuild_events

    rules = Rules(date_slack_days=date_slack_days, max_distance_km=max_distance_km, min_affinity=min_affinity)
    judge_settings = guarded(lambda: settings_of(llm)) if adjudicate else None
    found = guarded(lambda: rebuild_events(db, run, rules, judge_settings=judge_settings))
    print_events(found, show)


@app.command()
def export(
    db: DbPath,
    fmt: Annotated[str, typer.Option("--format", help="csv, jsonl or geojson.")] = "csv",
    what: Annotated[str, typer.Option("--what", help="incidents (one row per incident) or events.")] = "incidents",
    output: Annotated[str, typer.Option("--output", "-o", help="Output file; '-' for stdout.")] = "-",
    run: RunId = None,
    force: Force = False,
) -> None:
    """Export a run's incidents or events from the incident database as CSV, JSONL or GeoJSON."""
    from ..store.export import export_file

    written = guarded(lambda: export_file(db, what, fmt, output, run_id=run, force=force, stdout=sys.stdout))
    err.print(f"{written} {what} exported" + (f" -> {output}" if output != "-" else ""), highlight=False)
