"""The service's tables in the incident database: feed subscriptions and the work queue (schema version 4).

The queue is what makes the service safe to kill: an article is *queued* (one row per run, article and content
hash, so the same content is never queued twice), *claimed* by a worker, and *done* in the same transaction that
stores its record (`IncidentDB.write_record(..., queue_item=)`). On start, claims left by a killed process go back
to *queued*; an article whose record is already stored is never queued again.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ..errors import StoreError
from ..models import Article
from .database import IncidentDB, content_hash

FEED_FIELDS = ("feed_id", "url", "name", "interval_s", "created_at", "status", "last_fetch", "last_success",
               "next_fetch", "last_error", "failures", "fetches", "not_modified", "errors", "articles_seen",
               "articles_queued")  # fmt: skip  (the validators, etag and last_modified, are not shown)


def now_iso(at: dt.datetime | None = None) -> str:
    return (at or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds")


# -- feeds ----------------------------------------------------------------------------------------------------------


def add_feed(db: IncidentDB, url: str, interval_s: int, name: str | None = None) -> dict[str, Any]:
    """Subscribe to `url` (polled every `interval_s` seconds, first at once); StoreError if it is already there."""
    with db.transaction():
        if db.db.execute("SELECT 1 FROM feeds WHERE url = ?", [url]).fetchone():
            raise StoreError(f"feed {url} is already subscribed")
        now = now_iso()
        db.db["feeds"].insert({"url": url, "name": name, "interval_s": interval_s, "created_at": now, "next_fetch": now})
    return get_feed_by_url(db, url)  # type: ignore[return-value]


def ensure_feed(db: IncidentDB, url: str, interval_s: int) -> dict[str, Any]:
    """The subscription of `url`, created when missing, its interval set to `interval_s` (`extract watch`)."""
    found = get_feed_by_url(db, url)
    if found is None:
        return add_feed(db, url, interval_s)
    if found["interval_s"] != interval_s:
        with db.transaction():
            db.db.execute("UPDATE feeds SET interval_s = ? WHERE feed_id = ?", [interval_s, found["feed_id"]])
    return get_feed(db, found["feed_id"])  # type: ignore[return-value]


def get_feed(db: IncidentDB, feed_id: int) -> dict[str, Any] | None:
    rows = db.query(f"SELECT {', '.join(FEED_FIELDS)} FROM feeds WHERE feed_id = ?", [feed_id])
    return rows[0] if rows else None


def get_feed_by_url(db: IncidentDB, url: str) -> dict[str, Any] | None:
    rows = db.query(f"SELECT {', '.join(FEED_FIELDS)} FROM feeds WHERE url = ?", [url])
    return rows[0] if rows else None


def list_feeds(db: IncidentDB, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
    return db.query(f"SELECT {', '.join(FEED_FIELDS)} FROM feeds WHERE feed_id > ? ORDER BY feed_id LIMIT ?",
                    [after, limit])  # fmt: skip


def delete_feed(db: IncidentDB, feed_id: int) -> bool:
    """Unsubscribe; its queued articles stay queued (they were news when they came). False when there was none."""
    with db.transaction():
        return db.db.execute("DELETE FROM feeds WHERE feed_id = ?", [feed_id]).rowcount > 0


def due_feeds(db: IncidentDB, at: dt.datetime) -> list[dict[str, Any]]:
    """The feeds whose next fetch is due at `at`, with their validators."""
    return db.query("SELECT feed_id, url, interval_s, etag, last_modified, failures, status FROM feeds "
                    "WHERE next_fetch IS NULL OR next_fetch <= ? ORDER BY next_fetch, feed_id", [now_iso(at)])  # fmt: skip


def next_due(db: IncidentDB) -> str | None:
    rows = db.query("SELECT min(next_fetch) AS due FROM feeds")
    return rows[0]["due"] if rows else None


def record_fetch(db: IncidentDB, feed_id: int, *, at: dt.datetime, next_fetch: dt.datetime, status: str,
                 etag: str | None = None, last_modified: str | None = None, error: str | None = None,
                 seen: int = 0, queued: int = 0) -> None:  # fmt: skip
    """What one fetch of a feed found: `status` is 'ok' (a body), 'not_modified' (304), 'error' or 'failing'."""
    stamp = now_iso(at)
    failed = status in ("error", "failing")
    with db.transaction():
        db.db.execute(
            "UPDATE feeds SET status = ?, last_fetch = ?, next_fetch = ?, fetches = fetches + 1, "
            "failures = CASE WHEN ? = 1 THEN failures + 1 ELSE 0 END, errors = errors + ?, last_error = ?, "
            "not_modified = not_modified + ?, articles_seen = articles_seen + ?, "
            "articles_queued = articles_queued + ?, last_success = CASE WHEN ? = 1 THEN last_success ELSE ? END, "
            "etag = CASE WHEN ? = 1 THEN etag ELSE ? END, "
            "last_modified = CASE WHEN ? = 1 THEN last_modified ELSE ? END WHERE feed_id = ?",
            [status, stamp, now_iso(next_fetch), int(failed), int(failed), error, int(status == "not_modified"),
             seen, queued, int(failed), stamp, int(failed or status == "not_modified"), etag,
             int(failed or status == "not_modified"), last_modified, feed_id],
        )  # fmt: skip


# -- the work queue -------------------------------------------------------------------------------------------------


def enqueue(db: IncidentDB, run_id: str, articles: list[Article], feed_id: int | None = None) -> int:
    """Queue the articles that need extracting in `run_id`: new ids, changed content, or a stored failure of content
    not queued before. Content already queued or done is not queued again. Returns how many were queued."""
    queued = 0
    with db.transaction():
        if feed_id is not None and not db.db.execute("SELECT 1 FROM feeds WHERE feed_id = ?", [feed_id]).fetchone():
            feed_id = None  # unsubscribed while it was being fetched: its articles are still news
        for article in articles:
            digest = content_hash(article)
            stored = db.db.execute("SELECT content_hash, status FROM extractions WHERE run_id = ? AND article_id = ?",
                                   [run_id, article.id]).fetchone()  # fmt: skip
            if stored is not None and stored[0] == digest and stored[1] != "failed":
                continue
            cursor = db.db.execute(
                "INSERT OR IGNORE INTO work_queue (run_id, article_id, content_hash, article, feed_id, enqueued_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [run_id, article.id, digest, article.model_dump_json(), feed_id, now_iso()],
            )
            queued += cursor.rowcount
    return queued


def claim(db: IncidentDB, run_id: str) -> tuple[int, Article] | None:
    """The oldest queued article of `run_id`, now claimed; None when nothing is queued. On PostgreSQL the row is
    taken with FOR UPDATE SKIP LOCKED: workers on several machines claim at once, never the same article."""
    with db.transaction(exclusive=False):
        row = db.db.execute("SELECT item_id, article FROM work_queue WHERE state = 'queued' AND run_id = ? "
                            f"ORDER BY item_id LIMIT 1{db.skip_locked}", [run_id]).fetchone()  # fmt: skip
        if row is None:
            return None
        db.db.execute("UPDATE work_queue SET state = 'claimed', claimed_at = ?, attempts = attempts + 1 "
                      "WHERE item_id = ?", [now_iso(), row[0]])  # fmt: skip
    return row[0], Article.model_validate(json.loads(row[1]))


def claim_posted(db: IncidentDB, run_id: str, article: Article) -> int | None:
    """An article posted to the API, queued and claimed at once by the request that extracts it (so a service
    killed mid-request finishes it after the restart); a row of the same content already queued is claimed
    instead. None when another worker holds that content's claim (the request then extracts without the queue)."""
    digest = content_hash(article)
    with db.transaction():
        row = db.db.execute("SELECT item_id, state FROM work_queue WHERE run_id = ? AND article_id = ? AND "
                            "content_hash = ?", [run_id, article.id, digest]).fetchone()  # fmt: skip
        if row is None:
            cursor = db.db.execute(
                "INSERT INTO work_queue (run_id, article_id, content_hash, article, enqueued_at, state, claimed_at, "
                "attempts) VALUES (?, ?, ?, ?, ?, 'claimed', ?, 1)",
                [run_id, article.id, digest, article.model_dump_json(), now_iso(), now_iso()],
            )
            return cursor.lastrowid
        if row[1] == "claimed":
            return None
        db.db.execute("UPDATE work_queue SET state = 'claimed', claimed_at = ?, attempts = attempts + 1 "
                      "WHERE item_id = ?", [now_iso(), row[0]])  # fmt: skip
        return row[0]


def release(db: IncidentDB, item_id: int, error: str | None = None, *, count: bool = True) -> None:
    """Put a claimed article back in the queue (the endpoint was down: it is tried again, not failed). Without
    `count`, the claim does not count as an attempt."""
    with db.transaction():
        db.db.execute("UPDATE work_queue SET state = 'queued', last_error = ?, attempts = attempts - ? "
                      "WHERE item_id = ?", [error, int(not count), item_id])  # fmt: skip


def requeue_claimed(db: IncidentDB) -> int:
    """On start: claims a killed process left behind go back to the queue. Returns how many."""
    with db.transaction():
        return db.db.execute("UPDATE work_queue SET state = 'queued', attempts = max(attempts - 1, 0) "
                             "WHERE state = 'claimed'").rowcount  # fmt: skip


def heartbeat(db: IncidentDB, item_ids: list[int]) -> int:
    """A live worker's claims: their `claimed_at` set to now, so no other worker takes them over. How many."""
    if not item_ids:
        return 0
    with db.transaction(exclusive=False):
        return db.db.execute(f"UPDATE work_queue SET claimed_at = ? WHERE state = 'claimed' AND item_id IN "
                             f"({', '.join('?' for _ in item_ids)})", [now_iso(), *item_ids]).rowcount  # fmt: skip


def requeue_stale(db: IncidentDB, older_than_s: float) -> int:
    """Claims whose worker stopped heartbeating `older_than_s` seconds ago (it died) go back to the queue, their
    attempt not counted. Returns how many."""
    cutoff = now_iso(dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=older_than_s))
    with db.transaction(exclusive=False):
        return db.db.execute("UPDATE work_queue SET state = 'queued', attempts = max(attempts - 1, 0) "
                             "WHERE state = 'claimed' AND claimed_at < ?", [cutoff]).rowcount  # fmt: skip


def attempts_of(db: IncidentDB, item_id: int) -> int:
    row = db.db.execute("SELECT attempts FROM work_queue WHERE item_id = ?", [item_id]).fetchone()
    return row[0] if row else 0


def queue_counts(db: IncidentDB, run_id: str | None = None) -> dict[str, int]:
    """Rows of the queue per state (queued, claimed, done), of one run when given."""
    counts = {"queued": 0, "claimed": 0, "done": 0}
    where, params = (" WHERE run_id = ?", [run_id]) if run_id is not None else ("", [])
    counts.update({r["state"]: r["n"] for r in db.query(f"SELECT state, count(*) AS n FROM work_queue{where} "
                                                        "GROUP BY state", params)})  # fmt: skip
    return counts
