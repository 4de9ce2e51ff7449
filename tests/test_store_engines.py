"""The incident database on both engines: an SQLite file and a PostgreSQL database (a real server, started by
tests/pg_server.py) hold the same records, answer the same queries and exports, and copy into each other."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from extractor.errors import StoreError
from extractor.store import judgements, work
from extractor.store.database import open_db
from extractor.store.export import export_run
from extractor.store.query import Filters, list_events, list_incidents
from extractor.store.schema import OUR_TABLES, SCHEMA_VERSION
from extractor.cli import app
from tests.conftest import article, free_port, identity, record, runner, write


def invoke(*args: str):
    return runner.invoke(app, list(args))


def _write_three(target: str):
    sink = write(target, [article(1), article(2), article(3, "Militants kidnapped 4 traders near Mopti on Monday.")])
    return sink


def test_records_read_back_equal_the_written_ones(db_target: str) -> None:
    arts = [article(1), article(2)]
    sink = write(db_target, arts)
    db = sink.db
    assert [r.article_id for r in db.read_records()] == ["a1", "a2"]
    assert db.read_records() == [record(a) for a in arts]
    assert db.read_record("a2") == record(arts[1])
    assert db.read_record("nope") is None
    assert db.article_text("a1") == arts[0].text
    changed = article(1, "Gunmen killed 9 soldiers in Gao on Monday. It was attack 1.")
    assert db.write_record(sink.run_id, changed, record(changed)) == 1  # the earlier incident replaced
    assert db.query("SELECT versions FROM articles WHERE article_id = 'a1'") == [{"versions": 2}]
    assert [r.article_id for r in db.read_records()] == ["a2", "a1"]  # writing order
    sink.close()


def test_a_new_database_has_every_table_at_the_current_version(db_target: str) -> None:
    with open_db(db_target) as db:
        assert OUR_TABLES <= set(db.db.table_names())
        assert db.query("SELECT value FROM meta WHERE key = 'schema_version'") == [{"value": str(SCHEMA_VERSION)}]
        assert db.query("SELECT * FROM events_view") == []
    with open_db(db_target, create=False) as again:  # opening again migrates nothing
        assert again.counts()["meta"] == 1
    with open_db(db_target) as db, db.transaction():
        db.db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
    with pytest.raises(StoreError, match="newer than this program"):
        open_db(db_target)


def test_a_missing_database_is_refused_to_readers(db_target: str) -> None:
    with pytest.raises(StoreError, match="no incident database"):
        open_db(db_target, create=False)


def test_full_text_search_and_filters(db_target: str) -> None:
    sink = _write_three(db_target)
    db = sink.db
    rows, more = list_incidents(db, Filters(q="gunmen GAO"))
    assert more is None and sorted(r["article_id"] for r in rows) == ["a1", "a2"]
    assert [r["article_id"] for r in list_incidents(db, Filters(q="traders"))[0]] == ["a3"]
    assert list_incidents(db, Filters(q="gunmen traders"))[0] == []  # every word required
    assert list_incidents(db, Filters(q='" OR 1=1 -- *'))[0] == []  # words only: nothing injected
    assert len(list_incidents(db, Filters(country="mali"))[0]) == 3  # case ignored
    page, after = list_incidents(db, Filters(), limit=2)
    assert len(page) == 2 and after is not None
    rest, end = list_incidents(db, Filters(), after=after, limit=2)
    assert end is None and {r["article_id"] for r in page + rest} == {"a1", "a2", "a3"}
    from extractor.events.storage import update_events

    update_events(db)
    found, _ = list_events(db, Filters(q="traders"))
    assert len(found) == 1 and found[0]["n_sources"] == 3  # the one event the traders' article is part of
    assert list_events(db, Filters(q="nowhere"))[0] == []
    assert len(db.query("SELECT * FROM events_view")) == len(list_events(db, Filters())[0])
    sink.close()


def test_the_work_queue_claims_each_article_once(db_target: str) -> None:
    with open_db(db_target) as db:
        run_id = db.register_run(identity())
        arts = [article(n) for n in range(1, 4)]
        assert work.enqueue(db, run_id, arts) == 3
        assert work.enqueue(db, run_id, arts) == 0  # the same content is never queued twice
        first, second = work.claim(db, run_id), work.claim(db, run_id)
        assert first is not None and second is not None and first[0] < second[0]
        assert first[1] == arts[0]
        db.write_record(run_id, first[1], record(first[1]), queue_item=first[0])
        assert work.queue_counts(db) == {"queued": 1, "claimed": 1, "done": 1}
        assert work.heartbeat(db, [second[0]]) == 1
        assert work.requeue_stale(db, 3600) == 0  # heartbeaten just now
        with db.transaction():
            db.db.execute("UPDATE work_queue SET claimed_at = '2000-01-01T00:00:00+00:00' WHERE item_id = ?",
                          [second[0]])  # fmt: skip
        assert work.requeue_stale(db, 60) == 1  # its worker stopped heartbeating: taken over
        assert work.attempts_of(db, second[0]) == 0
        assert {work.claim(db, run_id)[1].id, work.claim(db, run_id)[1].id} == {"a2", "a3"}  # type: ignore[index]
        assert work.claim(db, run_id) is None
        feed = work.add_feed(db, "https://feeds.test/rss", 900)
        import datetime as dt

        now = dt.datetime.now(dt.timezone.utc)
        work.record_fetch(db, feed["feed_id"], at=now, next_fetch=now, status="error", error="boom")
        work.record_fetch(db, feed["feed_id"], at=now, next_fetch=now, status="ok", etag="e1", seen=3, queued=2)
        got = work.get_feed(db, feed["feed_id"])
        assert (got["failures"], got["errors"], got["fetches"], got["articles_queued"]) == (0, 1, 2, 2)
        assert db.query("SELECT etag FROM feeds") == [{"etag": "e1"}]
        assert work.delete_feed(db, feed["feed_id"]) and not work.delete_feed(db, feed["feed_id"])


def test_exports_are_the_same_on_both_engines(db_target: str, tmp_path: Path) -> None:
    sink = _write_three(db_target)
    from extractor.events.storage import update_events

    n_events = len(update_events(sink.db))
    out = {}
    for fmt, what in (("csv", "incidents"), ("jsonl", "incidents"), ("geojson", "events"), ("acled", "events")):
        stream = io.StringIO()
        assert export_run(sink.db, fmt, what, stream) == (3 if what == "incidents" else n_events)
        out[fmt] = stream.getvalue()
    lines = [json.loads(line) for line in out["jsonl"].splitlines()]
    assert {row["article_id"] for row in lines} == {"a1", "a2", "a3"} and all(row["killed_min"] for row in lines[:2])
    assert json.loads(out["geojson"])["type"] == "FeatureCollection"
    reference = write(tmp_path / "reference.db", [article(1), article(2),
                                                  article(3, "Militants kidnapped 4 traders near Mopti on Monday.")])  # fmt: skip
    update_events(reference.db)
    stream = io.StringIO()
    export_run(reference.db, "csv", "incidents", stream)
    assert out["csv"] == stream.getvalue()  # the same CSV, byte for byte, from either engine
    sink.close()
    reference.close()


def test_judgements_are_stored_and_listed(db_target: str) -> None:
    sink = write(db_target, [article(1)])
    db = sink.db
    digest = db.query("SELECT content_hash FROM articles")[0]["content_hash"]
    incident_id = db.query("SELECT incident_id FROM incidents")[0]["incident_id"]
    made = judgements.add_judgement(db, sink.run_id, "a1", digest, verdict="corrected", reviewer="ana",
                                    incident_id=incident_id, field="killed", value={"min": 6, "max": 6})  # fmt: skip
    other = judgements.add_judgement(db, sink.run_id, "a1", digest, verdict="wrong", reviewer="bo",
                                     incident_id=incident_id, reason="duplicate")  # fmt: skip
    assert other["judgement_id"] > made["judgement_id"] and made["value"] == {"min": 6, "max": 6}
    assert [j["reviewer"] for j in judgements.list_judgements(db, sink.run_id)] == ["ana", "bo"]
    assert list(judgements.judged_articles(db, sink.run_id)) == ["a1"]
    sink.close()


def test_copy_sqlite_to_postgresql_and_back(tmp_path: Path, pg_url: str) -> None:
    sink = _write_three(str(tmp_path / "source.db"))
    from extractor.events.storage import update_events

    update_events(sink.db)
    work.enqueue(sink.db, sink.run_id, [article(9)])
    judgements.add_judgement(sink.db, sink.run_id, "a1", "x", verdict="wrong", reviewer="ana", reason="other")
    expected, records = sink.db.counts(), sink.db.read_records()
    sink.close()
    result = invoke("db", "copy", str(tmp_path / "source.db"), pg_url)
    assert result.exit_code == 0, result.output
    assert "counts checked" in result.output
    with open_db(pg_url, create=False) as db:
        assert db.counts() == expected and db.read_records() == records
        assert list_incidents(db, Filters(q="traders"))[0][0]["article_id"] == "a3"  # the copy is searchable
        assert work.add_feed(db, "https://feeds.test/x", 60)["feed_id"] == 1  # identity keys continue
        assert judgements.add_judgement(db, sink.run_id, "a1", "x", verdict="correct", reviewer="bo")["judgement_id"] == 2
    refused = invoke("db", "copy", str(tmp_path / "source.db"), pg_url)
    assert refused.exit_code != 0 and "already holds records" in refused.output and "--force" in refused.output
    back = tmp_path / "back.db"
    assert invoke("db", "copy", pg_url, str(back)).exit_code == 0
    with open_db(back, create=False) as db:
        assert db.read_records() == records and db.counts()["judgements"] == 2
        assert [r["article_id"] for r in list_incidents(db, Filters(q="traders"))[0]] == ["a3"]
    same = invoke("db", "copy", str(tmp_path / "source.db"), str(tmp_path / "." / "source.db"), "--force")
    assert same.exit_code != 0 and "the same database" in same.output  # never emptied into itself
    with open_db(tmp_path / "source.db", create=False) as db:
        assert db.counts() == expected
    assert invoke("db", "copy", str(tmp_path / "source.db"), pg_url, "--force").exit_code == 0
    with open_db(pg_url, create=False) as db:
        assert db.counts() == expected


def test_the_password_is_never_shown(pg_url: str) -> None:
    from extractor.settings import RunSettings
    from extractor.store.pg import child_environment, redact

    secret = "hunter2-SECRET"
    url = pg_url.replace("postgres@", f"postgres:{secret}@")
    with open_db(url) as db:  # the test server trusts local connections: the password is not checked
        assert secret not in repr(db) and secret not in str(db.path) and "***" in str(db.path)
        plain, env = child_environment(str(db.path))
        assert secret not in plain and env == {"PGPASSWORD": secret}
    wrong = f"postgresql://postgres:{secret}@127.0.0.1:{free_port()}/nowhere"  # a port nothing listens on
    with pytest.raises(StoreError) as caught:
        open_db(wrong, timeout=2)
    assert secret not in str(caught.value) and "***" in str(caught.value)
    assert secret not in repr(RunSettings(db=url))
    from extractor.runner.run import RunRequest
    from extractor.service import ServiceConfig

    assert secret not in repr(RunRequest("feed.xml", db=url)) and secret not in repr(ServiceConfig(db=url))
    assert redact("postgresql://u:p%40ss@h:5/d") == "postgresql://u:***@h:5/d"
    result = invoke("export", "--db", wrong)
    assert result.exit_code != 0 and secret not in result.output and "***" in result.output


def test_incidents_get_a_postgis_point_where_the_extension_is_installed(pg_url: str, tmp_path: Path) -> None:
    import psycopg

    from extractor.models import ArticleRecord, GroundedIncident, Provenance
    from tests.conftest import incident

    with open_db(pg_url) as db:  # no PostGIS yet: plain latitude and longitude only
        assert not db.postgis and "geom" not in db.db.columns("incidents")
    try:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
    except psycopg.Error as exc:
        pytest.skip(f"PostGIS is not installed on the test server (apt-get install postgresql-15-postgis-3): {exc}")
    art = article(1)
    placed = GroundedIncident(**incident(art.text.split(". ")[0], country="Mali"), grounded=True, latitude=16.27,
                              longitude=-0.04)  # fmt: skip
    rec = ArticleRecord(article_id=art.id, title=art.title, link=art.link, status="ok", incidents=[placed],
                        provenance=Provenance(backend="test", model="m1", schema_hash="s"))  # fmt: skip
    with open_db(pg_url) as db:
        assert db.postgis
        db.write_record(db.register_run(identity()), art, rec)
        assert db.query("SELECT ST_AsText(geom) AS p FROM incidents") == [{"p": "POINT(-0.04 16.27)"}]
        assert db.read_records() == [rec]
    back = tmp_path / "back.db"
    assert invoke("db", "copy", pg_url, str(back)).exit_code == 0  # the generated column stays behind
    with open_db(back, create=False) as db:
        assert db.read_records() == [rec]
