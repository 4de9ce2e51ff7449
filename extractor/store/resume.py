"""Resuming a JSONL run output: find what finished, run the rest, and never lose a line.

The output is only ever appended to: finished records stay where they are, a failed record is superseded by
the later line for the same article (the last line of an article wins, as `records_by_id` reads it), and a
line that cannot be read (cut by a crash) stays in the file while its article is run again. A file that is
not a run output, or was written by another configuration, is refused untouched, naming what differs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import OutputError
from .records import parse_record

# Provenance fields that decide the answer; config_hash is absent from outputs of older versions.
IDENTITY = ("model", "endpoint", "prompt_hash", "schema_hash", "config_hash")


@dataclass
class ResumeState:
    """What an existing output already holds."""

    done: set[str] = field(default_factory=set)  # articles whose last record is ok
    unreadable: int = 0  # lines kept in the file that are not JSON (cut by a crash); their articles run again
    older: int = 0  # records of an earlier record format, read like current ones
    foreign: int = 0  # records of a newer record format (or invalid ones), kept; their articles run again


def prepare_resume(path: str, expected: dict[str, Any]) -> ResumeState:
    """The finished articles of `path`, after checking it is a run output of the configuration `expected`
    (the provenance identity of this run). The file is not rewritten; it is made to end with a newline."""
    file = Path(path)
    if path == "-" or not file.exists():
        return ResumeState()
    state, status, records, differences = ResumeState(), {}, 0, {}
    try:
        with open(file, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if not line.strip():
                    continue
                data = _json_object(line)
                if data is None:
                    state.unreadable += 1
                    continue
                provenance = data.get("provenance")
                if "article_id" not in data or not isinstance(provenance, dict):
                    raise OutputError(
                        f"{path} is not an output of extract run (a line is not a record); use another -o"
                    )
                records += 1
                for key in IDENTITY:
                    theirs = provenance.get(key)
                    if theirs != expected.get(key) and not (key == "config_hash" and theirs is None):
                        differences.setdefault(key, theirs)
                if not differences:
                    kind, _ = parse_record(data)
                    if kind == "foreign":
                        state.foreign += 1
                        continue
                    state.older += kind == "older"
                status[data["article_id"]] = data.get("status")
    except OSError as exc:
        raise OutputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not records and state.unreadable:
        raise OutputError(f"{path} is not an output of extract run (no line is a record); use another -o")
    if differences:
        found = ", ".join(
            f"{key} {value or '-'} (this run: {expected.get(key) or '-'})" for key, value in differences.items()
        )
        raise OutputError(f"{path} was written by another configuration: {found}; use another -o or drop --resume")
    _end_with_newline(file)
    state.done = {article_id for article_id, last in status.items() if last in ("ok", "skipped")}
    return state


def _json_object(line: str) -> dict[str, Any] | None:
    try:
        data = json.loads(line)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _end_with_newline(file: Path) -> None:
    """A line cut by a crash has no newline: the next record must not be glued to it."""
    with open(file, "rb+") as handle:
        if handle.seek(0, 2) == 0:
            return
        handle.seek(-1, 2)
        if handle.read(1) != b"\n":
            handle.write(b"\n")
