"""The incident database: schema from an empty file, refusing files that are not ours, idempotent and incremental
runs, an updated article, runs side by side, a killed run, concurrent writers, exports; library and CLI side by side."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.errors import StoreError
from extractor.store.database import open_db
from extractor.store.schema import SCHEMA_VERSION

from .conftest import COMPLETIONS, GOLDEN_FEED, article, echo, request_json, write

runner = CliRunner()
TABLES = {"meta", "runs", "articles", "extractions", "incidents", "evidence", "claims", "events", "event_incidents"}
VIEWS = {"current_run", "incidents_view", "events_view", "event_sources_view"}


def run_db(feed: str, *args: str):
    return runner.invoke(app, ["run", feed, "--model", "baseline", "--db", "x.db", "-q", *args])


def test_an_empty_file_gets_the_whole_schema_and_reopening_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    path.touch()
    with open_db(path) as db:
        assert TABLES <= set(db.db.table_names()) and "articles_fts" in db.db.table_names()
        assert VIEWS <= set(db.db.view_names())
        assert db.query("SELECT value FROM meta WHERE key = 'schema_version'") == [{"value": str(SCHEMA_VERSION)}]
        assert db.current_run() is None and db.read_records() == [] and db.runs() == []
        fks = {(fk.table, fk.column, fk.other_table) for fk in db.db["incidents"].foreign_keys}
        assert ("incidents", "article_id", "articles") in fks and ("incidents", "run_id", "runs") in fks
    with open_db(path) as db:
        assert db.counts()["meta"] == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"this is not a database at all, just text" * 50, "not an incident database"),
     (None, "not an incident database")],
)
def test_a_file_that_is_not_ours_is_refused_in_one_line_and_untouched(tmp_path: Path, content, message) -> None:
    path = tmp_path / "other.db"
    if content is None:
        sqlite3.connect(path).execute("CREATE TABLE notes (x)").connection.commit()
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    with pytest.raises(StoreError, match=message) as caught:
        open_db(path)
    assert "\n" not in str(caught.value)
    assert path.read_bytes() == before

    result = runner.invoke(app, ["events", "--db", str(path)])
    assert result.exit_code == 2 and message in result.output


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    with open_db(tmp_path / "x.db") as db:
        db.db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="schema version 99, newer"):
        open_db(tmp_path / "x.db")


def test_run_db_stores_articles_incidents_evidence_and_rerunning_adds_nothing() -> None:
    first = run_db(str(GOLDEN_FEED))
    assert first.exit_code == 0, first.output
    assert "10 new, 0 updated" in first.stderr and "events from 15 incidents" in first.stderr
    with open_db("x.db") as db:
        counts = db.counts()
        records = db.read_records()
        assert counts["articles"] == counts["extractions"] == 10 and counts["incidents"] == 15
        assert len(records) == 10 and sum(len(r.incidents) for r in records) == 15
        text = db.article_text(records[0].article_id)
        quote = db.query("SELECT quote, start_offset, end_offset FROM evidence LIMIT 1")[0]
        assert text is not None and quote["start_offset"] is not None
        assert text[quote["start_offset"] : quote["end_offset"]] == quote["quote"]
        assert db.query("SELECT count(*) AS n FROM articles_fts WHERE articles_fts MATCH 'Bamako'")[0]["n"] == 3
        bamako = db.query("SELECT * FROM events_view WHERE n_sources > 1")
        events = db.query("SELECT event_id FROM events ORDER BY event_id")

    again = run_db(str(GOLDEN_FEED))

    assert again.exit_code == 0, again.output
    assert "0 new, 0 updated (0 earlier incidents replaced), 0 retried, 10 unchanged" in again.stderr
    with open_db("x.db") as db:
        assert db.counts() == counts, "a re-run adds nothing"
        assert db.query("SELECT event_id FROM events ORDER BY event_id") == events, "event ids are stable"
    # the Bamako school and airport: two events of 3 and 2 sources (two sites of one attack)
    assert sorted(b["n_sources"] for b in bamako) == [2, 3] and {b["location"] for b in bamako} == {"Bamako"}


def test_an_updated_article_replaces_its_incidents_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    write(path, [article(1), article(2)]).close()
    changed = article(2, "Gunmen killed 9 soldiers in Gao on Sunday. The toll was revised.")

    sink = write(path, [article(1), changed])

    assert (sink.counts.new, sink.counts.updated, sink.counts.unchanged, sink.counts.replaced_incidents) == (0, 1, 1, 1)
    db = sink.db
    assert db.article_text("a2") == changed.text
    assert db.query("SELECT versions FROM articles WHERE article_id = 'a2'") == [{"versions": 2}]
    a2 = next(r for r in db.read_records() if r.article_id == "a2")
    assert any("article updated" in w and "replaced 1" in w for w in a2.warnings)
    assert a2.incidents[0].evidence == ["Gunmen killed 9 soldiers in Gao on Sunday"]
    assert db.counts()["incidents"] == 2 and db.counts()["evidence"] == 2
    sink.close()


def test_another_configuration_is_stored_beside_and_the_current_run_is_explicit(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    write(path, [article(1), article(2)], model="m1").close()
    sink = write(path, [article(1)], model="m2")
    db = sink.db

    runs = {r["run_id"]: r for r in db.runs()}
    assert len(runs) == 2 and db.current_run() == "m2-p-m2-cafe0"
    assert [r["is_current"] for r in db.runs()] == [0, 1]
    assert [r.provenance.model for r in db.read_records()] == ["m2"]
    assert len(db.read_records("m1-p-m1-cafe0")) == 2
    assert db.query("SELECT count(*) AS n FROM incidents_view") == [{"n": 1}]
    db.set_current("m1-p-m1-cafe0")
    assert db.query("SELECT count(*) AS n FROM incidents_view") == [{"n": 2}]
    with pytest.raises(StoreError, match="no run 'nope'"):
        db.set_current("nope")
    sink.close()


def test_run_db_with_a_mocked_llm_sits_beside_the_baseline_run(feed: str, httpx2_mock) -> None:
    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=echo)
    assert run_db(feed).exit_code == 0

    result = runner.invoke(app, ["run", feed, "--model", "test-model", "--base-url", "http://llm.test/v1", "--db",
                                 "x.db", "-q", "--no-events"])  # fmt: skip

    assert result.exit_code == 0, result.output
    assert route.call_count == 3 and request_json(route.calls[0])["model"] == "test-model"
    assert "events from" not in result.stderr
    with open_db("x.db") as db:
        assert [r["model"] for r in db.runs()] == ["baseline-rules-v1", "test-model"]
        assert {r.provenance.model for r in db.read_records()} == {"test-model"}
        assert db.counts()["articles"] == 3 and db.counts()["extractions"] == 6


KILLER = """
import os, signal, sys
from extractor.store.database import IncidentDB
from tests.conftest import article, write
original = IncidentDB._insert_incident
def die(self, run_id, extraction_id, art, n, inc):
    if art.id == "a4":
        os.kill(os.getpid(), signal.SIGKILL)  # killed inside the fourth article's transaction
    return original(self, run_id, extraction_id, art, n, inc)
IncidentDB._insert_incident = die
write(sys.argv[1], [article(n) for n in range(1, 7)])
"""


def test_a_run_killed_inside_a_transaction_leaves_a_consistent_database(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", KILLER, str(path)], cwd=root, capture_output=True, timeout=120, check=False)

    assert done.returncode == -9, done.stderr
    with open_db(path) as db:
        assert db.query("PRAGMA integrity_check") == [{"integrity_check": "ok"}]
        assert [r.article_id for r in db.read_records()] == ["a1", "a2", "a3"], "finished articles kept, a4 absent"
        assert db.counts()["incidents"] == 3 and db.counts()["articles"] == 3
    sink = write(path, [article(n) for n in range(1, 7)])  # the next run does the rest
    assert (sink.counts.new, sink.counts.unchanged) == (3, 3)
    sink.close()


def test_two_writers_at_once_take_turns(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    open_db(path).close()
    errors: list[BaseException] = []

    def writer(model: str, first: int) -> None:
        try:
            write(path, [article(n) for n in range(first, first + 15)], model=model).close()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(m, k)) for m, k in (("m1", 1), ("m2", 6))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    with open_db(path) as db:
        assert db.counts()["articles"] == 20 and db.counts()["extractions"] == 30 and db.counts()["incidents"] == 30
        assert db.query("PRAGMA integrity_check") == [{"integrity_check": "ok"}]


def test_a_writer_that_cannot_get_the_lock_fails_clearly_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    open_db(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError, match="locked by another writer") as caught:
            write(path, [article(1)], timeout=0.2)
        assert "\n" not in str(caught.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with open_db(path) as db:
        assert db.counts()["articles"] == 0


@pytest.mark.parametrize("what", ["incidents", "events"])
def test_exports_in_every_format(what: str) -> None:
    assert run_db(str(GOLDEN_FEED)).exit_code == 0
    rows = {}
    for fmt in ("csv", "jsonl", "geojson"):
        result = runner.invoke(app, ["export", "--db", "x.db", "--format", fmt, "--what", what, "-o", f"out.{fmt}"])
        assert result.exit_code == 0, result.output
        rows[fmt] = Path(f"out.{fmt}").read_text(encoding="utf-8")
    expected = 15 if what == "incidents" else 12
    assert len(rows["csv"].splitlines()) == expected + 1
    lines = [json.loads(line) for line in rows["jsonl"].splitlines()]
    assert len(lines) == expected and all(r["run_id"].startswith("baseline") for r in lines)
    geo = json.loads(rows["geojson"])
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == expected
    assert all(f["geometry"] is None or f["geometry"]["type"] == "Point" for f in geo["features"])
    if what == "events":
        assert any(len(line["figures"]) == 3 for line in lines), "the Bamako event lists its three sources"


def test_geojson_uses_coordinates_where_known(tmp_path: Path) -> None:
    import io

    from extractor.store.export import write_export

    stream = io.StringIO()
    write_export([{"event_id": "e1", "latitude": 12.6, "longitude": -8.0}, {"event_id": "e2", "latitude": None,
                  "longitude": None}], "geojson", stream)  # fmt: skip
    features = json.loads(stream.getvalue())["features"]
    assert features[0]["geometry"] == {"type": "Point", "coordinates": [-8.0, 12.6]} and features[1]["geometry"] is None


def test_export_refuses_a_bad_format_before_writing() -> None:
    assert run_db(str(GOLDEN_FEED), "--no-events").exit_code == 0
    result = runner.invoke(app, ["export", "--db", "x.db", "--format", "xml", "-o", "out.xml"])
    assert result.exit_code == 2 and "unknown export format 'xml'" in result.output
    assert not Path("out.xml").exists()


def test_a_version_1_file_is_migrated_and_keeps_its_data(tmp_path: Path) -> None:
    from extractor.store.schema import MIGRATIONS

    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[1])
    conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    conn.execute("INSERT INTO runs (run_id) VALUES ('old')")
    conn.commit()
    conn.close()

    with open_db(path) as db:
        assert db.query("SELECT value FROM meta WHERE key = 'schema_version'") == [{"value": str(SCHEMA_VERSION)}]
        assert "adjudications" in db.db.table_names() and [r["run_id"] for r in db.runs()] == ["old"]
