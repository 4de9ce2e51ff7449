"""One-line errors: every probe of bad input goes through the CLI and must end with its exit code, exactly one line
on stderr, and no traceback. A probe is a name, a setup that makes its files in the test's folder and returns the
command line and extra environment, the exit code, and a phrase the line must hold. Add probes to PROBES."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import app

from .conftest import GOLDEN_FEED

Setup = Callable[[Path], list[str]]


@dataclass
class Probe:
    name: str
    setup: Setup
    code: int
    says: str
    env: dict[str, str] = field(default_factory=dict)


def incomplete_batch_state(tmp: Path) -> list[str]:
    job = tmp / "cache" / "batches" / "batch_x"
    job.mkdir(parents=True)
    (job / "state.json").write_text(json.dumps({"job": "batch_x", "rounds": []}))
    return ["batch", "status", "--cache-dir", str(tmp / "cache")]


def config_not_utf8(tmp: Path) -> list[str]:
    (tmp / "bad.toml").write_bytes(b'model = "caf\xe9"\n')
    return ["run", str(GOLDEN_FEED), "-o", "out.jsonl", "--config", "bad.toml"]


def damaged_database(tmp: Path) -> Path:
    """A database of the seed feed whose incidents, extractions and articles pages are overwritten: the file opens
    (its schema pages are whole) and SQLite says "database disk image is malformed" on the first read of them."""
    path = tmp / "damaged.db"
    made = CliRunner().invoke(app, ["run", str(GOLDEN_FEED), "--db", str(path), "-q", "--no-events"])
    assert made.exit_code == 0, made.output
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    roots = dict(conn.execute("SELECT name, rootpage FROM sqlite_master WHERE type = 'table'"))
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    for table in ("incidents", "extractions", "articles"):
        start = (roots[table] - 1) * page_size
        data[start : start + page_size] = b"\xa5" * page_size
    path.write_bytes(bytes(data))
    return path


def seed_database(tmp: Path) -> Path:
    made = CliRunner().invoke(app, ["run", str(GOLDEN_FEED), "--db", str(tmp / "g.db"), "-q", "--no-events"])
    assert made.exit_code == 0, made.output
    return tmp / "g.db"


PROBES = [
    Probe("batch state.json missing keys", incomplete_batch_state, 2, "is incomplete (missing identity"),
    Probe("config file not UTF-8", config_not_utf8, 2, "config file bad.toml is not UTF-8"),
    Probe("events --db on a damaged database", lambda t: ["events", "--db", str(damaged_database(t))], 2,
          "database disk image is malformed"),  # fmt: skip
    Probe("export --db on a damaged database", lambda t: ["export", "--db", str(damaged_database(t))], 2,
          "database disk image is malformed"),  # fmt: skip
    Probe("review --db on a damaged database",
          lambda t: ["review", "--db", str(damaged_database(t)), "-o", str(t / "r.html")], 2,
          "database disk image is malformed"),  # fmt: skip
    Probe("EXTRACT_CONCURRENCY=abc", lambda t: ["run", str(GOLDEN_FEED), "-o", "out.jsonl"], 2,
          "from environment variable EXTRACT_CONCURRENCY", env={"EXTRACT_CONCURRENCY": "abc"}),  # fmt: skip
    Probe("events --db of a missing file", lambda t: ["events", "--db", "typo.db"], 2, "no incident database"),
    Probe("export --run of an unknown run", lambda t: ["export", "--db", str(seed_database(t)), "--run", "nope"], 2,
          "no run 'nope'"),  # fmt: skip
    Probe("a model with no key and no base URL", lambda t: ["run", str(GOLDEN_FEED), "--model", "gpt-4o-mini"], 2,
          "no API key and no base URL"),  # fmt: skip
]


@pytest.mark.parametrize("probe", PROBES, ids=[p.name for p in PROBES])
def test_each_probe_is_one_line_on_stderr(probe: Probe, tmp_path: Path) -> None:
    args = probe.setup(tmp_path)

    result = CliRunner().invoke(app, args, env=probe.env)

    assert result.exit_code == probe.code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {lines}"
    assert lines[0].startswith("error: ") and probe.says in lines[0], lines[0]
