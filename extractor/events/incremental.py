"""Events kept current as articles arrive: only the neighbourhood of the new incidents is clustered again.

A full rebuild (`storage.update_events`) reads and clusters every incident of the run; the service and `extract
watch` add a few articles at a time to runs of any size, so they call `add_to_events` instead:

1. the *new* incidents are those of the run linked to no event yet (just extracted, or re-extracted after their
   article changed); events that lost members (their article changed: the links went with the old incidents) are
   *touched* too;
2. the *neighbourhood* is every stored incident that a new one could merge with. Merging needs overlapping date
   intervals (`rules.dates_compatible`: a date widened by its precision of up to a month, an undated report the
   `undated_window_days` before its article), so a window of the new incidents' intervals widened by NEIGHBOUR_DAYS
   on each side holds every possible partner, found by the incident's date or its article's publication date;
   incidents with neither (never merged on text, rarely on fields) are always in it;
3. the events holding any neighbour are taken whole, clustered again with the new incidents by the same
   `build_events` (same rules, same confidence), their ids kept from before, and replaced in one transaction. Every
   other event of the run is left as it is.

When nothing bounds a new incident in time (no date and no publication date), the whole run is the neighbourhood
and the update is a full rebuild. The TF-IDF weights of the text score are those of the neighbourhood rather than
the whole run, so on a large run an incremental update may score a borderline pair slightly differently from a
rebuild; `extract events --db` rebuilds from scratch whenever wanted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..store.database import IncidentDB
from .build import build_events
from .rules import DEFAULT_RULES, Member, Rules, date_interval
from .storage import event_rows, member_of_row, update_events

NEIGHBOUR_DAYS = 40  # beyond a month's precision (31 days), the undated window (7) and the slack (1 day)
_MEMBER_SQL = (
    "SELECT i.incident_id, i.incident_key, i.article_id, i.json, a.published, a.outlet, a.title FROM incidents i "
    "JOIN articles a USING (article_id) JOIN extractions e USING (extraction_id) WHERE i.run_id = ? AND "
    "e.status = 'ok'"
)


@dataclass
class EventUpdate:
    """What one incremental update did."""

    new_incidents: int = 0
    clustered: int = 0  # incidents clustered again (the new ones and their neighbourhood)
    replaced: int = 0  # stored events replaced (the touched ones)
    events: int = 0  # events written in their place
    full: bool = False  # True when the update was a full rebuild


def add_to_events(db: IncidentDB, run_id: str | None = None, rules: Rules = DEFAULT_RULES) -> EventUpdate:
    """Bring the run's events up to date with the incidents added since the last update (see the module
    docstring); a run without events gets a full build."""
    run_id = run_id or db.current_run()
    update = EventUpdate()
    if run_id is None:
        return update
    new = _members(db, run_id, " AND i.incident_id NOT IN (SELECT incident_id FROM event_incidents WHERE run_id = ?)",
                   [run_id])  # fmt: skip
    shrunk = [r["event_id"] for r in db.query(
        "SELECT e.event_id FROM events e LEFT JOIN event_incidents ei ON ei.run_id = e.run_id AND ei.event_id = "
        "e.event_id WHERE e.run_id = ? GROUP BY e.event_id, e.n_incidents HAVING count(ei.incident_id) != e.n_incidents", [run_id])]
    update.new_incidents = len(new)
    if not new and not shrunk:
        return update
    intervals = [date_interval(m, rules) for m in new]
    stored = db.query("SELECT count(*) AS n FROM events WHERE run_id = ?", [run_id])[0]["n"]
    if not stored or any(i is None for i in intervals):
        events = update_events(db, run_id, rules)
        update.full, update.events, update.clustered = True, len(events), sum(len(e.sources) for e in events)
        return update
    near: list[dict] = []
    if new:
        low = (min(i[0] for i in intervals if i) - dt.timedelta(days=NEIGHBOUR_DAYS)).isoformat()
        high = (max(i[1] for i in intervals if i) + dt.timedelta(days=NEIGHBOUR_DAYS)).isoformat()
        near = db.query(
            "SELECT DISTINCT ei.event_id FROM event_incidents ei JOIN incidents i ON i.incident_id = ei.incident_id "
            "JOIN articles a ON a.article_id = i.article_id WHERE ei.run_id = ? AND ((i.date BETWEEN ? AND ?) OR (substr(a.published, 1, 10) "
            "BETWEEN ? AND ?) OR (i.date IS NULL AND a.published IS NULL))",
            [run_id, low, high, low, high],
        )
    touched = sorted({r["event_id"] for r in near} | set(shrunk))
    members = new + _members_of_events(db, run_id, touched)
    previous = {
        r["incident_key"]: r["event_id"]
        for event_ids in _chunks(touched)
        for r in db.query("SELECT i.incident_key, ei.event_id FROM event_incidents ei JOIN incidents i USING "
                          f"(incident_id) WHERE ei.run_id = ? AND ei.event_id IN ({_marks(event_ids)})",
                          [run_id, *event_ids])  # fmt: skip
    }
    members.sort(key=lambda m: (m.published.isoformat() if m.published else "", m.key))
    events = build_events(members, rules, previous)
    rows, links = event_rows(events)
    db.replace_events(run_id, rows, links, only=touched)
    update.clustered, update.replaced, update.events = len(members), len(touched), len(events)
    return update


def _members(db: IncidentDB, run_id: str, where: str, params: list) -> list[Member]:
    return [member_of_row(r) for r in db.query(_MEMBER_SQL + where, [run_id, *params])]


def _members_of_events(db: IncidentDB, run_id: str, event_ids: list[str]) -> list[Member]:
    found: list[Member] = []
    for chunk in _chunks(event_ids):
        found += _members(db, run_id, " AND i.incident_id IN (SELECT incident_id FROM event_incidents WHERE run_id = "
                          f"? AND event_id IN ({_marks(chunk)}))", [run_id, *chunk])  # fmt: skip
    return found


def _chunks(values: list[str], size: int = 500) -> list[list[str]]:
    return [values[n : n + size] for n in range(0, len(values), size)]


def _marks(values: list[str]) -> str:
    return ", ".join("?" * len(values))
