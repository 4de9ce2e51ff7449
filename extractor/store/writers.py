"""Writing records as they finish: JSONL (a line per article) or CSV (a row per incident)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import IO, Protocol

from ..errors import OutputError
from ..models import COUNT_FIELDS, ArticleRecord, Count, GroundedIncident
from ..outputs import RECORDS_CSV, RECORDS_JSONL, AtomicFile, check_output
from .cells import SafeDictWriter

FORMATS = ("jsonl", "csv")
CSV_COLUMNS = [
    "article_id",
    "title",
    "link",
    "published",
    "status",
    "error",
    "incident",
    "primary",
    "summary",
    "date",
    "time_precision",
    "date_source",
    "date_text",
    "country",
    "region",
    "admin2",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "attack_type",
    "suicide",
    "perpetrators",
    "targets",
    "weapons",
    *(f"{name}_{end}" for name in COUNT_FIELDS for end in ("min", "max")),  # killed_min, killed_max, ...
    "claims",
    "grounded",
    "evidence",
    "model",
    "prompt_hash",
    "outlet",
    "incident_id",
    "event_id",
    "run_id",
]
"""The one CSV of incidents: `run --format csv` and `export --format csv` (incidents) both write these columns the same
way (booleans True/False, counts as min/max, lists joined by "; ", evidence by " | ", claims as JSON). The last three
only the incident database knows: `run` leaves them empty."""


class RecordWriter(Protocol):
    def write(self, record: ArticleRecord) -> None: ...

    def close(self) -> None: ...


class JsonlWriter:
    """One JSON line per article, flushed at once so a crash loses nothing finished."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, record: ArticleRecord) -> None:
        self._stream.write(record.model_dump_json() + "\n")
        self._stream.flush()

    def close(self) -> None:
        if self._stream is not sys.stdout:
            self._stream.close()


def record_rows(record: ArticleRecord, ids: dict[int, dict[str, str]] | None = None) -> list[dict[str, object]]:
    """The CSV rows of one record: a row per incident, or one row carrying a failed or skipped article's reason.
    `ids` (incident index -> incident_id, event_id, run_id) fills the database's columns."""
    from .database import outlet_of  # sqlite-utils stays off the path of a run without --db

    base = {
        "article_id": record.article_id,
        "title": record.title,
        "link": record.link or "",
        "published": record.published.isoformat() if record.published else "",
        "status": record.status,
        "error": record.error or record.skip_reason or "",
        "model": record.provenance.model,
        "prompt_hash": record.provenance.prompt_hash or "",
        "outlet": outlet_of(record.link) or "",
    }
    rows: list[dict[str, object]] = [base] if record.status != "ok" else []
    for index, incident in enumerate(record.incidents):
        rows.append({**base, **_incident_row(index, incident), **(ids or {}).get(index, {})})
    return rows


class CsvWriter:
    """A row per incident (a failed article gets one row carrying its error), flushed per article."""

    def __init__(self, stream: IO[str], write_header: bool = True) -> None:
        self._stream = stream
        self._csv = SafeDictWriter(stream, fieldnames=CSV_COLUMNS)
        if write_header:
            self._csv.writeheader()

    def write(self, record: ArticleRecord) -> None:
        for row in record_rows(record):
            self._csv.writerow(row)
        self._stream.flush()

    def close(self) -> None:
        if self._stream is not sys.stdout:
            self._stream.close()


def _count(prefix: str, count: Count | None) -> dict[str, object]:
    return {
        f"{prefix}_min": count.min if count else "",
        f"{prefix}_max": count.max if count and count.max is not None else "",
    }


def _incident_row(index: int, incident: GroundedIncident) -> dict[str, object]:
    return {
        "incident": index,
        "primary": incident.primary,
        "summary": incident.summary,
        "date": incident.date or "",
        "time_precision": incident.time_precision or "",
        "date_source": incident.date_source or "",
        "date_text": incident.date_text or "",
        "country": incident.country or "",
        "region": incident.region or "",
        "admin2": incident.admin2 or "",
        "location": incident.location or "",
        "latitude": "" if incident.latitude is None else incident.latitude,
        "longitude": "" if incident.longitude is None else incident.longitude,
        "geo_precision": incident.geo_precision or "",
        "attack_type": incident.attack_type,
        "suicide": incident.suicide,
        "perpetrators": "; ".join(f"{p.name} ({p.attribution})" for p in incident.perpetrators),
        "targets": "; ".join(f"{t.type}: {t.description}" for t in incident.targets),
        "weapons": "; ".join(incident.weapons),
        **{column: value for name in COUNT_FIELDS for column, value in _count(name, getattr(incident, name)).items()},
        "claims": json.dumps([c.model_dump() for c in incident.claims], ensure_ascii=False) if incident.claims else "",
        "grounded": incident.grounded,
        "evidence": " | ".join(incident.evidence),
    }


def open_writer(
    path: str,
    fmt: str,
    *,
    append: bool = False,
    force: bool = False,
    inputs: Iterable[str | None] = (),
) -> RecordWriter:
    """A writer to `path` ('-' is stdout); `append` continues an existing file.

    Records are written in place, flushed per article (the file is the run's journal: `--resume` reads it after a
    crash); `path` must be safe to replace first (not an input, a database or a foreign file unless `force`:
    `extractor.outputs`)."""
    if fmt not in FORMATS:
        raise OutputError(f"unknown format {fmt!r} (choose {' or '.join(FORMATS)})")
    if path == "-":
        stream: IO[str] | AtomicFile = sys.stdout
    else:
        kind = RECORDS_JSONL if fmt == "jsonl" else RECORDS_CSV
        check_output(path, kind, inputs=inputs, force=force or append)  # appending: resume checked the lines
        stream = AtomicFile(path, newline="" if fmt == "csv" else None, append=append, in_place=True)
    return JsonlWriter(stream) if fmt == "jsonl" else CsvWriter(stream, write_header=not append)
