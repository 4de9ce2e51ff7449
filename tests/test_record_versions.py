"""Versioned records: every record and stored run carries the record format; older lines are read (fields they
lack take their defaults) and resumed without a request; foreign lines and cut lines are told apart; the database
stores every field of a record, so a record read back equals the one written (and an older database is migrated)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import sqlite_utils

from extractor.models import RECORD_FORMAT, Article, ArticleRecord, GroundedIncident, Provenance
from extractor.store.database import open_db
from extractor.store.records import parse_line, read_record_file, read_records, upgrade_incident
from extractor.store.runs import Manifest, load_manifest
from extractor.store.schema import FTS_COLUMNS, FTS_TABLE, MIGRATIONS, SCHEMA_VERSION

from .conftest import COMPLETIONS, echo, incident, run_cli, runner

# Fields a line of format 1 may lack: the record's later additions, and incident fields of the model that an older
# run did not have (the LLM's schema makes every incident field required, so each such addition made old lines
# unreadable before records were versioned).
OLDER_RECORD_DROPS = ("format", "irrelevant_dropped", "skip_reason", "windows", "window_cap_hit")
OLDER_INCIDENT_DROPS = ("kidnapped", "perpetrators_killed", "claims", "date_text", "country_raw", "geo_precision")


def older_line(record: dict) -> str:
    """A record as a run of the first format wrote it: no `format`, fewer record and incident fields."""
    old = {k: v for k, v in record.items() if k not in OLDER_RECORD_DROPS}
    old["provenance"] = {k: v for k, v in record["provenance"].items() if k not in ("config_hash", "cut_replies")}
    old["incidents"] = [{k: v for k, v in i.items() if k not in OLDER_INCIDENT_DROPS} for i in record["incidents"]]
    return json.dumps(old)


def a_record(article_id: str = "a1", **fields: object) -> dict:
    grounded = incident("Gunmen killed five soldiers.") | {"grounded": True}
    record = {"format": RECORD_FORMAT, "article_id": article_id, "title": "Ambush", "status": "ok", "incidents": [grounded],
              "provenance": {"backend": "openai", "model": "m", "schema_hash": "s"}}  # fmt: skip
    return record | fields


def test_a_new_record_carries_the_format_and_a_line_without_one_is_version_1() -> None:
    record = ArticleRecord.model_validate(a_record())
    assert RECORD_FORMAT >= 2 and json.loads(record.model_dump_json())["format"] == RECORD_FORMAT

    kind, read = parse_line(older_line(a_record()))

    assert kind == "older" and read is not None and read.format == RECORD_FORMAT, "read into the current format"


def test_an_older_line_lacking_later_fields_is_read_with_their_defaults(tmp_path: Path) -> None:
    path = tmp_path / "old.jsonl"
    path.write_text(older_line(a_record("a1")) + "\n" + older_line(a_record("a2", status="failed", incidents=[])))

    records, counts = read_record_file(path)

    assert [r.article_id for r in records] == ["a1", "a2"], "no older line is unreadable"
    assert (counts.older, counts.foreign, counts.cut) == (2, 0, 0)
    inc = records[0].incidents[0]
    assert inc.kidnapped is None and inc.perpetrators_killed is None and inc.claims == [] and inc.date_text is None
    assert inc.killed is not None and inc.killed.min == 5, "what the line has is kept"
    assert records[0].windows == 1 and records[0].irrelevant_dropped == 0 and records[0].skip_reason is None
    assert read_records(path)[1] == 0


def test_every_required_incident_field_but_the_summary_has_a_value_for_older_lines() -> None:
    """A required field added to the incident model must not make older lines unreadable: it needs an absent
    value (None, [], False) or an entry in INCIDENT_READ_DEFAULTS."""
    required = {name for name, info in GroundedIncident.model_fields.items() if info.is_required()}
    assert required - set(upgrade_incident({})) == {"summary"}


def test_foreign_lines_and_cut_lines_are_counted_apart(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    lines = [
        json.dumps(a_record("a1")),  # current
        json.dumps(a_record("a2", format=RECORD_FORMAT + 1)),  # a newer, unknown format: foreign
        json.dumps({"hello": "world"}),  # JSON, not a record: foreign
        json.dumps([1, 2, 3]),  # JSON, not an object: foreign
        json.dumps(a_record("a3"))[:40],  # cut by a crash
    ]
    path.write_text("\n".join(lines))

    records, counts = read_record_file(path)

    assert [r.article_id for r in records] == ["a1"]
    assert (counts.older, counts.foreign, counts.cut) == (0, 3, 1)
    assert counts.notes() == [
        "3 foreign line(s) (not a record, or a newer record format), skipped",
        "1 cut line(s) (not JSON: cut by a crash?), skipped",
    ]


def test_an_older_run_is_resumed_without_a_request_and_says_so(feed: str, httpx2_mock) -> None:
    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=echo)
    assert run_cli(feed, "--concurrency", "1").exit_code == 0
    assert route.call_count == 3
    out = Path("out.jsonl")
    out.write_text("".join(older_line(json.loads(line)) + "\n" for line in out.read_text().splitlines()))

    result = run_cli(feed, "--resume", "--no-cache")

    assert result.exit_code == 0, result.output
    assert route.call_count == 3, "every article of the older run is done: nothing is asked again"
    assert "3 line(s) in an older record format, read" in result.stderr and "3 already done" in result.stderr
    assert "unreadable" not in result.stderr


def test_resume_reports_a_newer_format_line_as_foreign_not_cut(feed: str, httpx2_mock) -> None:
    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=echo)
    assert run_cli(feed, "--concurrency", "1").exit_code == 0
    out = Path("out.jsonl")
    lines = out.read_text().splitlines()
    newer = json.loads(lines[0]) | {"format": RECORD_FORMAT + 1}
    out.write_text("\n".join([json.dumps(newer), *lines[1:]]) + "\n")

    result = run_cli(feed, "--resume", "--no-cache")

    assert result.exit_code == 0, result.output
    assert route.call_count == 3 + 1, "the article of the foreign line is run again"
    assert "1 foreign line(s) kept" in result.stderr and "unreadable" not in result.stderr


def test_score_reports_older_lines_as_read(tmp_path: Path) -> None:
    from extractor.cli import app

    path = tmp_path / "old.jsonl"
    path.write_text(older_line(a_record("https://thedefensepost.com/?p=85891")) + "\n")  # a seed article

    result = runner.invoke(app, ["score", str(path), "--json"])

    assert result.exit_code == 0, result.output
    assert "1 line(s) in an older record format, read" in result.stderr
    assert json.loads(result.stdout)["all"]["n_invalid_lines"] == 0


def rich_records() -> list[tuple[Article, ArticleRecord]]:
    """Records using every field: an ok one with windows, drops, warnings and a full provenance; a skipped one."""
    article = Article(id="r1", title="Raid", link="https://news.test/r1", text="Gunmen killed five soldiers. More.",
                      published="2024-09-19T08:00:00+00:00")  # fmt: skip
    full = GroundedIncident.model_validate(
        incident("Gunmen killed five soldiers.", kidnapped={"min": 2, "max": None}, perpetrators_killed={"min": 1,
                 "max": 1}, claims=[{"by": "the group", "killed": {"min": 9, "max": 9}, "wounded": None,
                 "text": "nine died"}], perpetrators=[{"name": "JNIM", "attribution": "claimed"}])  # fmt: skip
        | {"grounded": False, "ungrounded_quotes": ["not in it"], "corrections": ["wounded: 25 not stated"],
           "country_raw": "niger", "region_raw": "tillabery", "latitude": 14.2, "longitude": 1.45, "geo_precision": 2,
           "admin2": "Ouallam", "time_precision": 2, "date_source": "published"}
    )  # fmt: skip
    provenance = Provenance(
        backend="openai", model="m", endpoint="http://llm.test/v1", prompt_name="p", prompt_hash="ph",
        schema_hash="sh", config_hash="ch", mode="json_schema", attempts=3, reasks=1,
        usage={"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15, "cached_tokens": 4}, cost_usd=0.01,
        cache_hit=False, latency_s=1.5, cut_replies=1, cut_completion_tokens=7,
    )  # fmt: skip
    ok = ArticleRecord(
        article_id="r1", title="Raid", link="https://news.test/r1", published=article.published, status="ok",
        incidents=[full], ungrounded_dropped=1, irrelevant_dropped=2, warnings=["a warning"], raw_output='{"x": 1}',
        windows=3, window_cap_hit=True, provenance=provenance,
    )  # fmt: skip
    other = Article(id="r2", title="Match report", text="The team won 3-0.")
    skipped = ArticleRecord(article_id="r2", title="Match report", status="skipped", skip_reason="sports report",
                            provenance=provenance.model_copy(update={"attempts": 0}))  # fmt: skip
    return [(article, ok), (other, skipped)]


def test_a_rich_record_round_trips_through_the_database(tmp_path: Path) -> None:
    with open_db(tmp_path / "r.db") as db:
        run_id = db.register_run({"model": "m", "config_hash": "ch"})
        for article, record in rich_records():
            db.write_record(run_id, article, record)

        back = db.read_records(run_id)

    assert back == [record for _, record in rich_records()]


def test_the_place_and_date_precision_are_columns_of_the_incidents_table(tmp_path: Path) -> None:
    with open_db(tmp_path / "r.db") as db:
        run_id = db.register_run({"model": "m", "config_hash": "ch"})
        for article, record in rich_records():
            db.write_record(run_id, article, record)
        rows = db.query("SELECT admin2, geo_precision, time_precision, date_source FROM incidents")

    assert rows == [{"admin2": "Ouallam", "geo_precision": 2, "time_precision": 2, "date_source": "published"}]


def test_a_database_of_the_previous_schema_is_migrated_and_its_rows_read(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    conn = sqlite3.connect(path, isolation_level=None)
    legacy = sqlite_utils.Database(conn)
    for version in range(1, SCHEMA_VERSION):  # the file as the program before this schema left it
        for statement in MIGRATIONS[version].split(";\n"):
            if statement.strip():
                conn.execute(statement)
        if version == 1:
            legacy[FTS_TABLE].enable_fts(FTS_COLUMNS, create_triggers=True)
    legacy["meta"].insert_all([{"key": "schema_version", "value": str(SCHEMA_VERSION - 1)},
                               {"key": "current_run", "value": "old"}])  # fmt: skip
    legacy["runs"].insert({"run_id": "old", "model": "m", "is_current": 1})
    legacy["articles"].insert({"article_id": "a1", "title": "T", "text": "x", "content_hash": "h", "first_seen": "t"})
    legacy["extractions"].insert({"extraction_id": "old|a1", "run_id": "old", "article_id": "a1", "content_hash": "h",
                                  "status": "ok", "warnings": "[]", "provenance": json.dumps(a_record()["provenance"]),
                                  "extracted_at": "t"})  # fmt: skip
    conn.close()

    with open_db(path) as db:
        assert db.query("SELECT value FROM meta WHERE key = 'schema_version'") == [{"value": str(SCHEMA_VERSION)}]
        (record,) = db.read_records()
        stored_format = db.query("SELECT format FROM extractions")[0]["format"]

    assert record.article_id == "a1" and record.windows == 1 and record.irrelevant_dropped == 0
    assert record.skip_reason is None and stored_format == 1, "an older row is marked as of format 1"


def test_a_stored_run_carries_the_format_and_an_older_manifest_is_version_1(tmp_path: Path) -> None:
    manifest = {"run_id": "r", "started": "2026-11-30T00:00:00Z", "backend": "baseline", "model": "baseline",
                "endpoint": None, "prompt_name": None, "prompt_hash": None, "schema_hash": "s", "modes": [],
                "parameters": {}, "code_revision": "x", "feed": "f", "golden": "seed (labels.jsonl)",
                "golden_sha256": "0"}  # fmt: skip
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    loaded = load_manifest(tmp_path)
    assert loaded is not None and loaded.format == 1 and loaded.golden_set is None
    assert "format" in Manifest.model_fields


def test_the_csv_writer_has_the_precision_and_admin2_columns(tmp_path: Path) -> None:
    import csv

    from extractor.store.writers import open_writer

    path = tmp_path / "out.csv"
    writer = open_writer(str(path), "csv")
    for _, record in rich_records():
        writer.write(record)
    writer.close()
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))

    assert (rows[0]["time_precision"], rows[0]["date_source"], rows[0]["admin2"]) == ("2", "published", "Ouallam")
    assert rows[1]["time_precision"] == "" and rows[1]["admin2"] == "", "a skipped article's row leaves them empty"
