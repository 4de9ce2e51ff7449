"""Rows in the Global Terrorism Database's core columns, in its order, from incidents or events (mapping tables:
docs/exports.md). GTD's own codes where the schema says it (0 for an unknown day or month of a known date,
specificity 5 for no coordinates); an empty cell where it cannot (no figure, no group, an unmapped type).
"""

from __future__ import annotations

import datetime as dt

from .units import Unit

GTD_COLUMNS = [
    "eventid", "iyear", "imonth", "iday", "approxdate", "country_txt", "provstate", "city", "latitude", "longitude",
    "specificity", "summary", "attacktype1_txt", "targtype1_txt", "gname", "claimed", "weaptype1_txt", "nkill",
    "nwound", "suicide", "scite1",
]  # fmt: skip

ATTACK_TYPES = {
    "armed_assault": "Armed Assault", "armed_clash": "Armed Assault", "assassination": "Assassination",
    "bombing": "Bombing/Explosion", "suicide_attack": "Bombing/Explosion", "air_or_drone_strike": "Bombing/Explosion",
    "shelling": "Bombing/Explosion", "kidnapping": "Hostage Taking (Kidnapping)",
    "arson_or_facility_attack": "Facility/Infrastructure Attack", "unknown": "Unknown", "other": "",
}  # fmt: skip
TARGET_TYPES = {
    "military": "Military", "police": "Police", "government": "Government (General)",
    "civilians": "Private Citizens & Property", "aviation": "Airports & Aircraft",
    "religious": "Religious Figures/Institutions", "education": "Educational Institution",
    "journalists": "Journalists & Media", "ngo": "NGO", "business": "Business", "other": "Other",
    "infrastructure": "",
}  # fmt: skip
WEAPON_TYPES = {
    "firearms": "Firearms", "explosives": "Explosives", "rockets_artillery": "Explosives", "incendiary": "Incendiary",
    "melee": "Melee", "vehicle": "Vehicle (not to include vehicle-borne explosives, i.e., car or truck bombs)",
    "drone": "Other", "other": "Other",
}  # fmt: skip
# ACLED geo_precision -> GTD specificity (1 the place itself; 2 near it; 4 only the first-level division)
SPECIFICITY = {1: 1, 2: 2, 3: 4}


def _date_parts(unit: Unit) -> tuple[object, object, object, str]:
    if not unit.date:
        return "", "", "", unit.date_text or ""
    day = dt.date.fromisoformat(unit.date)
    if unit.time_precision == 3:
        return day.year, day.month, 0, unit.date_text or f"{day:%B %Y}"
    approx = (unit.date_text or "") if unit.time_precision == 2 else ""
    if unit.date_latest and unit.date_latest != unit.date:
        approx = f"{unit.date} to {unit.date_latest}"
    return day.year, day.month, day.day, approx


def gtd_row(unit: Unit) -> dict[str, object]:
    """The GTD columns of one incident or event."""
    year, month, day, approx = _date_parts(unit)
    killed = [c.min for c in (unit.killed, unit.perpetrators_killed) if c is not None]  # nkill counts attackers
    located = unit.latitude is not None and unit.longitude is not None
    first = unit.sources[0] if unit.sources else None
    cite = ". ".join(x for x in (first.title, first.outlet, (first.published or "")[:10], first.link) if x) if first else ""
    return {
        "eventid": unit.unit_id,
        "iyear": year,
        "imonth": month,
        "iday": day,
        "approxdate": approx,
        "country_txt": unit.country or "",
        "provstate": unit.region or "",
        "city": unit.location or "",
        "latitude": unit.latitude if located else "",
        "longitude": unit.longitude if located else "",
        "specificity": SPECIFICITY.get(unit.geo_precision or 0, "") if located else 5,
        "summary": unit.summary or "",
        "attacktype1_txt": ATTACK_TYPES.get(unit.attack_type, ""),
        "targtype1_txt": TARGET_TYPES.get(unit.targets[0].type, "") if unit.targets else "",
        "gname": unit.perpetrators[0].name if unit.perpetrators else "",
        "claimed": 1 if any(p.attribution == "claimed" for p in unit.perpetrators) else "",
        "weaptype1_txt": WEAPON_TYPES.get(unit.weapons[0], "") if unit.weapons else "",
        "nkill": sum(killed) if killed else "",
        "nwound": unit.wounded.min if unit.wounded else "",
        "suicide": int(unit.suicide or unit.attack_type == "suicide_attack"),
        "scite1": cite,
    }
