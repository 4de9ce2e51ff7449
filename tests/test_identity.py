"""One article, one identity: items sharing a guid but not their content get ids of their own (and a warning),
never a mixed database row; an unchanged feed run again reports nothing updated."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from extractor.cli import app
from extractor.feeds import iter_articles
from extractor.feeds.identity import content_digest

runner = CliRunner()
ITEM = "<item><guid>{guid}</guid><title>{title}</title><description>{text}</description></item>"
A = ("Raid in Agadez", "Gunmen killed three soldiers in Agadez, Niger, on Monday, officials said.")
B = ("Storm in Lagos", "A storm flooded roads in Lagos, Nigeria, on Tuesday; no one was hurt.")


def _feed(path: Path, *items: tuple[str, str, str]) -> str:
    body = "".join(ITEM.format(guid=g, title=t, text=x) for g, t, x in items)
    path.write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{body}</channel></rss>')
    return str(path)


def test_items_sharing_a_guid_get_distinct_stable_ids(tmp_path: Path) -> None:
    feed = _feed(tmp_path / "feed.xml", ("g1", *A), ("g1", *B), ("g1", *A))
    warnings: list[str] = []

    articles = list(iter_articles(feed, warnings.append))

    ids = [a.id for a in articles]
    assert ids[0] == "g1" and ids[2] == "g1", "an exact repeat keeps the id (the run skips it as a duplicate)"
    assert ids[1] == f"g1#{content_digest(articles[1])}" and ids[1] != "g1"
    assert len(warnings) == 1 and "'g1'" in warnings[0] and ids[1] in warnings[0]
    again = [a.id for a in iter_articles(feed, lambda _: None)]
    assert again == ids, "the same feed gives the same ids"


def test_run_db_keeps_each_item_whole_and_a_rerun_updates_nothing(tmp_path: Path) -> None:
    feed = _feed(tmp_path / "feed.xml", ("g1", *A), ("g1", *B))
    args = ["run", feed, "--model", "baseline", "--db", "inc.db", "--no-events", "-q"]

    first = runner.invoke(app, args)
    second = runner.invoke(app, args)

    assert first.exit_code == 0, first.output
    assert "2 new" in first.stderr and "shared by items with different content" in first.stderr
    assert second.exit_code == 0, second.output
    assert "0 new, 0 updated" in second.stderr
    db = sqlite3.connect("inc.db")
    rows = dict(db.execute("SELECT article_id, title FROM articles").fetchall())
    assert rows["g1"] == A[0] and len(rows) == 2
    (other,) = [k for k in rows if k != "g1"]
    assert rows[other] == B[0]
    incidents = db.execute("SELECT article_id FROM incidents").fetchall()
    assert ("g1",) in incidents and (other,) not in incidents, "the storm has no incident; the raid keeps its own"
