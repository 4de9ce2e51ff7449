"""`extract bench muc4 DIR`: the MUC-4 benchmark, extracted and scored in two views (this project's coding, and
MUC-4's scope with out-of-scope predictions set aside)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from .app import Shown, app, guarded, out
from .evaluate import check_threshold
from .options import DEFAULT_RUNS_DIR, AsJson, FailUnder, Quiet, RunName, RunsDir, SettingOptions, with_setting_options
from .tables import print_scores, print_summary, types_table

bench_app = typer.Typer(help="Run and score a public benchmark.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


@bench_app.command("muc4")
@with_setting_options
def muc4(
    directory: Annotated[Path, typer.Argument(help="One MUC-4 split folder as shipped: its text and key files.")],
    limit: Annotated[Optional[int], typer.Option(min=1, help="Only the first N messages.")] = None,
    sample: Annotated[
        Optional[int], typer.Option(min=1, help="A stratified sample of N messages (relevant and not, in proportion).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of --sample.")] = 13,
    runs_dir: RunsDir = DEFAULT_RUNS_DIR,
    name: RunName = None,
    as_json: AsJson = False,
    fail_under: FailUnder = None,
    quiet: Quiet = False,
    *,
    llm: SettingOptions,
) -> None:
    """Extract a MUC-4 split and score it: document relevance, incidents and fields, in two views."""
    from ..runner.evaluate import bench_muc4

    result = guarded(lambda: bench_muc4(llm.setup(), directory, limit=limit, sample=sample, seed=seed,
                                        runs_dir=runs_dir, name=name, hooks=Shown(quiet or as_json)))  # fmt: skip
    evaluation = result.evaluation
    if as_json:
        typer.echo(json.dumps(result.to_dict()))
    else:
        print_summary(evaluation.summary, str(evaluation.run_dir))
        out.print(f"MUC-4 {result.split}: {result.messages} messages ({result.chosen}); view 1: this project's coding")
        print_scores(evaluation.scores.all, out)
        out.print("view 2: MUC-4 scope (predicted incidents outside MUC-4's scope set aside)")
        print_scores(evaluation.scores.scoped, out, worst=0)
        out.print(types_table(result.by_attack_type))
        out.print(f"run stored in {evaluation.run_dir}")
    check_threshold(evaluation.scores.all.incidents.f1, fail_under)
