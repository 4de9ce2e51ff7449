"""The incident database's schema: tables, indexes, full-text index, views, and the migrations that build them.

`meta.schema_version` says which migrations a file has had; `migrate` applies the missing ones in one transaction.
Every table has a primary key and declared foreign keys, so Datasette shows the links as they are. The views read
the *current* run (`meta.current_run`), so a person can query them without knowing which run is which.
"""

from __future__ import annotations

import re

SCHEMA_VERSION = 8

_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE runs (
    run_id TEXT PRIMARY KEY, backend TEXT, model TEXT, endpoint TEXT, prompt_name TEXT, prompt_hash TEXT,
    schema_hash TEXT, config_hash TEXT, feed TEXT, started TEXT, last_written TEXT,
    articles INTEGER NOT NULL DEFAULT 0, is_current INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE articles (
    article_id TEXT PRIMARY KEY, title TEXT, link TEXT, outlet TEXT, published TEXT, text TEXT NOT NULL,
    content_hash TEXT NOT NULL, first_seen TEXT NOT NULL, updated_at TEXT, versions INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE extractions (
    extraction_id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    article_id TEXT NOT NULL REFERENCES articles(article_id),
    content_hash TEXT NOT NULL, status TEXT NOT NULL, error TEXT, raw_output TEXT, warnings TEXT,
    ungrounded_dropped INTEGER NOT NULL DEFAULT 0, provenance TEXT NOT NULL, extracted_at TEXT NOT NULL,
    replaced_incidents INTEGER NOT NULL DEFAULT 0,
    UNIQUE (run_id, article_id)
);
CREATE TABLE incidents (
    incident_id TEXT PRIMARY KEY,
    incident_key TEXT NOT NULL,
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    article_id TEXT NOT NULL REFERENCES articles(article_id),
    extraction_id TEXT NOT NULL REFERENCES extractions(extraction_id) ON DELETE CASCADE,
    n INTEGER NOT NULL, is_primary INTEGER, summary TEXT, date TEXT, date_text TEXT, country TEXT, region TEXT,
    location TEXT, latitude REAL, longitude REAL, attack_type TEXT, suicide INTEGER, perpetrators TEXT,
    targets TEXT, weapons TEXT, killed_min INTEGER, killed_max INTEGER, wounded_min INTEGER, wounded_max INTEGER,
    perpetrators_killed_min INTEGER, perpetrators_killed_max INTEGER, kidnapped_min INTEGER, kidnapped_max INTEGER,
    grounded INTEGER, json TEXT NOT NULL
);
CREATE TABLE evidence (
    incident_id TEXT NOT NULL REFERENCES incidents(incident_id) ON DELETE CASCADE,
    n INTEGER NOT NULL, quote TEXT NOT NULL, start_offset INTEGER, end_offset INTEGER,
    PRIMARY KEY (incident_id, n)
);
CREATE TABLE claims (
    incident_id TEXT NOT NULL REFERENCES incidents(incident_id) ON DELETE CASCADE,
    n INTEGER NOT NULL, by_party TEXT, killed_min INTEGER, killed_max INTEGER, wounded_min INTEGER,
    wounded_max INTEGER, text TEXT,
    PRIMARY KEY (incident_id, n)
);
CREATE TABLE events (
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    event_id TEXT NOT NULL,
    date_earliest TEXT, date_latest TEXT, country TEXT, region TEXT, location TEXT, latitude REAL, longitude REAL,
    attack_type TEXT, perpetrators TEXT, killed_min INTEGER, killed_max INTEGER, wounded_min INTEGER,
    wounded_max INTEGER, n_incidents INTEGER NOT NULL, n_sources INTEGER NOT NULL, n_outlets INTEGER NOT NULL,
    first_published TEXT, last_published TEXT, figures TEXT, claims TEXT, updated_at TEXT,
    PRIMARY KEY (run_id, event_id)
);
CREATE TABLE event_incidents (
    run_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    incident_id TEXT NOT NULL REFERENCES incidents(incident_id) ON DELETE CASCADE,
    article_id TEXT NOT NULL REFERENCES articles(article_id),
    PRIMARY KEY (run_id, incident_id),
    FOREIGN KEY (run_id, event_id) REFERENCES events(run_id, event_id) ON DELETE CASCADE
);
CREATE INDEX idx_extractions_run ON extractions(run_id);
CREATE INDEX idx_extractions_article ON extractions(article_id);
CREATE INDEX idx_incidents_run ON incidents(run_id);
CREATE INDEX idx_incidents_article ON incidents(article_id);
CREATE INDEX idx_incidents_extraction ON incidents(extraction_id);
CREATE INDEX idx_incidents_date ON incidents(date);
CREATE INDEX idx_incidents_country ON incidents(country);
CREATE INDEX idx_events_date ON events(date_earliest);
CREATE INDEX idx_event_incidents_event ON event_incidents(run_id, event_id);
CREATE INDEX idx_event_incidents_article ON event_incidents(article_id);

CREATE VIEW current_run AS SELECT value AS run_id FROM meta WHERE key = 'current_run';
CREATE VIEW incidents_view AS
SELECT i.incident_id, i.incident_key, a.title, a.outlet, a.published, a.link, i.n, i.is_primary, i.summary, i.date,
       i.country, i.region, i.location, i.latitude, i.longitude, i.attack_type, i.perpetrators, i.targets,
       i.killed_min, i.killed_max, i.wounded_min, i.wounded_max, i.grounded, ei.event_id, i.article_id, i.run_id
FROM incidents i JOIN articles a USING (article_id)
LEFT JOIN event_incidents ei ON ei.incident_id = i.incident_id AND ei.run_id = i.run_id
WHERE i.run_id = (SELECT run_id FROM current_run);
CREATE VIEW events_view AS
SELECT e.event_id, e.date_earliest, e.date_latest, e.country, e.region, e.location, e.attack_type, e.perpetrators,
       e.killed_min, e.killed_max, e.wounded_min, e.wounded_max, e.n_sources, e.n_outlets, e.n_incidents,
       e.first_published, e.last_published,
       (SELECT group_concat(DISTINCT a.outlet) FROM event_incidents ei JOIN articles a USING (article_id)
        WHERE ei.run_id = e.run_id AND ei.event_id = e.event_id) AS outlets,
       e.latitude, e.longitude, e.run_id
FROM events e WHERE e.run_id = (SELECT run_id FROM current_run);
CREATE VIEW event_sources_view AS
SELECT ei.event_id, a.outlet, a.published, a.title, a.link, i.summary, i.date, i.location, i.killed_min,
       i.killed_max, i.wounded_min, i.wounded_max,
       (SELECT group_concat(c.by_party || ': ' || c.text, ' | ') FROM claims c WHERE c.incident_id = i.incident_id)
           AS claims,
       i.incident_id, ei.article_id
FROM event_incidents ei JOIN incidents i USING (incident_id) JOIN articles a ON a.article_id = ei.article_id
WHERE ei.run_id = (SELECT run_id FROM current_run);
"""

# Version 2: the LLM's answers to "are these two incidents one event?" (`extract events --adjudicate`), cached by a
# key of the model, endpoint, prompt and both incidents, so asking again costs nothing.
_V2 = """
CREATE TABLE adjudications (
    pair_key TEXT PRIMARY KEY, model TEXT, endpoint TEXT, incident_a TEXT, incident_b TEXT,
    same_event INTEGER NOT NULL, reason TEXT, prompt_tokens INTEGER, completion_tokens INTEGER, asked_at TEXT
);
"""

# Version 3: every field of a record is stored, so a record read back equals the one written: the record format,
# the incidents the relevance check dropped, why the pre-filter skipped the article, and its windows. Rows of
# earlier files get what an older record lacks (format 1, nothing dropped, no reason, one window).
_V3 = """
ALTER TABLE extractions ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
ALTER TABLE extractions ADD COLUMN irrelevant_dropped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE extractions ADD COLUMN skip_reason TEXT;
ALTER TABLE extractions ADD COLUMN windows INTEGER NOT NULL DEFAULT 1;
ALTER TABLE extractions ADD COLUMN window_cap_hit INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
"""

# Version 4: the place and date precision that record format 3 added to incidents, as columns an export or a query
# can read (second-level division, ACLED's geo and time precision codes, where the date came from). Rows of earlier
# files have them null, as an older record has (their `json` is upgraded on reading).
_V4 = """
ALTER TABLE incidents ADD COLUMN admin2 TEXT;
ALTER TABLE incidents ADD COLUMN geo_precision INTEGER;
ALTER TABLE incidents ADD COLUMN time_precision INTEGER;
ALTER TABLE incidents ADD COLUMN date_source TEXT;
"""

# Version 5: events carry what analysts filter on (ACLED's precision codes, the second-level division, the targets)
# and how sure the merge was (the lowest confidence of the merges that joined its incidents; null for one report).
_V5 = """
ALTER TABLE events ADD COLUMN time_precision INTEGER;
ALTER TABLE events ADD COLUMN geo_precision INTEGER;
ALTER TABLE events ADD COLUMN admin2 TEXT;
ALTER TABLE events ADD COLUMN targets TEXT;
ALTER TABLE events ADD COLUMN confidence REAL;
DROP VIEW events_view;
CREATE VIEW events_view AS
SELECT e.event_id, e.date_earliest, e.date_latest, e.time_precision, e.country, e.region, e.admin2, e.location,
       e.geo_precision, e.attack_type, e.perpetrators, e.targets, e.killed_min, e.killed_max, e.wounded_min,
       e.wounded_max, e.n_sources, e.n_outlets, e.n_incidents, e.confidence, e.first_published, e.last_published,
       (SELECT group_concat(DISTINCT a.outlet) FROM event_incidents ei JOIN articles a USING (article_id)
        WHERE ei.run_id = e.run_id AND ei.event_id = e.event_id) AS outlets,
       e.latitude, e.longitude, e.run_id
FROM events e WHERE e.run_id = (SELECT run_id FROM current_run);
"""

# Version 6: the service (`extract serve`, `extract watch`). `feeds` holds the subscriptions with what the last
# fetch left (validators for the conditional GET, status, failures in a row, counts); `work_queue` holds every article
# waiting for or done by the extraction worker (queued -> claimed -> done), one row per run, article and content,
# so a restarted service finishes what was queued and never extracts the same content twice.
_V6 = """
CREATE TABLE feeds (
    feed_id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL UNIQUE, name TEXT,
    interval_s INTEGER NOT NULL, created_at TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'new',
    etag TEXT, last_modified TEXT, last_fetch TEXT, last_success TEXT, next_fetch TEXT, last_error TEXT,
    failures INTEGER NOT NULL DEFAULT 0, fetches INTEGER NOT NULL DEFAULT 0, not_modified INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0, articles_seen INTEGER NOT NULL DEFAULT 0,
    articles_queued INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE work_queue (
    item_id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    article_id TEXT NOT NULL, content_hash TEXT NOT NULL, article TEXT NOT NULL,
    feed_id INTEGER REFERENCES feeds(feed_id) ON DELETE SET NULL,
    state TEXT NOT NULL DEFAULT 'queued', attempts INTEGER NOT NULL DEFAULT 0, status TEXT, last_error TEXT,
    enqueued_at TEXT NOT NULL, claimed_at TEXT, done_at TEXT,
    UNIQUE (run_id, article_id, content_hash)
);
CREATE INDEX idx_work_queue_state ON work_queue(state, item_id);
"""

# Version 7: reviewers' judgements (`POST /v1/judgements`): an incident marked correct or wrong (with a reason), a
# field corrected, or an incident the run missed (the sentence that reports it); who and when, and the content hash
# of the article as judged, so a judgement of an article that changed since is not applied to its new version.
_V7 = """
CREATE TABLE judgements (
    judgement_id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    article_id TEXT NOT NULL REFERENCES articles(article_id),
    content_hash TEXT NOT NULL, incident_id TEXT, verdict TEXT NOT NULL, reason TEXT, field TEXT, value TEXT,
    sentence TEXT, reviewer TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE INDEX idx_judgements_article ON judgements(run_id, article_id);
"""

# Version 8: the events' latest date indexed within their run, so `events_view` sorted newest first (as a person
# browsing it in Datasette sorts it) reads its first rows from the index instead of sorting every event of the run
# and computing each one's outlets (bench/store_scale.py: 0.58 s for 50 rows at 1 million incidents on SQLite).
_V8 = """
CREATE INDEX idx_events_latest ON events(run_id, date_latest);
"""

# Version -> the SQL that brings a file from the version before to it. Add a new entry; never edit an old one.
MIGRATIONS: dict[int, str] = {1: _V1, 2: _V2, 3: _V3, 4: _V4, 5: _V5, 6: _V6, 7: _V7, 8: _V8}
# Full-text index over the articles (sqlite-utils builds the FTS5 table and the triggers that keep it in step).
FTS_TABLE, FTS_COLUMNS = "articles", ("title", "text")
OUR_TABLES = frozenset({"meta", "runs", "articles", "extractions", "incidents", "evidence", "claims", "events",
                        "event_incidents", "adjudications", "feeds", "work_queue", "judgements"})  # fmt: skip


# -- PostgreSQL (store/pg.py) -----------------------------------------------------------------------------------------
# The same tables, views and versions written for PostgreSQL: floats are DOUBLE PRECISION (REAL is 4 bytes there),
# SQLite's AUTOINCREMENT keys are identity columns, group_concat is string_agg, and the tables whose SQLite rowid the
# queries read (writing order, keyset pages, the full-text join) get an explicit `rowid` identity column. The articles'
# full-text index is a generated tsvector column with a GIN index instead of an FTS5 table. Migrations 2, 3, 4 and 8
# are the same SQL on both engines.
def _pg(sql: str) -> str:
    sql = re.sub(r"\bREAL\b", "DOUBLE PRECISION", sql)
    sql = sql.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
    sql = re.sub(r"group_concat\(DISTINCT a\.outlet\)", "string_agg(DISTINCT a.outlet, ',')", sql)
    return sql.replace("group_concat(", "string_agg(")


_ROWID = "rowid BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE, "
_PG_V1 = (
    _pg(_V1)
    .replace("CREATE TABLE articles (\n", "CREATE TABLE articles (\n    " + _ROWID)
    .replace("CREATE TABLE extractions (\n", "CREATE TABLE extractions (\n    " + _ROWID)
    .replace("CREATE TABLE incidents (\n", "CREATE TABLE incidents (\n    " + _ROWID)
    .replace(
        "versions INTEGER NOT NULL DEFAULT 1\n);",
        "versions INTEGER NOT NULL DEFAULT 1,\n"
        "    search tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce(title, '') || ' ' || text)) STORED\n);\n"
        "CREATE INDEX idx_articles_search ON articles USING GIN (search);",
        1,
    )
)
PG_MIGRATIONS: dict[int, str] = {1: _PG_V1, 2: _V2, 3: _V3, 4: _V4, 5: _pg(_V5), 6: _pg(_V6), 7: _pg(_V7),
                                 8: _V8}  # fmt: skip
# PostgreSQL-only columns, never copied: generated (geom only where PostGIS is installed: store/pg.py)
PG_COMPUTED = frozenset({"rowid", "search", "geom"})
