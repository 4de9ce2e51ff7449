"""The golden set: labels load, cover the seed feed exactly, quote their articles verbatim and agree across articles."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from extractor.errors import GoldenError
from extractor.evaluation.golden import load_golden
from extractor.feeds import load_feed
from extractor.models import GoldArticle

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "golden" / "labels.jsonl"
FEED = ROOT / "golden" / "feed.xml"


@pytest.fixture(scope="module")
def gold() -> dict[str, GoldArticle]:
    return load_golden(LABELS)


@pytest.fixture(scope="module")
def articles():
    return {a.id: a for a in load_feed(str(FEED)).articles}


def _incidents(gold):
    return [(aid, inc) for aid, article in gold.items() for inc in article.incidents]


def test_labels_load_and_validate(gold):
    assert len(gold) == 10
    assert all(isinstance(a, GoldArticle) for a in gold.values())
    assert sum(len(a.incidents) for a in gold.values()) > 0


def test_every_feed_article_has_exactly_one_label(gold, articles):
    assert len(articles) == 10
    assert set(gold) == set(articles), f"missing: {set(articles) - set(gold)}, extra: {set(gold) - set(articles)}"
    assert [aid for aid in gold] == [aid for aid in articles], "labels should follow feed order"


def test_titles_match_the_feed(gold, articles):
    for aid, article in gold.items():
        assert article.title == articles[aid].title


def test_evidence_is_verbatim(gold, articles):
    missing = [
        (aid, quote)
        for aid, inc in _incidents(gold)
        for quote in inc.evidence
        if quote not in articles[aid].text
    ]
    assert not missing, missing


def test_shared_event_ids_agree_on_date_and_country(gold):
    by_event: dict[str, list] = {}
    for aid, inc in _incidents(gold):
        by_event.setdefault(inc.event_id, []).append((aid, inc))
    shared = {eid: rows for eid, rows in by_event.items() if len({aid for aid, _ in rows}) > 1}
    assert shared, "the Bamako attack should appear in several articles"
    for eid, rows in shared.items():
        assert len({inc.date for _, inc in rows}) == 1, eid
        assert len({inc.country for _, inc in rows}) == 1, eid


def test_event_id_used_once_per_article(gold):
    for aid, article in gold.items():
        ids = [inc.event_id for inc in article.incidents]
        assert len(ids) == len(set(ids)), aid


def test_dates_fall_inside_their_range(gold):
    for aid, inc in _incidents(gold):
        if inc.date_range is not None:
            assert inc.date_range.earliest <= inc.date_range.latest, (aid, inc.event_id)
            if inc.date is not None:
                assert inc.date_range.earliest <= inc.date <= inc.date_range.latest, (aid, inc.event_id)
        else:
            assert inc.date is not None, f"{inc.event_id}: a null date needs a date_range"


def test_dates_not_after_publication_and_within_window(gold, articles):
    for aid, inc in _incidents(gold):
        published = articles[aid].published.date().isoformat()
        latest = inc.date or inc.date_range.latest
        assert latest <= published, (aid, inc.event_id)
        gap = articles[aid].published.date() - dt.date.fromisoformat(latest)
        assert gap.days <= 60, f"{inc.event_id} is {gap.days} days old, outside the 60-day window"


def test_perpetrator_aliases_refer_to_gold_names(gold):
    for aid, inc in _incidents(gold):
        names = {p.name for p in inc.perpetrators}
        assert set(inc.perpetrator_aliases) <= names, (aid, inc.event_id)


def test_known_cases(gold):
    """A few anchor decisions of the codebook, so an accidental edit shows up."""
    niger = gold["https://thedefensepost.com/?p=85512"]
    assert [i.date for i in niger.incidents] == ["2024-09-15", "2024-09-16", "2024-09-17"]
    bamako = gold["https://thedefensepost.com/?p=85891"]
    assert {i.event_id for i in bamako.incidents if i.primary} == {
        "mali-2024-09-17-bamako-gendarmerie-school",
        "mali-2024-09-17-bamako-airport",
    }
    assert gold["https://www.thedefensepost.com/?p=84334"].incidents == []


def test_missing_file_raises(tmp_path):
    with pytest.raises(GoldenError, match="not found"):
        load_golden(tmp_path / "nope.jsonl")


def test_bad_json_names_file_and_line(tmp_path):
    path = tmp_path / "labels.jsonl"
    good = json.dumps({"article_id": "a", "title": "t", "incidents": []})
    path.write_text(good + "\n{not json\n", encoding="utf-8")
    with pytest.raises(GoldenError, match=r"labels\.jsonl:2: not valid JSON"):
        load_golden(path)


def test_invalid_line_names_file_and_line(tmp_path):
    path = tmp_path / "labels.jsonl"
    bad_incident = {"summary": "x", "date": "17/09/2024"}  # bad date, most fields missing
    path.write_text(json.dumps({"article_id": "a", "title": "t", "incidents": [bad_incident]}) + "\n", encoding="utf-8")
    with pytest.raises(GoldenError, match=r"labels\.jsonl:1: invalid gold article"):
        load_golden(path)


def test_duplicate_article_id_raises(tmp_path):
    path = tmp_path / "labels.jsonl"
    line = json.dumps({"article_id": "a", "title": "t", "incidents": []})
    path.write_text(line + "\n\n" + line + "\n", encoding="utf-8")
    with pytest.raises(GoldenError, match=r":3: duplicate article_id"):
        load_golden(path)


def test_order_is_kept(tmp_path):
    path = tmp_path / "labels.jsonl"
    ids = ["z", "a", "m"]
    path.write_text("".join(json.dumps({"article_id": i, "title": i, "incidents": []}) + "\n" for i in ids), encoding="utf-8")
    assert list(load_golden(path)) == ids
