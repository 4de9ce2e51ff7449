"""ACLED- and GTD-shaped exports and the one CSV: read back with the stdlib csv module against the committed header
lists (tests/fixtures/exports/), the mapping tables, empty cells where the schema says nothing, formula cells made
inert; `run --format csv` and `export --format csv` writing the same columns the same way. Library and CLI side by
side."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.models import Article, ArticleRecord, GroundedIncident, Provenance
from extractor.store.acled import acled_row, event_type, fatalities
from extractor.store.database import open_db
from extractor.store.dbsink import DatabaseSink
from extractor.store.export import export_run
from extractor.store.gtd import gtd_row
from extractor.store.units import Source, incident_unit

from .conftest import GOLDEN_FEED, incident

runner = CliRunner()
FIXTURES = Path(__file__).parent / "fixtures" / "exports"
HEADERS = {fmt: (FIXTURES / f"{fmt}-columns.txt").read_text().split() for fmt in ("acled", "gtd")}


def read_csv(path: str) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def unit(**fields):
    inc = GroundedIncident(**incident("quote", **fields), grounded=True)
    return incident_unit("i1", inc, Source("a1", "Title", "news.test", "https://news.test/1", "2024-09-18T10:00:00"))


@pytest.fixture
def seed_db() -> str:
    result = runner.invoke(app, ["run", str(GOLDEN_FEED), "--model", "baseline", "--db", "x.db", "-q"])
    assert result.exit_code == 0, result.output
    return "x.db"


@pytest.mark.parametrize("fmt", ["acled", "gtd"])
@pytest.mark.parametrize("what", ["incidents", "events"])
def test_shaped_exports_read_back_with_the_committed_headers(seed_db: str, fmt: str, what: str) -> None:
    result = runner.invoke(app, ["export", "--db", seed_db, "--format", fmt, "--what", what, "-o", f"out-{fmt}.csv"])
    assert result.exit_code == 0, result.output
    header, rows = read_csv(f"out-{fmt}.csv")
    assert header == HEADERS[fmt], "exactly the committed columns, in order"
    with open_db(seed_db) as db:
        expected = db.query(f"SELECT count(*) AS n FROM {what}")[0]["n"]
    assert len(rows) == expected == int(result.stderr.split()[0])
    mali = [r for r in rows if (r.get("country") or r.get("country_txt")) == "Mali"]
    assert mali, "the Bamako reports are exported"
    if fmt == "acled":
        row = mali[0]
        assert row["iso"] == "466" and row["region"] == "Western Africa" and row["admin1"] == "Bamako"
        assert row["event_date"] == "2024-09-17" and row["year"] == "2024"
        assert row["notes"].startswith("On 17 September 2024, ") and "in Bamako" in row["notes"]
        assert row["source"] == "thedefensepost.com" and row["timestamp"].isdigit()
        assert row["admin2"] == row["admin3"] == row["inter1"] == row["source_scale"] == row["tags"] == "", (
            "what the schema does not hold stays empty"
        )
        assert all(r["event_type"] in {"", "Battles", "Explosions/Remote violence", "Violence against civilians",
                                       "Strategic developments"} for r in rows)  # fmt: skip
    else:
        row = mali[0]
        assert (row["iyear"], row["imonth"], row["iday"]) == ("2024", "9", "17")
        assert row["provstate"] == "Bamako" and row["city"] == "Bamako"
        assert ". thedefensepost.com. 2024-09-" in row["scite1"] and "https://thedefensepost.com/" in row["scite1"]
        assert all(r["suicide"] in {"0", "1"} for r in rows)
    if what == "events" and fmt == "acled":
        school, airport = [r for r in rows if r["admin1"] == "Bamako"]  # two sites of one attack: two events
        assert school["event_id_cnty"].startswith("ev-") and airport["event_id_cnty"].startswith("ev-")
        assert school["event_id_cnty"] != airport["event_id_cnty"]


def test_the_mapping_tables() -> None:
    police = unit(attack_type="armed_assault", targets=[{"type": "police", "description": "gendarmes"}])
    market = unit(attack_type="armed_assault", targets=[{"type": "civilians", "description": "traders"}],
                  country="Mali", killed={"min": 5, "max": 7}, perpetrators_killed={"min": 1, "max": 1})  # fmt: skip
    assert event_type(police) == ("Battles", "Armed clash")
    assert event_type(market) == ("Violence against civilians", "Attack")
    assert event_type(unit(attack_type="suicide_attack")) == ("Explosions/Remote violence", "Suicide bomb")
    assert event_type(unit(attack_type="unknown")) == ("", ""), "no type is invented"
    assert fatalities(market) == 6, "the lowest credible victims' figure, attackers counted (ACLED)"
    assert fatalities(unit(killed=None)) is None
    row = acled_row(market)
    assert row["civilian_targeting"] == "Civilian targeting" and row["actor2"] == "Civilians (Mali)"
    assert row["fatalities"] == 6 and acled_row(unit(killed=None))["fatalities"] == "", "null is not zero"
    assert acled_row(police)["civilian_targeting"] == ""
    month = unit(date="2024-09-15", date_text="in September", time_precision=3, latitude=None)
    assert acled_row(month)["notes"].startswith("In September 2024, ") and acled_row(month)["time_precision"] == 3
    gtd = gtd_row(month)
    assert (gtd["iyear"], gtd["imonth"], gtd["iday"], gtd["approxdate"]) == (2024, 9, 0, "in September")
    assert gtd["specificity"] == 5, "no coordinates: GTD's unknown specificity"
    located = gtd_row(unit(latitude=13.5, longitude=2.1, geo_precision=3, admin2="Ouallam"))
    assert located["specificity"] == 4 and acled_row(unit(admin2="Ouallam"))["admin2"] == "Ouallam"
    assert gtd_row(police)["targtype1_txt"] == "Police" and gtd_row(police)["attacktype1_txt"] == "Armed Assault"
    assert gtd_row(unit(perpetrators=[{"name": "JNIM", "attribution": "claimed"}]))["claimed"] == 1
    assert gtd_row(unit())["claimed"] == "" and gtd_row(unit(killed=None))["nkill"] == ""


def _hostile_db() -> None:
    db = open_db("h.db")
    sink = DatabaseSink(db, db.register_run({"model": "m", "config_hash": "c"}))
    text = "Gunmen killed 3 people in Gao on Sunday."
    art = Article(id="h1", title="=HYPERLINK(\"http://evil.test\")", text=text, link="https://news.test/h1")
    inc = GroundedIncident(**incident(text, country="Mali", location="@SUM(A1)", perpetrators=[
        {"name": "=cmd|' /C calc'!A0", "attribution": "claimed"}], summary="+1 attack"), grounded=True)  # fmt: skip
    for _ in sink.select([art]):
        sink.write(ArticleRecord(article_id=art.id, title=art.title, link=art.link, status="ok", incidents=[inc],
                                 provenance=Provenance(backend="t", model="m", schema_hash="s")))  # fmt: skip
    sink.close()


@pytest.mark.parametrize("fmt", ["acled", "gtd", "csv"])
def test_formula_cells_are_neutralised(fmt: str) -> None:
    _hostile_db()
    for what in ("incidents", "events"):
        assert runner.invoke(app, ["events", "--db", "h.db"]).exit_code == 0
        result = runner.invoke(app, ["export", "--db", "h.db", "--format", fmt, "--what", what, "-o", "h.csv", "--force"])
        assert result.exit_code == 0, result.output
        _, rows = read_csv("h.csv")
        cells = [v for row in rows for v in row.values() if v]
        assert cells and not any(c.startswith(("=", "+", "-", "@")) for c in cells), cells
        assert any(c.startswith(("'=", "'@", "'+")) for c in cells), "the hostile cells are there, made inert"


def test_run_csv_and_export_csv_are_one_csv(seed_db: str) -> None:
    run = runner.invoke(app, ["run", str(GOLDEN_FEED), "--model", "baseline", "--format", "csv", "-o", "run.csv", "-q"])
    exported = runner.invoke(app, ["export", "--db", seed_db, "--format", "csv", "-o", "export.csv"])
    assert run.exit_code == exported.exit_code == 0, run.output + exported.output
    run_header, run_rows = read_csv("run.csv")
    export_header, export_rows = read_csv("export.csv")
    assert run_header == export_header, "the same columns, in the same order"
    assert {"geo_precision", "time_precision", "admin2", "evidence", "claims", "killed_min", "killed_max"} <= set(
        run_header
    )
    database_only = {"incident_id", "event_id", "run_id"}
    key = lambda r: (r["article_id"], r["incident"])  # noqa: E731
    ok_rows = sorted((r for r in run_rows if r["status"] == "ok"), key=key)
    assert len(ok_rows) == len(export_rows) == 15
    for mine, theirs in zip(ok_rows, sorted(export_rows, key=key)):
        assert {k: v for k, v in mine.items() if k not in database_only} == {
            k: v for k, v in theirs.items() if k not in database_only
        }, "every shared cell written the same way"
        assert mine["grounded"] == theirs["grounded"] == "True" and theirs["incident_id"] and theirs["event_id"]
        assert mine["incident_id"] == mine["event_id"] == "", "run has no database ids"


def test_export_run_library_call_writes_a_header_for_an_empty_run() -> None:
    db = open_db("e.db")
    db.register_run({"model": "m", "config_hash": "c"})
    stream = io.StringIO()
    assert export_run(db, "acled", "events", stream) == 0
    assert stream.getvalue().strip().split(",") == HEADERS["acled"]


def test_notes_read_like_acled_notes() -> None:
    from extractor.store.acled import notes

    jnim = unit(country="Mali", region="Bamako", location="Faladié", date="2024-09-17", killed={"min": 12, "max": None},
                wounded=None, perpetrators=[{"name": "JNIM militants", "attribution": "claimed"}],
                targets=[{"type": "police", "description": "a gendarmerie school"}])  # fmt: skip
    assert notes(jnim) == ("On 17 September 2024, JNIM militants attacked a gendarmerie school in Faladié, Bamako, Mali. "
                           "12 fatalities reported.")  # fmt: skip
    alone = unit(country="United States", region=None, location=None, date=None, attack_type="kidnapping", targets=[],
                 killed=None, wounded=None)  # fmt: skip
    assert notes(alone) == "On an unreported date, unidentified perpetrators carried out an abduction in the United States."
