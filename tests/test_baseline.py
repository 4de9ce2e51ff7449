"""The offline baseline: schema validity, grounding, number and date rules, group lookup."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from extractor.baseline import BaselineBackend, extract_incidents
from extractor.baseline.casualties import casualties
from extractor.baseline.groups import find_groups, group_aliases
from extractor.baseline.lexicon import find_location
from extractor.feeds import load_feed
from extractor.models import Article, Count, Extraction
from extractor.text.dates import date_mentions
from extractor.text.numbers import parse_count
from extractor.geo.places import find_countries, find_regions


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return load_feed("golden/feed.xml").articles


@pytest.fixture(scope="module")
def extracted(articles) -> list[tuple[Article, list]]:
    backend = BaselineBackend()
    return [(a, asyncio.run(backend.extract(a)).incidents) for a in articles]


def test_output_round_trips_through_the_schema(extracted):
    for _, incidents in extracted:
        payload = Extraction(incidents=incidents).model_dump_json()
        assert Extraction.model_validate_json(payload).incidents == incidents


def test_evidence_is_verbatim(extracted):
    for article, incidents in extracted:
        for incident in incidents:
            assert all(quote in article.text for quote in incident.evidence)


def test_finds_incidents_in_most_articles(extracted):
    assert sum(1 for _, incidents in extracted if incidents) >= 8


def test_article_without_violence_yields_nothing(articles):
    germany = next(a for a in articles if a.title.startswith("Germany Ends Military Operations"))
    assert extract_incidents(germany) == []


def test_backend_identity_and_result():
    backend = BaselineBackend()
    assert backend.cache_identity()["backend"] == "baseline"
    article = Article(
        id="x",
        title="Attack",
        published=dt.datetime(2024, 9, 4, 9, tzinfo=dt.timezone.utc),
        text="Gunmen killed seven villagers and wounded a dozen in Nigeria's Zamfara State on Sunday, police said.",
    )
    result = asyncio.run(backend.extract(article))
    assert (result.mode, result.attempts, result.usage.total_tokens) == ("rules", 0, 0)
    (incident,) = result.incidents
    assert incident.date == "2024-09-01"
    assert (incident.country, incident.region) == ("Nigeria", "Zamfara")
    assert incident.killed == Count(min=7, max=7)
    assert incident.wounded == Count(min=12, max=12)
    assert incident.attack_type == "armed_assault"


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("At least 81 people died in the attack", {"killed": (81, None)}),
        ("killing five soldiers and wounding 25 more", {"killed": (5, 5), "wounded": (25, 25)}),
        ("Six killed, 13 wounded in Kabul suicide bombing", {"killed": (6, 6), "wounded": (13, 13)}),
        ("a dozen civilians were killed", {"killed": (12, 12)}),
        ("dozens of people were wounded", {}),
        ("dozens wounded", {"wounded": (12, None)}),
        ("the raid killed more than 100 villagers", {"killed": (100, None)}),
        ("between six and eight people were killed", {"killed": (6, 8)}),
        ("twenty-five passengers were abducted", {"kidnapped": (25, 25)}),
        ("the army killed “more than 100 terrorists,”", {"perpetrators_killed": (100, None)}),
        ("A 31-year-old woman was killed", {"killed": (1, 1)}),
        ("the attack killed a number of soldiers", {}),
        ("the death toll rose to 45", {"killed": (45, 45)}),
        ("JNIM claims it killed or wounded over 100 soldiers", {}),
        ("attacked a checkpoint, killing 11 soldiers and a child", {"killed": (12, 12)}),  # two victim groups: summed
        ("the bomb exploded, injuring 23 civilians and 10 off-duty soldiers", {"wounded": (33, 33)}),
        ("killing at least 20 people and two children", {"killed": (22, None)}),
        ("killing five soldiers and two attackers", {"killed": (5, 5)}),  # attackers are not victims
        ("killing 11 soldiers and injuring a child", {"killed": (11, 11), "wounded": (1, 1)}),
    ],
)
def test_casualties(sentence, expected):
    found = {k: (c.min, c.max) for k, c in casualties(sentence).items()}
    assert found == expected


PUBLISHED = dt.date(2024, 9, 19)  # a Thursday


@pytest.mark.parametrize(
    ("sentence", "words", "date", "event"),
    [
        ("Gunmen attacked a village on Sunday", "on Sunday", "2024-09-15", True),
        ("two soldiers were killed in Tuesday’s attack", "Tuesday’s", "2024-09-17", True),
        ("an attack on Thursday", "on Thursday", "2024-09-19", True),
        ("an attack last Thursday", "last Thursday", "2024-09-12", True),
        ("the army said on Wednesday", "on Wednesday", "2024-09-18", False),
        ("officials told AFP on Tuesday", "on Tuesday", "2024-09-17", False),
        ("a bomb exploded yesterday", "yesterday", "2024-09-18", True),
        ("fighting broke out on September 17", "on September 17", "2024-09-17", True),
        ("the 2 October 2023 massacre", "the 2 October 2023", "2023-10-02", True),
        ("clashes last week", "last week", None, True),
        ("attacks since Monday", "since Monday", "2024-09-16", False),
    ],
)
def test_dates(sentence, words, date, event):
    text, resolved, is_event = date_mentions(sentence, PUBLISHED)[0]
    assert text == words
    assert (resolved.isoformat() if resolved else None) == date
    assert is_event is event


def test_a_day_after_counts_back_from_the_sentence_date():
    mentions = date_mentions("Thursday’s strike comes a day after a similar attack", dt.date(2024, 9, 6))
    assert mentions[0][:2] == ("a day after", dt.date(2024, 9, 4))


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [("at least 12", (12, None)), ("more than 100", (100, None)), ("about 30", (30, 30)), ("up to 20", (0, 20)),
     ("5-7", (5, 7)), ("twenty-five", (25, 25)), ("1,500", (1500, 1500)), ("two hundred", (200, 200)),
     ("hundreds", (100, None)), ("several", None)],
)
def test_parse_count(phrase, expected):
    count = parse_count(phrase)
    assert (None if count is None else (count.min, count.max)) == expected


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("JNIM", "JNIM"),
        ("Jama’at Nasr al-Islam wal Muslimin", "JNIM"),
        ("jamaat nusrat al islam wal muslimeen", "JNIM"),
        ("suspected GSIM", "JNIM"),
        ("IS-K", "ISKP"),
        ("Islamic State West Africa Province (ISWAP)", "ISWAP"),
        ("the Kurdistan Workers' Party", "PKK"),
        ("Hayat Tahrir al-Sham", "HTS"),
        ("Ansar Allah", "Houthis"),
        ("Boko Haram jihadists", "Boko Haram"),
        ("the village council", None),
    ],
)
def test_canonical_group(name, canonical):
    assert group_aliases().canonical(name) == canonical


def test_find_groups_spans_and_acronym_case():
    text = "It is said that al-Shabaab and the Kurdistan Workers’ Party (PKK) clashed; IS claimed it."
    found = find_groups(text)
    assert [g for g, _, _ in found] == ["al-Shabaab", "PKK", "PKK", "Islamic State"]
    assert [text[s:e] for _, s, e in found][:2] == ["al-Shabaab", "Kurdistan Workers’ Party"]


def test_places_come_from_the_gazetteer():
    text = "An attack in Nigeria's Borno State, near the village of Konduga."
    assert [c for c, _, _ in find_countries(text)] == ["NG"]
    assert [r for r, _, _ in find_regions(text, "NG")] == ["Borno"]
    assert find_location(text) == "Konduga"
