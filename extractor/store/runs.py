"""The run store: one folder per evaluation run, `runs/<run_id>/` holding predictions, metrics and a manifest.

The manifest holds everything needed to reproduce and compare the run (model, endpoint without credentials,
prompt name and hash, schema hash, parameters, code revision, time, tokens, cost, cache hits), never a key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import subprocess
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from ..errors import OutputError, RunStoreError
from ..models import ArticleRecord, Usage
from .records import LineCounts, read_record_file, records_by_id

PREDICTIONS = "predictions.jsonl"
METRICS = "metrics.json"
MANIFEST = "manifest.json"
DEFAULT_RUNS_DIR = Path("runs")


class Manifest(BaseModel):
    format: int = Field(default=1, description="Record format of the run's predictions (RECORD_FORMAT); absent: 1.")
    run_id: str
    started: dt.datetime
    finished: dt.datetime | None = None
    backend: str
    model: str
    endpoint: str | None
    prompt_name: str | None
    prompt_hash: str | None
    schema_hash: str
    modes: list[str]
    parameters: dict[str, Any]
    code_revision: str
    feed: str
    golden: str
    golden_set: str | None = Field(
        default=None, description="The golden set scored against: a named set, or a labels file (path)."
    )
    golden_split: str | None = None
    golden_sha256: str
    articles: int = 0
    failed: int = 0
    requests: int = 0
    cache_hits: int = 0
    usage: Usage = Usage()
    estimated_cost_usd: float | None = None


def new_run_dir(runs_dir: Path, model: str, prompt_name: str | None, name: str | None = None) -> Path:
    """A fresh folder named by time, model and prompt (or by `name`)."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    label = name or f"{stamp}-{model}-{prompt_name or 'rules'}"
    path = runs_dir / re.sub(r"[^A-Za-z0-9._-]+", "_", label)
    for number in range(2, 100) if name is None else ():  # runs started in the same second (eval --all)
        if not path.exists():
            break
        path = runs_dir / re.sub(r"[^A-Za-z0-9._-]+", "_", f"{label}-{number}")
    if path.exists():
        raise RunStoreError(f"run folder already exists: {path}")
    if runs_dir.exists() and not runs_dir.is_dir():
        raise RunStoreError(f"--runs-dir {runs_dir} is not a folder")
    try:
        path.mkdir(parents=True)
    except OSError as exc:
        raise RunStoreError(f"cannot create the run folder {path}: {exc.strerror or exc}") from None
    return path


def save_manifest(run_dir: Path, manifest: Manifest) -> None:
    (run_dir / MANIFEST).write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")


def load_manifest(run_dir: Path) -> Manifest | None:
    path = run_dir / MANIFEST
    if not path.exists():
        return None
    try:
        return Manifest.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValidationError) as exc:
        raise RunStoreError(f"cannot read the run manifest {path}: {_first_line(exc)}") from None


def manifest_of(predictions: Path) -> Manifest | None:
    """The manifest of the run a predictions file belongs to (a run folder's predictions.jsonl), or None."""
    return load_manifest(predictions.parent) if predictions.name == PREDICTIONS else None


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def predictions_path(ref: str, runs_dir: Path = DEFAULT_RUNS_DIR) -> Path:
    """The predictions file of a run given as a folder, a run id in `runs_dir`, or a JSONL file."""
    for candidate in (Path(ref), runs_dir / ref):
        if candidate.is_file():
            return candidate
        if (candidate / PREDICTIONS).is_file():
            return candidate / PREDICTIONS
    raise RunStoreError(f"no run or predictions file {ref!r} (looked in . and {runs_dir})")


def load_predictions(path: str | Path) -> tuple[dict[str, ArticleRecord], int]:
    """The records of a stored run keyed by article_id (a later line wins) and the number of lines that gave no
    record (foreign or cut; lines of an older record format are read)."""
    records, counts = load_run_records(path)
    return records, counts.unreadable


def load_run_records(path: str | Path) -> tuple[dict[str, ArticleRecord], LineCounts]:
    """The records of a stored run keyed by article_id (a later line wins) and the kinds of lines met."""
    try:
        records, counts = read_record_file(path)
    except OutputError:
        raise RunStoreError(f"cannot read predictions {path}") from None
    return records_by_id(records), counts


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def code_revision() -> str:
    """`git describe` of the project (with -dirty), or 'unknown' outside a checkout."""
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.stdout.strip() or "unknown"
