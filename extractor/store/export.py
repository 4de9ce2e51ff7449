"""Exports of the incident database: incidents or events of a run as CSV, JSONL, GeoJSON, or in ACLED's or GTD's
columns (`acled.py`, `gtd.py`; the mappings in docs/exports.md). Every CSV goes through `SafeDictWriter`.

The incidents CSV is the one CSV of `run --format csv` (`writers.CSV_COLUMNS`, written by `writers.record_rows`),
with the database's incident and event ids filled in. GeoJSON features carry a Point where the incident or event has coordinates and a null geometry elsewhere (valid
GeoJSON, RFC 7946 section 3.2), so no row is lost; every other column is a property.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import IO, Any

from ..errors import StoreError
from ..outputs import EXPORT, AtomicFile, check_output
from .cells import SafeDictWriter
from .database import IncidentDB, open_db
from .writers import CSV_COLUMNS, record_rows

EXPORT_FORMATS = ("csv", "jsonl", "geojson", "acled", "gtd")
EXPORT_WHAT = ("incidents", "events")

_INCIDENTS = """
SELECT i.incident_id, i.incident_key, ei.event_id, i.article_id, a.title, a.outlet, a.published, a.link, i.n,
       i.is_primary, i.summary, i.date, i.time_precision, i.date_source, i.date_text, i.country, i.region, i.admin2,
       i.location, i.latitude, i.longitude, i.geo_precision, i.attack_type, i.suicide, i.perpetrators, i.targets, i.weapons, i.killed_min, i.killed_max, i.wounded_min,
       i.wounded_max, i.perpetrators_killed_min, i.perpetrators_killed_max, i.kidnapped_min, i.kidnapped_max,
       i.grounded, i.run_id
FROM incidents i JOIN articles a USING (article_id)
LEFT JOIN event_incidents ei ON ei.incident_id = i.incident_id AND ei.run_id = i.run_id
WHERE i.run_id = ? ORDER BY a.published, i.article_id, i.n
"""
_EVENTS = "SELECT * FROM events WHERE run_id = ? ORDER BY date_earliest, event_id"
_JSON_COLUMNS = ("figures", "claims")


def export_rows(db: IncidentDB, what: str, run_id: str | None = None) -> list[dict[str, Any]]:
    """The rows of `what` ('incidents' or 'events') for a run (the current one by default)."""
    if what not in EXPORT_WHAT:
        raise StoreError(f"cannot export {what!r} (choose {' or '.join(EXPORT_WHAT)})")
    chosen = chosen_run(db, run_id)
    return db.query(_INCIDENTS if what == "incidents" else _EVENTS, [chosen])


def chosen_run(db: IncidentDB, run_id: str | None) -> str:
    runs = [row["run_id"] for row in db.runs()]
    if run_id is not None and run_id not in runs:
        raise StoreError(f"no run {run_id!r} in {db.path} (runs: {', '.join(runs) or 'none'})")
    chosen = run_id or db.current_run()
    if chosen is None:
        raise StoreError(f"{db.path} holds no run yet (run `extract run FEED --db {db.path}` first)")
    return chosen


def incident_csv_rows(db: IncidentDB, run_id: str | None = None) -> list[dict[str, Any]]:
    """The run's incidents as rows of the one incidents CSV (`writers.CSV_COLUMNS`)."""
    chosen = chosen_run(db, run_id)
    ids: dict[str, dict[int, dict[str, str]]] = {}
    for r in db.query("SELECT i.incident_id, i.article_id, i.n, ei.event_id FROM incidents i LEFT JOIN event_incidents "
                      "ei ON ei.incident_id = i.incident_id AND ei.run_id = i.run_id WHERE i.run_id = ?", [chosen]):
        ids.setdefault(r["article_id"], {})[r["n"]] = {"incident_id": r["incident_id"], "event_id": r["event_id"] or "",
                                                     "run_id": chosen}  # fmt: skip
    records = sorted((r for r in db.read_records(chosen) if r.incidents), key=lambda r: (_published(r), r.article_id))
    return [row for record in records for row in record_rows(record, ids.get(record.article_id))]


def _published(record) -> str:
    return record.published.isoformat() if record.published else ""


def shaped_rows(db: IncidentDB, fmt: str, what: str, run_id: str | None = None) -> list[dict[str, Any]]:
    """The run's incidents or events in ACLED's (`fmt` 'acled') or GTD's ('gtd') columns."""
    from .acled import acled_row
    from .gtd import gtd_row
    from .units import load_units

    if what not in EXPORT_WHAT:
        raise StoreError(f"cannot export {what!r} (choose {' or '.join(EXPORT_WHAT)})")
    chosen = chosen_run(db, run_id)
    events = db.query(_EVENTS, [chosen]) if what == "events" else None
    shape = acled_row if fmt == "acled" else gtd_row
    return [shape(unit) for unit in load_units(db, what, chosen, events)]


def columns_of(fmt: str, what: str) -> list[str] | None:
    """The fixed columns of a CSV export (None: the rows' own keys)."""
    from .acled import ACLED_COLUMNS
    from .gtd import GTD_COLUMNS

    if fmt == "acled":
        return ACLED_COLUMNS
    if fmt == "gtd":
        return GTD_COLUMNS
    return CSV_COLUMNS if fmt == "csv" and what == "incidents" else None


def export_run(db: IncidentDB, fmt: str, what: str, stream: IO[str], run_id: str | None = None) -> int:
    """Write a run's incidents or events in `fmt` to `stream`; the number of rows written."""
    check_format(fmt)
    if what not in EXPORT_WHAT:
        raise StoreError(f"cannot export {what!r} (choose {' or '.join(EXPORT_WHAT)})")
    if fmt in ("acled", "gtd"):
        rows = shaped_rows(db, fmt, what, run_id)
    elif fmt == "csv" and what == "incidents":
        rows = incident_csv_rows(db, run_id)
    else:
        rows = export_rows(db, what, run_id)
    return write_export(rows, "csv" if fmt in ("acled", "gtd") else fmt, stream, columns_of(fmt, what))


def export_file(
    db_path: str, what: str, fmt: str, output: str, *, run_id: str | None = None, force: bool = False,
    stdout: IO[str] | None = None,
) -> int:
    """Export `what` of a run of the database at `db_path` in `fmt` to `output` ('-': `stdout`); the rows written.

    `output` must be safe to replace (extractor.outputs: never the database itself, nor a foreign file unless
    `force`); it is written beside its target and renamed into place, so a failure leaves an earlier export whole."""
    check_format(fmt)
    check_output(output, EXPORT, inputs=[db_path], force=force)
    with open_db(db_path, create=False) as db:
        if output == "-":
            return export_run(db, fmt, what, stdout or sys.stdout, run_id)
        with AtomicFile(output, newline="") as stream:
            return export_run(db, fmt, what, stream, run_id)  # type: ignore[arg-type]


def check_format(fmt: str) -> None:
    if fmt not in EXPORT_FORMATS:
        raise StoreError(f"unknown export format {fmt!r} (choose {', '.join(EXPORT_FORMATS)})")


def write_export(
    rows: Iterable[dict[str, Any]], fmt: str, stream: IO[str], columns: list[str] | None = None
) -> int:
    """Write `rows` in `fmt` ('csv', 'jsonl' or 'geojson') to `stream`; the number of rows written. A CSV has
    `columns` (a header even with no row), else the first row's keys."""
    check_format(fmt)
    rows = list(rows)
    if fmt == "csv":
        columns = columns or (list(rows[0]) if rows else [])
        writer = SafeDictWriter(stream, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    elif fmt == "jsonl":
        for row in rows:
            stream.write(json.dumps(_decoded(row), ensure_ascii=False) + "\n")
    else:
        features = [
            {"type": "Feature", "id": row.get("event_id") or row.get("incident_id"), "geometry": _point(row),
             "properties": _decoded(row)}
            for row in rows
        ]
        json.dump({"type": "FeatureCollection", "features": features}, stream, ensure_ascii=False)
        stream.write("\n")
    return len(rows)


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    return {k: json.loads(v) if k in _JSON_COLUMNS and isinstance(v, str) else v for k, v in row.items()}


def _point(row: dict[str, Any]) -> dict[str, Any] | None:
    lat, lon = row.get("latitude"), row.get("longitude")
    return {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
