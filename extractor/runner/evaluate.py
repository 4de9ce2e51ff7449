"""Evaluation runs end to end (`extract eval`, `extract bench muc4`): the articles of golden sets or of a MUC-4
split extracted into stored runs and scored, with the clustering of their incidents into events scored against
the gold event ids (the events stage clusters, the judge scores). Progress goes to the same `RunHooks` as a run:
`started(total)`, each record, `finished(summary, run_dir)`, once per set."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from .run import RunHooks
from .setup import Setup

if TYPE_CHECKING:
    from ..evaluation.clusters import ClusterScores
    from ..evaluation.evaluate import Evaluation
    from ..evaluation.golden import GoldenSet
    from ..evaluation.metrics import Counts
    from ..models import ArticleRecord, GoldArticle


def cluster_scores_of(predictions: dict[str, ArticleRecord], gold: dict[str, GoldArticle]) -> ClusterScores:
    """The event-clustering scores of a run's predictions (records by article id) against gold event ids, with the
    wrong merges listed."""
    from ..evaluation.clusters import keyed_items, score_clusters, wrong_merges
    from ..events.build import event_labels

    items = keyed_items(predictions, gold, event_labels(list(predictions.values())))
    scores = score_clusters([(p, g) for _, p, g in items])
    return scores.model_copy(update={"wrong_merges": wrong_merges(items)})


def gold_cluster_scores(golden: GoldenSet) -> ClusterScores:
    """The merging alone: the clustering scores of a set's gold incidents, as if extracted."""
    from ..evaluation.golden import oracle_records

    return cluster_scores_of(oracle_records(golden), golden.gold())


def run_cluster_scores(run_dir: Path | str, gold: dict[str, GoldArticle]) -> ClusterScores:
    """The clustering scores of a stored evaluation run."""
    from ..store.runs import load_predictions, predictions_path

    predictions, _ = load_predictions(predictions_path(str(run_dir)))
    return cluster_scores_of(predictions, gold)


@dataclass
class SetEvaluation:
    """One golden set's evaluation run, and how its incidents cluster into events."""

    golden: GoldenSet
    evaluation: Evaluation
    clusters: ClusterScores
    gold_clusters: ClusterScores | None = None  # the merging of the set's gold incidents

    def to_dict(self) -> dict[str, Any]:
        """The run folder, the manifest and the scores, as JSON values."""
        result = self.evaluation
        return {"run_dir": str(result.run_dir), "manifest": result.manifest.model_dump(mode="json"),
                **json.loads(result.scores.to_json())}  # fmt: skip


def evaluate_golden(
    setup: Setup,
    sets: list[str] | None = None,
    *,
    feed: str | None = None,
    runs_dir: Path,
    name: str | None = None,
    price_per_million: tuple[float, float] | None = None,
    hooks: RunHooks | None = None,
) -> list[SetEvaluation]:
    """Extract golden sets (names or labels files; None: every named set) into stored runs and score them; a run
    of several sets is named `<name>-<set>`."""
    from ..evaluation.evaluate import evaluate_set
    from ..evaluation.golden import golden_set, named_sets

    hooks = hooks or RunHooks()
    prepared = setup.prepare(hooks.notice)
    try:
        chosen = list(named_sets().values()) if sets is None else [golden_set(ref, feed) for ref in sets]
        results = []
        for golden in chosen:
            gold = golden.gold()
            hooks.started(len(gold))
            run_name = f"{name}-{golden.name}" if name and sets is None else name
            work = evaluate_set(prepared.settings, prepared.template, prepared.cache, golden, runs_dir=runs_dir,
                                name=run_name, price_per_million=price_per_million, on_record=hooks.record)  # fmt: skip
            evaluation = _finished(work, hooks)
            results.append(SetEvaluation(golden, evaluation, run_cluster_scores(evaluation.run_dir, golden.gold()),
                                         gold_cluster_scores(golden)))
        return results
    finally:
        prepared.cache.close()


def _finished(work: Coroutine[Any, Any, Evaluation], hooks: RunHooks) -> Evaluation:
    """Run `work`, telling `hooks.finished` (with no counters when it did not end)."""
    from ..pipeline.run import RunSummary

    try:
        evaluation = asyncio.run(work)
    except BaseException:
        hooks.finished(RunSummary(), "")
        raise
    hooks.finished(evaluation.summary, str(evaluation.run_dir))
    return evaluation


@dataclass
class BenchRun:
    """A MUC-4 benchmark run: the split, the messages chosen, the evaluation and the scores by attack type."""

    split: str
    messages: int
    chosen: str  # "all", "first N" or "sample N seed S"
    evaluation: Evaluation
    by_attack_type: dict[str, Counts]

    def to_dict(self) -> dict[str, Any]:
        result = self.evaluation
        return {"run_dir": str(result.run_dir), "split": self.split, "messages": self.messages,
                "manifest": result.manifest.model_dump(mode="json"), **json.loads(result.scores.to_json()),
                "by_attack_type": {k: v.model_dump(mode="json") for k, v in self.by_attack_type.items()}}  # fmt: skip


def _digest(directory: Path) -> str:
    """sha256 over the split's files (names and contents), for the run manifest."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.iterdir() if p.is_file()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def bench_muc4(
    setup: Setup,
    directory: Path,
    *,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 13,
    runs_dir: Path,
    name: str | None = None,
    hooks: RunHooks | None = None,
) -> BenchRun:
    """Extract a MUC-4 split (its first `limit` messages, or a stratified `sample`) into a stored run and score
    it in two views: this project's coding, and MUC-4's scope with out-of-scope predictions set aside."""
    from ..evaluation.evaluate import evaluate
    from ..evaluation.metrics import by_attack_type
    from ..evaluation.muc4 import in_muc_scope, load_split, stratified_sample
    from ..store.runs import load_predictions

    if limit and sample:
        raise ConfigError("--limit and --sample exclude each other")
    hooks = hooks or RunHooks()
    split = load_split(directory)
    ids = stratified_sample(split, sample, seed) if sample else [a.id for a in split.articles][:limit]
    wanted = set(ids)
    articles = [a for a in split.articles if a.id in wanted]
    gold = {aid: label for aid, label in split.gold.items() if aid in wanted}
    prepared = setup.prepare(hooks.notice)
    try:
        hooks.started(len(articles))
        chosen = f"sample {sample} seed {seed}" if sample else (f"first {limit}" if limit else "all")
        work = evaluate(
            prepared.settings, prepared.template, prepared.cache, articles=articles, gold=gold, source=str(directory),
            golden_label=f"MUC-4 {split.name} ({chosen}, {len(articles)} messages)", golden_sha256=_digest(directory),
            runs_dir=runs_dir, name=name, scope=in_muc_scope, on_record=hooks.record,
        )  # fmt: skip
        evaluation = _finished(work, hooks)
    finally:
        prepared.cache.close()
    predictions, _ = load_predictions(evaluation.run_dir / "predictions.jsonl")
    return BenchRun(split.name, len(articles), chosen, evaluation, by_attack_type(predictions, gold))
