"""Rows in ACLED's public column set, in its order, from incidents or events (mapping tables: docs/exports.md).

A cell the schema cannot fill stays empty, never invented: no actor types (`inter1`, `interaction`), no
`source_scale`, no `tags`, no `admin3`; `fatalities` is empty when no source gives a figure (null is not zero).
"""

from __future__ import annotations

import datetime as dt

from ..geo.regions import acled_region, iso_numeric
from .units import Unit, epoch

ACLED_COLUMNS = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
    "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision",
    "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
]  # fmt: skip

# attack type -> (event_type, sub_event_type); None: decided by the targets (civilians or armed forces)
EVENT_TYPES: dict[str, tuple[str, str] | None] = {
    "armed_assault": None,
    "assassination": None,
    "armed_clash": ("Battles", "Armed clash"),
    "bombing": ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
    "suicide_attack": ("Explosions/Remote violence", "Suicide bomb"),
    "air_or_drone_strike": ("Explosions/Remote violence", "Air/drone strike"),
    "shelling": ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    "kidnapping": ("Violence against civilians", "Abduction/forced disappearance"),
    "arson_or_facility_attack": ("Strategic developments", "Looting/property destruction"),
    "other": ("", ""),
    "unknown": ("", ""),
}
DISORDER_TYPES = {
    "Battles": "Political violence", "Explosions/Remote violence": "Political violence",
    "Violence against civilians": "Political violence", "Strategic developments": "Strategic developments", "": "",
}  # fmt: skip
CIVILIAN_TARGETS = frozenset({"civilians", "education", "religious", "journalists", "ngo", "business"})
ARMED_TARGETS = frozenset({"military", "police"})
ACTS = {
    "armed_assault": "attacked", "assassination": "assassinated", "armed_clash": "clashed with",
    "bombing": "detonated an explosive device against", "suicide_attack": "carried out a suicide attack on",
    "air_or_drone_strike": "carried out an air or drone strike on", "shelling": "shelled",
    "kidnapping": "abducted", "arson_or_facility_attack": "set fire to or attacked", "other": "attacked",
    "unknown": "attacked",
}  # fmt: skip
THE_COUNTRIES = frozenset({
    "United States", "United Kingdom", "Philippines", "Netherlands", "Central African Republic", "Gambia", "Bahamas",
    "Democratic Republic of the Congo", "Republic of the Congo", "United Arab Emirates", "Comoros", "Maldives",
    "Dominican Republic", "Czech Republic", "Solomon Islands", "Marshall Islands",
})  # "in the United States" when the country is the whole place
ACTS_ALONE = {  # the act when no target is named
    "assassination": "carried out an assassination", "armed_clash": "clashed",
    "bombing": "detonated an explosive device", "suicide_attack": "carried out a suicide attack",
    "air_or_drone_strike": "carried out an air or drone strike", "shelling": "carried out shelling",
    "kidnapping": "carried out an abduction", "arson_or_facility_attack": "carried out an arson or facility attack",
}  # fmt: skip


def civilian_targeting(unit: Unit) -> bool:
    """Civilians were the target: some target is civilian and none is an armed force."""
    kinds = {t.type for t in unit.targets}
    return bool(kinds & CIVILIAN_TARGETS) and not kinds & ARMED_TARGETS


def event_type(unit: Unit) -> tuple[str, str]:
    mapped = EVENT_TYPES.get(unit.attack_type, ("", ""))
    if mapped is not None:
        return mapped
    if civilian_targeting(unit):
        return "Violence against civilians", "Attack"
    if {t.type for t in unit.targets} & ARMED_TARGETS:
        return "Battles", "Armed clash"
    return "", ""  # neither civilians nor armed forces named: ACLED's choice cannot be made


def fatalities(unit: Unit) -> int | None:
    """ACLED's one figure, by its conservative rule: the lowest credible number of victims killed (the event's
    reconciled minimum), plus attackers killed (ACLED counts a suicide bomber); None when no source gives one."""
    parts = [c.min for c in (unit.killed, unit.perpetrators_killed) if c is not None]
    return sum(parts) if parts else None


def _day(date: str) -> str:
    day = dt.date.fromisoformat(date)
    return f"{day.day} {day:%B %Y}"


def date_phrase(unit: Unit) -> str:
    if not unit.date:
        return "On an unreported date"
    day = dt.date.fromisoformat(unit.date)
    if unit.time_precision == 3:
        return f"In {day:%B %Y}"
    if unit.time_precision == 2 or (unit.date_latest and unit.date_latest != unit.date):
        return f"Around {_day(unit.date)}"
    return f"On {_day(unit.date)}"


def notes(unit: Unit) -> str:
    """One factual sentence in ACLED's style: "On 17 September 2024, JNIM militants attacked gendarmes in Bamako,
    Mali." and the figure it rests on."""
    actor = " and ".join(p.name for p in unit.perpetrators[:2]) or "unidentified perpetrators"
    if any(p.attribution == "suspected" for p in unit.perpetrators[:2]):
        actor = "suspected " + actor
    targets = " and ".join(t.description for t in unit.targets[:3])
    place = ", ".join(dict.fromkeys(p for p in (unit.location, unit.region, unit.country) if p))
    place = f"the {place}" if place in THE_COUNTRIES else place
    if targets:
        sentence = f"{date_phrase(unit)}, {actor} {ACTS.get(unit.attack_type, 'attacked')} {targets}"
    else:
        sentence = f"{date_phrase(unit)}, {actor} {ACTS_ALONE.get(unit.attack_type, 'carried out an attack')}"
    sentence += f" in {place}" if place else ""
    sentence = sentence.rstrip() + "."
    killed = fatalities(unit)
    if killed is not None:
        sentence += f" {killed} fatalit{'y' if killed == 1 else 'ies'} reported."
    if unit.wounded is not None:
        sentence += f" {unit.wounded.min}{'+' if unit.wounded.max is None else ''} injured."
    return sentence


def acled_row(unit: Unit) -> dict[str, object]:
    """The ACLED columns of one incident or event."""
    kind, sub = event_type(unit)
    civilians = civilian_targeting(unit)
    actors = [p.name for p in unit.perpetrators]
    return {
        "event_id_cnty": unit.unit_id,
        "event_date": unit.date or "",
        "year": unit.date[:4] if unit.date else "",
        "time_precision": unit.time_precision or "",
        "disorder_type": DISORDER_TYPES[kind],
        "event_type": kind,
        "sub_event_type": sub,
        "actor1": actors[0] if actors else "",
        "assoc_actor_1": "; ".join(actors[1:]),
        "inter1": "",
        "actor2": f"Civilians ({unit.country})" if civilians and unit.country else ("Civilians" if civilians else ""),
        "assoc_actor_2": "",
        "inter2": "Civilians" if civilians else "",
        "interaction": "",
        "civilian_targeting": "Civilian targeting" if civilians else "",
        "iso": iso_numeric(unit.country) or "",
        "region": acled_region(unit.country) or "",
        "country": unit.country or "",
        "admin1": unit.region or "",
        "admin2": unit.admin2 or "",
        "admin3": "",
        "location": unit.location or "",
        "latitude": "" if unit.latitude is None else unit.latitude,
        "longitude": "" if unit.longitude is None else unit.longitude,
        "geo_precision": unit.geo_precision or "",
        "source": "; ".join(dict.fromkeys(s.outlet for s in unit.sources if s.outlet)),
        "source_scale": "",
        "notes": notes(unit),
        "fatalities": "" if fatalities(unit) is None else fatalities(unit),
        "tags": "",
        "timestamp": epoch(unit.updated) or "",
    }
