"""Reading a run output (JSONL of ArticleRecords): the one reader, used by resume and by the scorer alike.

Records are versioned (`ArticleRecord.format`, `RECORD_FORMAT`; a line without it is version 1). A line of an
earlier format is read: fields it lacks take their defaults, and an incident field the model requires (the LLM's
schema makes every incident field required) that the line lacks takes its *absent* value (None for an optional
value, an empty list, False, or the value in `INCIDENT_READ_DEFAULTS`); incident fields since removed are dropped.
Each line is one of four kinds, counted apart so a reader can say what it met:

- current: a record of this program's format;
- older: a record of an earlier format, read;
- foreign: valid JSON that is not a record, or a record of a newer format this program does not know;
- cut: not JSON at all (a line cut by a crash, a multi-byte character cut in half).
"""

from __future__ import annotations

import json
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from ..errors import OutputError
from ..models import RECORD_FORMAT, ArticleRecord, GroundedIncident

LineKind = Literal["current", "older", "foreign", "cut"]

# What an older line that lacks an incident field gets, when the field's type has no obvious absent value.
INCIDENT_READ_DEFAULTS: dict[str, Any] = {"primary": True, "attack_type": "unknown"}
_NO_VALUE = object()


@dataclass
class LineCounts:
    """How many lines of a run output were of each kind (current records are the rest)."""

    older: int = 0
    foreign: int = 0
    cut: int = 0

    @property
    def unreadable(self) -> int:
        """Lines that gave no record: foreign and cut ones."""
        return self.foreign + self.cut

    def add(self, kind: LineKind) -> None:
        if kind != "current":
            setattr(self, kind, getattr(self, kind) + 1)

    def notes(self) -> list[str]:
        """One phrase per kind met, e.g. '3 lines in an older format, read'."""
        notes = [f"{self.older} line(s) in an older record format, read"] if self.older else []
        if self.foreign:
            notes.append(f"{self.foreign} foreign line(s) (not a record, or a newer record format), skipped")
        if self.cut:
            notes.append(f"{self.cut} cut line(s) (not JSON: cut by a crash?), skipped")
        return notes


def line_format(data: dict[str, Any]) -> int | None:
    """The record format of a decoded line (1 when it has none); None when it is not a record of a known format."""
    version = data.get("format", 1)
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= RECORD_FORMAT:
        return None
    if not isinstance(data.get("article_id"), str) or not isinstance(data.get("provenance"), dict):
        return None
    return version


def upgrade_incident(data: Any) -> Any:
    """An incident of an older record brought to the current model (see the module docstring)."""
    if not isinstance(data, dict):
        return data
    fields = GroundedIncident.model_fields
    upgraded = {key: value for key, value in data.items() if key in fields}
    for name, info in fields.items():
        if name not in upgraded and info.is_required():
            value = INCIDENT_READ_DEFAULTS.get(name, _absent(info.annotation))
            if value is not _NO_VALUE:
                upgraded[name] = value
    return upgraded


def _absent(annotation: Any) -> Any:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is type(None) or (origin in (typing.Union, types.UnionType) and type(None) in args):
        return None
    if origin is list:
        return []
    if annotation is bool:
        return False
    return _NO_VALUE


def parse_record(data: Any) -> tuple[LineKind, ArticleRecord | None]:
    """The kind of a decoded JSONL line and its record, brought to the current format (None for a foreign line)."""
    version = line_format(data) if isinstance(data, dict) else None
    if version is None:
        return "foreign", None
    kind: LineKind = "older" if version < RECORD_FORMAT else "current"
    current = dict(data, format=RECORD_FORMAT)
    try:
        return kind, ArticleRecord.model_validate(current)
    except ValidationError:
        pass
    # Lenient for every known format: a field added without raising RECORD_FORMAT must not lose the line either.
    if isinstance(data.get("incidents"), list):
        current["incidents"] = [upgrade_incident(incident) for incident in data["incidents"]]
    try:
        return kind, ArticleRecord.model_validate(current)
    except ValidationError:
        return "foreign", None


def parse_line(line: str) -> tuple[LineKind, ArticleRecord | None]:
    """The kind of one JSONL line and its record (None for a foreign or cut line)."""
    try:
        data = json.loads(line)
    except ValueError:
        return "cut", None
    return parse_record(data)


def read_record_file(path: str | Path) -> tuple[list[ArticleRecord], LineCounts]:
    """The records of a JSONL output in file order, and how many lines were older, foreign or cut. Bytes that
    are not UTF-8 (a multi-byte character cut in half) make their line cut, never the whole file."""
    records, counts = [], LineCounts()
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if not line.strip():
                    continue
                kind, record = parse_line(line)
                counts.add(kind)
                if record is not None:
                    records.append(record)
    except OSError as exc:
        raise OutputError(f"cannot read {path}: {exc.strerror or exc}") from None
    return records, counts


def read_records(path: str | Path) -> tuple[list[ArticleRecord], int]:
    """The records of a JSONL output in file order (older formats read), and the number of lines that gave no
    record (foreign or cut); `read_record_file` tells them apart."""
    records, counts = read_record_file(path)
    return records, counts.unreadable


def records_by_id(records: list[ArticleRecord]) -> dict[str, ArticleRecord]:
    """Records keyed by article_id; a later line for the same article wins."""
    return {record.article_id: record for record in records}
