"""The store at scale (issue #26): query latency of `events_view`, the incident and event lists the HTTP API serves
(`store/query.py`), and GET /v1/incidents itself, at N synthetic incidents (default 1,000,000) on each engine.

Each engine gets a fresh store made by `open_db` (the real schema, views, indexes and full-text index): an SQLite
file in a temporary folder, and a database on a throw-away PostgreSQL server (tests/pg_server.py's, or the one
EXTRACT_PG_URL names). The incidents are bulk-loaded straight into the store's tables (runs, meta, articles with their
text, extractions, incidents with their `json`, events, event_incidents): executemany in large transactions on
SQLite, COPY on PostgreSQL, not `write_record` one article at a time. One article per incident, about 1.7
incidents per event, 40 countries and 7 attack types (bench/merge_bench.py's), dates over two years in roughly the
order the articles were written. Then ANALYZE, and each query is timed 20 times after one warm-up.

    python bench/store_scale.py                       # 1,000,000 incidents, both engines
    python bench/store_scale.py --n 20000 --engines sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import json
import math
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.merge_bench import COUNTRIES, TARGETS, TYPES, WORDS
from extractor.models import RECORD_FORMAT, GroundedIncident, Provenance
from extractor.store.database import IncidentDB, open_db
from extractor.store.query import Filters, list_events, list_incidents

RUN_ID = "bench-scale"
CHUNK = 50_000  # incidents per transaction (SQLite) or per COPY batch (PostgreSQL)
START = dt.date(2025, 1, 1)
DAYS = 730  # two years
TOKEN = "bench-scale-token-0123456789abcdef"  # the throw-away service's API token (a test value, not a secret)
NOW = "2026-12-01T00:00:00+00:00"

ARTICLE_COLUMNS = ("article_id", "title", "link", "outlet", "published", "text", "content_hash", "first_seen",
                   "versions")  # fmt: skip
EXTRACTION_COLUMNS = ("extraction_id", "run_id", "article_id", "content_hash", "status", "warnings",
                      "ungrounded_dropped", "provenance", "extracted_at", "replaced_incidents", "format",
                      "irrelevant_dropped", "windows", "window_cap_hit")  # fmt: skip
INCIDENT_COLUMNS = ("incident_id", "incident_key", "run_id", "article_id", "extraction_id", "n", "is_primary",
                    "summary", "date", "date_text", "country", "region", "admin2", "location", "latitude", "longitude",
                    "geo_precision", "time_precision", "date_source", "attack_type", "suicide", "perpetrators",
                    "targets", "weapons", "killed_min", "killed_max", "wounded_min", "wounded_max", "grounded",
                    "json")  # fmt: skip
EVENT_COLUMNS = ("run_id", "event_id", "date_earliest", "date_latest", "time_precision", "country", "region",
                 "admin2", "location", "geo_precision", "latitude", "longitude", "attack_type", "perpetrators",
                 "targets", "confidence", "killed_min", "killed_max", "wounded_min", "wounded_max", "n_incidents",
                 "n_sources", "n_outlets", "first_published", "last_published", "figures", "claims",
                 "updated_at")  # fmt: skip
LINK_COLUMNS = ("run_id", "event_id", "incident_id", "article_id")
# the order a chunk is written in (each table's foreign keys point to the ones before)
_TABLES = (("articles", ARTICLE_COLUMNS), ("extractions", EXTRACTION_COLUMNS), ("incidents", INCIDENT_COLUMNS),
           ("events", EVENT_COLUMNS), ("event_incidents", LINK_COLUMNS))  # fmt: skip


# -- the synthetic store ----------------------------------------------------------------------------------------------


def template() -> dict[str, Any]:
    """One valid GroundedIncident, as JSON-ready data: every incident is a copy with a few fields changed."""
    incident = GroundedIncident(
        summary="An attack on civilians at the market in Maltown1.", date="2025-01-01", date_text=None,
        country="Mali", region=None, location="Maltown1", attack_type="armed_assault", suicide=False,
        perpetrators=[{"name": "Group 1", "attribution": "claimed"}], targets=[{"type": "civilians", "description":
        "civilians"}], weapons=[], killed={"min": 1, "max": 1}, wounded=None, perpetrators_killed=None,
        kidnapped=None, claims=[], evidence=["armed assault near Maltown1: 1 killed, officials said."], primary=True,
        grounded=True, latitude=12.6, longitude=-8.0, geo_precision=1, time_precision=1, date_source="text",
    )  # fmt: skip
    return incident.model_dump(mode="json")


def synthetic(n: int, seed: int) -> Iterator[tuple[list, list, list, list, list]]:
    """Chunks of rows (articles, extractions, incidents, events, links) for `n` incidents, each chunk's events
    complete (an event's incidents never straddle two chunks)."""
    rng = random.Random(seed)
    base = template()
    provenance = Provenance(backend="baseline", model="baseline", schema_hash="bench").model_dump_json()
    articles: list[tuple] = []
    extractions: list[tuple] = []
    incidents: list[tuple] = []
    events: list[tuple] = []
    links: list[tuple] = []
    taken: set[str] = set()
    i = 0
    while i < n:
        country = rng.choice(COUNTRIES)
        town = f"{country[:3]}town{rng.randrange(300)}"
        day = START + dt.timedelta(days=min(DAYS - 1, max(0, int(i * DAYS / n) + rng.randrange(-3, 4))))
        kind, target = rng.choice(TYPES), rng.choice(TARGETS)
        group = f"Group {rng.randrange(2000)}" if rng.random() < 0.4 else None
        site = rng.sample(WORDS, 3)
        killed = rng.randrange(30)
        lat, lon = round(rng.uniform(-30, 50), 4), round(rng.uniform(-90, 120), 4)
        size = min(n - i, rng.choices((1, 2, 3), (0.5, 0.3, 0.2))[0])
        event_id = "ev-" + hashlib.sha256(f"{RUN_ID}|a{i:07d}#0".encode()).hexdigest()[:12]
        while event_id in taken:
            event_id += "x"
        taken.add(event_id)
        outlets, published_all, dates = set(), [], []
        for report in range(size):
            article_id = f"a{i:07d}"
            outlet = f"outlet{rng.randrange(50)}.test"
            outlets.add(outlet)
            date = (day + dt.timedelta(days=rng.randrange(2) if report else 0)).isoformat()
            dates.append(date)
            published = f"{day + dt.timedelta(days=rng.randrange(3))}T12:00:00+00:00"
            published_all.append(published)
            words = " ".join(rng.sample(WORDS, 6))
            text = (f"{kind.replace('_', ' ').capitalize()} near {town} {' '.join(site)}, {country}: {killed} people "
                    f"were killed on {date}, officials said. Witnesses described the {site[0]} and the {words}. "
                    f"The attack on {target} was the latest in the region (report {report}).")  # fmt: skip
            title = f"{kind.replace('_', ' ')} in {town}, {country}"
            digest = f"{i:032x}"
            articles.append((article_id, title, f"https://{outlet}/{article_id}", outlet, published, text, digest,
                             NOW, 1))  # fmt: skip
            extraction_id = f"{RUN_ID}|{article_id}"
            extractions.append((extraction_id, RUN_ID, article_id, digest, "ok", "[]", 0, provenance, NOW, 0,
                                RECORD_FORMAT, 0, 1, 0))  # fmt: skip
            summary = f"An attack on {target} at the {site[0]} in {town}."
            evidence = f"{kind.replace('_', ' ').capitalize()} near {town} {' '.join(site)}, {country}: {killed} people"
            data = {**base, "summary": summary, "date": date, "country": country, "location": town,
                    "attack_type": kind, "suicide": kind == "suicide_attack", "latitude": lat, "longitude": lon,
                    "perpetrators": [{"name": group, "attribution": "claimed"}] if group else [],
                    "targets": [{"type": target, "description": target}], "killed": {"min": killed, "max": killed},
                    "evidence": [evidence]}  # fmt: skip
            incident_id = hashlib.sha256(f"{RUN_ID}|{article_id}|0".encode()).hexdigest()[:16]
            incidents.append((incident_id, f"{article_id}#0", RUN_ID, article_id, extraction_id, 0, 1, summary, date,
                              None, country, None, None, town, lat, lon, 1, 1, "text", kind,
                              int(kind == "suicide_attack"), group or "", f"{target}: {target}", "", killed, killed,
                              None, None, 1, json.dumps(data, ensure_ascii=False)))  # fmt: skip
            links.append((RUN_ID, event_id, incident_id, article_id))
            i += 1
        published_all.sort()
        events.append((RUN_ID, event_id, min(dates), max(dates), 1, country, None, None, town, 1, lat, lon, kind,
                       group or "", f"{target}: {target}", None if size == 1 else 0.9, killed, killed, None, None,
                       size, size, len(outlets), published_all[0], published_all[-1], "[]", "[]", NOW))  # fmt: skip
        if len(incidents) >= CHUNK or i >= n:
            yield articles, extractions, incidents, events, links
            articles, extractions, incidents, events, links = [], [], [], [], []


def _run_row() -> dict[str, Any]:
    return {"run_id": RUN_ID, "backend": "baseline", "model": "baseline", "prompt_name": None, "feed": "bench",
            "started": NOW, "last_written": NOW, "is_current": 1, "format": RECORD_FORMAT}  # fmt: skip


def load_sqlite(path: Path, n: int, seed: int) -> None:
    import sqlite3

    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")  # the bulk load only; readers open the file as the store does
    conn.execute("PRAGMA cache_size = -524288")  # 512 MiB
    run = _run_row()
    conn.execute(f"INSERT INTO runs ({', '.join(run)}) VALUES ({', '.join('?' * len(run))})", list(run.values()))
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('current_run', ?)", [RUN_ID])
    for chunk in synthetic(n, seed):
        conn.execute("BEGIN")
        for (table, columns), rows in zip(_TABLES, chunk):
            conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                             rows)  # fmt: skip
        conn.execute("COMMIT")
    conn.execute("UPDATE runs SET articles = (SELECT count(*) FROM extractions WHERE run_id = ?)", [RUN_ID])
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def load_postgresql(url: str, n: int, seed: int) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        run = _run_row()
        conn.execute(f"INSERT INTO runs ({', '.join(run)}) VALUES ({', '.join(['%s'] * len(run))})",
                     list(run.values()))  # fmt: skip
        conn.execute("INSERT INTO meta (key, value) VALUES ('current_run', %s) ON CONFLICT (key) DO UPDATE SET "
                     "value = EXCLUDED.value", [RUN_ID])  # fmt: skip
        for chunk in synthetic(n, seed):
            with conn.transaction(), conn.cursor() as cur:
                for (table, columns), rows in zip(_TABLES, chunk):
                    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
        conn.execute("UPDATE runs SET articles = (SELECT count(*) FROM extractions WHERE run_id = %s)", [RUN_ID])
        conn.execute("VACUUM ANALYZE")


# -- timing -----------------------------------------------------------------------------------------------------------


class Recorder:
    """Wraps `db.query` to keep the last SQL and parameters a store function ran (for EXPLAIN)."""

    def __init__(self, db: IncidentDB) -> None:
        self.original = db.query
        self.last: tuple[str, Any] | None = None
        db.query = self  # type: ignore[method-assign]

    def __call__(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        self.last = (sql, params)
        return self.original(sql, params)


def timed(call: Callable[[], int], reps: int) -> tuple[float, float, int]:
    """Median and p95 milliseconds of `reps` calls after one warm-up, and the rows the call returned."""
    rows = call()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        rows = call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, math.ceil(0.95 * len(times)) - 1)], rows


def plan(db: IncidentDB, recorder: Recorder) -> str:
    if recorder.last is None:
        return ""
    sql, params = recorder.last
    if db.engine == "sqlite":
        rows = recorder.original(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(f"  {r['detail']}" for r in rows)
    rows = recorder.original(f"EXPLAIN {sql}", params)
    return "\n".join(f"  {next(iter(r.values()))}" for r in rows)


def measure(target: str | Path, engine: str, reps: int, with_api: bool) -> list[tuple[str, str, float, float, int]]:
    db = open_db(target, create=False)
    recorder = Recorder(db)
    deep = db.query("SELECT rowid AS k FROM incidents WHERE run_id = ? ORDER BY rowid LIMIT 1 OFFSET 4949", [RUN_ID])
    after = deep[0]["k"] if deep else 0
    month = (START + dt.timedelta(days=DAYS - 45)).replace(day=1)
    month_end = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    early = START.replace(month=3)
    early_end = START.replace(month=4) - dt.timedelta(days=1)
    cases: list[tuple[str, Callable[[], int]]] = [
        ("events_view ORDER BY date_latest DESC LIMIT 50",
         lambda: len(db.query("SELECT * FROM events_view ORDER BY date_latest DESC LIMIT 50"))),
        ("events_view ORDER BY event_id LIMIT 50",
         lambda: len(db.query("SELECT * FROM events_view ORDER BY event_id LIMIT 50"))),
        ("list_incidents first page", lambda: len(list_incidents(db, Filters())[0])),
        ("list_incidents page 100 (keyset after)", lambda: len(list_incidents(db, Filters(), after=after)[0])),
        ("list_incidents country=Mali", lambda: len(list_incidents(db, Filters(country="Mali"))[0])),
        (f"list_incidents {early:%Y-%m} (first months of the store)",
         lambda: len(list_incidents(db, Filters(date_from=str(early), date_to=str(early_end)))[0])),
        (f"list_incidents {month:%Y-%m} (last full month)",
         lambda: len(list_incidents(db, Filters(date_from=str(month), date_to=str(month_end)))[0])),
        ("list_incidents attack_type=bombing", lambda: len(list_incidents(db, Filters(attack_type="bombing"))[0])),
        ("list_incidents q=checkpoint", lambda: len(list_incidents(db, Filters(q="checkpoint"))[0])),
        ("list_incidents q=convoy checkpoint", lambda: len(list_incidents(db, Filters(q="convoy checkpoint"))[0])),
        ("list_incidents q=Maltown17 (a rare word)", lambda: len(list_incidents(db, Filters(q="Maltown17"))[0])),
        ("list_events first page", lambda: len(list_events(db, Filters())[0])),
        ("list_events country=Mali", lambda: len(list_events(db, Filters(country="Mali"))[0])),
    ]  # fmt: skip
    results = []
    for name, call in cases:
        median, p95, rows = timed(call, reps)
        results.append((engine, name, median, p95, rows))
        print(f"  {engine:<10} {name:<55} {median:9.2f} {p95:9.2f} {rows:4d}", flush=True)
        if median > 50:
            print(plan(db, recorder), flush=True)
    db.close()
    if with_api:
        results += measure_api(target, engine, reps)
    return results


def measure_api(target: str | Path, engine: str, reps: int) -> list[tuple[str, str, float, float, int]]:
    """GET /v1/incidents?country=Mali through FastAPI's TestClient on the service app over this store (the service's
    own run pointed at the loaded one)."""
    try:
        from fastapi.testclient import TestClient

        from extractor.service import ServiceConfig
        from extractor.service.api import create_app
        from extractor.service.runtime import Runtime
    except ImportError as exc:
        print(f"  skipping the API: {exc}")
        return []
    with tempfile.TemporaryDirectory(prefix="store-scale-cache-") as cache:
        config = ServiceConfig(db=target, tokens=(TOKEN,), settings={"model": "baseline"}, rate_limit=0,
                               cache_dir=Path(cache), no_cache=True)  # fmt: skip
        config.check()
        runtime = Runtime(config)  # registers (and makes current) its own run: point it back at the loaded one
        runtime.writer.set_current(RUN_ID)
        runtime.run_id = RUN_ID
        headers = {"Authorization": f"Bearer {TOKEN}"}
        results = []
        try:
            with TestClient(create_app(runtime, start_background=False)) as client:
                for name, url in (("GET /v1/incidents?country=Mali", "/v1/incidents?country=Mali"),
                                  ("GET /v1/events?country=Mali", "/v1/events?country=Mali")):  # fmt: skip

                    def call(url: str = url) -> int:
                        response = client.get(url, headers=headers)
                        response.raise_for_status()
                        return len(response.json()["items"])

                    median, p95, rows = timed(call, reps)
                    results.append((engine, name + " (TestClient)", median, p95, rows))
                    print(f"  {engine:<10} {name:<55} {median:9.2f} {p95:9.2f} {rows:4d}", flush=True)
        finally:
            asyncio.run(runtime.close())
    return results


# -- the engines ------------------------------------------------------------------------------------------------------


def sqlite_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def run_engine(engine: str, n: int, seed: int, reps: int, with_api: bool, folder: Path) -> dict[str, Any]:
    if engine == "sqlite":
        path = folder / "scale.db"
        open_db(path).close()
        start = time.perf_counter()
        load_sqlite(path, n, seed)
        load_s = time.perf_counter() - start
        print(f"{engine}: loaded {n:,} incidents in {load_s:.0f} s, {sqlite_size(path) / 2**20:,.0f} MiB", flush=True)
        rows = measure(path, engine, reps, with_api)
        return {"engine": engine, "load_s": load_s, "bytes": sqlite_size(path), "rows": rows}
    server = None
    server_url = os.environ.get("EXTRACT_PG_URL")
    from tests import pg_server as pg

    if not server_url:
        binaries = pg.server_binaries()
        if binaries is None:
            print("postgresql: no server binaries (apt-get install postgresql) and no EXTRACT_PG_URL: skipped")
            return {"engine": engine, "skipped": True}
        server = pg.Server(binaries)
        server_url = server.url
    name = "store_scale"
    try:
        url = pg.create_database(server_url, name)
        open_db(url).close()
        start = time.perf_counter()
        load_postgresql(url, n, seed)
        load_s = time.perf_counter() - start
        import psycopg

        with psycopg.connect(url) as conn:
            size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
            version = conn.execute("SHOW server_version").fetchone()[0]
        print(f"{engine} {version}: loaded {n:,} incidents in {load_s:.0f} s, {size / 2**20:,.0f} MiB", flush=True)
        rows = measure(url, engine, reps, with_api)
        return {"engine": f"{engine} {version.split()[0]}", "load_s": load_s, "bytes": size, "rows": rows}
    finally:
        try:
            pg.drop_database(server_url, name)
        finally:
            if server is not None:
                server.stop()


def machine() -> str:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"nproc {os.cpu_count()}, {cpu}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="synthetic incidents (default 1,000,000)")
    parser.add_argument("--engines", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--reps", type=int, default=20, help="timed repetitions per query (after one warm-up)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--no-api", action="store_true", help="skip GET /v1/incidents through TestClient")
    args = parser.parse_args()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if not set(engines) <= {"sqlite", "postgresql"} or args.n < 1 or args.reps < 1:
        parser.error("--engines takes sqlite and/or postgresql; --n and --reps must be positive")
    print(f"Machine: {machine()}", flush=True)
    done = []
    with tempfile.TemporaryDirectory(prefix="store-scale-") as folder:
        for engine in engines:
            done.append(run_engine(engine, args.n, args.seed, args.reps, not args.no_api, Path(folder)))
    print()
    print("| engine | load (s) | size (MiB) |\n|---|---|---|")
    for result in done:
        if not result.get("skipped"):
            print(f"| {result['engine']} | {result['load_s']:.0f} | {result['bytes'] / 2**20:,.0f} |")
    print()
    print("| engine | query | median ms | p95 ms | rows |\n|---|---|---|---|---|")
    for result in done:
        for engine, name, median, p95, rows in result.get("rows", []):
            print(f"| {result['engine']} | {name} | {median:.2f} | {p95:.2f} | {rows} |")


if __name__ == "__main__":
    main()
