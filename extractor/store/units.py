"""What the ACLED- and GTD-shaped exports read: one unit per incident or per event, with its member incidents and
their articles, and the unit's fields (an event's reconciled ones, an incident's own).

An event's figures are the stored conservative ones (`events.figures.conservative`); its attackers killed are the
lowest figure a source gives; its perpetrators, targets and weapons are every source's, once each.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..models import Count, GroundedIncident, Perpetrator, Target
from ..text.normalize import fold
from .database import IncidentDB
from .database import _incident as read_incident  # the one reader of a stored incident (older ones upgraded)


@dataclass
class Source:
    article_id: str
    title: str | None
    outlet: str | None
    link: str | None
    published: str | None


@dataclass
class Unit:
    """One row of an ACLED or GTD export."""

    unit_id: str
    incidents: list[GroundedIncident]
    sources: list[Source]
    date: str | None = None
    date_latest: str | None = None
    time_precision: int | None = None
    date_text: str | None = None
    country: str | None = None
    region: str | None = None
    admin2: str | None = None
    location: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: int | None = None
    attack_type: str = "unknown"
    suicide: bool = False
    perpetrators: list[Perpetrator] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    weapons: list[str] = field(default_factory=list)
    killed: Count | None = None
    perpetrators_killed: Count | None = None
    wounded: Count | None = None
    summary: str | None = None
    updated: str | None = None  # ISO timestamp of the row's last change


_INCIDENTS = """
SELECT i.incident_id, i.article_id, i.json, a.title, a.outlet, a.link, a.published, x.extracted_at
FROM incidents i JOIN articles a USING (article_id) JOIN extractions x USING (extraction_id)
WHERE i.run_id = ? ORDER BY a.published, i.article_id, i.n
"""
_MEMBERS = """
SELECT ei.event_id, i.json, a.article_id, a.title, a.outlet, a.link, a.published
FROM event_incidents ei JOIN incidents i USING (incident_id) JOIN articles a ON a.article_id = ei.article_id
WHERE ei.run_id = ? ORDER BY a.published, i.incident_key
"""


def _source(row: dict[str, Any]) -> Source:
    return Source(row["article_id"], row["title"], row["outlet"], row["link"], row["published"])


def incident_unit(unit_id: str, inc: GroundedIncident, source: Source, updated: str | None = None) -> Unit:
    return Unit(
        unit_id=unit_id, incidents=[inc], sources=[source], date=inc.date, date_latest=inc.date,
        time_precision=inc.time_precision, date_text=inc.date_text, country=inc.country, region=inc.region,
        admin2=inc.admin2, location=inc.location, latitude=inc.latitude, longitude=inc.longitude,
        geo_precision=inc.geo_precision, attack_type=inc.attack_type, suicide=inc.suicide,
        perpetrators=list(inc.perpetrators), targets=list(inc.targets), weapons=list(inc.weapons), killed=inc.killed,
        perpetrators_killed=inc.perpetrators_killed, wounded=inc.wounded, summary=inc.summary, updated=updated,
    )  # fmt: skip


def _lowest(counts: list[Count | None]) -> Count | None:
    given = [c for c in counts if c is not None]
    if not given:
        return None
    return given[0] if all(c == given[0] for c in given) else Count(min=min(c.min for c in given), max=None)


def _count(row: dict[str, Any], prefix: str) -> Count | None:
    low = row[f"{prefix}_min"]
    return None if low is None else Count(min=low, max=row[f"{prefix}_max"])


def event_unit(row: dict[str, Any], members: list[tuple[GroundedIncident, Source]]) -> Unit:
    incidents = [inc for inc, _ in members]
    perpetrators: list[Perpetrator] = []
    for inc in incidents:
        for p in inc.perpetrators:
            same = next((k for k, known in enumerate(perpetrators) if fold(known.name) == fold(p.name)), None)
            if same is None:
                perpetrators.append(p)
            elif p.attribution == "claimed":  # one source's claim makes the event claimed
                perpetrators[same] = p
    stored = [p for p in (row.get("perpetrators") or "").split("; ") if p]  # the event's spelling of each actor
    ordered = [next((p for p in perpetrators if fold(p.name) == fold(name)), None) for name in stored]
    perpetrators = [p for p in ordered if p] + [p for p in perpetrators if p not in ordered]
    targets: list[Target] = []
    for inc in incidents:
        targets += [t for t in inc.targets if all(fold(t.description) != fold(k.description) for k in targets)]
    weapons = list(dict.fromkeys(w for inc in incidents for w in inc.weapons))
    sources = list({s.article_id: s for _, s in members}.values())
    return Unit(
        unit_id=row["event_id"], incidents=incidents, sources=sources, date=row["date_earliest"],
        date_latest=row["date_latest"], time_precision=row.get("time_precision"),
        date_text=next((i.date_text for i in incidents if i.date_text), None), country=row["country"],
        region=row["region"], admin2=row.get("admin2"), location=row["location"], latitude=row["latitude"],
        longitude=row["longitude"], geo_precision=row.get("geo_precision"), attack_type=row["attack_type"] or "unknown",
        suicide=any(i.suicide for i in incidents), perpetrators=perpetrators, targets=targets, weapons=weapons,
        killed=_count(row, "killed"), perpetrators_killed=_lowest([i.perpetrators_killed for i in incidents]),
        wounded=_count(row, "wounded"),
        summary=next((i.summary for i in incidents if i.primary), incidents[0].summary if incidents else None),
        updated=row.get("updated_at"),
    )  # fmt: skip


def load_units(db: IncidentDB, what: str, run_id: str, events: list[dict[str, Any]] | None = None) -> list[Unit]:
    """The units of a run: its incidents, or its events (rows of the events table, given or read)."""
    if what == "incidents":
        return [
            incident_unit(r["incident_id"], read_incident(r["json"]), _source(r), r["extracted_at"])
            for r in db.query(_INCIDENTS, [run_id])
        ]
    members: dict[str, list[tuple[GroundedIncident, Source]]] = defaultdict(list)
    for r in db.query(_MEMBERS, [run_id]):
        members[r["event_id"]].append((read_incident(r["json"]), _source(r)))
    rows = events if events is not None else db.query("SELECT * FROM events WHERE run_id = ?", [run_id])
    return [event_unit(r, members.get(r["event_id"], [])) for r in rows]


def epoch(timestamp: str | None) -> int | None:
    """Seconds since 1970 of an ISO timestamp (ACLED's `timestamp`), else None."""
    if not timestamp:
        return None
    value = dt.datetime.fromisoformat(timestamp)
    return int((value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).timestamp())

