"""Writing records as they finish (JSONL, or CSV with a row per incident) and resuming a JSONL output."""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path
from typing import IO, Protocol

from pydantic import ValidationError

from .errors import OutputError
from .models import ArticleRecord, Count, GroundedIncident

FORMATS = ("jsonl", "csv")
CSV_COLUMNS = [
    "article_id", "title", "link", "published", "status", "error", "incident", "primary", "summary", "date",
    "date_text", "country", "region", "location", "attack_type", "suicide", "perpetrators", "targets", "weapons",
    "killed_min", "killed_max", "wounded_min", "wounded_max", "perpetrators_killed_min", "perpetrators_killed_max",
    "kidnapped_min", "kidnapped_max", "claims", "grounded", "evidence", "model", "prompt_hash",
]


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


class CsvWriter:
    """A row per incident (a failed article gets one row carrying its error), flushed per article."""

    def __init__(self, stream: IO[str], write_header: bool = True) -> None:
        self._stream = stream
        self._csv = csv.DictWriter(stream, fieldnames=CSV_COLUMNS)
        if write_header:
            self._csv.writeheader()

    def write(self, record: ArticleRecord) -> None:
        base = {
            "article_id": record.article_id,
            "title": record.title,
            "link": record.link,
            "published": record.published.isoformat() if record.published else "",
            "status": record.status,
            "error": record.error or "",
            "model": record.provenance.model,
            "prompt_hash": record.provenance.prompt_hash or "",
        }
        if record.status == "failed":
            self._csv.writerow(base)
        for index, incident in enumerate(record.incidents):
            self._csv.writerow({**base, **_incident_row(index, incident)})
        self._stream.flush()

    def close(self) -> None:
        if self._stream is not sys.stdout:
            self._stream.close()


def _count(prefix: str, count: Count | None) -> dict[str, object]:
    return {f"{prefix}_min": count.min if count else "", f"{prefix}_max": count.max if count and count.max is not None else ""}


def _incident_row(index: int, incident: GroundedIncident) -> dict[str, object]:
    return {
        "incident": index,
        "primary": incident.primary,
        "summary": incident.summary,
        "date": incident.date or "",
        "date_text": incident.date_text or "",
        "country": incident.country or "",
        "region": incident.region or "",
        "location": incident.location or "",
        "attack_type": incident.attack_type,
        "suicide": incident.suicide,
        "perpetrators": "; ".join(f"{p.name} ({p.attribution})" for p in incident.perpetrators),
        "targets": "; ".join(f"{t.type}: {t.description}" for t in incident.targets),
        "weapons": "; ".join(incident.weapons),
        **_count("killed", incident.killed),
        **_count("wounded", incident.wounded),
        **_count("perpetrators_killed", incident.perpetrators_killed),
        **_count("kidnapped", incident.kidnapped),
        "claims": json.dumps([c.model_dump() for c in incident.claims], ensure_ascii=False) if incident.claims else "",
        "grounded": incident.grounded,
        "evidence": " | ".join(incident.evidence),
    }


def open_writer(path: str, fmt: str, *, append: bool = False) -> RecordWriter:
    """A writer to `path` ('-' is stdout); `append` continues an existing file."""
    if fmt not in FORMATS:
        raise OutputError(f"unknown format {fmt!r} (choose {' or '.join(FORMATS)})")
    if path == "-":
        stream: IO[str] = sys.stdout
    else:
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            stream = open(path, "a" if append else "w", encoding="utf-8", newline="" if fmt == "csv" else None)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror}") from None
    return JsonlWriter(stream) if fmt == "jsonl" else CsvWriter(stream, write_header=not append)


def read_records(path: str) -> tuple[list[ArticleRecord], int]:
    """The valid records of a JSONL output and the number of unreadable lines (e.g. one cut by a crash)."""
    records, bad = [], 0
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                try:
                    records.append(ArticleRecord.model_validate_json(line))
                except ValidationError:
                    bad += 1
    except OSError as exc:
        raise OutputError(f"cannot read {path}: {exc.strerror}") from None
    return records, bad


def prepare_resume(path: str, model: str, prompt_hash: str | None) -> set[str]:
    """Keep the finished (ok) records of an existing JSONL output, drop failed and cut lines; their ids.

    The file is rewritten atomically, so the articles that failed before are simply run again. An output
    made with another model or prompt is refused rather than silently mixed.
    """
    if path == "-" or not Path(path).exists():
        return set()
    records, _ = read_records(path)
    other = {(r.provenance.model, r.provenance.prompt_hash) for r in records} - {(model, prompt_hash)}
    if other:
        found = ", ".join(f"model {m} prompt {p or '-'}" for m, p in sorted(other, key=str))
        raise OutputError(f"{path} holds results of another configuration ({found}); use another -o or drop --resume")
    kept = {r.article_id: r for r in records if r.status == "ok"}
    temporary = f"{path}.resume-tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        for record in kept.values():
            handle.write(record.model_dump_json() + "\n")
    os.replace(temporary, path)
    return set(kept)
