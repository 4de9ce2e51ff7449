"""`extract eval`, `extract score` and `extract compare`: scoring runs against golden labels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ..store.runs import DEFAULT_RUNS_DIR
from .app import EXIT_FAILED, app, err, fail, guarded, in_loop, out, prepare, progress_bar
from .options import AsJson, FailUnder, Golden, Quiet, RunName, RunsDir, SettingOptions, with_setting_options
from .run import print_summary
from .store import cluster_scores_of, gold_cluster_scores, print_cluster_scores, run_cluster_scores
from .tables import print_comparison, print_scores, print_sets

if TYPE_CHECKING:
    from ..evaluation.golden import GoldenSet
    from ..models import GoldArticle


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
    from ..evaluation.evaluate import evaluate_set
    from ..evaluation.golden import golden_set, named_sets

    settings, template, cache = guarded(lambda: prepare(llm))
    sets = list(named_sets().values()) if all_sets else [guarded(lambda: golden_set(golden, feed))]
    prices = (price_in or 0.0, price_out or 0.0) if price_in is not None or price_out is not None else None
    results = []
    try:
        for chosen in sets:
            progress = progress_bar(len(guarded(chosen.gold)), quiet or as_json)
            run_name = f"{name}-{chosen.name}" if name and all_sets else name
            work = evaluate_set(
                settings, template, cache, chosen, runs_dir=runs_dir, name=run_name, price_per_million=prices,
                on_record=lambda _, p=progress: p.advance(p.task_ids[0]),
            )  # fmt: skip
            results.append((chosen, guarded(lambda work=work, p=progress: in_loop(p, work))))
    finally:
        cache.close()
    if as_json:
        typer.echo(json.dumps([
            {"set": chosen.name, "development": chosen.development, "run_dir": str(result.run_dir),
             "manifest": result.manifest.model_dump(mode="json"), **json.loads(result.scores.to_json())}
            for chosen, result in results
        ] if all_sets else {"run_dir": str(results[0][1].run_dir),
                            "manifest": results[0][1].manifest.model_dump(mode="json"),
                            **json.loads(results[0][1].scores.to_json())}))  # fmt: skip
    elif all_sets:
        print_sets([(chosen.name, chosen.development, result.scores.all) for chosen, result in results], out)
        print_cluster_scores([(c.name, run_cluster_scores(r.run_dir, c.gold())) for c, r in results]
                             + [(f"{c.name}, gold incidents", gold_cluster_scores(c)) for c, _ in results], out)
        for chosen, result in results:
            out.print(f"golden set {chosen.name}: run stored in {result.run_dir}", highlight=False)
    else:
        chosen, result = results[0]
        print_summary(result.summary, str(result.run_dir))
        print_scores(result.scores.primary, out, worst=0)
        print_scores(result.scores.all, out)
        print_cluster_scores([(chosen.name, run_cluster_scores(result.run_dir, chosen.gold())),
                              (f"{chosen.name}, gold incidents", gold_cluster_scores(chosen))], out)
        cost = result.manifest.estimated_cost_usd
        use = "development" if chosen.development else "test: report only, never tune on it"
        out.print(f"golden set {chosen.name} ({use}); run stored in {result.run_dir}"
                  + (f"; estimated cost ${cost:.4f}" if cost is not None else ""))  # fmt: skip
    for _, result in results:
        check_threshold(result.scores.all.incidents.f1, fail_under)


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
