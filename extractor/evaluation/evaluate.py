"""Evaluation: extract a golden set's articles into a new stored run, then score the run against its labels.

Scoring only reads stored predictions, so a scorer change re-scores old runs without a single LLM call.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import GoldenError
from ..llm import PromptTemplate, schema_hash
from ..models import RECORD_FORMAT, Article, ArticleRecord, GoldArticle
from ..pipeline import ResultCache, RunSummary, create_backend, run_feed
from ..settings import RunSettings
from ..store import load_predictions, open_writer
from ..store.runs import (
    METRICS, PREDICTIONS, Manifest, code_revision, file_sha256, manifest_of, new_run_dir, save_manifest,
)
from .fewshot import examples_for
from .golden import GoldenSet, golden_set, named_sets, recorded_set
from .metrics import PredFilter, RunScores, score


@dataclass
class Scores:
    """The views of one set of predictions: all incidents, primary incidents, and (for a benchmark with a scope
    of its own) all incidents with out-of-scope predictions set aside."""

    all: RunScores
    primary: RunScores
    scoped: RunScores | None = None

    def to_json(self) -> str:
        views = {"all": self.all, "primary": self.primary} | ({"scoped": self.scoped} if self.scoped else {})
        return json.dumps({name: view.model_dump(mode="json") for name, view in views.items()})


@dataclass
class Evaluation:
    run_dir: Path
    manifest: Manifest
    scores: Scores
    summary: RunSummary


def score_predictions(
    path: Path, gold: dict[str, GoldArticle], scope: PredFilter | None = None, golden_name: str | None = None
) -> tuple[Scores, dict[str, ArticleRecord]]:
    """The views of a predictions file (the scoped one when `scope` is given), and its records. A run none of
    whose articles the golden set labels is refused: it would score as all misses against the wrong set."""
    predictions, invalid = load_predictions(path)
    if predictions and gold and not set(predictions) & set(gold):
        raise GoldenError(
            f"no article of {path} is in golden set {golden_name or '(given)'} ({len(predictions)} run article(s), "
            f"{len(gold)} labelled): score it against the run's own set (--golden)"
        )
    views = [score(predictions, gold, primary_only=p, n_invalid_lines=invalid) for p in (False, True)]
    scoped = score(predictions, gold, n_invalid_lines=invalid, keep=scope) if scope else None
    return Scores(*views, scoped=scoped), predictions


def golden_of_runs(ref: str | None, paths: list[Path]) -> tuple[GoldenSet, str]:
    """The golden set to score stored runs against, and where it came from: `ref` when given, else the set the
    runs' manifests record (they must agree), else the seed set (a plain JSONL output has no manifest)."""
    if ref is not None:
        return golden_set(ref), "--golden"
    found: dict[str, GoldenSet] = {}
    for path in paths:
        manifest = manifest_of(path)
        chosen = recorded_set(manifest.golden_set, manifest.golden_split, manifest.golden) if manifest else None
        if chosen is not None:
            found.setdefault(f"{chosen.name}|{chosen.labels}|{chosen.split}", chosen)
    if len(found) > 1:
        names = " and ".join(chosen.name for chosen in found.values())
        raise GoldenError(f"the runs were scored against different golden sets ({names}); name one with --golden")
    if found:
        return next(iter(found.values())), "the run's manifest"
    return golden_set("seed"), "default: no manifest names a set"


async def evaluate_set(
    settings: RunSettings, prompt: PromptTemplate, cache: ResultCache | None, golden: GoldenSet, **options
) -> Evaluation:
    """Evaluate on a golden set (see `evaluate` for the options)."""
    articles, gold = golden.load()
    source = ";".join(str(feed) for feed in golden.feeds)
    label = f"{golden.name} ({golden.labels}{', split ' + golden.split if golden.split else ''})"
    ref = golden.name if named_sets().get(golden.name) == golden else str(golden.labels)
    return await evaluate(
        settings, prompt, cache, articles=articles, gold=gold, source=source, golden_label=label,
        golden_sha256=file_sha256(golden.labels), golden_ref=ref, golden_split=golden.split, **options,
    )  # fmt: skip


async def evaluate(
    settings: RunSettings,
    prompt: PromptTemplate,
    cache: ResultCache | None,
    *,
    articles: list[Article],
    gold: dict[str, GoldArticle],
    source: str,
    golden_label: str,
    golden_sha256: str,
    runs_dir: Path,
    golden_ref: str | None = None,
    golden_split: str | None = None,
    name: str | None = None,
    price_per_million: tuple[float, float] | None = None,
    on_record: Callable[[ArticleRecord], None] | None = None,
    scope: PredFilter | None = None,
) -> Evaluation:
    """Run the labelled articles through the backend into a new folder of `runs_dir`, and score them."""
    if not articles:
        raise GoldenError(f"no article of {source} has a label in {golden_label}")
    examples = examples_for(settings.strategy, prompt.uses_examples)
    backend = create_backend(settings, prompt, cache, examples)
    run_dir = new_run_dir(runs_dir, backend.model, backend.prompt_name, name)
    parameters = settings.model_dump(exclude={"api_key", "model", "base_url"})
    manifest = Manifest(
        run_id=run_dir.name, started=dt.datetime.now(dt.timezone.utc), backend=backend.name, model=backend.model,
        endpoint=backend.endpoint, prompt_name=backend.prompt_name, prompt_hash=backend.prompt_hash,
        schema_hash=schema_hash(), modes=[], parameters=parameters, code_revision=code_revision(),
        feed=source, golden=golden_label, golden_set=golden_ref, golden_split=golden_split,
        golden_sha256=golden_sha256, format=RECORD_FORMAT,
    )  # fmt: skip
    save_manifest(run_dir, manifest)
    modes: set[str] = set()

    def record_seen(record: ArticleRecord) -> None:
        if record.provenance.mode:
            modes.add(record.provenance.mode)
        if on_record:
            on_record(record)

    writer = open_writer(str(run_dir / PREDICTIONS), "jsonl")
    try:
        summary = await run_feed(
            articles, backend, writer, cache=cache, concurrency=settings.concurrency, on_record=record_seen,
            prefilter=settings.prefilter,
        )
    finally:
        writer.close()
    scores, _ = score_predictions(run_dir / PREDICTIONS, gold, scope)
    (run_dir / METRICS).write_text(scores.to_json(), encoding="utf-8")
    manifest.finished = dt.datetime.now(dt.timezone.utc)
    manifest.modes = sorted(modes)
    manifest.articles, manifest.failed = summary.articles, summary.failed
    manifest.requests, manifest.cache_hits, manifest.usage = summary.attempts, summary.cache_hits, summary.usage
    if price_per_million:
        price_in, price_out = price_per_million
        usage = summary.usage
        manifest.estimated_cost_usd = round(
            (usage.prompt_tokens * price_in + usage.completion_tokens * price_out) / 1e6, 6
        )
    elif not summary.cost_unknown:  # the price table's estimate (cached input tokens at their own price)
        manifest.estimated_cost_usd = round(summary.cost_usd, 6)
    save_manifest(run_dir, manifest)
    return Evaluation(run_dir, manifest, scores, summary)
