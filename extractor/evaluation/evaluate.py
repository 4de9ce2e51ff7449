"""Evaluation: extract the golden feed into a new stored run, then score it against the golden labels.

Scoring only reads stored predictions, so a scorer change re-scores old runs without a single LLM call.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import GoldenError
from ..feeds import load_feed
from ..llm import PromptTemplate, schema_hash
from ..models import ArticleRecord, GoldArticle
from ..pipeline import ResultCache, RunSummary, create_backend, run_feed
from ..settings import LLMSettings
from ..store import load_predictions, open_writer
from ..store.runs import METRICS, PREDICTIONS, Manifest, code_revision, file_sha256, new_run_dir, save_manifest
from .fewshot import ExamplePool
from .golden import load_golden
from .metrics import RunScores, score


@dataclass
class Scores:
    """Both views of one set of predictions."""

    all: RunScores
    primary: RunScores

    def to_json(self) -> str:
        return json.dumps({"all": self.all.model_dump(mode="json"), "primary": self.primary.model_dump(mode="json")})


@dataclass
class Evaluation:
    run_dir: Path
    manifest: Manifest
    scores: Scores
    summary: RunSummary


def score_predictions(path: Path, gold: dict[str, GoldArticle]) -> tuple[Scores, dict[str, ArticleRecord]]:
    """Both views of a predictions file, and its records."""
    predictions, invalid = load_predictions(path)
    views = [score(predictions, gold, primary_only=p, n_invalid_lines=invalid) for p in (False, True)]
    return Scores(*views), predictions


async def evaluate(
    settings: LLMSettings,
    prompt: PromptTemplate,
    cache: ResultCache | None,
    *,
    feed_path: str,
    golden_path: str,
    runs_dir: Path,
    name: str | None = None,
    price_per_million: tuple[float, float] | None = None,
    on_record: Callable[[ArticleRecord], None] | None = None,
) -> Evaluation:
    """Run the labelled articles of the feed through the backend into `runs_dir`, and score them."""
    gold = load_golden(golden_path)
    feed = load_feed(feed_path)
    articles = [a for a in feed.articles if a.id in gold]
    if not articles:
        raise GoldenError(f"no article of {feed_path} has a label in {golden_path}")
    examples = ExamplePool(feed.articles, gold) if prompt.uses_examples else None
    backend = create_backend(settings, prompt, cache, examples)
    run_dir = new_run_dir(runs_dir, backend.model, backend.prompt_name, name)
    parameters = settings.model_dump(exclude={"api_key", "model", "base_url"})
    manifest = Manifest(
        run_id=run_dir.name, started=dt.datetime.now(dt.timezone.utc), backend=backend.name, model=backend.model,
        endpoint=backend.endpoint, prompt_name=backend.prompt_name, prompt_hash=backend.prompt_hash,
        schema_hash=schema_hash(), modes=[], parameters=parameters, code_revision=code_revision(),
        feed=feed_path, golden=golden_path, golden_sha256=file_sha256(Path(golden_path)),
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
            articles, backend, writer, cache=cache, concurrency=settings.concurrency, on_record=record_seen
        )
    finally:
        writer.close()
    scores, _ = score_predictions(run_dir / PREDICTIONS, gold)
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
    save_manifest(run_dir, manifest)
    return Evaluation(run_dir, manifest, scores, summary)
