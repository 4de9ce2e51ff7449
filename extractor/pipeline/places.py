"""Places normalised after extraction, the same for every backend: each incident's country, region and location
resolved with the gazetteer (`geo.gazetteer.resolve`) within the countries its article is about
(`geo.towns.article_countries`: the dateline's, then those it names).

- A missing country is filled from the location or region ("Lima" -> Peru).
- Country and region names become canonical ("USA" -> "United States", "Borno State" -> "Borno"); the value as
  extracted is kept in `country_raw` / `region_raw`, only when it changed. The location is left as written.
- `latitude`, `longitude` and `geo_precision` are set: 1 the town itself, 2 near a town, 3 a first-level region
  (coordinates of its largest town, when the gazetteer knows it); a country alone gets no coordinates.
- A location the extracted country lacks but another country of the article has is that country's town (the
  model took "South Sudan" from an allAfrica title, Kadugli is in Sudan); the extracted country is kept in
  `country_raw`. A region of one country only, named with no country ("Rhode Island", "South Kordofan State"),
  gives that country.
- `admin2`: the second-level division the location or the evidence names with its generic word ("Gwoza Local
  Government Area", "Kurram district", "Cook County"; `geo.places.find_admin2`), without that word; else the
  resolved town's, from the gazetteer ("Pawtucket" -> "Providence").
- Conservative: a location that does not resolve (unknown, or a name several countries share and the article
  does not choose between) changes nothing but what the country and region alone say; nothing is invented.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..models import Article, GroundedIncident
from ..geo.gazetteer import Place, resolve
from ..geo.places import find_admin2, region_country
from ..geo.towns import article_countries


def place_incidents(incidents: Sequence[GroundedIncident], article: Article) -> list[GroundedIncident]:
    """The incidents with their places normalised (see the module doc); incidents with no place are returned as
    they are, and the gazetteer is only read when some incident has one."""
    incidents = [_with_admin2(incident) for incident in incidents]
    if not any(i.country or i.region or i.location for i in incidents):
        return list(incidents)
    context = article_countries(article.title, article.text)
    return [normalise(incident, context) for incident in incidents]


def _with_admin2(incident: GroundedIncident) -> GroundedIncident:
    if incident.admin2 is not None:
        return incident
    for text in (incident.location or "", *incident.evidence):
        if found := find_admin2(text):
            return incident.model_copy(update={"admin2": found[0][0]})
    return incident


def normalise(incident: GroundedIncident, context: Sequence[str] = ()) -> GroundedIncident:
    """One incident with canonical country and region, a filled country, and coordinates."""
    place = _place(incident, context)
    if place is None:
        return incident
    update: dict[str, object] = {"country": place.country}
    if incident.country is not None and incident.country != place.country:
        update["country_raw"] = incident.country
    if place.region is not None:
        update["region"] = place.region
        if incident.region is not None and incident.region != place.region:
            update["region_raw"] = incident.region
    if place.geo_precision is not None:
        update.update(latitude=place.latitude, longitude=place.longitude, geo_precision=place.geo_precision)
    if place.admin2 is not None and incident.admin2 is None:
        update["admin2"] = place.admin2  # the town's district or county, from the gazetteer
    return incident.model_copy(update=update)


def _place(incident: GroundedIncident, context: Sequence[str]) -> Place | None:
    """The resolved place: within the article's countries first, then (a location the gazetteer places in one
    country of the world beyond doubt) anywhere, when the incident names no country."""
    place = resolve(incident.country, incident.region, incident.location, context_countries=context)
    if place is not None and incident.location and place.geo_precision is None and place.source == "country":
        # the extracted country lacks the town: another country of the article may have it (Kadugli, Sudan)
        others = [code for code in context if code != place.country_code]
        elsewhere = resolve(None, incident.region, incident.location, context_countries=others) if others else None
        if elsewhere is not None and elsewhere.location is not None and elsewhere.geo_precision is not None:
            return elsewhere
    if place is None and (code := region_country(incident.region)) is not None:  # "Rhode Island", one country's
        place = resolve(code, incident.region, incident.location)
    if incident.country is None and context and (place is None or place.geo_precision is None) and incident.location:
        anywhere = resolve(None, incident.region, incident.location)
        if anywhere is not None and anywhere.geo_precision is not None:
            return anywhere
    return place
