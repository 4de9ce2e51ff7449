"""Tuning event merging on development sets only (seed, news-dev): a grid over the text weight, the minimum shared
text and the merge threshold, scored on the gold incidents (merging alone) and on the baseline's incidents, with
the wrong merges counted, and the article pairs of the baseline (alignment-free: two articles of one gold event
whose incidents share a predicted event). The test half (news-test) is never read here.

    python bench/merge_tune.py            # one JSON line per setting, best last
"""

from __future__ import annotations

import itertools
import json
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_events import baseline_records  # noqa: E402
from extractor.evaluation.clusters import keyed_items, score_clusters, wrong_merges  # noqa: E402
from extractor.evaluation.golden import golden_set, oracle_records  # noqa: E402
from extractor.events.build import event_labels  # noqa: E402
from extractor.events.rules import DEFAULT_RULES  # noqa: E402

DEV_SETS = ("seed", "news-dev")


def article_pairs(records, gold, rules) -> tuple[int, int, int]:
    """(known pairs merged, known pairs, wrong pairs) over articles: two articles whose gold incidents share an event
    are a known pair, merged when some incident of each lands in one predicted event; two articles merged without a
    shared gold event are a wrong pair. Alignment-free, so it also sees incidents the scorer cannot match."""
    labels = event_labels(list(records.values()), rules)
    predicted: dict[str, set[str]] = {}
    for (article, _), event in labels.items():
        predicted.setdefault(article, set()).add(event)
    events = {a: {i.event_id for i in g.incidents if not i.optional} for a, g in gold.items()}
    ids = sorted(a for a in gold if a in records)
    known = merged = wrong = 0
    for x, a in enumerate(ids):
        for b in ids[x + 1 :]:
            together = bool(predicted.get(a, set()) & predicted.get(b, set()))
            if events[a] & events[b]:
                known += 1
                merged += together
            elif together:
                wrong += 1
    return merged, known, wrong


def main() -> None:
    data = []
    for name in DEV_SETS:
        chosen = golden_set(name)
        gold = chosen.gold()
        data += [(name, "gold", oracle_records(chosen), gold), (name, "baseline", baseline_records(name), gold)]
    results = []
    for weight, min_cos, threshold in itertools.product((0.3, 0.5, 0.6, 0.7), (0.15, 0.2, 0.25, 0.3), (0.4, 0.45, 0.5)):
        rules = replace(DEFAULT_RULES, text_weight=weight, min_cosine=min_cos, min_affinity=threshold)
        row = {"text_weight": weight, "min_cosine": min_cos, "min_affinity": threshold}
        wrong, f1s = 0, []
        for name, kind, records, gold in data:
            items = keyed_items(records, gold, event_labels(list(records.values()), rules))
            scores = score_clusters([(p, g) for _, p, g in items])
            row[f"{name}/{kind}"] = round(scores.pairwise.f1 or 0.0, 3)
            wrong += len(wrong_merges(items))
            f1s.append(scores.pairwise.f1 or 0.0)
            if kind == "baseline":
                merged, known, wrong_pairs = article_pairs(records, gold, rules)
                row[f"{name}/baseline article pairs"] = f"{merged}/{known} merged, {wrong_pairs} wrong"
                wrong += wrong_pairs
        row["wrong"] = wrong
        row["mean_pairwise_f1"] = round(sum(f1s) / len(f1s), 3)
        results.append(row)
    results.sort(key=lambda r: (-r["wrong"], r["mean_pairwise_f1"], r["news-dev/baseline article pairs"]))
    for row in results:
        print(json.dumps(row))


if __name__ == "__main__":
    main()
