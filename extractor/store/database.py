"""The embedded incident database (SQLite through sqlite-utils): one file that grows run after run. A
`postgresql://` URL opens the same database on PostgreSQL instead (`pg.py`: the same queries through a thin engine
layer; the few places the engines differ are the methods under "what differs between the engines").

`open_db(path)` creates or migrates the schema (`schema.py`) and refuses, in one line, a file that is not ours, has a
newer schema, or stays locked. Each article is written in one `BEGIN IMMEDIATE` transaction with its incidents,
evidence and claims, so a killed run leaves every finished article and nothing half-written; two processes writing
the same file take turns (SQLite's lock, waited for up to `timeout` seconds) or the second stops with a clear error.

A *run* is one extraction configuration (model, endpoint, prompt, schema, parameters): running again with the same
configuration adds to it, another configuration is stored beside it, and `meta.current_run` (the run written last,
or the one chosen with `set_current`) is the one the views and `read_records()` show.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils
from pydantic import ValidationError

from ..errors import StoreError
from ..models import COUNT_FIELDS, RECORD_FORMAT, Article, ArticleRecord, Count, GroundedIncident, Provenance
from ..text.spans import quote_offsets
from .records import upgrade_incident
from .schema import FTS_COLUMNS, FTS_TABLE, MIGRATIONS, OUR_TABLES, SCHEMA_VERSION

DEFAULT_TIMEOUT = 30.0  # seconds a writer waits for another one before giving up


def open_db(path: str | Path, *, timeout: float = DEFAULT_TIMEOUT, create: bool = True) -> IncidentDB:
    """The incident database at `path`, created (unless `create` is false: readers refuse a missing file) or
    migrated to the current schema. A `postgresql://` URL opens the PostgreSQL engine (`store/pg.py`; the
    `postgres` extra), anything else is an SQLite file."""
    if isinstance(path, str) and path.startswith(("postgresql://", "postgres://")):
        from .pg import PgIncidentDB

        return PgIncidentDB(path, timeout=timeout, create=create)
    return IncidentDB(path, timeout=timeout, create=create)


def content_hash(article: Article) -> str:
    """What makes an article 'the same' on a later run: its title and text."""
    return hashlib.sha256(f"{article.title}\n{article.text}".encode()).hexdigest()[:32]


def outlet_of(link: str | None) -> str | None:
    """The outlet of an article: its link's host without 'www.'."""
    host = urlsplit(link).hostname if link else None
    return host.removeprefix("www.") if host else None


def run_id_of(identity: dict[str, Any]) -> str:
    """A readable, stable run id: model, prompt and the configuration hash."""
    label = f"{identity.get('model')}-{identity.get('prompt_name') or 'rules'}-{(identity.get('config_hash') or '')[:8]}"
    return re.sub(r"[^A-Za-z0-9._-]+", "_", label)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class IncidentDB:
    """One open incident database (see the module docstring)."""

    engine = "sqlite"
    shared = False  # several processes on several machines work one queue (PostgreSQL): claims are heartbeaten
    skip_locked = ""  # appended to a claim's SELECT (PostgreSQL: FOR UPDATE SKIP LOCKED)

    def __init__(self, path: str | Path, *, timeout: float = DEFAULT_TIMEOUT, create: bool = True) -> None:
        self.path = Path(path)
        self.timeout = timeout
        if self.path.is_dir():
            raise StoreError(f"{self.path} is a folder, not a database file")
        if not create and str(path) != ":memory:" and not self.path.exists():
            raise StoreError(f"no incident database {self.path} (`extract run --db {self.path}` creates one)")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open database {self.path}: {exc}") from None
        self.db = sqlite_utils.Database(conn)
        try:
            self._check_and_migrate()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(self._explain(exc)) from None
        except StoreError:
            conn.close()
            raise

    # -- opening ------------------------------------------------------------------------------------------------

    def _explain(self, exc: sqlite3.Error) -> str:
        message = str(exc)
        if "locked" in message or "busy" in message:
            return f"database {self.path} is locked by another writer (waited {self.timeout:g} s); try again later"
        if "malformed" in message:
            return f"database {self.path} is damaged ({message}); restore it from a copy or rebuild it with run --db"
        if "not a database" in message:
            return f"{self.path} is not an incident database (not SQLite: {message})"
        return f"database {self.path}: {message}"

    ENGINE = "an SQLite file"  # what the file is when it is not ours, in the refusal
    MIGRATION_SQL = MIGRATIONS

    def _prepare(self) -> None:
        """The connection's settings, before the schema is read."""
        self.db.execute("PRAGMA foreign_keys = ON")
        if str(self.path) != ":memory:":
            self.db.execute("PRAGMA journal_mode = WAL")  # readers (Datasette) never block the writer

    def _migrated(self, target: int) -> None:
        """What a migration to `target` needs beyond its SQL (SQLite: the full-text index with version 1)."""
        if target == 1:
            self.db[FTS_TABLE].enable_fts(FTS_COLUMNS, create_triggers=True)

    def _check_and_migrate(self) -> None:
        """Refuse a database that is not ours or is newer; migrate an older one (once, under the write lock)."""
        tables = set(self.db.table_names())
        if tables and "meta" not in tables:
            raise StoreError(f"{self.path} is {self.ENGINE} but not an incident database (tables: "
                             f"{', '.join(sorted(tables)[:5])})")  # fmt: skip
        self._prepare()
        version = self._version()
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} has schema version {version}, newer than this program's {SCHEMA_VERSION}; "
                             "upgrade incident-extractor")  # fmt: skip
        if version == SCHEMA_VERSION:
            return
        with self.transaction():
            version = self._version()  # another process may have migrated while we waited
            if version == 0 and set(self.db.table_names()) - {"meta"}:
                raise StoreError(f"{self.path} is not an incident database")
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in self.MIGRATION_SQL[target].split(";\n"):
                    if statement.strip():
                        self.db.execute(statement)
                self._migrated(target)
                self.db["meta"].upsert({"key": "schema_version", "value": str(target)}, pk="key")

    def _version(self) -> int:
        if "meta" not in self.db.table_names():
            return 0
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    @contextlib.contextmanager
    def transaction(self, *, exclusive: bool = True) -> Iterator[None]:
        """One write transaction, taken at once (BEGIN IMMEDIATE): writers queue for the lock instead of failing
        half-way; a lock held longer than `timeout` is a StoreError. Nothing of the block is kept if it fails.
        (`exclusive=False` matters to PostgreSQL only: a claim that locks its own rows, not every writer.)"""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(self._explain(exc)) from None
        try:
            yield
        except sqlite3.DatabaseError as exc:  # a damaged page, a full disk: one line, nothing of the block kept
            self.db.conn.rollback()
            raise StoreError(self._explain(exc)) from None
        except BaseException:
            self.db.conn.rollback()
            raise
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            self.db.conn.rollback()
            raise StoreError(self._explain(exc)) from None

    def close(self) -> None:
        self.db.close()

    # -- what differs between the engines (PostgreSQL: store/pg.py) ----------------------------------------------

    def fts_in(self, column: str) -> str:
        """`column` (an articles rowid) among the articles the full-text query parameter matches."""
        return f"{column} IN (SELECT rowid FROM {FTS_TABLE}_fts WHERE {FTS_TABLE}_fts MATCH ?)"

    def fts_param(self, words: list[str]) -> str:
        """The words as this engine's full-text query: each word quoted (no operator can be injected), all required."""
        return " ".join(f'"{w}"' for w in words)

    def ci_equals(self, column: str) -> str:
        """`column` equal to a parameter, ignoring case."""
        return f"{column} = ? COLLATE NOCASE"

    @contextlib.contextmanager
    def advisory_lock(self, key: int) -> Iterator[None]:
        """Held by one process at a time across machines (PostgreSQL); SQLite's writers already take turns."""
        yield

    def __enter__(self) -> IncidentDB:  # noqa: PYI034 - Python 3.10 has no typing.Self
        return self

    def __exit__(self, exc_type: object, exc: BaseException | None, traceback: object) -> None:
        self.close()
        if isinstance(exc, sqlite3.DatabaseError):  # a damaged page met while reading: one line, not a traceback
            raise StoreError(self._explain(exc)) from None

    # -- runs -----------------------------------------------------------------------------------------------------

    def register_run(self, identity: dict[str, Any], feed: str | None = None) -> str:
        """The run of this configuration (created on first use), made the current run."""
        run_id = run_id_of(identity)
        with self.transaction():
            if not self.db["runs"].count_where("run_id = ?", [run_id]):
                fields = ("backend", "model", "endpoint", "prompt_name", "prompt_hash", "schema_hash", "config_hash")
                self.db["runs"].insert({"run_id": run_id, **{k: identity.get(k) for k in fields}, "feed": feed,
                                        "started": _now(), "format": RECORD_FORMAT})  # fmt: skip
            self._make_current(run_id)
        return run_id

    def _make_current(self, run_id: str) -> None:
        self.db.execute("UPDATE runs SET is_current = CASE WHEN run_id = ? THEN 1 ELSE 0 END", [run_id])
        self.db["meta"].upsert({"key": "current_run", "value": run_id}, pk="key")

    def set_current(self, run_id: str) -> None:
        """Make `run_id` the run the views and readers show."""
        if not self.db["runs"].count_where("run_id = ?", [run_id]):
            raise StoreError(f"no run {run_id!r} in {self.path} (runs: {', '.join(r['run_id'] for r in self.runs())})")
        with self.transaction():
            self._make_current(run_id)

    def runs(self) -> list[dict[str, Any]]:
        """Every run, oldest first, with its counts."""
        return list(self.db.query("SELECT * FROM runs ORDER BY started, run_id"))

    def current_run(self) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'current_run'").fetchone()
        return row[0] if row else None

    def _run(self, run_id: str | None) -> str | None:
        chosen = run_id or self.current_run()
        if run_id and not self.db["runs"].count_where("run_id = ?", [run_id]):
            raise StoreError(f"no run {run_id!r} in {self.path}")
        return chosen

    # -- articles and records -------------------------------------------------------------------------------------

    def stored(self, run_id: str, article_id: str) -> tuple[str, str] | None:
        """(content hash, status) of the article's extraction in `run_id`, or None."""
        try:
            row = self.db.execute("SELECT content_hash, status FROM extractions WHERE run_id = ? AND article_id = ?",
                                  [run_id, article_id]).fetchone()  # fmt: skip
        except sqlite3.DatabaseError as exc:
            raise StoreError(self._explain(exc)) from None
        return (row[0], row[1]) if row else None

    def write_record(self, run_id: str, article: Article, record: ArticleRecord, *, queue_item: int | None = None) -> int:
        """Store the article (text included) and its record in one transaction; return how many incidents of an
        earlier extraction of this article in this run were replaced (an updated article, or a failure re-run).
        With `queue_item`, that work-queue row is marked done in the same transaction (see `store/work.py`), so a
        kill leaves the record and its queue row agreeing."""
        digest = content_hash(article)
        now = _now()
        extraction_id = f"{run_id}|{article.id}"
        with self.transaction():
            if queue_item is not None:
                self.db.execute("UPDATE work_queue SET state = 'done', status = ?, done_at = ?, last_error = ? "
                                "WHERE item_id = ?", [record.status, now, record.error, queue_item])  # fmt: skip
            old = self.db.execute("SELECT content_hash, versions FROM articles WHERE article_id = ?",
                                  [article.id]).fetchone()  # fmt: skip
            row = {"article_id": article.id, "title": article.title, "link": article.link,
                   "outlet": outlet_of(article.link), "published": _iso(article.published), "text": article.text,
                   "content_hash": digest}  # fmt: skip
            if old is None:
                self.db["articles"].insert({**row, "first_seen": now, "versions": 1})
            elif old[0] != digest:
                self.db["articles"].update(article.id, {**row, "updated_at": now, "versions": old[1] + 1})
            replaced = self.db["incidents"].count_where("extraction_id = ?", [extraction_id])
            self.db.execute("DELETE FROM event_incidents WHERE incident_id IN "
                            "(SELECT incident_id FROM incidents WHERE extraction_id = ?)", [extraction_id])  # fmt: skip
            self.db.execute("DELETE FROM incidents WHERE extraction_id = ?", [extraction_id])
            self.db.execute("DELETE FROM extractions WHERE extraction_id = ?", [extraction_id])
            warnings = list(record.warnings)
            if old is not None and old[0] != digest:
                warnings.append(f"article updated since it was first stored: replaced {replaced} earlier incident(s)")
            self.db["extractions"].insert({
                "extraction_id": extraction_id, "run_id": run_id, "article_id": article.id, "content_hash": digest,
                "status": record.status, "error": record.error, "raw_output": record.raw_output,
                "warnings": json.dumps(warnings, ensure_ascii=False), "ungrounded_dropped": record.ungrounded_dropped,
                "provenance": record.provenance.model_dump_json(), "extracted_at": now, "replaced_incidents": replaced,
                "format": record.format, "irrelevant_dropped": record.irrelevant_dropped,
                "skip_reason": record.skip_reason, "windows": record.windows, "window_cap_hit": record.window_cap_hit,
            })  # fmt: skip
            for n, incident in enumerate(record.incidents):
                self._insert_incident(run_id, extraction_id, article, n, incident)
            self.db.execute(
                "UPDATE runs SET last_written = ?, articles = (SELECT count(*) FROM extractions WHERE run_id = ?) "
                "WHERE run_id = ?", [now, run_id, run_id],
            )  # fmt: skip
        return replaced

    def _insert_incident(self, run_id: str, extraction_id: str, article: Article, n: int, inc: GroundedIncident) -> None:
        incident_id = hashlib.sha256(f"{run_id}|{article.id}|{n}".encode()).hexdigest()[:16]
        self.db["incidents"].insert({
            "incident_id": incident_id, "incident_key": f"{article.id}#{n}", "run_id": run_id,
            "article_id": article.id, "extraction_id": extraction_id, "n": n, "is_primary": inc.primary,
            "summary": inc.summary, "date": inc.date, "date_text": inc.date_text, "country": inc.country,
            "region": inc.region, "admin2": inc.admin2, "location": inc.location,
            "latitude": getattr(inc, "latitude", None), "longitude": getattr(inc, "longitude", None),
            "geo_precision": inc.geo_precision, "time_precision": inc.time_precision, "date_source": inc.date_source,
            "attack_type": inc.attack_type, "suicide": inc.suicide,
            "perpetrators": "; ".join(p.name for p in inc.perpetrators),
            "targets": "; ".join(f"{t.type}: {t.description}" for t in inc.targets), "weapons": "; ".join(inc.weapons),
            **{column: value for name in COUNT_FIELDS for column, value in _range(name, getattr(inc, name)).items()},
            "grounded": inc.grounded, "json": inc.model_dump_json(),
        })  # fmt: skip
        self.db["evidence"].insert_all(
            {"incident_id": incident_id, "n": k, "quote": quote, **_offsets(article.text, quote)}
            for k, quote in enumerate(inc.evidence)
        )
        self.db["claims"].insert_all(
            {"incident_id": incident_id, "n": k, "by_party": claim.by, **_range("killed", claim.killed),
             **_range("wounded", claim.wounded), "text": claim.text}
            for k, claim in enumerate(inc.claims)
        )  # fmt: skip

    def read_records(self, run_id: str | None = None) -> list[ArticleRecord]:
        """The records of a run (the current one by default), as the JSONL output holds them, in writing order."""
        chosen = self._run(run_id)
        if chosen is None:
            return []
        incidents: dict[str, list[GroundedIncident]] = {}
        for row in self.db.query("SELECT extraction_id, json FROM incidents WHERE run_id = ? ORDER BY extraction_id, n",
                                 [chosen]):  # fmt: skip
            incidents.setdefault(row["extraction_id"], []).append(_incident(row["json"]))
        sql = ("SELECT e.*, a.title, a.link, a.published FROM extractions e JOIN articles a USING (article_id) "
               "WHERE e.run_id = ? ORDER BY e.rowid")  # fmt: skip
        return [_record_of(row, incidents) for row in self.db.query(sql, [chosen])]

    def read_record(self, article_id: str, run_id: str | None = None) -> ArticleRecord | None:
        """One article's record in a run (the current one by default), or None."""
        chosen = self._run(run_id)
        if chosen is None:
            return None
        sql = ("SELECT e.*, a.title, a.link, a.published FROM extractions e JOIN articles a USING (article_id) "
               "WHERE e.run_id = ? AND e.article_id = ?")  # fmt: skip
        rows = self.query(sql, [chosen, article_id])
        if not rows:
            return None
        found = self.query("SELECT json FROM incidents WHERE extraction_id = ? ORDER BY n", [rows[0]["extraction_id"]])
        return _record_of(rows[0], {rows[0]["extraction_id"]: [_incident(r["json"]) for r in found]})

    def article_text(self, article_id: str) -> str | None:
        row = self.db.execute("SELECT text FROM articles WHERE article_id = ?", [article_id]).fetchone()
        return row[0] if row else None

    # -- generic reads and the events' writes -----------------------------------------------------------------------

    def query(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows of a read-only query as dicts."""
        try:
            return list(self.db.query(sql, params or []))
        except sqlite3.Error as exc:
            raise StoreError(self._explain(exc)) from None

    def replace_events(self, run_id: str, events: list[dict[str, Any]], links: list[dict[str, Any]],
                       only: list[str] | None = None) -> None:  # fmt: skip
        """Replace every event of `run_id` (and its incident links), or `only` the events of those ids, by `events`
        and `links`, in one transaction."""
        with self.transaction():
            if only is None:
                self.db.execute("DELETE FROM event_incidents WHERE run_id = ?", [run_id])
                self.db.execute("DELETE FROM events WHERE run_id = ?", [run_id])
            for start in range(0, len(only or []), 500):
                chunk = only[start : start + 500]  # type: ignore[index]
                marks = ", ".join("?" * len(chunk))
                self.db.execute(f"DELETE FROM event_incidents WHERE run_id = ? AND event_id IN ({marks})", [run_id, *chunk])
                self.db.execute(f"DELETE FROM events WHERE run_id = ? AND event_id IN ({marks})", [run_id, *chunk])
            self.db["events"].insert_all({**e, "run_id": run_id} for e in events)
            self.db["event_incidents"].insert_all({**link, "run_id": run_id} for link in links)

    def cached_answer(self, pair_key: str) -> dict[str, Any] | None:
        """A stored same-event answer (see `schema._V2`), or None."""
        rows = self.query("SELECT * FROM adjudications WHERE pair_key = ?", [pair_key])
        return rows[0] if rows else None

    def store_answer(self, row: dict[str, Any]) -> None:
        with self.transaction():
            self.db["adjudications"].upsert({**row, "asked_at": _now()}, pk="pair_key")

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        return {name: self.db[name].count for name in sorted(OUR_TABLES)}


def _record_of(row: dict[str, Any], incidents: dict[str, list[GroundedIncident]]) -> ArticleRecord:
    """A stored extraction row (joined with its article) as the record the JSONL output holds; an older row is read
    in the current format, like an older JSONL line."""
    return ArticleRecord(
        article_id=row["article_id"], title=row["title"], link=row["link"], published=row["published"],
        status=row["status"], incidents=incidents.get(row["extraction_id"], []),
        ungrounded_dropped=row["ungrounded_dropped"], warnings=json.loads(row["warnings"] or "[]"),
        error=row["error"], raw_output=row["raw_output"], irrelevant_dropped=row["irrelevant_dropped"],
        skip_reason=row["skip_reason"], windows=row["windows"], window_cap_hit=bool(row["window_cap_hit"]),
        provenance=Provenance.model_validate_json(row["provenance"]),
    )  # fmt: skip


def _incident(text: str) -> GroundedIncident:
    """A stored incident; one of an older record format gets what its format lacks (see store/records.py)."""
    try:
        return GroundedIncident.model_validate_json(text)
    except ValidationError:
        return GroundedIncident.model_validate(upgrade_incident(json.loads(text)))


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _range(prefix: str, count: Count | None) -> dict[str, int | None]:
    return {f"{prefix}_min": count.min if count else None, f"{prefix}_max": count.max if count else None}


def _offsets(text: str, quote: str) -> dict[str, int | None]:
    """Character offsets of a quote in the article: exact, else ignoring case, spacing and punctuation between words."""
    start, end = quote_offsets(text, quote) or (None, None)
    return {"start_offset": start, "end_offset": end}
