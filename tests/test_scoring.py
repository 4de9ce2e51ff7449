"""Scoring library: alignment, run metrics (exact, computed by hand), bootstrap intervals, run comparison.

Fixtures are built in code, independent of golden/labels.jsonl.
"""

from __future__ import annotations

import itertools
import json

import pytest

from extractor.errors import RunStoreError
from extractor.evaluation.align import THRESHOLD, align, similarity
from extractor.evaluation.compare import compare
from extractor.evaluation.metrics import FIELDS, score
from extractor.models import (
    GOLD_ONLY_FIELDS,
    ArticleRecord,
    Count,
    GoldArticle,
    GoldIncident,
    GroundedIncident,
    Perpetrator,
    Provenance,
    Target,
)
from extractor.store import load_predictions

PROV = Provenance(backend="test", model="m", schema_hash="h")

# A "full" incident fills each of the 15 scored fields once (one perpetrator, one target type, one weapon,
# suicide true, killed and wounded given).
FULL = dict(
    summary="A suicide bombing at a market.",
    date="2024-05-01",
    date_text="on Wednesday",
    country="Nigeria",
    region="Borno",
    location="Maiduguri",
    attack_type="bombing",
    suicide=True,
    perpetrators=[Perpetrator(name="Boko Haram", attribution="suspected")],
    targets=[Target(type="civilians", description="shoppers")],
    weapons=["explosives"],
    killed=Count(min=5, max=5),
    wounded=Count(min=10, max=None),
    perpetrators_killed=None,
    kidnapped=None,
    claims=[],
    evidence=["a quote"],
    primary=True,
)
# A "small" incident fills 10 fields: date, date_in_range, country, region, location, attack_type, targets,
# weapons, killed, killed_overlap (no suicide, no perpetrator, no wounded).
SMALL = FULL | dict(
    summary="Gunmen attacked an army post.",
    date="2024-05-03",
    location="Konduga",
    attack_type="armed_assault",
    suicide=False,
    perpetrators=[],
    targets=[Target(type="military", description="soldiers")],
    weapons=["firearms"],
    killed=Count(min=2, max=2),
    wounded=None,
)
# A spurious prediction fills 9 fields: date, date_in_range, country, region, location, attack_type,
# perpetrators, attribution, weapons.
SPURIOUS = FULL | dict(
    summary="Kidnapping on a highway.",
    date="2024-04-20",
    region="Yobe",
    location="Damaturu",
    attack_type="kidnapping",
    suicide=False,
    perpetrators=[Perpetrator(name="ISWAP", attribution="claimed")],
    targets=[],
    weapons=["firearms"],
    killed=None,
    wounded=None,
)


def gold(event_id: str, base: dict = FULL, **changes) -> GoldIncident:
    return GoldIncident(**(base | changes), event_id=event_id)


def pred(base: dict = FULL, grounded: bool = True, **changes) -> GroundedIncident:
    return GroundedIncident(**(base | changes), grounded=grounded)


def as_pred(g: GoldIncident, **changes) -> GroundedIncident:
    """The prediction equal to a gold incident (gold-only keys dropped)."""
    data = g.model_dump(exclude=set(GOLD_ONLY_FIELDS))
    return GroundedIncident.model_validate(data | changes | {"grounded": True})


def article(article_id: str, *incidents: GoldIncident) -> GoldArticle:
    return GoldArticle(article_id=article_id, title=article_id, incidents=list(incidents))


def record(article_id: str, *incidents: GroundedIncident, status: str = "ok") -> ArticleRecord:
    return ArticleRecord(
        article_id=article_id, title=article_id, status=status, incidents=list(incidents), provenance=PROV
    )


# The fixture: eight articles.
#   a perfect: one full incident, predicted exactly
#   b missing: a full incident (predicted) and a small one (not predicted)
#   c spurious: a full incident (predicted) plus a spurious, ungrounded prediction
#   d casualty: killed 12-15 in gold, 12 predicted (exact wrong, overlap right)
#   e alias: JNIM by its long name and "unidentified gunmen" (alias "bandits"); place with an accent
#   f failed: a full incident, the record failed
#   g secondary: a full primary incident and a small non-primary one, both predicted
#   h missing record: a full incident, no prediction line at all
G_E = gold(
    "e1",
    country="Mali",
    region="Mopti",
    location="Djenné",
    alt_locations=["Djenne town"],
    perpetrators=[
        Perpetrator(name="Jama'at Nusrat al-Islam wal-Muslimin", attribution="claimed"),
        Perpetrator(name="unidentified gunmen", attribution="suspected"),
    ],
    perpetrator_aliases={"unidentified gunmen": ["bandits"]},
)
GOLD = {
    a.article_id: a
    for a in [
        article("a", gold("a1")),
        article("b", gold("b1"), gold("b2", SMALL)),
        article("c", gold("c1", location="Bama")),
        article("d", gold("d1", killed=Count(min=12, max=15))),
        article("e", G_E),
        article("f", gold("f1", location="Gwoza")),
        article("g", gold("g1", location="Dikwa"), gold("g2", SMALL, date="2023-01-10", primary=False)),
        article("h", gold("h1", location="Monguno")),
    ]
}


def predictions() -> dict[str, ArticleRecord]:
    records = [
        record("a", as_pred(GOLD["a"].incidents[0])),
        record("b", as_pred(GOLD["b"].incidents[0])),
        record("c", pred(SPURIOUS, grounded=False), as_pred(GOLD["c"].incidents[0])),
        record("d", as_pred(GOLD["d"].incidents[0], killed=Count(min=12, max=12))),
        record(
            "e",
            as_pred(
                G_E,
                location="DJENNE",
                perpetrators=[
                    Perpetrator(name="JNIM", attribution="claimed"),
                    Perpetrator(name="bandits", attribution="suspected"),
                ],
            ),
        ),
        record("f", status="failed"),
        record("g", *[as_pred(g) for g in GOLD["g"].incidents]),
    ]
    return {r.article_id: r for r in records}


def counts(scored) -> tuple[int, int, int]:
    return scored.tp, scored.fp, scored.fn


# ---------------------------------------------------------------- run metrics, exact


def test_incident_counts_all_incidents():
    s = score(predictions(), GOLD)
    # TP: a, b1, c1, d, e, g1, g2 = 7. FP: the spurious c prediction = 1. FN: b2 (not predicted),
    # f (failed), h (missing) = 3.
    assert counts(s.incidents) == (7, 1, 3)
    assert s.incidents.precision == 7 / 8
    assert s.incidents.recall == 7 / 10
    assert s.incidents.f1 == pytest.approx(2 * 7 / (2 * 7 + 1 + 3))  # 14/18
    assert (s.n_articles, s.n_failed, s.n_missing, s.n_unlabelled) == (8, 1, 1, 0)
    # 8 predictions in scope (a, b, c x2, d, e, g x2), all grounded but the spurious one.
    assert (s.n_pred, s.n_grounded, s.grounding_rate) == (8, 7, 7 / 8)


def test_field_counts_all_incidents():
    s = score(predictions(), GOLD)
    # Matched: full a, b1, c1, d, e, g1 (6) and small g2. Missed: small b2, full f, full h.
    # Spurious: one prediction filling 9 fields.
    place = (7, 1, 3)  # TP a b1 c1 d e g1 g2; FP spurious; FN b2 f h
    expected = {
        "date": place,
        "date_in_range": place,
        "country": place,
        "region": place,
        "location": place,  # e: "DJENNE" accepted for "Djenné"
        "attack_type": place,
        "suicide": (6, 0, 2),  # only full incidents; FN f h
        "perpetrators": (7, 1, 2),  # TP a b1 c1 d g1 + 2 in e (JNIM by alias, bandits by gold alias); FP ISWAP; FN f h
        "attribution": (7, 1, 2),  # every matched perpetrator has the gold attribution
        "targets": (7, 0, 3),  # the spurious one has no target; FN b2 f h
        "weapons": (7, 1, 3),
        "killed": (6, 1, 4),  # d: 12 for 12-15 is FP + FN; FN also b2 f h
        "killed_overlap": (7, 0, 3),  # d: 12 overlaps 12-15
        "wounded": (6, 0, 2),  # only full incidents
        "wounded_overlap": (6, 0, 2),
    }
    assert list(s.fields) == list(FIELDS)
    assert {name: counts(f) for name, f in s.fields.items()} == expected
    assert s.fields["killed"].precision == 6 / 7
    assert s.fields["killed"].recall == 6 / 10
    assert s.fields["suicide"].f1 == pytest.approx(12 / 14)


def test_primary_only_view():
    s = score(predictions(), GOLD, primary_only=True)
    # g2 is not primary: its gold incident leaves the view and its prediction is neither TP nor FP.
    assert counts(s.incidents) == (6, 1, 3)
    assert s.incidents.precision == 6 / 7
    assert s.incidents.recall == 6 / 9
    assert s.incidents.f1 == pytest.approx(12 / 16)
    assert counts(s.fields["date"]) == (6, 1, 3)
    assert counts(s.fields["targets"]) == (6, 0, 3)
    assert counts(s.fields["killed"]) == (5, 1, 4)
    assert counts(s.fields["suicide"]) == (6, 0, 2)  # g2 filled no suicide
    assert (s.n_pred, s.n_grounded) == (7, 6)


def test_per_article_rows():
    rows = {a.article_id: a for a in score(predictions(), GOLD).articles}
    assert [a for a in rows] == list(GOLD)
    assert counts(rows["a"].incidents) == (1, 0, 0) and rows["a"].field_errors == 0
    assert counts(rows["b"].incidents) == (1, 0, 1) and rows["b"].field_errors == 10  # the small b2's fills
    assert counts(rows["c"].incidents) == (1, 1, 0) and rows["c"].field_errors == 9  # the spurious fills
    assert counts(rows["d"].fields["killed"]) == (0, 1, 1) and rows["d"].field_errors == 2
    assert counts(rows["e"].fields["perpetrators"]) == (2, 0, 0) and rows["e"].field_errors == 0
    assert rows["f"].status == "failed" and counts(rows["f"].incidents) == (0, 0, 1) and rows["f"].field_errors == 15
    assert rows["h"].status == "missing" and rows["h"].field_errors == 15


def test_wrong_value_is_fp_and_fn_and_json_round_trip():
    preds = {"a": record("a", as_pred(GOLD["a"].incidents[0], attack_type="armed_assault"))}
    s = score(preds, {"a": GOLD["a"]})
    assert counts(s.fields["attack_type"]) == (0, 1, 1)
    data = json.loads(s.model_dump_json())
    assert data["incidents"]["f1"] == 1.0 and data["fields"]["attack_type"]["precision"] == 0.0
    assert data["grounding_rate"] == 1.0


def test_nothing_to_score_is_undefined_not_an_error():
    s = score({}, {"x": article("x")})
    assert counts(s.incidents) == (0, 0, 0)
    assert s.incidents.precision is None and s.incidents.f1 is None and s.incidents.f1_ci.low is None
    assert score({}, {}).n_articles == 0


# ---------------------------------------------------------------- bootstrap intervals


def test_intervals_contain_the_point_estimates():
    s = score(predictions(), GOLD)
    for metric in ("precision", "recall", "f1"):
        assert getattr(s.incidents, f"{metric}_ci").contains(getattr(s.incidents, metric))
    assert s.fields["killed"].f1_ci.contains(s.fields["killed"].f1)
    assert score(predictions(), GOLD) == s  # fixed seed: the same intervals every time


def test_interval_is_wide_for_a_tiny_set():
    # Two articles, one right and one missed: resamples give recall 1, 0.5 or 0 (1/4, 1/2, 1/4).
    golds = {"a": GOLD["a"], "h": GOLD["h"]}
    s = score({"a": predictions()["a"]}, golds)
    assert s.incidents.recall == 0.5
    assert (s.incidents.recall_ci.low, s.incidents.recall_ci.high) == (0.0, 1.0)


# ---------------------------------------------------------------- alignment


def test_similarity_and_threshold():
    g = gold("x")
    # Wrong date (0) and unrelated attack type (0), the rest identical: 0.30 + 0.15 + 0.15 = 0.60.
    p = pred(date="2024-06-01", attack_type="kidnapping")
    assert similarity(p, g) == pytest.approx(0.60)
    assert align([p], [g], threshold=0.60).pairs == [(0, 0, pytest.approx(0.60))]
    assert align([p], [g], threshold=0.61).unmatched_preds == [0]
    # A prediction with nothing known scores UNKNOWN (0.3) on every part: below the default threshold.
    empty = pred(date=None, country=None, region=None, location=None, attack_type="unknown", perpetrators=[],
                 killed=None, wounded=None)  # fmt: skip
    assert similarity(empty, g) == pytest.approx(0.30)
    assert align([empty], [g]).pairs == [] and THRESHOLD == 0.5
    assert similarity(as_pred(g), g) == pytest.approx(1.0)


def test_date_range_and_one_day_off():
    g = gold("x", date="2024-05-01", date_range={"earliest": "2024-04-29", "latest": "2024-05-01"})
    assert similarity(pred(date="2024-04-30"), g) == pytest.approx(1.0)
    assert similarity(pred(date="2024-05-02"), g) == pytest.approx(0.9)  # one day off: date part 0.5


def test_alignment_is_order_independent():
    golds = [
        gold("one"),
        gold("two", SMALL),
        gold("three", location="Bama", date="2024-05-07", attack_type="kidnapping"),
    ]
    preds = [as_pred(golds[2]), pred(SPURIOUS), as_pred(golds[0], killed=Count(min=6, max=6)), as_pred(golds[1])]

    def matched(ps, gs) -> set[tuple[str, str]]:
        result = align(ps, gs)
        return {(ps[p].summary + ps[p].location, gs[g].event_id) for p, g, _ in result.pairs}

    expected = matched(preds, golds)
    assert {e for _, e in expected} == {"one", "two", "three"}
    for ps in itertools.permutations(preds):
        for gs in itertools.permutations(golds):
            assert matched(list(ps), list(gs)) == expected


# ---------------------------------------------------------------- loading predictions


def test_invalid_lines_are_counted_not_fatal(tmp_path):
    path = tmp_path / "run.jsonl"
    good = record("a", as_pred(GOLD["a"].incidents[0])).model_dump_json()
    cut = good[: len(good) // 2]
    path.write_text("\n".join([good, "not json", '{"article_id": "b"}', "", cut, "[1, 2]"]) + "\n", encoding="utf-8")
    preds, invalid = load_predictions(path)
    assert list(preds) == ["a"] and invalid == 4
    s = score(preds, GOLD, n_invalid_lines=invalid)
    # 10 gold incidents in 8 articles; only a's is predicted, the other 9 are FN.
    assert s.n_invalid_lines == 4 and s.n_missing == 7 and counts(s.incidents) == (1, 0, 9)
    with pytest.raises(RunStoreError):
        load_predictions(tmp_path / "absent.jsonl")


# ---------------------------------------------------------------- comparing runs


def test_compare_finds_planted_regression_and_fix():
    preds_a = predictions()
    preds_b = predictions()
    # Regression: a's country right in A, wrong in B. Fix: d's killed wrong in A (12), right in B (12-15).
    preds_b["a"] = record("a", as_pred(GOLD["a"].incidents[0], country="Niger"))
    preds_b["d"] = record("d", as_pred(GOLD["d"].incidents[0]))
    a, b = score(preds_a, GOLD), score(preds_b, GOLD)
    cmp = compare(a, b, preds_a, preds_b, GOLD)
    assert [(c.article_id, c.event_id, c.field, c.gold, c.a, c.b) for c in cmp.regressions] == [
        ("a", "a1", "country", "Nigeria", "Nigeria", "Niger")
    ]
    assert [(c.article_id, c.field, c.gold, c.a, c.b) for c in cmp.fixes] == [("d", "killed", "12-15", "12", "12-15")]
    assert {c.article_id for c in cmp.articles} == {"a", "d"}
    deltas = {d.metric: d for d in [*cmp.headline, *cmp.fields]}
    assert deltas["incident f1"].delta == 0 and not deltas["incident f1"].significant
    assert deltas["country"].delta == pytest.approx(b.fields["country"].f1 - a.fields["country"].f1)
    assert deltas["country"].delta < 0 and not deltas["country"].significant  # one change in eight articles


def test_compare_incident_and_spurious_rows_and_significance():
    preds_a = predictions()
    preds_b = {aid: record(aid, status="failed") for aid in GOLD}
    cmp = compare(score(preds_a, GOLD), score(preds_b, GOLD), preds_a, preds_b, GOLD)
    # Every gold incident matched in A is lost (7 rows); c's spurious prediction is gone too (a fix).
    assert [c.field for c in cmp.regressions] == ["incident"] * 7
    assert [(c.article_id, c.field, c.b) for c in cmp.fixes] == [("c", "spurious", "0")]
    recall = next(d for d in cmp.headline if d.metric == "incident recall")
    assert recall.delta == -0.7 and recall.significant
    # Adding a spurious prediction to a is a regression on the "spurious" row.
    preds_c = predictions() | {"a": record("a", as_pred(GOLD["a"].incidents[0]), pred(SPURIOUS))}
    cmp = compare(score(preds_a, GOLD), score(preds_c, GOLD), preds_a, preds_c, GOLD)
    assert [(c.article_id, c.field, c.a, c.b) for c in cmp.regressions] == [
        ("a", "spurious", "0", "1; Kidnapping on a highway.")
    ]
    assert cmp.fixes == []


# ---------------------------------------------------------------- report


def test_report_renders_scores_and_comparison():
    from rich.console import Console

    from extractor.cli.tables import print_comparison, print_scores

    preds_a = predictions()
    preds_b = predictions() | {"a": record("a", as_pred(GOLD["a"].incidents[0], country="Niger"))}
    a, b = score(preds_a, GOLD), score(preds_b, GOLD)
    console = Console(record=True, width=200)
    print_scores(a, console)
    print_comparison(compare(a, b, preds_a, preds_b, GOLD), console)
    out = console.export_text()
    shown = ("[66.7, 100.0]", "failed 1  missing 1", "killed_overlap", "Worst articles", "Regressions", "Niger")
    for text in shown:
        assert text in out


def test_real_share_counts_every_reported_incident_matching_any_gold():
    """Of 4 reported incidents: one matches a scored gold, one an optional gold (real, but neither TP nor FP),
    two match nothing. Incident precision is 1/3; the share that is real is 2/4."""
    optional = gold("o1", SMALL, optional=True)
    golds = {
        "a": article("a", gold("e1")),
        "b": article("b", optional),
        "c": article("c"),
    }
    preds = {
        "a": record("a", as_pred(golds["a"].incidents[0])),
        "b": record("b", as_pred(optional)),
        "c": record("c", pred(SPURIOUS), pred(SPURIOUS, location="Gashua", date="2024-04-02")),
    }
    scores = score(preds, golds, n_resamples=200)
    assert (scores.incidents.tp, scores.incidents.fp) == (1, 2)
    assert (scores.n_real, scores.n_reported) == (2, 4) and scores.real == 0.5
    assert scores.real_ci.low is not None and scores.real_ci.low <= 0.5 <= scores.real_ci.high
    assert score({}, golds, n_resamples=50).real is None


def test_multi_incident_recall_counts_only_articles_with_two_or_more_gold_incidents():
    """Article m reports two attacks (one found), article s one attack (found): recall over multi-incident articles
    is 1/2, while incident recall overall is 2/3."""
    first, second = gold("m1"), gold("m2", SMALL)
    golds = {"m": article("m", first, second), "s": article("s", gold("s1"))}
    preds = {"m": record("m", as_pred(first)), "s": record("s", as_pred(golds["s"].incidents[0]))}
    scores = score(preds, golds, n_resamples=200)
    assert scores.n_multi_articles == 1 and scores.multi_recall == 0.5
    assert abs(scores.incidents.recall - 2 / 3) < 1e-9
    both = score(preds | {"m": record("m", as_pred(first), as_pred(second))}, golds, n_resamples=50)
    assert both.multi_recall == 1.0
    assert score(preds, {"s": golds["s"]}, n_resamples=50).multi_recall is None
