"""`extract events` and `extract export`: the incident database's events and exports (`extract run --db` fills it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from .app import app, err, fail, guarded, out, settings_of
from .options import SETTING_PARAMS, Force, SettingOptions

if TYPE_CHECKING:
    from ..events.models import Event

DbPath = Annotated[str, typer.Option("--db", help="The incident database (SQLite) written by `extract run --db`.")]
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
    base_url: Annotated[str | None, typer.Option(help="The judge's OpenAI-compatible endpoint (with --adjudicate).")] = None,
    config: Annotated[str | None, typer.Option(help="TOML config file (default $EXTRACT_CONFIG or ./extract.toml).")] = None,
) -> None:
    """Merge the incidents of a run into events across articles, with stable ids and reconciled figures."""
    from ..events.rules import Rules

    rules = Rules(date_slack_days=date_slack_days, max_distance_km=max_distance_km, min_affinity=min_affinity)
    judge = guarded(lambda: make_judge(judge_options(model, base_url, config))) if adjudicate else None
    found = guarded(lambda: cluster_db(db, run, rules, judge))
    print_events(found, show)


def judge_options(model: str | None, base_url: str | None, config: str | None) -> SettingOptions:
    """The settings options of `extract events`: its own three, every other at its default."""
    values = {name: default for name, (_, default) in SETTING_PARAMS.items()}
    return SettingOptions(**{**values, "model": model, "base_url": base_url, "config": config})


def make_judge(llm: SettingOptions):
    """The same-event judge of `--adjudicate`, on the configured endpoint."""
    from ..errors import ConfigError
    from ..llm.judge import SameEventJudge

    settings = settings_of(llm)
    if settings.is_baseline:
        raise ConfigError("--adjudicate needs an LLM: give --model and --base-url, or set OPENAI_API_KEY")
    return SameEventJudge(settings)


def cluster_db(path: str, run_id: str | None, rules=None, judge=None) -> list[Event]:
    """Open the database, (re)build a run's events and store them."""
    from ..events.rules import DEFAULT_RULES
    from ..events.storage import update_events
    from ..store.database import open_db

    with open_db(path, create=False) as db:
        return update_events(db, run_id, rules or DEFAULT_RULES, judge)


def print_events(found: list[Event], show: int) -> None:
    shared = sum(e.n_sources > 1 for e in found)
    incidents = sum(len(e.sources) for e in found)
    err.print(f"{len(found)} events from {incidents} incidents ({shared} reported by more than one article)",
              highlight=False)  # fmt: skip
    if not show or not found:
        return
    table = Table("event", "date", "place", "type", "perpetrators", "killed", "wounded", "sources", "confidence")
    for event in sorted(found, key=_newest_first)[:show]:
        published = max((s.published.isoformat()[:10] for s in event.sources if s.published), default="")
        date = event.date_earliest or (f"? (reported {published})" if published else "?")
        date += f"..{event.date_latest}" if event.date_latest and event.date_latest != event.date_earliest else ""
        place = ", ".join(p for p in (event.location, event.region, event.country) if p)
        table.add_row(event.event_id, date, place, event.attack_type, "; ".join(event.perpetrators),
                      _count(event.killed), _count(event.wounded), str(event.n_sources),
                      "" if event.confidence is None else f"{event.confidence:.2f}")  # fmt: skip
    out.print(table)
    if len(found) > show:
        err.print(f"{len(found) - show} older events not shown (--show N lists more)", highlight=False)


def _newest_first(event: Event) -> tuple:
    """Newest first: by the event's date, else its latest report's publication; undated and unpublished last."""
    published = max((s.published.isoformat()[:10] for s in event.sources if s.published), default="")
    day = event.date_latest or event.date_earliest or published
    return (day == "", "".join(chr(0x10FFFF - ord(c)) for c in day), event.event_id)


def _count(count) -> str:
    if count is None:
        return ""
    return f"{count.min}" if count.max == count.min else f"{count.min}-{'' if count.max is None else count.max}"


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

    written = guarded(lambda: export_file(db, fmt, what, output, run, force))
    err.print(f"{written} {what} exported" + (f" -> {output}" if output != "-" else ""), highlight=False)


def open_db_sink(path: str, backend, feed: str):
    """The database sink of `extract run --db`: the run of this backend's configuration, made current."""
    from ..pipeline.article import run_identity
    from ..store.database import open_db
    from ..store.dbsink import DatabaseSink

    db = open_db(path)
    identity = run_identity(backend) | {"backend": backend.name, "prompt_name": backend.prompt_name}
    return DatabaseSink(db, db.register_run(identity, feed))


def finish_db_run(sink, *, events: bool) -> None:
    """After `extract run --db`: what was new, and (unless turned off) the rebuilt events."""
    c = sink.counts
    err.print(f"database {sink.db.path}, run {sink.run_id}: {c.new} new, {c.updated} updated "
              f"({c.replaced_incidents} earlier incidents replaced), {c.retried} retried, {c.unchanged} unchanged "
              "article(s)", highlight=False)  # fmt: skip
    if events:
        print_events(cluster_db(str(sink.db.path), sink.run_id), 0)


def cluster_scores_of(predictions, gold):
    """The event-clustering scores of a run's predictions (dict of records by article id) against gold event ids:
    the events stage clusters, the judge scores. The scores carry the wrong merges (`wrong` attribute)."""
    from ..evaluation.clusters import keyed_items, score_clusters, wrong_merges
    from ..events.build import event_labels

    items = keyed_items(predictions, gold, event_labels(list(predictions.values())))
    scores = score_clusters([(p, g) for _, p, g in items])
    return scores.model_copy(update={"wrong_merges": wrong_merges(items)})


def gold_cluster_scores(chosen):
    """The merging alone: the clustering scores of the set's gold incidents as if extracted."""
    from ..evaluation.golden import oracle_records

    return cluster_scores_of(oracle_records(chosen), chosen.gold())


def print_cluster_scores(rows: list[tuple[str, object]], console) -> None:
    """A table of clustering scores, one row per run, and the wrong merges beneath it."""
    table = Table("events (clustering)", "items", "gold / predicted events", "B-cubed P / R / F1",
                  "pairwise P / R / F1", "CEAF-e P / R / F1", "wrong merges",
                  title="Events merged across articles vs gold event_id")  # fmt: skip
    for name, s in rows:
        def prf(m) -> str:
            return " / ".join("—" if v is None else f"{100 * v:.1f}" for v in (m.precision, m.recall, m.f1))

        table.add_row(name, str(s.items), f"{s.gold_events} / {s.predicted_events} ({s.gold_merges} to merge)",
                      prf(s.bcubed), prf(s.pairwise), prf(s.ceaf_e), str(len(s.wrong_merges)))  # fmt: skip
    console.print(table)
    for name, s in rows:
        for key_a, gold_a, key_b, gold_b in s.wrong_merges:
            console.print(f"wrong merge ({name}): {key_a} (gold {gold_a}) + {key_b} (gold {gold_b})", markup=False,
                          highlight=False)


def run_cluster_scores(run_dir, gold):
    """The clustering scores of a stored evaluation run."""
    from ..store.runs import load_predictions, predictions_path

    predictions, _ = load_predictions(predictions_path(str(run_dir)))
    return cluster_scores_of(predictions, gold)
