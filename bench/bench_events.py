"""Event merging on the golden sets: cluster scores of the events rules, on the extracted incidents of a stored run
(or fresh offline-baseline extraction) and on the gold incidents themselves ("oracle" extraction: the merging alone).

    python bench/bench_events.py                 # seed, news-dev, news-test; baseline and oracle
    python bench/bench_events.py --sets news-all  # both halves of the news set merged together (a cross-split pair)
    python bench/bench_events.py --run seed=runs/X   # also a stored run's predictions, scored on its golden set
    python bench/bench_events.py --oracle-db /tmp/oracle.db   # also the seed's gold incidents into a database
"""

from __future__ import annotations

import argparse
import asyncio
import json

from extractor import create_backend, load_prompt, resolve_settings, run_feed
from dataclasses import replace

from extractor.evaluation.clusters import keyed_items, score_clusters, wrong_merges
from extractor.evaluation.golden import golden_set as _golden_set
from extractor.evaluation.golden import oracle_records as _oracle_records
from extractor.events import event_labels
from extractor.models import ArticleRecord, GroundedIncident, Provenance
from extractor.store.runs import load_predictions, predictions_path


def golden_set(name: str):
    """A named set, or "news-all": both halves of the news set as one (not held out: news-dev is part of it)."""
    if name == "news-all":
        return replace(_golden_set("news-dev"), name="news-all", split=None, development=False)
    return _golden_set(name)


class _Collect:
    def __init__(self) -> None:
        self.records: dict[str, ArticleRecord] = {}

    def write(self, record: ArticleRecord) -> None:
        self.records[record.article_id] = record


def baseline_records(name: str) -> dict[str, ArticleRecord]:
    articles, _ = golden_set(name).load()
    settings, _ = resolve_settings({"model": "baseline"})
    sink = _Collect()
    asyncio.run(run_feed(articles, create_backend(settings, load_prompt()), sink))
    return sink.records


def oracle_records(name: str) -> dict[str, ArticleRecord]:
    """The gold incidents as if extracted (gold-only fields dropped), with the articles' publication dates."""
    return _oracle_records(golden_set(name))


def write_oracle_db(path: str) -> None:
    """The seed's articles with their gold incidents as one run of an incident database, then its events."""
    from extractor.events.storage import update_events
    from extractor.store.database import open_db
    from extractor.store.dbsink import DatabaseSink

    articles, _ = golden_set("seed").load()
    records = oracle_records("seed")
    db = open_db(path)
    sink = DatabaseSink(db, db.register_run({"backend": "oracle", "model": "gold", "config_hash": "gold"}, "seed"))
    for article in sink.select(articles):
        sink.write(records[article.id])
    update_events(db, sink.run_id)
    sink.close()


def scores(name: str, records: dict[str, ArticleRecord]) -> dict:
    gold = golden_set(name).gold()
    items = keyed_items(records, gold, event_labels(list(records.values())))
    wrong = wrong_merges(items)
    return {**score_clusters([(p, g) for _, p, g in items]).model_dump(exclude={"wrong_merges"}),
            "wrong_merges": len(wrong), "wrong": [f"{a} + {b}" for a, _, b, _ in wrong]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", default="seed,news-dev,news-test")
    parser.add_argument("--run", action="append", default=[], help="SET=RUN: a stored run's predictions for SET")
    parser.add_argument("--oracle-db", help="write the seed's gold incidents (as if extracted) to this database")
    args = parser.parse_args()
    if args.oracle_db:
        write_oracle_db(args.oracle_db)
    for name in args.sets.split(","):
        for kind, records in (("oracle", oracle_records(name)), ("baseline", baseline_records(name))):
            print(json.dumps({"set": name, "extraction": kind, **scores(name, records)}))
    for spec in args.run:
        name, ref = spec.split("=", 1)
        records, _ = load_predictions(predictions_path(ref))
        print(json.dumps({"set": name, "extraction": ref, **scores(name, records)}))


if __name__ == "__main__":
    main()
