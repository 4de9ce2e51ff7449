"""Places of a stored evaluation run: how often the country of a matched incident is right, and how many predicted
incidents got coordinates, at which precision.

    python bench/places_report.py runs/RUN_ID --muc4 ../shared/data/muc4/dev
    python bench/places_report.py runs/RUN_ID --golden news-dev

"Matched" is the scorer's alignment (all incidents, optional gold set aside); a country is right when it names one
of the gold incident's accepted countries (the scorer's `place_match`); a matched incident without a country is
wrong. The interval is a 95% bootstrap over articles (2000 resamples, seed 12345), as the scorer's.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from extractor.evaluation.align import gold_places, place_match
from extractor.evaluation.golden import golden_set
from extractor.evaluation.metrics import article_view
from extractor.evaluation.muc4 import load_split
from extractor.store.records import read_records


def report(run: Path, gold: dict) -> dict:
    records = {r.article_id: r for r in read_records(run / "predictions.jsonl")[0]}
    per_article: list[tuple[int, int]] = []
    precision: Counter = Counter()
    predicted = located = 0
    for article_id, label in gold.items():
        view = article_view(records.get(article_id), label)
        right = total = 0
        for pred, gold_incident in view.pairs:
            accepted = gold_places(gold_incident, "country")
            if accepted:
                total += 1
                right += bool(pred.country) and place_match(pred.country, accepted)
        per_article.append((right, total))
        record = records.get(article_id)
        for incident in record.incidents if record else []:
            predicted += 1
            precision[incident.geo_precision] += 1
            located += incident.latitude is not None
    counts = np.array(per_article, dtype=float)
    rng = np.random.default_rng(12345)
    samples = counts[rng.integers(0, len(counts), size=(2000, len(counts)))].sum(axis=1)
    samples = samples[samples[:, 1] > 0]
    ratios = samples[:, 0] / samples[:, 1] if len(samples) else None
    right, total = counts.sum(axis=0)
    return {
        "matched_with_gold_country": int(total),
        "country_right": int(right),
        "country_accuracy": right / total if total else None,
        "country_accuracy_ci": (
            [float(np.percentile(ratios, 2.5)), float(np.percentile(ratios, 97.5))] if ratios is not None else [None, None]
        ),
        "predicted_incidents": predicted,
        "geo_precision": {str(k): v for k, v in sorted(precision.items(), key=lambda kv: (kv[0] is None, kv[0]))},
        "with_coordinates": located,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a stored run folder (runs/RUN_ID)")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--muc4", help="the MUC-4 split folder the run was made on")
    group.add_argument("--golden", help="the golden set the run was made on (seed, news-dev, ...)")
    args = parser.parse_args()
    gold = load_split(args.muc4).gold if args.muc4 else golden_set(args.golden).gold()
    json.dump(report(args.run, gold), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
