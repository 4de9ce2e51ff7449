"""An event's reconciled description and figures from its member incidents.

Figures follow the codebook (rule 8, "conflicting figures"): sources that agree give their range; sources that
disagree give the lowest minimum and an open maximum, i.e. the most conservative range every source supports. A
source without a figure says nothing (null is not zero). Parties' claims never set the figures; every source's own
figure and every claim stay beside them, attributed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from ..models import Count, Incident, Target
from ..text.normalize import fold
from .models import AttributedClaim, EventSource
from .rules import VAGUE_ATTACKS, Member, fine_location, names_match


def conservative(counts: Sequence[Count | None]) -> Count | None:
    """The most conservative range the given figures support (None when no source gives one)."""
    given = [c for c in counts if c is not None]
    if not given:
        return None
    if all(c == given[0] for c in given):
        return given[0]
    return Count(min=min(c.min for c in given), max=None)


def _most_common(values: Sequence[str | None]) -> str | None:
    """The most frequent value (compared folded; the first spelling seen is kept)."""
    seen: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for value in values:
        if value:
            seen.setdefault(fold(value), value)
            counts[fold(value)] += 1
    return seen[counts.most_common(1)[0][0]] if counts else None


def _finest(codes: Sequence[int | None]) -> int | None:
    given = [c for c in codes if c is not None]
    return min(given) if given else None


def time_precision(incidents: Sequence[Incident], dates: Sequence[str]) -> int | None:
    """ACLED's time precision of an event: the finest of its reports dated on its earliest day; when reports give
    different days, at least 2 (a range within a week) or 3 (a longer range). None when no report says."""
    if not dates:
        return None
    finest = _finest([getattr(i, "time_precision", None) for i in incidents if i.date == dates[0]])
    if dates[0] != dates[-1]:
        span = (dt.date.fromisoformat(dates[-1]) - dt.date.fromisoformat(dates[0])).days
        return max(finest or 1, 2 if span <= 7 else 3)
    return finest


def describe(members: Sequence[Member]) -> dict:
    """The Event fields (but the id) of a group of member incidents."""
    incidents = [m.incident for m in members]
    dates = sorted(i.date for i in incidents if i.date)
    perpetrators: list[str] = []  # one spelling per actor: the first seen
    for incident in incidents:
        for p in incident.perpetrators:
            if not any(names_match(p.name, known) for known in perpetrators):
                perpetrators.append(p.name)
    coords = [(getattr(i, "latitude", None), getattr(i, "longitude", None)) for i in incidents]
    coords = [c for c in coords if None not in c]
    sources = [
        EventSource(
            incident_key=m.key, incident_id=m.incident_id, article_id=m.article_id, outlet=m.outlet,
            published=m.published, date=m.incident.date, location=m.incident.location, killed=m.incident.killed,
            wounded=m.incident.wounded,
        )
        for m in members
    ]  # fmt: skip
    claims = [
        AttributedClaim(by=c.by, text=c.text, killed=c.killed, wounded=c.wounded, article_id=m.article_id,
                        outlet=m.outlet)
        for m in members
        for c in m.incident.claims
    ]
    location = _most_common([fine_location(i) for i in incidents]) or _most_common([i.location for i in incidents])
    targets: list[Target] = []
    for incident in incidents:
        for t in incident.targets:
            if not any(t.type == known.type and fold(t.description) == fold(known.description) for known in targets):
                targets.append(t)
    return {
        "date_earliest": dates[0] if dates else None,
        "date_latest": dates[-1] if dates else None,
        "time_precision": time_precision(incidents, dates),
        "country": _most_common([i.country for i in incidents]),
        "region": _most_common([i.region for i in incidents]),
        "admin2": _most_common([getattr(i, "admin2", None) for i in incidents]),
        "location": location,
        "geo_precision": _finest([getattr(i, "geo_precision", None) for i in incidents
                                  if location and i.location and fold(i.location) == fold(location)]),
        "targets": targets,
        "latitude": sum(c[0] for c in coords) / len(coords) if coords else None,
        "longitude": sum(c[1] for c in coords) / len(coords) if coords else None,
        "attack_type": _most_common([i.attack_type for i in incidents if i.attack_type not in VAGUE_ATTACKS])
        or incidents[0].attack_type,
        "perpetrators": perpetrators,
        "killed": conservative([i.killed for i in incidents]),
        "wounded": conservative([i.wounded for i in incidents]),
        "sources": sources,
        "claims": claims,
    }
