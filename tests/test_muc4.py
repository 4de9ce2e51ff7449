"""The MUC-4 adapter on a tiny split modelled on the real data: four messages, four incidents and a `*` template.

tests/fixtures/muc4 holds a text file and its key file (lower-case names, as some copies ship them): DEV-MUC3-0001
(a kidnapping and an optional attack), TST2-MUC4-0004 (a claimed bombing), TST2-MUC4-0005 (no incident, `*`) and
TST2-MUC4-0025 (killings with location alternatives), shortened from dev and tst2.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from extractor.errors import GoldenError
from extractor.evaluation.muc4 import Muc4Split, in_muc_scope, load_split, stratified_sample
from extractor.models import Count, DateRange, GoldIncident, Incident, Perpetrator, Target

FIXTURES = Path(__file__).parent / "fixtures" / "muc4"
IDS = ["DEV-MUC3-0001", "TST2-MUC4-0004", "TST2-MUC4-0005", "TST2-MUC4-0025"]


@pytest.fixture(scope="module")
def split() -> Muc4Split:
    return load_split(FIXTURES)


def incident(split: Muc4Split, event_id: str) -> GoldIncident:
    message_id = event_id.rsplit("-", 1)[0]
    return next(i for i in split.gold[message_id].incidents if i.event_id == event_id)


def copy_fixtures(tmp_path: Path, names: dict[str, str] | None = None) -> Path:
    """The fixture split in tmp_path, files renamed per `names`."""
    target = tmp_path / "split"
    target.mkdir()
    for path in FIXTURES.iterdir():
        shutil.copy(path, target / (names or {}).get(path.name, path.name))
    return target


def test_articles_in_message_order_with_dateline_dates(split):
    assert split.name == "muc4"
    assert [a.id for a in split.articles] == IDS
    assert list(split.gold) == IDS
    assert [a.published.isoformat() for a in split.articles] == [
        "1990-01-03T00:00:00+00:00",
        "1989-12-20T00:00:00+00:00",
        "1989-03-20T00:00:00+00:00",
        "1989-11-18T00:00:00+00:00",
    ]
    assert split.warnings == []


def test_article_text_keeps_dateline_and_paragraphs(split):
    article = split.articles[0]
    assert article.title == "THE ARCE BATTALION COMMAND HAS REPORTED THAT ABOUT 50 PEASANTS"
    assert article.text.startswith("SAN SALVADOR, 3 JAN 90 -- [REPORT] [ARMED FORCES PRESS COMMITTEE, COPREFA] [TEXT]")
    paragraphs = article.text.split("\n\n")
    assert len(paragraphs) == 3
    assert paragraphs[1] == (
        "IT WAS ALSO REPORTED THAT A SOLDIER WAS WOUNDED AND TAKEN TO THE MILITARY HOSPITAL IN THIS CAPITAL."
    )
    assert "\n" not in paragraphs[2]
    assert split.articles[2].title == "FELLOW COUNTRYMEN: I AM ADDRESSING YOU AFTER OUR COUNTRY HAS"


def test_kidnapping_template(split):
    gold = incident(split, "DEV-MUC3-0001-1")
    assert gold.attack_type == "kidnapping" and gold.alt_attack_types == []
    assert (gold.date, gold.date_range, gold.date_text) == ("1989-12-30", None, "30 DEC 89")
    assert (gold.country, gold.region, gold.location) == ("El Salvador", "San Miguel", "San Luis de la Reina")
    fmln = "FARABUNDO MARTI NATIONAL LIBERATION FRONT"
    assert gold.perpetrators == [Perpetrator(name=fmln, attribution="reported_as_fact")]
    assert gold.perpetrator_aliases == {fmln: ["FMLN"]}
    assert gold.targets == [Target(type="civilians", description="PEASANTS")]
    assert gold.kidnapped == Count(min=50, max=50)
    assert gold.killed is None and gold.wounded is None
    assert not gold.optional and gold.primary
    assert gold.summary == "KIDNAPPING in San Luis de la Reina, El Salvador"
    assert gold.evidence[0].startswith("THE ARCE BATTALION COMMAND HAS REPORTED THAT ABOUT 50 PEASANTS")
    assert gold.evidence[1] == (
        "ACCORDING TO THAT GARRISON, THE MASS KIDNAPPING TOOK PLACE ON 30 DECEMBER IN SAN LUIS DE LA REINA."
    )


def test_optional_template_with_date_alternatives_and_instruments(split):
    gold = incident(split, "DEV-MUC3-0001-2")
    assert gold.optional
    assert gold.date == "1990-01-03"
    assert gold.date_range == DateRange(earliest="1990-01-02", latest="1990-01-03")
    assert (gold.country, gold.region, gold.location) == ("El Salvador", None, "Apopa")
    assert gold.attack_type == "armed_assault"
    assert gold.alt_attack_types == ["assassination", "armed_clash", "other", "shelling"]  # a mortar was used
    assert gold.weapons == ["rockets_artillery", "firearms"]
    assert {t.type: t.description for t in gold.targets} == {
        "infrastructure": "LAS CANAS BRIDGE",
        "military": "NATIONAL GUARD UNITS",
    }
    assert gold.killed == Count(min=0, max=0) and gold.wounded == Count(min=0, max=0)  # NO INJURY OR DEATH
    assert gold.perpetrators == []  # only an individual, the generic '? "TERRORIST"'
    assert gold.evidence[0].startswith("NATIONAL GUARD UNITS GUARDING THE LAS CANAS BRIDGE")


def test_claimed_bombing_one_target_per_type(split):
    gold = incident(split, "TST2-MUC4-0004-1")
    assert gold.attack_type == "bombing" and gold.alt_attack_types == ["suicide_attack"]
    assert gold.perpetrators == [Perpetrator(name="ZARATE WILLKA ARMED FORCES OF LIBERATION", attribution="claimed")]
    assert gold.weapons == ["explosives"]
    assert (gold.country, gold.location, gold.date) == ("Bolivia", "La Paz", "1989-12-20")
    assert [(t.type, t.description) for t in gold.targets] == [
        ("government", "EMBASSY"),
        ("business", "BOOK STORE; PEOPLE'S PERUVIAN BANK; STATE BANK; SHOPS"),
        ("other", "MARISCAL BALLIVIAN BUILDING"),
    ]
    assert gold.killed is None  # the key states no human-target effect
    assert len(gold.evidence) == 3
    assert gold.evidence[0] == "A POWERFUL DYNAMITE CHARGE TODAY EXPLODED NEAR THE AMERICAN EMBASSY IN LA PAZ."


def test_star_message_has_no_incident(split):
    assert split.gold["TST2-MUC4-0005"].incidents == []
    assert split.gold["TST2-MUC4-0005"].title == split.articles[2].title


def test_location_alternatives_and_deaths(split):
    gold = incident(split, "TST2-MUC4-0025-1")
    assert (gold.country, gold.region, gold.location) == ("El Salvador", None, "San Salvador")
    assert gold.alt_regions == ["San Salvador"] and gold.alt_locations == []
    assert gold.killed == Count(min=7, max=9)  # 1 named + '6 / 4' priests + 2 women
    assert gold.wounded is None
    assert {t.type for t in gold.targets} == {"religious", "education", "civilians"}
    assert gold.perpetrators == []  # "UNIFORMED MEN" is a description, not an actor
    assert gold.evidence == [split.articles[3].text.split("\n\n")[1]]


def test_every_evidence_quote_is_verbatim(split):
    texts = {a.id: a.text for a in split.articles}
    for message_id, gold in split.gold.items():
        for item in gold.incidents:
            assert 1 <= len(item.evidence) <= 3
            for quote in item.evidence:
                assert quote.strip() and quote in texts[message_id]


def test_files_detected_by_content_whatever_their_names(tmp_path):
    folder = copy_fixtures(tmp_path, {"tst9-muc4": "TST9-MUC4", "key-tst9.v1": "Key-Tst9.V1"})
    (folder / "README").write_text("Notes about this split.\n")
    renamed = load_split(folder)
    assert [a.id for a in renamed.articles] == IDS
    assert [i.event_id for g in renamed.gold.values() for i in g.incidents] == [
        "DEV-MUC3-0001-1",
        "DEV-MUC3-0001-2",
        "TST2-MUC4-0004-1",
        "TST2-MUC4-0025-1",
    ]
    assert renamed.warnings == ["README: neither messages nor templates, ignored"]


def test_on_or_before_date_is_a_recent_range(tmp_path):
    folder = copy_fixtures(tmp_path)
    key = folder / "key-tst9.v1"
    key.write_text(key.read_text().replace("DATE                  20 DEC 89", "DATE                  - 20 DEC 89"))
    gold = load_split(folder).gold["TST2-MUC4-0004"].incidents[0]
    assert gold.date is None and gold.date_text == "- 20 DEC 89"
    assert gold.date_range == DateRange(earliest="1989-10-21", latest="1989-12-20")


def test_year_typos_and_missing_years_resolved_near_the_report(tmp_path):
    folder = copy_fixtures(tmp_path)
    key, text = folder / "key-tst9.v1", folder / "tst9-muc4"
    key.write_text(key.read_text().replace("DATE                  16 NOV 89", "DATE                  16 NOV 90"))
    text.write_text(text.read_text().replace("LA PAZ, 20 DEC 89 (EFE)", "LA PAZ, 20 DEC (EFE)"))
    changed = load_split(folder)
    assert changed.gold["TST2-MUC4-0025"].incidents[0].date == "1989-11-16"  # '90' is after the 18 NOV 89 report
    assert changed.articles[1].published.date().isoformat() == "1989-12-20"  # year of the previous message, 3 JAN 90


def test_named_individuals_optional_rows_and_mixed_place_types(tmp_path):
    folder = copy_fixtures(tmp_path)
    key = folder / "key-tst9.v1"
    edits = [
        ('"UNIFORMED MEN"', '"COLONEL GUILLERMO BENAVIDES"'),  # a named individual and no organisation
        ('"UNIDENTIFIED PERSON"', '"JOSE PEREZ"'),  # a named individual beside an organisation
        ('DEATH: "WOMEN"', '? DEATH: "WOMEN"'),  # the key is unsure: adds to the maximum only
        (
            "(EL SALVADOR: SAN SALVADOR (CITY)) / (EL SALVADOR: SAN SALVADOR (DEPARTMENT))",
            "EL SALVADOR: SAN SALVADOR (CITY / DEPARTMENT)",
        ),
    ]
    content = key.read_text()
    for old, new in edits:
        content = content.replace(old, new)
    key.write_text(content)
    changed = load_split(folder)
    jesuits = changed.gold["TST2-MUC4-0025"].incidents[0]
    assert jesuits.perpetrators == [Perpetrator(name="COLONEL GUILLERMO BENAVIDES", attribution="unknown")]
    assert jesuits.killed == Count(min=5, max=9)
    assert (jesuits.region, jesuits.location, jesuits.alt_regions) == (None, "San Salvador", ["San Salvador"])
    assert [p.name for p in changed.gold["TST2-MUC4-0004"].incidents[0].perpetrators] == [
        "ZARATE WILLKA ARMED FORCES OF LIBERATION"
    ]


def test_message_without_key_is_an_error(tmp_path):
    folder = copy_fixtures(tmp_path)
    key = folder / "key-tst9.v1"
    key.write_text(key.read_text().split("0.  MESSAGE: ID                     TST2-MUC4-0025")[0])
    with pytest.raises(GoldenError, match="tst9-muc4: message TST2-MUC4-0025 has no template"):
        load_split(folder)


def test_key_without_message_is_an_error(tmp_path):
    folder = copy_fixtures(tmp_path)
    text = folder / "tst9-muc4"
    text.write_text(text.read_text().split("TST2-MUC4-0025")[0])
    with pytest.raises(GoldenError, match=r"key-tst9\.v1: templates for 'TST2-MUC4-0025'"):
        load_split(folder)


def test_stratified_sample_keeps_proportions_and_order(split):
    relevant, irrelevant = split.gold["TST2-MUC4-0004"], split.gold["TST2-MUC4-0005"]
    gold = {f"R-{i:02}": relevant for i in range(10)} | {f"I-{i:02}": irrelevant for i in range(30)}
    big = dataclasses.replace(split, articles=[], gold=gold)
    sample = stratified_sample(big, 8, seed=7)
    assert len(sample) == 8
    assert sum(i.startswith("R-") for i in sample) == 2
    assert sample == [i for i in gold if i in sample]  # split order
    assert stratified_sample(big, 8, seed=7) == sample
    assert stratified_sample(big, 40, seed=1) == list(gold)
    with pytest.raises(ValueError):
        stratified_sample(big, 41, seed=1)


def test_optional_only_message_counts_as_irrelevant(split):
    optional_only = split.gold["DEV-MUC3-0001"].model_copy(update={"incidents": [incident(split, "DEV-MUC3-0001-2")]})
    gold = {
        "A-1": optional_only,
        "A-2": optional_only,
        "R-1": split.gold["TST2-MUC4-0004"],
        "R-2": split.gold["TST2-MUC4-0025"],
    }
    small = dataclasses.replace(split, gold=gold)
    for seed in range(20):  # one of each group every time
        assert [i[0] for i in stratified_sample(small, 2, seed=seed)].count("A") == 1


def test_in_muc_scope():
    base = Incident.model_validate(
        incident(load_split(FIXTURES), "TST2-MUC4-0004-1").model_dump(include=set(Incident.model_fields))
    )
    soldiers = Target(type="military", description="soldiers")
    assert in_muc_scope(base)
    assert not in_muc_scope(base.model_copy(update={"attack_type": "armed_clash"}))
    assert not in_muc_scope(base.model_copy(update={"targets": [soldiers]}))
    assert in_muc_scope(base.model_copy(update={"targets": [soldiers, Target(type="civilians", description="bus")]}))
    assert in_muc_scope(base.model_copy(update={"targets": []}))
