"""Events kept current incrementally (`events.incremental.add_to_events`, used by the service and `extract watch`):
articles added in batches give the events a full rebuild gives, with the same ids; events far from the new
incidents are not touched; an article whose text changed moves its incidents out of their old event."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from extractor.cli import app
from extractor.events.incremental import add_to_events
from extractor.events.storage import update_events
from extractor.feeds import load_feed
from extractor.store.database import open_db

from .conftest import GOLDEN_FEED

runner = CliRunner()


def jsonl(path: str, articles) -> str:
    Path(path).write_text("".join(json.dumps({
        "id": a.id, "title": a.title, "text": a.text, "link": a.link,
        "published": a.published.isoformat() if a.published else None}) + "\n" for a in articles))  # fmt: skip
    return path


def extract(path: str, db: str) -> None:
    result = runner.invoke(app, ["run", path, "--model", "baseline", "--db", db, "--no-events", "-q"])
    assert result.exit_code == 0, result.output


def partition(db_path: str) -> dict[str, list[str]]:
    """event id -> its incidents' keys, sorted."""
    with open_db(db_path, create=False) as db:
        rows = db.query("SELECT ei.event_id, i.incident_key FROM event_incidents ei JOIN incidents i USING "
                        "(incident_id) ORDER BY i.incident_key")  # fmt: skip
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r["event_id"], []).append(r["incident_key"])
    return out


def test_batches_give_the_events_of_a_full_rebuild_with_the_same_ids(db_target: str) -> None:
    articles = load_feed(str(GOLDEN_FEED)).articles
    extract(jsonl("all.jsonl", articles), "full.db")
    with open_db("full.db") as db:
        update_events(db)
    halves = articles[::2], articles[1::2]
    updates = []
    for n, half in enumerate(halves):  # on both engines: the SQL of the update is the store's
        extract(jsonl(f"half{n}.jsonl", half), db_target)
        with open_db(db_target) as db:
            updates.append(add_to_events(db))
    assert updates[0].full and not updates[1].full, "the first update builds, the second adds"
    assert updates[1].new_incidents > 0 and updates[1].replaced > 0
    full = partition("full.db")
    assert sorted(partition(db_target).values()) == sorted(full.values())
    assert any(len(keys) > 1 for keys in full.values()), "the seed has a cross-outlet event to merge"
    with open_db(db_target) as db:
        assert add_to_events(db).new_incidents == 0, "nothing new: nothing done"


def test_events_far_from_the_new_incidents_are_left_as_they_are() -> None:
    articles = load_feed(str(GOLDEN_FEED)).articles
    extract(jsonl("first.jsonl", articles[:-1]), "x.db")
    with open_db("x.db") as db:
        add_to_events(db)
        db.db.execute("UPDATE events SET updated_at = 'untouched'")
    later = articles[-1]
    moved = later.model_copy(update={"id": "years-later", "published": later.published + dt.timedelta(days=3650),
                                     "text": later.text.replace("2024", "2034")})  # fmt: skip
    extract(jsonl("later.jsonl", [moved]), "x.db")
    with open_db("x.db") as db:
        update = add_to_events(db)
        stamps = [r["updated_at"] for r in db.query("SELECT updated_at FROM events")]
        count = db.query("SELECT count(*) AS n FROM events")[0]["n"]
    assert not update.full and update.replaced == 0 and update.events >= 1
    assert stamps.count("untouched") == count - update.events, "only the new article's events were written"


def test_a_changed_article_leaves_its_old_event() -> None:
    articles = load_feed(str(GOLDEN_FEED)).articles
    extract(jsonl("all.jsonl", articles), "x.db")
    with open_db("x.db") as db:
        add_to_events(db)
    merged = [keys for keys in partition("x.db").values() if len(keys) > 1]
    assert merged
    article_id = merged[0][0].rsplit("#", 1)[0]
    changed = [a.model_copy(update={"text": "The weather was calm and nobody was hurt."}) if a.id == article_id else a
               for a in articles]  # fmt: skip
    extract(jsonl("changed.jsonl", changed), "x.db")
    with open_db("x.db") as db:
        update = add_to_events(db)
        incidents = db.query("SELECT count(*) AS n FROM incidents i JOIN extractions e USING (extraction_id) "
                             "WHERE e.status = 'ok'")[0]["n"]  # fmt: skip
        linked = db.query("SELECT count(*) AS n FROM event_incidents")[0]["n"]
        sizes = db.query("SELECT e.n_incidents AS n, count(ei.incident_id) AS links FROM events e LEFT JOIN "
                         "event_incidents ei USING (event_id) GROUP BY e.event_id")  # fmt: skip
    assert update.replaced >= 1
    assert all(r["n"] == r["links"] for r in sizes), "every event's count matches its links"
    assert linked == incidents
    assert not any(k.startswith(article_id + "#") for keys in partition("x.db").values() for k in keys)
