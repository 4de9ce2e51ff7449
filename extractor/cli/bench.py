"""`extract bench muc4 DIR`: the MUC-4 benchmark, extracted and scored in two views (this project's coding, and
MUC-4's scope with out-of-scope predictions set aside)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..store.runs import DEFAULT_RUNS_DIR
from .app import app, fail, guarded, in_loop, out, prepare, progress_bar
from .evaluate import check_threshold
from .options import AsJson, FailUnder, Quiet, RunName, RunsDir, SettingOptions, with_setting_options
from .run import print_summary
from .tables import print_scores, types_table

bench_app = typer.Typer(help="Run and score a public benchmark.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


def _digest(directory: Path) -> str:
    """sha256 over the split's files (names and contents), for the run manifest."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.iterdir() if p.is_file()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


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
    from ..evaluation.evaluate import evaluate
    from ..evaluation.metrics import by_attack_type
    from ..evaluation.muc4 import in_muc_scope, load_split, stratified_sample
    from ..store.runs import load_predictions

    if limit and sample:
        raise fail("--limit and --sample exclude each other")
    split = guarded(lambda: load_split(directory))
    ids = [a.id for a in split.articles]
    if sample:
        ids = stratified_sample(split, sample, seed)
    elif limit:
        ids = ids[:limit]
    chosen = set(ids)
    articles = [a for a in split.articles if a.id in chosen]
    gold = {aid: label for aid, label in split.gold.items() if aid in chosen}
    settings, template, cache = guarded(lambda: prepare(llm))
    progress = progress_bar(len(articles), quiet or as_json)
    what = f"sample {sample} seed {seed}" if sample else (f"first {limit}" if limit else "all")
    work = evaluate(
        settings, template, cache, articles=articles, gold=gold, source=str(directory),
        golden_label=f"MUC-4 {split.name} ({what}, {len(articles)} messages)", golden_sha256=guarded(lambda: _digest(directory)),
        runs_dir=runs_dir, name=name, scope=in_muc_scope, on_record=lambda _: progress.advance(progress.task_ids[0]),
    )  # fmt: skip
    try:
        result = guarded(lambda: in_loop(progress, work))
    finally:
        cache.close()
    predictions, _ = load_predictions(result.run_dir / "predictions.jsonl")
    types = by_attack_type(predictions, gold)
    if as_json:
        payload = {"run_dir": str(result.run_dir), "split": split.name, "messages": len(articles),
                   "manifest": result.manifest.model_dump(mode="json"), **json.loads(result.scores.to_json()),
                   "by_attack_type": {k: v.model_dump(mode="json") for k, v in types.items()}}  # fmt: skip
        typer.echo(json.dumps(payload))
    else:
        print_summary(result.summary, str(result.run_dir))
        out.print(f"MUC-4 {split.name}: {len(articles)} messages ({what}); view 1: this project's coding")
        print_scores(result.scores.all, out)
        out.print("view 2: MUC-4 scope (predicted incidents outside MUC-4's scope set aside)")
        print_scores(result.scores.scoped, out, worst=0)
        out.print(types_table(types))
        out.print(f"run stored in {result.run_dir}")
    check_threshold(result.scores.all.incidents.f1, fail_under)
