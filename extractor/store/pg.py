"""The PostgreSQL engine of the incident database (psycopg 3), so that a team shares one dataset and workers on
several machines share one queue. SQLite stays the default; `open_db` picks this engine for a `postgresql://` URL.

Why a thin engine layer of our own rather than an ORM or a migration tool: the SQLite side already has versioned
migrations (`schema.MIGRATIONS`) and raw SQL throughout the store. `PgDatabase` speaks the small part of
sqlite-utils the store uses (`execute`, `query`, and a table's `insert`, `insert_all`, `upsert`, `update`,
`count_where`, `count`) and rewrites the few SQLite spellings the queries use (`?` parameters, `INSERT OR IGNORE`,
two-argument `max`), so both engines run one set of queries; the PostgreSQL DDL is written beside the SQLite DDL
(`schema.PG_MIGRATIONS`, same version numbers). Full-text search uses a generated `tsvector` column of the articles
with a GIN index (the `simple` configuration: no stemming, like SQLite's FTS5 default tokenizer).

The password of a URL is never shown: `redact` replaces it with `***` in every path, error and repr; the opened
URL is remembered in this process under its redacted form, so code that passes `db.path` on (to reopen it) works,
and `child_environment` hands it to a child process through PGPASSWORD, never on its command line.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from ..errors import StoreError

SCHEMES = ("postgresql://", "postgres://")
WRITE_LOCK = 7_301_001  # pg_advisory_xact_lock key: writers take turns, as SQLite's BEGIN IMMEDIATE makes them
EVENTS_LOCK = 7_301_002  # pg_advisory_lock key: one worker merges the events at a time
PRIMARY_KEYS = {"articles": "article_id", "runs": "run_id", "meta": "key", "extractions": "extraction_id",
                "incidents": "incident_id", "adjudications": "pair_key", "feeds": "feed_id", "work_queue": "item_id",
                "judgements": "judgement_id"}  # fmt: skip
IDENTITY = {"feeds": "feed_id", "work_queue": "item_id", "judgements": "judgement_id"}  # SQLite's AUTOINCREMENT
_OPENED: dict[str, str] = {}  # redacted URL -> the URL as given (this process only)


def is_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(SCHEMES)


def redact(url: str) -> str:
    """The URL with its password (if any) replaced by `***`."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "postgresql://***"
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def password_of(url: str) -> str | None:
    password = urlsplit(url).password
    return unquote(password) if password is not None else None


def real_url(target: str) -> str:
    """The URL to connect to: the one opened earlier under this redacted form, else `target` itself."""
    return _OPENED.get(target, target)


def child_environment(target: str) -> tuple[str, dict[str, str]]:
    """What a child process needs to open `target`: a URL without the password, and PGPASSWORD."""
    url = real_url(target)
    password = password_of(url)
    if password is None:
        return url, {}
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[1]
    user = parts.netloc.rsplit("@", 1)[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}")), {"PGPASSWORD": password}


def scrub(message: str, url: str) -> str:
    """`message` without the URL's password (a driver may quote the connection string)."""
    password = password_of(url)
    message = message.replace(url, redact(url))
    for secret in {password, urlsplit(url).password} - {None, ""}:
        message = message.replace(secret, "***")  # type: ignore[arg-type]
    return message.strip().splitlines()[0] if message.strip() else message


@functools.lru_cache(maxsize=512)
def translate(sql: str) -> str:
    """SQLite's spelling of a query in PostgreSQL's: `?` -> `%s` (and a literal `%` doubled) outside string
    literals, `INSERT OR IGNORE` -> `ON CONFLICT DO NOTHING`, two-argument `max`/`min` -> GREATEST/LEAST."""
    out, quoted = [], False
    for ch in sql:
        if ch == "'":
            quoted = not quoted
        if ch == "%":
            out.append("%%")
        elif ch == "?" and not quoted:
            out.append("%s")
        else:
            out.append(ch)
    text = "".join(out)
    if re.match(r"\s*INSERT OR IGNORE INTO", text, re.I):
        text = re.sub(r"INSERT OR IGNORE INTO", "INSERT INTO", text, count=1, flags=re.I).rstrip().rstrip(";")
        text += " ON CONFLICT DO NOTHING"
    text = re.sub(r"\bmax\(([^(),]+),([^(),]+)\)", r"GREATEST(\1,\2)", text)
    return re.sub(r"\bmin\(([^(),]+),([^(),]+)\)", r"LEAST(\1,\2)", text)


def _value(value: Any) -> Any:
    return int(value) if isinstance(value, bool) else value  # SQLite stores a flag as an integer; so do we


def _params(params: Sequence[Any] | dict[str, Any] | None) -> list[Any] | dict[str, Any]:
    if params is None:
        return []
    if isinstance(params, dict):
        return {k: _value(v) for k, v in params.items()}
    return [_value(v) for v in params]


class Cursor:
    """What the store reads of a cursor: rows as tuples, rowcount, lastrowid (an identity key inserted)."""

    def __init__(self, rows: list[tuple] | None, rowcount: int, lastrowid: int | None = None) -> None:
        self._rows = rows or []
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    def fetchone(self) -> tuple | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[tuple]:
        return list(self._rows)

    def __iter__(self) -> Iterator[tuple]:
        return iter(self._rows)


class PgDatabase:
    """One psycopg connection (autocommit; `transaction()` opens explicit ones) with sqlite-utils' calls."""

    def __init__(self, url: str, timeout: float) -> None:
        import psycopg

        self.url = url
        self.conn = psycopg.connect(url, autocommit=True, connect_timeout=max(1, int(timeout)))

    def __repr__(self) -> str:
        return f"PgDatabase({redact(self.url)!r})"

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Cursor:
        text = translate(sql)
        table = _inserted_table(text)
        if table in IDENTITY and " RETURNING " not in text.upper():
            text += f" RETURNING {IDENTITY[table]}"
        with self.conn.cursor() as cur:
            cur.execute(text, _params(params))  # type: ignore[arg-type]
            rows = cur.fetchall() if cur.description is not None else None
            lastrowid = rows[-1][0] if table in IDENTITY and rows else None
            return Cursor(rows, cur.rowcount, lastrowid)

    def executemany(self, sql: str, rows: list[list[Any]]) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(translate(sql), [_params(r) for r in rows])  # type: ignore[arg-type]

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        from psycopg.rows import dict_row

        with self.conn.cursor(row_factory=dict_row) as cur:
            cur.execute(translate(sql), _params(params))  # type: ignore[arg-type]
            rows = cur.fetchall()
        return iter(rows)

    def table_names(self) -> list[str]:
        return [r[0] for r in self.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                                           "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name")]  # fmt: skip

    def columns(self, table: str) -> list[str]:
        return [r[0] for r in self.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = "
                                           "current_schema() AND table_name = ? ORDER BY ordinal_position", [table])]  # fmt: skip

    def __getitem__(self, name: str) -> Table:
        return Table(self, name)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self.conn.transaction():
            yield

    def close(self) -> None:
        self.conn.close()


def _inserted_table(sql: str) -> str | None:
    match = re.match(r"\s*INSERT\s+INTO\s+(\w+)", sql, re.I)
    return match[1].lower() if match else None


class Table:
    """sqlite-utils' table calls the store makes, in PostgreSQL."""

    def __init__(self, db: PgDatabase, name: str) -> None:
        self.db, self.name = db, name
        self.last_pk: Any = None

    def insert(self, row: dict[str, Any]) -> Table:
        columns = list(row)
        cursor = self.db.execute(f"INSERT INTO {self.name} ({', '.join(columns)}) VALUES "
                                 f"({', '.join('?' for _ in columns)})", [row[c] for c in columns])  # fmt: skip
        self.last_pk = cursor.lastrowid
        return self

    def insert_all(self, rows: Any) -> Table:
        groups: dict[tuple[str, ...], list[list[Any]]] = {}
        for row in rows:
            groups.setdefault(tuple(row), []).append(list(row.values()))
        for columns, values in groups.items():
            self.db.executemany(f"INSERT INTO {self.name} ({', '.join(columns)}) VALUES "
                                f"({', '.join('?' for _ in columns)})", values)  # fmt: skip
        return self

    def upsert(self, row: dict[str, Any], pk: str) -> Table:
        columns = list(row)
        others = [c for c in columns if c != pk]
        action = f"DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in others)}" if others else "DO NOTHING"
        self.db.execute(f"INSERT INTO {self.name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)}) "
                        f"ON CONFLICT ({pk}) {action}", [row[c] for c in columns])  # fmt: skip
        return self

    def update(self, pk_value: Any, updates: dict[str, Any]) -> Table:
        columns = list(updates)
        self.db.execute(f"UPDATE {self.name} SET {', '.join(f'{c} = ?' for c in columns)} "
                        f"WHERE {PRIMARY_KEYS[self.name]} = ?", [*(updates[c] for c in columns), pk_value])  # fmt: skip
        return self

    def count_where(self, where: str, params: Sequence[Any] | None = None) -> int:
        row = self.db.execute(f"SELECT count(*) FROM {self.name} WHERE {where}", params).fetchone()
        return int(row[0]) if row else 0

    @property
    def count(self) -> int:
        row = self.db.execute(f"SELECT count(*) FROM {self.name}").fetchone()
        return int(row[0]) if row else 0


# -- the incident database on PostgreSQL ------------------------------------------------------------------------------

from .database import DEFAULT_TIMEOUT, IncidentDB  # noqa: E402  (database.py imports this module lazily)
from .schema import PG_MIGRATIONS  # noqa: E402


class PgIncidentDB(IncidentDB):
    """`IncidentDB` on a PostgreSQL database: the same tables, views, queries and records. Writers take turns on a
    transaction-level advisory lock (as SQLite's BEGIN IMMEDIATE makes them); a queue claim locks only its row."""

    engine = "postgresql"
    shared = True
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT, create: bool = True) -> None:  # noqa: D107
        self.url = real_url(url)
        self.path = redact(self.url)  # type: ignore[assignment]  (what every message shows)
        _OPENED[self.path] = self.url
        self.timeout = timeout
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise StoreError("a postgresql:// database needs psycopg: pip install 'incident-extractor[postgres]'") from None
        try:
            self.db = PgDatabase(self.url, timeout)  # type: ignore[assignment]
        except Exception as exc:  # psycopg.Error, or a malformed URL
            raise StoreError(f"cannot open database {self.path}: {scrub(str(exc), self.url)}") from None
        try:
            tables = set(self.db.table_names())
            if not create and "meta" not in tables:
                raise StoreError(f"no incident database at {self.path} (`extract run --db {self.path}` creates one)")
            self._check_and_migrate()
            self.postgis = self._ensure_geometry()
        except StoreError:
            self.db.close()
            raise
        except Exception as exc:
            self.db.close()
            raise StoreError(self._explain(exc)) from None

    def __repr__(self) -> str:
        return f"PgIncidentDB({self.path!r})"

    def _explain(self, exc: BaseException) -> str:  # type: ignore[override]
        return f"database {self.path}: {scrub(str(exc), self.url)}"

    ENGINE = "a PostgreSQL database"
    MIGRATION_SQL = PG_MIGRATIONS  # run inside the transaction's advisory lock: two workers starting at once migrate once

    def _prepare(self) -> None:
        pass

    def _migrated(self, target: int) -> None:
        pass  # the full-text column is in the DDL

    def _ensure_geometry(self) -> bool:
        """With PostGIS installed in the database (`CREATE EXTENSION postgis`, by its owner), incidents get a `geom`
        Point (SRID 4326) generated from their latitude and longitude, with a GiST index; without it they keep the
        plain columns only. Not a numbered migration: the same schema version holds either way. True with PostGIS."""
        if not self.db.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone():
            return False
        if "geom" not in self.db.columns("incidents"):  # type: ignore[attr-defined]
            with self.transaction():
                self.db.execute(
                    "ALTER TABLE incidents ADD COLUMN IF NOT EXISTS geom geometry(Point, 4326) GENERATED ALWAYS AS "
                    "(CASE WHEN latitude IS NULL OR longitude IS NULL THEN NULL "
                    "ELSE ST_SetSRID(ST_MakePoint(longitude, latitude), 4326) END) STORED"
                )  # fmt: skip
                self.db.execute("CREATE INDEX IF NOT EXISTS idx_incidents_geom ON incidents USING GIST (geom)")
        return True

    @contextlib.contextmanager
    def transaction(self, *, exclusive: bool = True) -> Iterator[None]:
        import psycopg

        try:
            with self.db.transaction():  # type: ignore[attr-defined]
                if exclusive:
                    self.db.execute("SELECT pg_advisory_xact_lock(?)", [WRITE_LOCK])
                yield
        except psycopg.Error as exc:
            raise StoreError(self._explain(exc)) from None

    def query(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> list[dict[str, Any]]:
        import psycopg

        try:
            return list(self.db.query(sql, params or []))
        except psycopg.Error as exc:
            raise StoreError(self._explain(exc)) from None

    def stored(self, run_id: str, article_id: str) -> tuple[str, str] | None:
        rows = self.query("SELECT content_hash, status FROM extractions WHERE run_id = ? AND article_id = ?",
                          [run_id, article_id])  # fmt: skip
        return (rows[0]["content_hash"], rows[0]["status"]) if rows else None

    def __exit__(self, exc_type: object, exc: BaseException | None, traceback: object) -> None:
        import psycopg

        self.close()
        if isinstance(exc, psycopg.Error):
            raise StoreError(self._explain(exc)) from None

    def fts_in(self, column: str) -> str:
        return f"{column} IN (SELECT rowid FROM articles WHERE search @@ plainto_tsquery('simple', ?))"

    def fts_param(self, words: list[str]) -> str:
        return " ".join(words)  # plainto_tsquery: every word required, no operator read

    def ci_equals(self, column: str) -> str:
        return f"lower({column}) = lower(?)"

    @contextlib.contextmanager
    def advisory_lock(self, key: int) -> Iterator[None]:
        self.db.execute("SELECT pg_advisory_lock(?)", [key])
        try:
            yield
        finally:
            self.db.execute("SELECT pg_advisory_unlock(?)", [key])
