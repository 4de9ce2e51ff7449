"""Filtered, paginated reads of the incident database: the service's incident and event lists.

Pagination is by key (keyset), not by offset: a page ends with the key of its last row and the next page starts
after it, so pages stay fast deep into a large table and a row written meanwhile is neither skipped nor repeated.
Incidents are keyed by their row id (writing order), events by their id. `q` searches the articles' full-text
index (SQLite FTS5, or PostgreSQL's tsvector column: each engine's `fts_in`) with the words given, every word
required.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .database import IncidentDB
from .export import _INCIDENTS

_INCIDENT_COLUMNS = _INCIDENTS.split("SELECT", 1)[1].split("FROM incidents", 1)[0].strip()


@dataclass(frozen=True)
class Filters:
    """What a list may be narrowed to; None is no condition. Dates are ISO (YYYY-MM-DD), inclusive."""

    country: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    attack_type: str | None = None
    q: str | None = None


def fts_query(text: str, db: IncidentDB | None = None) -> str | None:
    """The user's words as the engine's full-text query (SQLite FTS5 by default): each word quoted (no operator
    can be injected), all required."""
    words = re.findall(r"\w+", text)[:20]
    if not words:
        return None
    return db.fts_param(words) if db is not None else " ".join(f'"{w}"' for w in words)


def _fts_clause(db: IncidentDB, column: str, q: str | None, params: list[Any]) -> str:
    match = fts_query(q, db) if q else None
    if not match:
        return ""
    params.append(match)
    return f" AND {db.fts_in(column)}"


def list_incidents(
    db: IncidentDB, filters: Filters, *, run_id: str | None = None, after: int = 0, limit: int = 50
) -> tuple[list[dict[str, Any]], int | None]:
    """A page of a run's incidents (the current run by default) and the key to continue after, or None at the end."""
    chosen = run_id or db.current_run()
    if chosen is None:
        return [], None
    params: list[Any] = [chosen, after]
    where = "i.run_id = ? AND i.rowid > ?"
    for column, value in (("i.country", filters.country), ("i.attack_type", filters.attack_type)):
        if value:
            where += f" AND {db.ci_equals(column)}"
            params.append(value)
    if filters.date_from:
        where += " AND i.date >= ?"
        params.append(filters.date_from)
    if filters.date_to:
        where += " AND substr(i.date, 1, 10) <= ?"
        params.append(filters.date_to)
    where += _fts_clause(db, "a.rowid", filters.q, params)
    params.append(limit + 1)
    rows = db.query(
        f"SELECT i.rowid AS _key, {_INCIDENT_COLUMNS} FROM incidents i JOIN articles a USING (article_id) "
        "LEFT JOIN event_incidents ei ON ei.incident_id = i.incident_id AND ei.run_id = i.run_id "
        f"WHERE {where} ORDER BY i.rowid LIMIT ?",
        params,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    keys = [row.pop("_key") for row in rows]
    return rows, keys[-1] if more else None


def list_events(
    db: IncidentDB, filters: Filters, *, run_id: str | None = None, after: str = "", limit: int = 50
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of a run's events (ordered by id) and the id to continue after, or None at the end. An event matches
    a date range it overlaps and a search any of its articles matches."""
    chosen = run_id or db.current_run()
    if chosen is None:
        return [], None
    params: list[Any] = [chosen, after]
    where = "e.run_id = ? AND e.event_id > ?"
    for column, value in (("e.country", filters.country), ("e.attack_type", filters.attack_type)):
        if value:
            where += f" AND {db.ci_equals(column)}"
            params.append(value)
    if filters.date_from:
        where += " AND coalesce(e.date_latest, e.date_earliest) >= ?"
        params.append(filters.date_from)
    if filters.date_to:
        where += " AND substr(e.date_earliest, 1, 10) <= ?"
        params.append(filters.date_to)
    match = fts_query(filters.q, db) if filters.q else None
    if match:
        where += (" AND e.event_id IN (SELECT ei.event_id FROM event_incidents ei JOIN articles a USING (article_id) "
                  f"WHERE ei.run_id = e.run_id AND {db.fts_in('a.rowid')})")  # fmt: skip
        params.append(match)
    params.append(limit + 1)
    rows = db.query(f"SELECT e.* FROM events e WHERE {where} ORDER BY e.event_id LIMIT ?", params)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, rows[-1]["event_id"] if more and rows else None


def article_row(db: IncidentDB, article_id: str) -> dict[str, Any] | None:
    """A stored article: its id, title, link, outlet, dates, versions and text."""
    rows = db.query("SELECT article_id, title, link, outlet, published, first_seen, updated_at, versions, text "
                    "FROM articles WHERE article_id = ?", [article_id])  # fmt: skip
    return rows[0] if rows else None
