"""Events in the incident database: the current run's incidents in, events and incident-event links out."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

from ..models import GroundedIncident
from ..store.database import IncidentDB
from .adjudicate import Judge, adjudicate
from .build import build_events
from .models import Event
from .rules import DEFAULT_RULES, Member, Rules


def load_members(db: IncidentDB, run_id: str) -> list[Member]:
    rows = db.query(
        "SELECT i.incident_id, i.incident_key, i.article_id, i.json, a.published, a.outlet, a.title FROM incidents i "
        "JOIN articles a USING (article_id) JOIN extractions e USING (extraction_id) "
        "WHERE i.run_id = ? AND e.status = 'ok' ORDER BY a.published, i.incident_key",
        [run_id],
    )
    return [member_of_row(r) for r in rows]


def member_of_row(r: dict) -> Member:
    """A clustering member from a row of incidents joined with its article."""
    return Member(key=r["incident_key"], article_id=r["article_id"],
                  incident=GroundedIncident.model_validate_json(r["json"]),
                  published=dt.datetime.fromisoformat(r["published"]) if r["published"] else None,
                  outlet=r["outlet"], incident_id=r["incident_id"], title=r["title"])  # fmt: skip


def update_events(
    db: IncidentDB, run_id: str | None = None, rules: Rules = DEFAULT_RULES, judge: Judge | None = None
) -> list[Event]:
    """Cluster a run's incidents (the current run by default) into events and store them, keeping earlier ids; with a
    `judge`, borderline pairs are decided by it (answers cached in the database)."""
    run_id = run_id or db.current_run()
    if run_id is None:
        return []
    previous = {
        r["incident_key"]: r["event_id"]
        for r in db.query("SELECT i.incident_key, ei.event_id FROM event_incidents ei JOIN incidents i USING "
                          "(incident_id) WHERE ei.run_id = ?", [run_id])
    }
    members = load_members(db, run_id)
    decisions = asyncio.run(adjudicate(db, judge, members, rules)) if judge else None
    events = build_events(members, rules, previous, decisions)
    rows, links = event_rows(events)
    db.replace_events(run_id, rows, links)
    return events


def event_rows(events: list[Event]) -> tuple[list[dict], list[dict]]:
    """The events' rows and their incident links, as the events and event_incidents tables hold them."""
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    rows, links = [], []
    for event in events:
        published = sorted(s.published.isoformat() for s in event.sources if s.published)
        rows.append({
            "event_id": event.event_id, "date_earliest": event.date_earliest, "date_latest": event.date_latest,
            "time_precision": event.time_precision, "country": event.country, "region": event.region,
            "admin2": event.admin2, "location": event.location, "geo_precision": event.geo_precision,
            "targets": "; ".join(f"{t.type}: {t.description}" for t in event.targets), "confidence": event.confidence,
            "latitude": event.latitude, "longitude": event.longitude, "attack_type": event.attack_type,
            "perpetrators": "; ".join(event.perpetrators),
            "killed_min": event.killed.min if event.killed else None,
            "killed_max": event.killed.max if event.killed else None,
            "wounded_min": event.wounded.min if event.wounded else None,
            "wounded_max": event.wounded.max if event.wounded else None,
            "n_incidents": len(event.sources), "n_sources": event.n_sources, "n_outlets": len(event.outlets),
            "first_published": published[0] if published else None,
            "last_published": published[-1] if published else None,
            "figures": json.dumps([s.model_dump(mode="json") for s in event.sources], ensure_ascii=False),
            "claims": json.dumps([c.model_dump(mode="json") for c in event.claims], ensure_ascii=False),
            "updated_at": now,
        })  # fmt: skip
        links += [{"event_id": event.event_id, "incident_id": s.incident_id, "article_id": s.article_id}
                  for s in event.sources]  # fmt: skip
    return rows, links


def load_events(db: IncidentDB, run_id: str | None = None) -> list[Event]:
    """The stored events of a run (the current run by default)."""
    run_id = run_id or db.current_run()
    events = []
    for r in db.query("SELECT * FROM events WHERE run_id = ? ORDER BY date_earliest, event_id", [run_id]):
        targets = [dict(zip(("type", "description"), t.split(": ", 1))) for t in (r["targets"] or "").split("; ") if t]
        killed = {"min": r["killed_min"], "max": r["killed_max"]} if r["killed_min"] is not None else None
        wounded = {"min": r["wounded_min"], "max": r["wounded_max"]} if r["wounded_min"] is not None else None
        events.append(Event(
            event_id=r["event_id"], date_earliest=r["date_earliest"], date_latest=r["date_latest"],
            time_precision=r["time_precision"], country=r["country"], region=r["region"], admin2=r["admin2"],
            location=r["location"], geo_precision=r["geo_precision"], targets=targets, confidence=r["confidence"],
            latitude=r["latitude"],
            longitude=r["longitude"], attack_type=r["attack_type"],
            perpetrators=[p for p in (r["perpetrators"] or "").split("; ") if p], killed=killed, wounded=wounded,
            sources=json.loads(r["figures"] or "[]"), claims=json.loads(r["claims"] or "[]"),
        ))  # fmt: skip
    return events
