"""The judge of event clusters: B-cubed, pairwise and CEAF-e on hand-computed cases, and items from alignment."""

from __future__ import annotations

import pytest

from extractor.evaluation.clusters import cluster_items, score_clusters
from extractor.models import ArticleRecord, GoldArticle, GoldIncident, GroundedIncident, Provenance

from .conftest import incident


def test_a_perfect_clustering_scores_one_everywhere() -> None:
    scores = score_clusters([("x", "A"), ("x", "A"), ("y", "B")])
    assert scores.items == 3 and scores.gold_events == scores.predicted_events == 2 and scores.gold_merges == 1
    for metric in (scores.bcubed, scores.pairwise, scores.ceaf_e):
        assert (metric.precision, metric.recall, metric.f1) == (1.0, 1.0, 1.0)


def test_everything_in_one_cluster() -> None:
    # gold {1,2} {3}; predicted {1,2,3}
    scores = score_clusters([("x", "A"), ("x", "A"), ("x", "B")])
    # B-cubed precision: items 1, 2 see 2/3, item 3 sees 1/3 -> 5/9; recall 1.
    assert scores.bcubed.precision == pytest.approx(5 / 9) and scores.bcubed.recall == 1.0
    # pairwise: 3 predicted pairs, 1 gold pair, 1 in both.
    assert scores.pairwise.precision == pytest.approx(1 / 3) and scores.pairwise.recall == 1.0
    assert scores.pairwise.f1 == pytest.approx(0.5)
    # CEAF-e: phi4({1,2,3},{1,2}) = 4/5, one predicted and two gold clusters.
    assert scores.ceaf_e.precision == pytest.approx(0.8) and scores.ceaf_e.recall == pytest.approx(0.4)


def test_nothing_merged_that_should_be() -> None:
    scores = score_clusters([("x", "A"), ("y", "A"), ("z", "B")])
    assert scores.bcubed.precision == 1.0 and scores.bcubed.recall == pytest.approx((0.5 + 0.5 + 1) / 3)
    assert scores.pairwise.precision == 1.0 and scores.pairwise.recall == 0.0 and scores.pairwise.f1 == 0.0


def test_no_items_gives_no_scores() -> None:
    scores = score_clusters([])
    assert scores.items == 0 and scores.bcubed.f1 is None


def _record(article_id: str, *incidents: dict) -> ArticleRecord:
    return ArticleRecord(article_id=article_id, title="t", status="ok",
                         incidents=[GroundedIncident(**i, grounded=True) for i in incidents],
                         provenance=Provenance(backend="test", model="m", schema_hash="s"))  # fmt: skip


def _gold(article_id: str, *pairs: tuple[dict, str], optional: bool = False) -> GoldArticle:
    return GoldArticle(article_id=article_id, title="t", incidents=[
        GoldIncident(**i, event_id=event, optional=optional) for i, event in pairs])  # fmt: skip


def test_items_are_the_aligned_incidents_with_both_labels() -> None:
    niger = incident("q")
    mali = incident("q", country="Mali", region="Gao", date="2024-09-01", attack_type="bombing")
    predictions = {"a": _record("a", mali, niger), "b": _record("b", niger), "c": _record("c", niger)}
    gold = {"a": _gold("a", (niger, "E1"), (mali, "E2")), "b": _gold("b", (niger, "E1")),
            "c": _gold("c", (niger, "E3"), optional=True), "d": _gold("d", (niger, "E1"))}  # fmt: skip
    labels = {("a", 0): "p2", ("a", 1): "p1", ("b", 0): "p1", ("c", 0): "p1"}

    items = cluster_items(predictions, gold, labels)

    # a's incidents are aligned across their order; c's gold is optional; d was never predicted.
    assert sorted(items) == [("p1", "E1"), ("p1", "E1"), ("p2", "E2")]
    assert score_clusters(items).bcubed.f1 == 1.0


def test_eval_and_compare_report_the_event_clustering() -> None:
    from typer.testing import CliRunner

    from extractor.cli import app

    runner = CliRunner()
    evaluated = runner.invoke(app, ["eval", "--model", "baseline", "-q", "--name", "a"])
    compared = runner.invoke(app, ["compare", "a", "a"])

    assert evaluated.exit_code == 0 and compared.exit_code == 0, evaluated.output + compared.output
    assert "Events merged across articles vs gold event_id" in evaluated.stdout
    row = next(line for line in evaluated.stdout.splitlines() if line.startswith("│ seed"))
    assert "to merge" in row and "/ 100.0 /" in row, "the seed's Bamako school reports merge: full B-cubed recall"
    assert "A = a" in compared.stdout and compared.stdout.count("│ A = a") == compared.stdout.count("│ B = a") == 1


def test_wrong_merges_are_the_pairs_merged_that_gold_keeps_apart() -> None:
    from extractor.evaluation.clusters import keyed_items, wrong_merges

    niger = incident("q")
    predictions = {k: _record(k, niger) for k in "abc"}
    gold = {"a": _gold("a", (niger, "E1")), "b": _gold("b", (niger, "E1")), "c": _gold("c", (niger, "E2"))}
    items = keyed_items(predictions, gold, {("a", 0): "p", ("b", 0): "p", ("c", 0): "p"})
    assert sorted(wrong_merges(items)) == [("a#0", "E1", "c#0", "E2"), ("b#0", "E1", "c#0", "E2")]
    assert wrong_merges(keyed_items(predictions, gold, {("a", 0): "p", ("b", 0): "p", ("c", 0): "q"})) == []


def test_eval_scores_the_merging_on_gold_incidents_and_lists_wrong_merges() -> None:
    from typer.testing import CliRunner

    from extractor.cli import app
    from extractor.evaluation.golden import golden_set, oracle_records

    records = oracle_records(golden_set("seed"))
    assert sum(len(r.incidents) for r in records.values()) == 16 and all(r.published for r in records.values())
    result = CliRunner().invoke(app, ["eval", "--model", "baseline", "-q", "--name", "g"])
    assert result.exit_code == 0, result.output
    gold_row = next(line for line in result.stdout.splitlines() if line.startswith("│ seed, gold incidents"))
    assert "(2 to merge)" in gold_row and gold_row.count("100.0 / 100.0 / 100.0") == 3 and gold_row.rstrip("│ ").endswith("0")
    baseline_row = next(line for line in result.stdout.splitlines() if line.startswith("│ seed  "))
    # the baseline gives the Bamako school and airport one incident each per article: no wrong merge left
    assert "(2 to merge)" in baseline_row and baseline_row.count("100.0 / 100.0 / 100.0") == 3
    assert baseline_row.rstrip("│ ").endswith(" 0") and "wrong merge (seed): " not in result.stdout


def test_wrong_merges_are_listed_beneath_the_table() -> None:
    from io import StringIO

    from rich.console import Console

    from extractor.cli.tables import print_cluster_scores
    from extractor.evaluation.clusters import wrong_merges

    items = [("a#0", "ev-1", "school"), ("b#0", "ev-1", "airport"), ("c#0", "ev-2", "airport")]
    scores = score_clusters([(p, g) for _, p, g in items]).model_copy(update={"wrong_merges": wrong_merges(items)})
    out = StringIO()
    print_cluster_scores([("seed", scores)], Console(file=out, width=200))

    assert scores.wrong_merges == [("a#0", "school", "b#0", "airport")]
    assert "wrong merge (seed): a#0 (gold school) + b#0 (gold airport)" in out.getvalue()
