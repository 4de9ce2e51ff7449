"""The baseline splits an article reporting attacks on two distinct sites of one town on one day into one incident
per site (the codebook's rule 3), and the events stage then keeps the sites apart across articles."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from extractor.baseline import BaselineBackend, extract_incidents
from extractor.baseline.sites import attacked_sites, distinct
from extractor.events import build_events
from extractor.events.build import members_of
from extractor.events.rules import Member, duplicates
from extractor.feeds.jsonl import iter_jsonl
from extractor.models import Article
from extractor.pipeline.article import extract_one

FIXTURE = Path(__file__).parent / "fixtures" / "sites" / "articles.jsonl"


@pytest.fixture(scope="module")
def articles() -> dict[str, Article]:
    return {a.id.rsplit("/", 1)[1]: a for a in iter_jsonl(str(FIXTURE))}


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("Militants attacked a police training college in Maiduguri.", [("police training college", {"police"})]),
        ("The fighters struck the gendarmerie school.", [("gendarmerie school", {"police", "education"})]),
        (
            "It confirmed that a gendarmes’ training center and the city’s airport were targeted.",
            [("gendarmes’ training center", {"police"}), ("city’s airport", {"aviation"})],
        ),
        (
            "JNIM said it targeted “the military airport and the training centre of the Malian gendarmes” at dawn.",
            [("military airport", {"military", "aviation"}), ("training centre of the Malian gendarmes", {"police"})],
        ),
        ("Gunmen attacked a police base and the airport was closed.", [("police base", {"police"})]),
        ("Black smoke rose from an area near the airport.", []),
        ("The minister attacked the plan for a new school.", []),  # no attack word governs "school" here
    ],
)
def test_attacked_sites(sentence: str, expected: list) -> None:
    assert [(s.name, set(s.types)) for s in attacked_sites(sentence)] == expected


def test_sites_whose_target_types_overlap_are_one_place() -> None:
    named = attacked_sites("Fighters attacked the gendarmerie training school.") + attacked_sites(
        "Fighting at the school lasted three hours, and others attacked Air Base 101."
    )
    assert [[s.name for s in group] for group in distinct(named)] == [
        ["gendarmerie training school", "school"],
        ["Air Base 101"],
    ]


def test_two_sites_in_their_own_sentences_are_two_incidents(articles) -> None:
    article = articles["two-sites-1"]
    college, barracks = extract_incidents(article)

    assert college.location == barracks.location == "Maiduguri", "the town; the site is the target"
    assert [t.description for t in college.targets] == ["police training college"]
    assert [t.description for t in barracks.targets] == ["army barracks"]
    assert college.date == barracks.date == "2026-02-16"
    assert [t.type for t in college.targets] == ["police"] and [t.type for t in barracks.targets] == ["military"]
    assert (college.killed.min, barracks.killed.min) == (4, 2), "each site keeps the toll its own sentence gives"
    assert college.summary.startswith("Militants attacked a police training college")
    assert barracks.summary.startswith("A second group of fighters attacked the army barracks")
    assert all(q in article.text for i in (college, barracks) for q in i.evidence)
    assert not set(college.evidence) & set(barracks.evidence)


def test_sites_listed_as_targets_of_one_act_are_two_incidents(articles) -> None:
    college, barracks = extract_incidents(articles["two-sites-2"])

    assert [t.type for t in college.targets] == ["police"] and [t.type for t in barracks.targets] == ["military"]
    assert [p.name for p in college.perpetrators] == [p.name for p in barracks.perpetrators] == ["Boko Haram"]
    assert college.killed is None and barracks.killed is None


def test_a_facility_named_but_not_attacked_is_neither_a_site_nor_a_target(articles) -> None:
    (only,) = extract_incidents(articles["one-site"])

    assert only.location == "Maiduguri"
    assert [t.type for t in only.targets] == ["police"], "the airport was closed, not attacked"


def test_an_article_with_one_site_is_not_split() -> None:
    article = Article(
        id="x", title="Attack on a police station",
        text="Gunmen attacked a police station in Maiduguri on Monday, killing three officers. "
             "The attackers fled before troops arrived at the police station.",
        published="2026-02-17T09:00:00+00:00",
    )  # fmt: skip
    assert len(extract_incidents(article)) == 1


def test_the_sites_stay_two_events_across_articles(articles) -> None:
    backend = BaselineBackend()
    records = [asyncio.run(extract_one(a, backend)) for a in articles.values()]

    events = build_events(members_of(records))

    sources = sorted(sorted(s.article_id.rsplit("/", 1)[1] for s in e.sources) for e in events)
    assert sources == [["one-site", "two-sites-1", "two-sites-2"], ["two-sites-1", "two-sites-2"]]
    college = next(e for e in events if len(e.sources) == 3)
    assert {t.type for t in college.targets} == {"police"}


def test_two_sites_of_one_article_are_never_duplicates(articles) -> None:
    college, barracks = extract_incidents(articles["two-sites-1"])
    again = college.model_copy(update={"summary": "Another wording."})
    first, second, third = (Member(key=f"x#{n}", article_id="x", incident=i) for n, i in
                            enumerate((college, barracks.model_copy(update={"killed": college.killed}), again)))  # fmt: skip

    assert not duplicates(first, second), "same day, town, type and toll, but a police and a military target"
    assert duplicates(first, third)
