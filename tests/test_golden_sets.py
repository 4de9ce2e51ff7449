"""Every named golden set loads, its labels refer to articles of its feeds, quote them verbatim, keep their
dates in order, and the news set's split is the documented rule."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from extractor.evaluation.golden import extend_split, golden_set, named_sets, stratified_split
from extractor.feeds import load_feed

SETS = sorted(named_sets())


@pytest.fixture(scope="module", params=SETS)
def loaded(request):
    chosen = named_sets()[request.param]
    articles, gold = chosen.load()
    return chosen, {a.id: a for a in articles}, gold


def test_every_label_has_its_article_and_verbatim_quotes(loaded):
    chosen, articles, gold = loaded
    assert gold and set(gold) == set(articles)
    for aid, label in gold.items():
        assert label.title == articles[aid].title
        for incident in label.incidents:
            assert 1 <= len(incident.evidence) <= 3
            for quote in incident.evidence:
                assert quote in articles[aid].text, (chosen.name, aid, quote)


def test_dates_and_ranges_are_ordered(loaded):
    _, _, gold = loaded
    for label in gold.values():
        for incident in label.incidents:
            if incident.date_range:
                assert incident.date_range.earliest <= incident.date_range.latest
                if incident.date:
                    assert incident.date_range.earliest <= incident.date <= incident.date_range.latest


def test_a_shared_event_agrees_on_country_and_type(loaded):
    _, _, gold = loaded
    seen: dict[str, tuple] = {}
    for label in gold.values():
        for incident in label.incidents:
            key = (incident.country, incident.attack_type)
            assert seen.setdefault(incident.event_id, key) == key, incident.event_id


def test_news_set_size_sources_and_split():
    news = named_sets()["news-dev"]
    labels = news.labels
    sources = {a.id: feed.stem for feed in news.feeds for a in load_feed(str(feed)).articles}
    gold = golden_set(str(labels)).gold()
    reports = {aid: any(not i.optional for i in g.incidents) for aid, g in gold.items()}
    assert len(gold) >= 60
    assert len({sources[aid] for aid in gold}) >= 5
    assert sum(reports.values()) >= 25 and sum(not r for r in reports.values()) >= 25
    strata = {aid: f"{sources[aid]}|{reports[aid]}" for aid in gold}
    frozen = json.loads((labels.parent / "split-2026-11.json").read_text(encoding="utf-8"))
    expected = extend_split(frozen, strata)
    assert {aid: g.split for aid, g in gold.items()} == expected
    assert all(expected[aid] == half for aid, half in frozen.items())  # no article ever changes half
    halves = Counter(expected.values())
    assert abs(halves["dev"] - halves["test"]) <= 2 * len(set(strata.values()))


def test_the_news_set_labels_every_item_of_its_feeds():
    news = named_sets()["news-dev"]
    items = [a.id for feed in news.feeds for a in load_feed(str(feed)).articles]
    gold = golden_set(str(news.labels)).gold()
    assert len(items) == len(set(items)) == len(gold) == 487
    assert set(items) == set(gold)


def test_extend_split_keeps_frozen_halves_and_splits_the_rest():
    strata = {f"a{i}": "x" for i in range(6)}
    frozen = {"a0": "test", "a1": "test", "gone": "dev"}
    split = extend_split(frozen, strata)
    assert set(split) == set(strata) and split["a0"] == split["a1"] == "test"
    assert Counter(split[f"a{i}"] for i in range(2, 6)) == {"dev": 2, "test": 2}


def test_stratified_split_alternates_within_each_stratum():
    split = stratified_split({f"a{i}": "x" for i in range(5)} | {f"b{i}": "y" for i in range(2)})
    assert Counter(v for k, v in split.items() if k.startswith("a")) == {"dev": 3, "test": 2}
    assert Counter(v for k, v in split.items() if k.startswith("b")) == {"dev": 1, "test": 1}
    assert split == stratified_split(dict(reversed(list({f"a{i}": "x" for i in range(5)}.items()))) | {"b0": "y", "b1": "y"})


def test_a_labels_file_of_the_test_half_only_is_held_out(tmp_path):
    news = named_sets()["news-test"]
    rows = [json.loads(line) for line in news.labels.read_text().splitlines()]
    test_rows = [r for r in rows if r.get("split") == "test"][:3]
    dev_rows = [r for r in rows if r.get("split") == "dev"][:1]
    sample = tmp_path / "test-sample.jsonl"
    sample.write_text("".join(json.dumps(r) + "\n" for r in test_rows))
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("".join(json.dumps(r) + "\n" for r in test_rows + dev_rows))
    feed = str(news.feeds[0])
    assert golden_set(str(sample), feed).development is False  # scored as test, never as development
    assert golden_set(str(mixed), feed).development is True
