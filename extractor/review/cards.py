"""An incident as a card of readable rows: ranges in words ("at least 81"), perpetrators with how sure the article
is, claims attributed to whoever makes them, places with coordinates and precision when the incident has them."""

from __future__ import annotations

from typing import Any

from ..models import Count, GoldIncident, Incident, render_count

ATTRIBUTION = {
    "claimed": "claimed responsibility",
    "reported_as_fact": "stated as fact",
    "suspected": "suspected",
    "unknown": "named, certainty not given",
}
KNOWN = set(GoldIncident.model_fields) | {"grounded", "ungrounded_quotes", "corrections", "country_raw", "region_raw"}
# geo_precision (ACLED's codes, set by the gazetteer after extraction) in words
PRECISION = {1: "the town itself", 2: "near the town", 3: "the region (its largest town)"}
# Card rows, in order: (key, label). The key is also what a gold-versus-predicted difference marks.
ROWS = [
    ("date", "Date"),
    ("location", "Place"),
    ("region", "Region"),
    ("country", "Country"),
    ("coordinates", "Coordinates"),
    ("attack_type", "Attack type"),
    ("suicide", "Suicide attack"),
    ("perpetrators", "Perpetrators"),
    ("targets", "Targets"),
    ("weapons", "Weapons"),
    ("killed", "Killed"),
    ("wounded", "Wounded"),
    ("perpetrators_killed", "Perpetrators killed"),
    ("kidnapped", "Kidnapped"),
    ("claims", "Claims"),
]


def count_text(count: Count | None) -> str:
    """A range in words: 'not reported', '6', 'at least 81', 'between 3 and 5'."""
    return render_count(count, none="not reported", open_end="at least {min}", between="between {min} and {max}")


def words(value: str) -> str:
    return value.replace("_", " ")


def _aliases(names: list[str], limit: int = 4) -> str:
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _date(incident: Incident) -> str:
    text = incident.date or "unknown"
    if incident.date_text:
        text += f" (\u201c{incident.date_text}\u201d)"
    if isinstance(incident, GoldIncident) and incident.date_range:
        text += f"; accepted {incident.date_range.earliest} to {incident.date_range.latest}"
    return text


def _with_alternatives(value: str | None, alternatives: list[str]) -> str:
    text = value or "\u2014"
    return text + (f" (also accepted: {', '.join(alternatives)})" if alternatives else "")


def _raw(data: dict[str, Any], field: str) -> str:
    """' (extracted as "USA")' when the gazetteer made the name canonical."""
    raw = data.get(f"{field}_raw")
    return f" (extracted as \u201c{raw}\u201d)" if raw else ""


def _coordinates(data: dict[str, Any]) -> str | None:
    """Coordinates from whatever fields the incident carries (latitude/longitude, coordinates, geo_precision)."""
    lat, lon = data.get("latitude"), data.get("longitude")
    coords = data.get("coordinates")
    if isinstance(coords, dict):
        lat, lon = coords.get("latitude", coords.get("lat")), coords.get("longitude", coords.get("lon"))
    elif isinstance(coords, (list, tuple)) and len(coords) == 2:
        lat, lon = coords
    if lat is None or lon is None:
        return None
    precision = data.get("precision") or data.get("geo_precision") or data.get("location_precision")
    if isinstance(coords, dict):
        precision = precision or coords.get("precision")
    if precision is not None:
        precision = PRECISION.get(precision, words(str(precision)))
    return f"{float(lat):.4f}, {float(lon):.4f}" + (f" (precision: {precision})" if precision else "")


def rows(incident: Incident) -> dict[str, str]:
    """The readable value of every card row (rows with nothing to say are left out)."""
    gold = incident if isinstance(incident, GoldIncident) else None
    data = incident.model_dump(mode="json")
    perpetrators = "; ".join(
        f"{p.name} ({ATTRIBUTION.get(p.attribution, p.attribution)})" for p in incident.perpetrators
    )
    if gold and gold.perpetrator_aliases:
        perpetrators += " [also accepted: " + "; ".join(_aliases(v) for v in gold.perpetrator_aliases.values()) + "]"
    attack = words(incident.attack_type)
    if gold and gold.alt_attack_types:
        attack += f" (also accepted: {', '.join(words(a) for a in gold.alt_attack_types)})"
    claims = [
        f"{c.by} claims"
        + (f" {count_text(c.killed)} killed" if c.killed else "")
        + (f" {count_text(c.wounded)} wounded" if c.wounded else "")
        + f": \u201c{c.text}\u201d"
        for c in incident.claims
    ]
    values = {
        "date": _date(incident),
        "location": _with_alternatives(incident.location, gold.alt_locations if gold else []),
        "region": _with_alternatives(incident.region, gold.alt_regions if gold else []) + _raw(data, "region"),
        "country": _with_alternatives(incident.country, gold.alt_countries if gold else []) + _raw(data, "country"),
        "coordinates": _coordinates(data),
        "attack_type": attack,
        "suicide": "yes" if incident.suicide else "no",
        "perpetrators": perpetrators or "not named",
        "targets": "; ".join(f"{words(t.type)}: {t.description}" for t in incident.targets) or None,
        "weapons": ", ".join(words(w) for w in incident.weapons) or None,
        "killed": count_text(incident.killed),
        "wounded": count_text(incident.wounded),
        "perpetrators_killed": count_text(incident.perpetrators_killed) if incident.perpetrators_killed else None,
        "kidnapped": count_text(incident.kidnapped) if incident.kidnapped else None,
        "claims": " | ".join(claims) or None,
    }
    return {key: value for key, value in values.items() if value is not None}


def card(incident: Incident, found: list[bool] | None = None) -> dict[str, Any]:
    """The card of an incident (predicted or gold): summary, rows, evidence with located flags, checks."""
    data = incident.model_dump(mode="json")
    ungrounded = set(data.get("ungrounded_quotes") or [])
    evidence = [
        {"q": quote, "found": bool(found[i]) if found is not None and i < len(found) else None,
         "ungrounded": quote in ungrounded}
        for i, quote in enumerate(incident.evidence)
    ]  # fmt: skip
    extra = {k: v for k, v in data.items() if k not in KNOWN and v not in (None, [], {}, "")}
    values = rows(incident)
    for key in ("latitude", "longitude", "coordinates", "precision", "geo_precision", "location_precision"):
        if "coordinates" in values:
            extra.pop(key, None)
    result: dict[str, Any] = {
        "summary": incident.summary,
        "rows": [[key, label, values[key]] for key, label in ROWS if key in values],
        "extra": [[words(k), v if isinstance(v, str) else str(v)] for k, v in extra.items()],
        "evidence": evidence,
        "primary": incident.primary,
        "country": incident.country,
        "type": incident.attack_type,
    }
    if "grounded" in data:
        result["grounded"] = data["grounded"]
        result["corrections"] = data.get("corrections") or []
    if isinstance(incident, GoldIncident):
        result["event_id"] = incident.event_id
        result["optional"] = incident.optional
    return result
