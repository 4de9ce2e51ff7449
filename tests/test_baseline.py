"""The offline baseline: schema validity, grounding, number and date rules, group lookup."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from extractor.baseline import BaselineBackend, extract_incidents
from extractor.baseline.casualties import casualties
from extractor.baseline.groups import find_groups, group_aliases
from extractor.baseline.lexicon import find_location
from extractor.codebook.words import ATTACK_TYPES
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
            assert all(quote in article.text or quote == article.title for quote in incident.evidence)


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
        # a number before the verb that counts attacks, weapons or the attackers is no victim count
        ("two suicide bombings killed over 48 people in Kabul", {"killed": (48, None)}),
        ("three airstrikes killed 20 civilians", {"killed": (20, 20)}),
        ("Two gunmen killed 5 villagers", {"killed": (5, 5)}),
        ("two attackers were killed", {"perpetrators_killed": (2, 2)}),
        # one victim named or described, no number
        ("the mayor was shot dead outside his home", {"killed": (1, 1)}),
        ("GUERRILLAS KILLED THE JUDGE IN MEDELLIN", {"killed": (1, 1)}),
        ("the assassination of the minister shocked the country", {"killed": (1, 1)}),
        ("an assassination attempt on the judge failed", {}),
        ("the kidnapped leader was found dead", {"killed": (1, 1)}),
        ("a terrorist was killed", {"perpetrators_killed": (1, 1)}),
        ("gunmen killed the soldiers and fled", {}),
        # a singular subject said to be killed, named or not (MUC-4 dev's murders)
        ("MARTA LUZ LOPEZ, MANAGER OF EL ESPECTADOR, WAS KILLED BY GUNMEN", {"killed": (1, 1)}),
        ("He was shot to death on Monday", {"killed": (1, 1)}),
        ("The gunman was killed by police", {}),  # the subject is the attacker
        ("Three policemen were killed", {"killed": (3, 3)}),
        ("They protested the murder of a student", {"killed": (1, 1)}),
        ("The murder of six Jesuits shocked the country", {}),  # a number: not one
        # one victim who died of the attack, where the grammar says one
        ("THE CANDIDATE HAS DIED FROM GUNSHOT WOUNDS", {"killed": (1, 1)}),
        ("the judge died after he was shot near his office", {"killed": (1, 1)}),
        ("He died of a heart attack in 2010", {}),
        ("Several people died in the attack", {}),
        # "the dead" is a noun, and a count never reaches across "where"
        ('"We reached a point where the dead were considered fortunate," says one woman', {}),
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


def test_an_acronym_that_is_a_word_is_the_word_in_all_capitals_text():
    assert find_groups("THE ARMY IS FIGHTING IN THE NORTH, THE FMLN SAID.") == [("FMLN", 39, 43)]
    assert [g for g, _, _ in find_groups("Militants of IS attacked the town.")] == ["Islamic State"]


def test_latin_american_groups_of_the_muc4_development_keys():
    text = "THE FARABUNDO MARTI NATIONAL LIBERATION FRONT AND SENDERO LUMINOSO; THE ARMY OF NATIONAL LIBERATION"
    assert [g for g, _, _ in find_groups(text)] == ["FMLN", "Shining Path", "ELN"]


def _headline_article(title: str, text: str) -> Article:
    return Article(id="h", title=title, text=text, published=dt.datetime(2026, 2, 17, 19, tzinfo=dt.timezone.utc))


def test_the_headline_is_read_when_the_text_leaves_out_the_act():
    article = _headline_article(
        "Pentagon conducts strikes on three more alleged drug boats, killing 11",
        "Three new strikes against alleged South American drug boats come as the Pentagon pulls its warships back.",
    )
    (incident,) = extract_incidents(article)
    assert incident.killed == Count(min=11, max=11)
    assert incident.evidence == [article.title]


def test_the_bodys_figure_wins_and_a_headline_total_of_several_attacks_is_nobodys():
    one = _headline_article(
        "Gunmen kill 12 in Nigeria",
        "Gunmen killed nine villagers in Zamfara State on Sunday, police said. Three more died in hospital later.",
    )
    assert [i.killed for i in extract_incidents(one)] == [Count(min=9, max=9)]
    several = _headline_article(
        "At least 12 soldiers killed in Niger attacks",
        "On Sunday, gunmen killed five soldiers in Tillaberi region. On Monday, seven soldiers were killed by a "
        "roadside bomb in Diffa region.",
    )
    assert [i.killed for i in extract_incidents(several)] == [Count(min=5, max=5), Count(min=7, max=7)]


def test_a_title_that_opens_the_text_is_not_read_twice():
    text = "GUNMEN KILLED FIVE PEASANTS IN AYACUCHO TODAY, THE ARMY REPORTED."
    article = _headline_article("GUNMEN KILLED FIVE PEASANTS IN AYACUCHO TODAY", text)
    (incident,) = extract_incidents(article)
    assert incident.evidence == [text]


def test_places_come_from_the_gazetteer():
    text = "An attack in Nigeria's Borno State, near the village of Konduga."
    assert [c for c, _, _ in find_countries(text)] == ["NG"]
    assert [r for r, _, _ in find_regions(text, "NG")] == ["Borno"]
    assert find_location(text) == "Konduga"


@pytest.mark.parametrize(
    ("responsibility", "attribution"),
    [
        ("The FMLN guerrillas are being held responsible for this incident.", "suspected"),
        ("Guerrillas of the Tupac Amaru Revolutionary Movement have claimed credit for the act.", "claimed"),
    ],
)
def test_a_later_responsibility_sentence_names_the_perpetrator(responsibility, attribution):
    article = Article(
        id="r",
        title="Bomb in San Salvador",
        published=dt.datetime(1989, 2, 8, tzinfo=dt.timezone.utc),
        text=f"A bomb exploded today in a restaurant in San Salvador, killing two people.\n\n{responsibility}",
    )
    (incident,) = extract_incidents(article)
    assert [(p.attribution) for p in incident.perpetrators] == [attribution]


def test_a_responsibility_sentence_before_any_incident_names_no_one():
    article = Article(
        id="r0",
        title="Statement",
        published=dt.datetime(1989, 2, 8, tzinfo=dt.timezone.utc),
        text="The government blamed the FMLN for the unrest.\n\nA bomb exploded today in San Salvador, killing two people.",
    )
    (incident,) = extract_incidents(article)
    assert incident.perpetrators == []


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("The U.S. military carried out strikes on three boats, killing 11 people", "air_or_drone_strike"),
        ("Pentagon conducts strikes on three more alleged drug boats", "air_or_drone_strike"),
        ("Lethal strikes hit the camp", "air_or_drone_strike"),
        ("Workers went on strike and gunmen shot a guard", "armed_assault"),  # a labour strike is no attack type
    ],
)
def test_military_strikes_are_air_or_drone_strikes(sentence, kind):
    assert next(k for k, pattern in ATTACK_TYPES if pattern.search(sentence)) == kind


def test_a_sentence_that_dates_the_act_redates_it_instead_of_starting_another():
    article = Article(
        id="k",
        title="Peasants kidnapped",
        published=dt.datetime(1990, 1, 3, tzinfo=dt.timezone.utc),
        text=(
            "FMLN guerrillas kidnapped about 50 peasants in San Miguel yesterday.\n\n"
            "According to the garrison, the mass kidnapping took place on 30 December in San Luis de la Reina."
        ),
    )
    (incident,) = extract_incidents(article)
    assert incident.date == "1989-12-30"


def test_a_round_up_with_a_toll_in_each_town_gives_an_incident_per_town():
    article = Article(
        id="roundup",
        title="Attacks across Iraq",
        published=dt.datetime(2013, 5, 20, tzinfo=dt.timezone.utc),
        text=(
            "A car bomb exploded in Kirkuk on Monday, killing 12 people, police said.\n\n"
            "In Mosul, a roadside bomb killed three soldiers."
        ),
    )
    incidents = extract_incidents(article)
    assert [(i.location, i.killed.min) for i in incidents] == [("Kirkuk", 12), ("Mosul", 3)]
