"""`extract db copy SRC DST`: an incident database copied to another engine (SQLite <-> PostgreSQL) or file, every
table, row for row, in writing order; the counts of both are compared at the end.

A destination that already holds records is refused unless `force` (its rows are then replaced); the copy is one
transaction on the destination, so a failure leaves it as it was. Identity keys (feeds, queue items, judgements)
keep their values, and PostgreSQL's sequences are moved past them; PostgreSQL's generated columns (`rowid`, the
articles' tsvector) are made anew, so are SQLite's full-text rows (its triggers).
"""

from __future__ import annotations

from typing import Any

from ..errors import StoreError
from .database import IncidentDB, open_db
from .schema import OUR_TABLES, PG_COMPUTED

# Parents before children (the foreign keys).
COPY_ORDER = ("meta", "runs", "articles", "extractions", "incidents", "evidence", "claims", "events",
              "event_incidents", "adjudications", "feeds", "work_queue", "judgements")  # fmt: skip
_IDENTITY = {"feeds": "feed_id", "work_queue": "item_id", "judgements": "judgement_id"}
_BATCH = 2000


def columns_of(db: IncidentDB, table: str) -> list[str]:
    if db.engine == "postgresql":
        return [c for c in db.db.columns(table) if c not in PG_COMPUTED]  # type: ignore[attr-defined]
    return [c.name for c in db.db[table].columns]  # type: ignore[union-attr]


def _order(db: IncidentDB, table: str) -> str:
    if db.engine == "sqlite" or "rowid" in db.db.columns(table):  # type: ignore[attr-defined]
        return "rowid"
    return {"meta": "key", "runs": "started, run_id", "evidence": "incident_id, n", "claims": "incident_id, n",
            "events": "run_id, event_id", "event_incidents": "run_id, incident_id",
            "adjudications": "pair_key"}.get(table) or _IDENTITY[table]  # fmt: skip


def holds_records(db: IncidentDB) -> bool:
    return any(n for name, n in db.counts().items() if name != "meta")


def copy_db(source: str, destination: str, *, force: bool = False) -> dict[str, int]:
    """Copy every table of `source` into `destination` (created when missing); the rows copied per table."""
    if _same(source, destination):
        raise StoreError("db copy: the source and the destination are the same database")
    with open_db(source, create=False) as src, open_db(destination) as dst:
        if holds_records(dst) and not force:
            raise StoreError(f"{dst.path} already holds records ({_summary(dst.counts())}); "
                             "give --force to replace them")  # fmt: skip
        with dst.transaction():
            for table in reversed(COPY_ORDER):
                dst.db.execute(f"DELETE FROM {table}")
            for table in COPY_ORDER:
                _copy_table(src, dst, table)
            if dst.engine == "postgresql":
                for table, column in _IDENTITY.items():
                    dst.db.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                                   f"coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)")  # fmt: skip
        expected, found = src.counts(), dst.counts()
        if expected != found:
            wrong = ", ".join(f"{t}: {expected.get(t)} -> {found.get(t)}" for t in sorted(OUR_TABLES)
                              if expected.get(t) != found.get(t))  # fmt: skip
            raise StoreError(f"db copy: the counts differ after copying ({wrong})")
        return found


def _copy_table(src: IncidentDB, dst: IncidentDB, table: str) -> None:
    wanted = set(columns_of(dst, table))
    columns = [c for c in columns_of(src, table) if c in wanted]
    sql = f"SELECT {', '.join(columns)} FROM {table} ORDER BY {_order(src, table)}"
    rows: list[dict[str, Any]] = src.query(sql)
    for start in range(0, len(rows), _BATCH):
        dst.db[table].insert_all(rows[start : start + _BATCH])  # type: ignore[union-attr]


def _same(source: str, destination: str) -> bool:
    """One database named twice: the same file (however spelled), or the same URL."""
    from pathlib import Path

    from .pg import is_url, real_url

    if is_url(source) or is_url(destination):
        return real_url(source) == real_url(destination)
    a, b = Path(source), Path(destination)
    return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {name}" for name, n in counts.items() if n and name != "meta")
