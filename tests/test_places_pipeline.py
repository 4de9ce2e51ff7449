"""Places normalised after extraction, for every backend: a missing country filled from the town, canonical country
and region names with the extracted values kept, coordinates with ACLED-style precision, disambiguation by the
countries the article names; and the judge accepting canonical names for the gold ones."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from extractor.evaluation.align import place_match
from extractor.evaluation.countries import same_country
from extractor.models import Article, Extraction, GroundedIncident
from extractor.pipeline.places import normalise, place_incidents

from .conftest import COMPLETIONS, article_of, extraction_reply, incident, records, request_json, run_cli


def _incident(country=None, region=None, location=None) -> GroundedIncident:
    value = incident("Gunmen attacked the town.", country=country, region=region, location=location)
    return GroundedIncident(**value, grounded=True)


def _article(text: str, title: str = "Attack") -> Article:
    return Article(id="x", title=title, text=text)


def _near(value: float | None, expected: float) -> bool:
    return value is not None and abs(value - expected) <= 0.5


def test_a_missing_country_is_filled_from_the_town():
    got = normalise(_incident(location="Lima"))
    assert (got.country, got.country_raw, got.location) == ("Peru", None, "Lima")
    assert got.geo_precision == 1 and _near(got.latitude, -12.05) and _near(got.longitude, -77.04)
    mogadishu = normalise(_incident(location="Muqdisho"))
    assert (mogadishu.country, mogadishu.location) == ("Somalia", "Muqdisho")  # the location stays as written


def test_canonical_names_keep_the_raw_values():
    usa = normalise(_incident(country="USA"))
    assert (usa.country, usa.country_raw) == ("United States", "USA")
    assert (usa.latitude, usa.longitude, usa.geo_precision) == (None, None, None)  # a country gets no point
    borno = normalise(_incident(country="Nigeria", region="Borno State"))
    assert (borno.country, borno.country_raw) == ("Nigeria", None)
    assert (borno.region, borno.region_raw) == ("Borno", "Borno State")
    assert borno.geo_precision == 3
    same = normalise(_incident(country="Peru", region=None, location="Ayacucho"))
    assert (same.country_raw, same.region, same.region_raw) == (None, "Ayacucho", None)  # filled, nothing changed


def test_precision_codes():
    assert normalise(_incident(location="San Salvador")).geo_precision == 1
    near = normalise(_incident(country="Nigeria", location="near Maiduguri"))
    assert near.geo_precision == 2 and _near(near.latitude, 11.85) and _near(near.longitude, 13.16)
    region = normalise(_incident(country="El Salvador", region="Usulutan"))
    assert (region.region, region.geo_precision) == ("Usulután", 3)
    assert _near(region.latitude, 13.35) and _near(region.longitude, -88.44)  # the region's largest town
    assert normalise(_incident(country="Peru")).geo_precision is None


@pytest.mark.parametrize(
    ("text", "location", "country", "latitude", "longitude"),
    [
        ("Police in Chile said gunmen killed two people.", "Concepción", "Chile", -36.83, -73.05),
        ("Paraguayan police said gunmen killed two people.", "Concepción", "Paraguay", -23.40, -57.43),
        ("Gunmen killed two people, Spanish media said. Spain mourned.", "Córdoba", "Spain", 37.89, -4.77),
        ("Gunmen killed two people, Argentina's police said.", "Cordoba", "Argentina", -31.41, -64.19),
        ("Gunmen killed two people in Trinidad and Tobago.", "San Fernando", "Trinidad and Tobago", 10.28, -61.47),
    ],
)
def test_a_name_of_several_towns_follows_the_articles_country(text, location, country, latitude, longitude):
    (got,) = place_incidents([_incident(location=location)], _article(text))
    assert (got.country, got.geo_precision) == (country, 1)
    assert _near(got.latitude, latitude) and _near(got.longitude, longitude)


def test_the_dateline_tells_the_country():
    (got,) = place_incidents([_incident(location="San Miguel")], _article("SAN SALVADOR, 3 JAN 90 -- Rebels attacked."))
    assert (got.country, got.region, got.geo_precision) == ("El Salvador", "San Miguel", 1)


def test_what_does_not_resolve_is_left_alone():
    unknown = _incident(location="Xyzzyville")
    assert normalise(unknown) == unknown
    ambiguous = _incident(location="Concepción")  # Chile, Paraguay, ...: no country in the article
    (got,) = place_incidents([ambiguous], _article("Gunmen killed two people."))
    assert got == ambiguous and got.country is None and got.latitude is None
    not_a_country = _incident(country="Kurdistan")
    assert normalise(not_a_country) == not_a_country
    # The town is in Peru, the extracted country is Colombia: the country is kept, and nothing more precise is said.
    conflict = normalise(_incident(country="Colombia", location="Lima"))
    assert (conflict.country, conflict.location, conflict.geo_precision, conflict.latitude) == (
        "Colombia", "Lima", None, None
    )  # fmt: skip
    # Within the Philippines two towns are called San Fernando: the country, but no point.
    (philippines,) = place_incidents([_incident(location="San Fernando")], _article("Manila, Philippines: a raid."))
    assert (philippines.country, philippines.geo_precision, philippines.latitude) == ("Philippines", None, None)


def test_incidents_without_a_place_are_returned_untouched():
    bare = _incident()
    assert place_incidents([bare], _article("Gunmen killed two people in Chile.")) == [bare]


def test_the_llm_schema_does_not_change():
    schema = json.dumps(Extraction.model_json_schema())
    assert "latitude" not in schema and "geo_precision" not in schema and "country_raw" not in schema
    assert "latitude" in GroundedIncident.model_fields


def test_an_llm_reply_gets_its_country_and_coordinates_on_the_record(feed: str, httpx2_mock) -> None:
    def reply(request):
        return extraction_reply(article_of(request), country=None, region=None, location="Agadez")

    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=reply)

    result = run_cli(feed, "--concurrency", "1")

    assert result.exit_code == 0, result.output
    assert route.call_count == 3
    sent = request_json(route.calls[0])
    assert sent["model"] == "test-model"
    assert "latitude" not in json.dumps(sent)  # the LLM is never asked for coordinates
    assert any("Agadez" in article_of(call.request) for call in route.calls)
    got = records()["a3"].incidents[0]
    assert (got.country, got.country_raw, got.location, got.geo_precision) == ("Niger", None, "Agadez", 1)
    assert _near(got.latitude, 16.97) and _near(got.longitude, 7.99)
    line = next(json.loads(line) for line in Path("out.jsonl").read_text().splitlines() if '"a3"' in line)
    assert line["incidents"][0]["geo_precision"] == 1 and "latitude" in line["incidents"][0]

    again = run_cli(feed, "--format", "csv", output="out.csv")  # from the cache: places are set after it

    assert again.exit_code == 0, again.output
    assert route.call_count == 3
    rows = {row["article_id"]: row for row in csv.DictReader(Path("out.csv").read_text().splitlines())}
    assert (rows["a3"]["country"], rows["a3"]["geo_precision"]) == ("Niger", "1")
    assert _near(float(rows["a3"]["latitude"]), 16.97) and _near(float(rows["a3"]["longitude"]), 7.99)


def test_the_judge_accepts_canonical_names():
    assert same_country("United States", "USA") and same_country("USA", "United States of America")
    assert same_country("DR Congo", "Democratic Republic of the Congo")
    assert same_country("China", "Peoples Rep Of China")  # MUC-4's set list
    assert same_country("Ivory Coast", "Côte d'Ivoire") and same_country("Turkey", "Türkiye")
    assert not same_country("Peru", "Chile")
    assert not same_country("Russia", "Ussr")  # a dissolved state is not its successor
    assert not same_country("Lima", "Peru")
    assert place_match("USA", ["United States"]) and place_match("san salvador", ["San Salvador"])
    assert not place_match("Niger", ["Nigeria"])


# Every incident placed: regions named without their country, towns in the article's country first, admin2.


def test_a_us_state_named_without_the_country_gives_the_country_and_the_town() -> None:
    text = "Two people were killed in a shooting at a hockey game in Pawtucket, Rhode Island, police said."
    (got,) = place_incidents([_incident(location="Pawtucket")], _article(text))
    assert (got.country, got.region, got.location, got.geo_precision) == ("United States", "Rhode Island", "Pawtucket", 1)
    assert got.admin2 == "Providence", "the town's county, from the gazetteer"
    (state,) = place_incidents([_incident(region="Rhode Island")], _article("Two people were shot."))
    assert (state.country, state.region, state.geo_precision) == ("United States", "Rhode Island", 3)


def test_new_jersey_is_a_state_not_the_island_of_jersey() -> None:
    from extractor.geo.places import find_countries, find_regions_anywhere

    text = "A pipe bomb exploded in Seaside Park, New Jersey, on Saturday."
    assert find_countries(text) == []
    assert [(name, code) for name, code, _, _ in find_regions_anywhere(text)] == [("New Jersey", "US")]


@pytest.mark.parametrize(
    ("text", "region", "code"),
    [
        ("Gunmen killed 12 villagers in Zamfara on Sunday.", "Zamfara", "NG"),
        ("Militants ambushed a convoy in Manipur.", "Manipur", "IN"),
        ("the siege on Kadugli, the capital of South Kordofan State", "South Kordofan", "SD"),
        ("in the province of Helmand", "Helmand", "AF"),
    ],
)
def test_first_level_divisions_are_recognised_whatever_country_the_text_names(text, region, code) -> None:
    from extractor.geo.places import find_regions_anywhere

    assert [(name, c) for name, c, _, _ in find_regions_anywhere(text)] == [(region, code)]


def test_bare_names_that_mean_something_else_are_not_regions() -> None:
    from extractor.geo.places import find_regions_anywhere

    assert find_regions_anywhere("Washington said Georgia and Niger were told; Punjab police acted.") == []
    assert find_regions_anywhere("GUNMEN KILLED TWO IN ZAMFARA.") == [], "not in text written all in capitals"


def test_a_town_the_extracted_country_lacks_is_found_in_the_articles_other_country() -> None:
    text = ("\"We reached a point where the dead were considered fortunate,\" says one woman who fled the siege on "
            "Kadugli, the capital of South Kordofan State.")  # fmt: skip
    (got,) = place_incidents([_incident(country="South Sudan", location="Kadugli")], _article(text, "South Sudan: How "
                             "Kadugli Lived Through the Siege"))  # fmt: skip
    assert (got.country, got.country_raw, got.location, got.geo_precision) == ("Sudan", "South Sudan", "Kadugli", 1)


def test_the_baseline_reads_a_town_after_siege_on_in_the_articles_countries() -> None:
    from extractor.geo.towns import article_countries, find_towns

    text = "One woman fled the siege on Kadugli, the capital of South Kordofan State, earlier this month."
    context = article_countries("South Sudan: How Kadugli Lived Through the Siege", text)
    assert context == ("SS", "SD"), "the region names Sudan"
    assert [(p.location, p.country) for p, _, _ in find_towns(text, context)] == [("Kadugli", "Sudan")]


def test_admin2_from_the_words_of_the_location_or_the_evidence() -> None:
    lga = GroundedIncident(**incident("Boko Haram fighters killed nine farmers in Gwoza Local Government Area of "
                                      "Borno State.", country="Nigeria", region="Borno", location="Ngoshe"),
                           grounded=True)  # fmt: skip
    (got,) = place_incidents([lga], _article("x"))
    assert got.admin2 == "Gwoza"
    (district,) = place_incidents([_incident(country="Pakistan", location="Kurram district")], _article("x"))
    assert district.admin2 == "Kurram"
    assert place_incidents([_incident(country="Mali")], _article("x"))[0].admin2 is None

