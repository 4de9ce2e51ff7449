"""`extract eval`, `extract score` and `extract compare`: scoring runs against golden labels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from .app import EXIT_FAILED, Shown, app, err, fail, guarded, out
from .options import DEFAULT_RUNS_DIR, AsJson, FailUnder, Golden, Quiet, RunName, RunsDir, SettingOptions, with_setting_options
from .tables import print_cluster_scores, print_comparison, print_scores, print_sets, print_summary

if TYPE_CHECKING:
    from ..evaluation.golden import GoldenSet
    from ..models import GoldArticle
    from ..runner.evaluate import SetEvaluation


@app.command("eval")
@with_setting_options
def eval_command(
    golden: Golden = "seed",
    feed: Annotated[Optional[str], typer.Option(help="The feed of a labels file given as --golden.")] = None,
    all_sets: Annotated[bool, typer.Option("--all", help="Evaluate on every named golden set; one table.")] = False,
    runs_dir: RunsDir = DEFAULT_RUNS_DIR,
    name: RunName = None,
    price_in: Annotated[Optional[float], typer.Option(help="USD per million input tokens, for the cost.")] = None,
    price_out: Annotated[Optional[float], typer.Option(help="USD per million output tokens, for the cost.")] = None,
    as_json: AsJson = False,
    fail_under: FailUnder = None,
    quiet: Quiet = False,
    *,
    llm: SettingOptions,
) -> None:
    """Extract a golden set into a stored run (through the cache) and score it against its labels."""
    from ..runner.evaluate import evaluate_golden

    prices = (price_in or 0.0, price_out or 0.0) if price_in is not None or price_out is not None else None
    chosen = None if all_sets else [golden]
    results = guarded(lambda: evaluate_golden(llm.setup(), chosen, feed=feed, runs_dir=runs_dir, name=name,
                                              price_per_million=prices, hooks=Shown(quiet or as_json)))  # fmt: skip
    if as_json:
        payload = [{"set": r.golden.name, "development": r.golden.development, **r.to_dict()} for r in results]
        typer.echo(json.dumps(payload if all_sets else results[0].to_dict()))
    elif all_sets:
        print_sets([(r.golden.name, r.golden.development, r.evaluation.scores.all) for r in results], out)
        print_cluster_scores([(r.golden.name, r.clusters) for r in results]
                             + [(f"{r.golden.name}, gold incidents", r.gold_clusters) for r in results if r.gold_clusters],
                             out)  # fmt: skip
        for r in results:
            out.print(f"golden set {r.golden.name}: run stored in {r.evaluation.run_dir}", highlight=False)
    else:
        print_set_evaluation(results[0])
    for r in results:
        check_threshold(r.evaluation.scores.all.incidents.f1, fail_under)


def print_set_evaluation(result: SetEvaluation) -> None:
    """One golden set's run: counters, primary and all-incident scores, clustering, where it is stored."""
    chosen, evaluation = result.golden, result.evaluation
    print_summary(evaluation.summary, str(evaluation.run_dir))
    print_scores(evaluation.scores.primary, out, worst=0)
    print_scores(evaluation.scores.all, out)
    gold_rows = [(f"{chosen.name}, gold incidents", result.gold_clusters)] if result.gold_clusters else []
    print_cluster_scores([(chosen.name, result.clusters), *gold_rows], out)
    cost = evaluation.manifest.estimated_cost_usd
    use = "development" if chosen.development else "test: report only, never tune on it"
    out.print(f"golden set {chosen.name} ({use}); run stored in {evaluation.run_dir}"
              + (f"; estimated cost ${cost:.4f}" if cost is not None else ""))  # fmt: skip


def check_threshold(f1: float | None, fail_under: float | None) -> None:
    if fail_under is not None and (f1 or 0.0) < fail_under:
        raise fail(f"incident F1 {f1 or 0.0:.3f} is below --fail-under {fail_under}", EXIT_FAILED)


GoldenOfRun = Annotated[
    Optional[str],
    typer.Option(
        "--golden",
        help="Golden set: seed, news-dev, news-test, adversarial, or a labels .jsonl file (default: the set the "
        "run's manifest records, else seed).",
    ),
]


def scored_against(golden: str | None, paths: list[Path]) -> tuple[GoldenSet, dict[str, GoldArticle], str]:
    """The golden set for stored runs (see `golden_of_runs`), its labels, and where the choice came from."""
    from ..evaluation.evaluate import golden_of_runs

    chosen, origin = guarded(lambda: golden_of_runs(golden, paths))
    return chosen, guarded(chosen.gold), origin


def say_what_was_read(chosen: GoldenSet, origin: str, paths: list[Path]) -> None:
    """On stderr: the golden set scored against and why, and the older, foreign and cut lines of each run."""
    from ..store.runs import load_run_records

    err.print(f"golden set {chosen.name} ({origin})", highlight=False)
    for path in paths:
        _, counts = guarded(lambda path=path: load_run_records(path))
        for note in counts.notes():
            err.print(f"{path}: {note}", highlight=False)


@app.command()
def score(
    predictions: Annotated[
        str, typer.Argument(help="Predictions JSONL (an `extract run` output), or a run id/folder.")
    ],
    golden: GoldenOfRun = None,
    runs_dir: RunsDir = DEFAULT_RUNS_DIR,
    as_json: AsJson = False,
    fail_under: FailUnder = None,
) -> None:
    """Score stored predictions against the golden labels (no LLM call)."""
    from ..evaluation.evaluate import score_predictions
    from ..store.runs import predictions_path

    path = guarded(lambda: predictions_path(predictions, runs_dir))
    chosen, gold, origin = scored_against(golden, [path])
    scores, _ = guarded(lambda: score_predictions(path, gold, golden_name=chosen.name))
    say_what_was_read(chosen, origin, [path])
    if as_json:
        typer.echo(scores.to_json())
    else:
        print_scores(scores.primary, out, worst=0)
        print_scores(scores.all, out)
    check_threshold(scores.all.incidents.f1, fail_under)


@app.command()
def compare(
    run_a: Annotated[str, typer.Argument(help="Baseline run: run id, run folder or predictions JSONL.")],
    run_b: Annotated[str, typer.Argument(help="Candidate run, compared against RUN_A.")],
    golden: GoldenOfRun = None,
    runs_dir: RunsDir = DEFAULT_RUNS_DIR,
    primary_only: Annotated[bool, typer.Option(help="Compare on primary incidents only.")] = False,
    as_json: AsJson = False,
) -> None:
    """Compare two runs: headline and per-field deltas with noise marks, per-article changes, regressions, fixes."""
    from ..evaluation.compare import compare as compare_runs
    from ..evaluation.evaluate import score_predictions
    from ..runner.evaluate import cluster_scores_of
    from ..store.runs import predictions_path

    paths = [guarded(lambda ref=ref: predictions_path(ref, runs_dir)) for ref in (run_a, run_b)]
    chosen, gold, origin = scored_against(golden, paths)
    (scores_a, preds_a), (scores_b, preds_b) = (
        guarded(lambda path=path: score_predictions(path, gold, golden_name=chosen.name)) for path in paths
    )
    say_what_was_read(chosen, origin, paths)
    view = "primary" if primary_only else "all"
    comparison = compare_runs(getattr(scores_a, view), getattr(scores_b, view), preds_a, preds_b, gold)
    if as_json:
        typer.echo(comparison.model_dump_json())
    else:
        out.print(f"A = {run_a}\nB = {run_b}")
        print_comparison(comparison, out)
        print_cluster_scores([(f"{k} = {ref}", cluster_scores_of(p, gold)) for k, ref, p in
                              (("A", run_a, preds_a), ("B", run_b, preds_b))], out)  # fmt: skip
