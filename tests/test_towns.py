"""Towns found in running text (text/towns.py) and the baseline's use of them: a town is read where a place is
expected, within the countries the article is about, and words that are also towns ("Police", "Of", "March") are
not read as towns."""

from __future__ import annotations

import datetime as dt

import pytest

from extractor.baseline.extractor import extract_incidents
from extractor.models import Article
from extractor.geo.towns import article_countries, dateline, find_towns


def _towns(text: str) -> list[tuple[str, str, str | None]]:
    """(text span, country, gazetteer name) of every town found."""
    context = article_countries("", text)
    return [(text[s:e], place.country, place.location) for place, s, e in find_towns(text, context)]


def test_a_town_after_a_place_word():
    assert _towns("A bomb exploded in San Salvador on Sunday.") == [("San Salvador", "El Salvador", "San Salvador")]
    assert _towns("Gunmen attacked a base near Maiduguri, the army said.") == [("Maiduguri", "Nigeria", "Maiduguri")]
    assert _towns("He was shot outside of Mogadishu.") == [("Mogadishu", "Somalia", "Mogadishu")]
    assert _towns("Troops reached the town of Ayacucho.") == [("Ayacucho", "Peru", "Ayacucho")]


@pytest.mark.parametrize(
    "text",
    [
        "In March, police in Of said nothing.",  # Of: a town in Turkey; March: one in England
        "Police said the attack was planned.",  # Police: a town in Poland, but not after a place word
        "The attack in Concepción killed two.",  # Chile, Paraguay, ...: the article names no country
        "Rebels attacked in San Fernando Valley.",  # the start of a longer name
        "Clashes in San Miguel Department left two dead.",  # a department, left to the region finder
        "The bomb went off near San Rafael farm.",  # a site named after a place
        "Fighting in Colonia Miramontes.",  # Colonia: an alternate name of Köln, and a neighbourhood here
        "The minister arrived in Peru.",  # a country is no town
    ],
)
def test_no_town_where_none_is_meant(text):
    assert _towns(text) == []


def test_the_articles_country_chooses_among_towns_of_one_name():
    assert _towns("Paraguayan police said two people died in Concepción.")[0][1] == "Paraguay"
    assert _towns("Chilean police said two people died in Concepción.")[0][1] == "Chile"
    assert _towns("SAN SALVADOR, 3 JAN 90 -- TWO DIED IN SAN MIGUEL.")[0][1:] == ("El Salvador", "San Miguel")


def test_text_in_capitals():
    text = "BOGOTA, 3 JAN 90 (EFE) -- [TEXT] A BOMB EXPLODED IN MEDELLIN TODAY NEAR SAN LUIS DE LA REINA."
    assert _towns(text) == [("MEDELLIN", "Colombia", "Medellín")]  # the village is not in the gazetteer: no "San"


def test_dateline():
    assert dateline("MOGADISHU, Somalia (AP) — A car bomb").country == "Somalia"
    assert dateline("LIMA, 9 JAN 90 -- [TEXT] HERE IS").location == "Lima"
    assert dateline("Kabul (Reuters) - Gunmen").country == "Afghanistan"
    assert dateline("EL PARAISO (EL SALVADOR), 19 MAR 89 -- [TEXT]").country == "El Salvador"
    assert dateline("CLANDESTINE, 13 JAN 90 (RADIO VENCEREMOS) --") is None
    assert dateline("The army said on Monday, 3 people died") is None


def test_article_countries_put_the_dateline_and_the_most_named_first():
    assert article_countries("", "LIMA, 9 JAN 90 -- Chilean officials met Peruvian ones in Peru.")[0] == "PE"
    # A foreign bureau's dateline, "(MEXICO)", counts for no more than a mention.
    text = "MEXICO CITY (MEXICO), 12 NOV 89 -- Salvadoran unions said the army of El Salvador bombed a Salvadoran town."
    assert article_countries("", text)[0] == "SV"


def _baseline(text: str):
    published = dt.datetime(2024, 9, 19, tzinfo=dt.timezone.utc)
    return extract_incidents(Article(id="t", title="Attack", text=text, published=published))


def test_the_baseline_places_an_incident_by_its_town():
    (bomb,) = _baseline("A bomb exploded in San Salvador on Sunday, killing three people, police said.")
    assert (bomb.country, bomb.location) == ("El Salvador", "San Salvador")
    (paraguay,) = _baseline("Paraguayan police said gunmen killed four people in Concepción on Monday.")
    assert (paraguay.country, paraguay.location) == ("Paraguay", "Concepción")


def test_the_baseline_invents_no_country():
    (attack,) = _baseline("Gunmen killed four people in Concepción on Monday.")
    assert (attack.country, attack.location) == (None, None)


def test_the_start_of_a_longer_name_is_no_town():
    assert _towns("Colombian troops fought in San Luis de la Reina.") == []  # not San Luis, Colombia
    assert _towns("Colombian troops fought in San Luis on Monday.")[0][:2] == ("San Luis", "Colombia")


def test_the_place_a_report_was_filed_from_is_not_the_incidents():
    text = "PANAMA CITY (PANAMA), 18 SEP 24 -- Salvadoran rebels killed 2 soldiers on Tuesday, Salvadoran police said."
    assert article_countries("", text)[0] == "SV"
    (attack,) = _baseline(text)
    assert (attack.country, attack.region) == ("El Salvador", None)  # not Panama, nor its province Panamá
    (home,) = _baseline("LIMA, 18 SEP 24 -- Rebels killed two soldiers on Tuesday, the army said.")
    assert home.country == "Peru"  # a dateline of the country itself tells the country
