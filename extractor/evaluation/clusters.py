"""Scoring event clusters against the golden sets' `event_id`s: B-cubed, pairwise and CEAF-e precision, recall, F1.

The items are the predicted incidents that `align` matches to a gold incident (per article, as the incident scores
do), each carrying its predicted event label and its gold `event_id`; so the scores judge the merging of what was
extracted, and the incident scores judge the extraction. Optional gold incidents are left out. The labels come from
outside (the events stage clusters, the CLI passes its labels in): the judge never imports a predictor.

- B-cubed (Bagga and Baldwin 1998): per item, the share of its predicted cluster in its gold cluster (precision)
  and of its gold cluster in its predicted cluster (recall), averaged over items.
- Pairwise: over pairs of items, "same event" predicted versus gold.
- CEAF-e (Luo 2005): the best one-to-one alignment of predicted and gold clusters by phi4 similarity
  (2|K∩R| / (|K|+|R|)), divided by the number of predicted (precision) and gold (recall) clusters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from itertools import combinations

import numpy as np
from pydantic import BaseModel
from scipy.optimize import linear_sum_assignment

from ..models import ArticleRecord, GoldArticle
from .align import align


class PRF(BaseModel):
    precision: float | None
    recall: float | None
    f1: float | None


class ClusterScores(BaseModel):
    items: int
    gold_events: int
    predicted_events: int
    gold_merges: int  # gold events with more than one item: what there is to merge
    bcubed: PRF
    pairwise: PRF
    ceaf_e: PRF
    wrong_merges: list[tuple[str, str, str, str]] = []  # (key a, gold a, key b, gold b): merged, gold apart


def _prf(p: float | None, r: float | None) -> PRF:
    f = 2 * p * r / (p + r) if p is not None and r is not None and p + r > 0 else (0.0 if p is not None else None)
    return PRF(precision=p, recall=r, f1=f)


def cluster_items(
    predictions: Mapping[str, ArticleRecord], gold: Mapping[str, GoldArticle], labels: Mapping[tuple[str, int], str]
) -> list[tuple[str, str]]:
    """(predicted label, gold event id) of every predicted incident aligned to a non-optional gold incident."""
    return [(pred, true) for _, pred, true in keyed_items(predictions, gold, labels)]


def keyed_items(
    predictions: Mapping[str, ArticleRecord], gold: Mapping[str, GoldArticle], labels: Mapping[tuple[str, int], str]
) -> list[tuple[str, str, str]]:
    """(incident key "<article_id>#<n>", predicted label, gold event id) of the items of `cluster_items`."""
    items = []
    for article_id, label in gold.items():
        record = predictions.get(article_id)
        if record is None or record.status != "ok":
            continue
        for p, g, _ in align(record.incidents, label.incidents).pairs:
            if not label.incidents[g].optional and (article_id, p) in labels:
                items.append((f"{article_id}#{p}", labels[article_id, p], label.incidents[g].event_id))
    return items


def wrong_merges(items: list[tuple[str, str, str]]) -> list[tuple[str, str, str, str]]:
    """(key a, gold event a, key b, gold event b) of every pair of `keyed_items` merged into one predicted event
    although their gold events differ."""
    return [(ka, ga, kb, gb) for (ka, pa, ga), (kb, pb, gb) in combinations(items, 2) if pa == pb and ga != gb]


def score_clusters(items: list[tuple[str, str]]) -> ClusterScores:
    """The clustering scores of (predicted label, gold label) items."""
    pred: dict[str, set[int]] = defaultdict(set)
    true: dict[str, set[int]] = defaultdict(set)
    for k, (p, g) in enumerate(items):
        pred[p].add(k)
        true[g].add(k)
    n = len(items)
    if n == 0:
        empty = PRF(precision=None, recall=None, f1=None)
        return ClusterScores(items=0, gold_events=0, predicted_events=0, gold_merges=0, bcubed=empty, pairwise=empty,
                             ceaf_e=empty)  # fmt: skip
    b_p = sum(len(pred[p] & true[g]) / len(pred[p]) for p, g in items) / n
    b_r = sum(len(pred[p] & true[g]) / len(true[g]) for p, g in items) / n
    same_pred = same_gold = both = 0
    for (p1, g1), (p2, g2) in combinations(items, 2):
        same_pred += p1 == p2
        same_gold += g1 == g2
        both += p1 == p2 and g1 == g2
    pw_p = both / same_pred if same_pred else 1.0  # no merge predicted: none wrong
    pw_r = both / same_gold if same_gold else 1.0  # nothing to merge: none missed
    keys, gkeys = list(pred), list(true)
    phi = np.array([[2 * len(pred[k] & true[r]) / (len(pred[k]) + len(true[r])) for r in gkeys] for k in keys])
    rows, cols = linear_sum_assignment(phi, maximize=True)
    best = float(phi[rows, cols].sum())
    return ClusterScores(
        items=n, gold_events=len(true), predicted_events=len(pred),
        gold_merges=sum(len(v) > 1 for v in true.values()), bcubed=_prf(b_p, b_r), pairwise=_prf(pw_p, pw_r),
        ceaf_e=_prf(best / len(keys), best / len(gkeys)),
    )  # fmt: skip
