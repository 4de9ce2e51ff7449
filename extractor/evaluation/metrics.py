"""Score a run of predictions against the golden labels: incident and per-field counts, P/R/F1, bootstrap CIs.

Incidents. In each article the predictions are aligned to the gold incidents (`align.align`). A matched
pair is a TP, an unmatched prediction a FP, an unmatched gold incident a FN. An article whose prediction
is missing, failed or unreadable has no predictions: every gold incident is a FN (counted in n_missing or
n_failed). Primary-only view: only gold incidents with primary=true count; a prediction aligned to a
non-primary gold incident is left out (neither TP nor FP); alignment itself always uses every gold incident.

Fields. Every field is counted over every incident in the view, matched or not, so a missing incident
costs each of its fields. A *fill* is a non-empty value: not null, attack_type not "unknown", suicide true,
one list item for lists. Per incident and field:
- matched pair, both filled: right -> TP; wrong -> FP + FN (a wrong value is a spurious and a missed fill);
- matched pair, one filled: prediction only -> FP, gold only -> FN; neither -> nothing;
- unmatched gold incident: FN for each of its fills; unmatched prediction: FP for each of its fills;
- lists (perpetrators, attribution, targets, weapons) count items: TP = matched items, FP = the other
  predicted items, FN = the other gold items. Perpetrators match by name (aliases, known groups, fuzzy);
  attribution counts a matched perpetrator as TP only when its attribution is the same; targets are
  compared as a set of target types.
Right means: date equal (date: only a predicted date of time_precision 1 or none claims a day, a week or month
is no fill there) or, within the predicted date's precision (the day, +-7 days for 2, +-30 for 3), meeting the gold
date or date_range (date_in_range; a date that is only the publication date, date_source "published", is no fill
where the gold incident has no date either: both say the text gives none); places equal after
normalisation to the gold value or an alternative; killed/wounded the same range (exact) or overlapping
ranges (_overlap). Precision = TP/(TP+FP), recall = TP/(TP+FN), F1 = 2TP/(2TP+FP+FN), None when undefined.

Optional gold incidents (MUC-4's optional templates) are like non-primary ones in the primary view: a
prediction aligned to one is left out, and missing one is no FN.

Totals are micro sums over articles. Intervals: percentile bootstrap over articles (resampled with
replacement, fixed seed), the same resamples for every metric.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, computed_field

from ..models import ArticleRecord, GoldArticle, GoldIncident, GroundedIncident, Incident
from .align import (
    THRESHOLD,
    align,
    attack_match,
    count_exact,
    count_overlap,
    date_in_range,
    exact_date,
    gold_has_date,
    gold_places,
    known_attack,
    perpetrator_pairs,
    place_match,
)
from .bootstrap import N_RESAMPLES, SEED, Interval, interval, ratio_interval, resampled_prf

PredFilter = Callable[[Incident], bool]
FIELDS = (
    "date",
    "date_in_range",
    "country",
    "region",
    "location",
    "attack_type",
    "suicide",
    "perpetrators",
    "attribution",
    "targets",
    "weapons",
    "killed",
    "killed_overlap",
    "wounded",
    "wounded_overlap",
)


class Counts(BaseModel):
    """TP/FP/FN counters and the scores derived from them (None when a denominator is 0)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @computed_field
    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @computed_field
    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @computed_field
    @property
    def f1(self) -> float | None:
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else None

    def __add__(self, other: Counts) -> Counts:
        return Counts(tp=self.tp + other.tp, fp=self.fp + other.fp, fn=self.fn + other.fn)


class Scored(Counts):
    """Micro counts with bootstrap intervals for precision, recall and F1."""

    precision_ci: Interval = Interval()
    recall_ci: Interval = Interval()
    f1_ci: Interval = Interval()


class ArticleScore(BaseModel):
    """One article's counts. status: ok, failed, or missing (no valid prediction line)."""

    article_id: str
    status: Literal["ok", "failed", "skipped", "missing"]
    n_gold: int
    n_pred: int
    n_grounded: int
    n_set_aside: int = 0
    n_reported: int = 0  # every predicted incident the scope keeps, matched to a scored gold or not
    n_real: int = 0  # of those, the ones matching some gold incident (scored, optional or not primary)
    n_dated: int = 0  # of the reported, those with a date, a country, coordinates
    n_with_country: int = 0
    n_with_coordinates: int = 0
    incidents: Counts
    fields: dict[str, Counts]
    relevance: Counts = Counts()

    @computed_field
    @property
    def negative(self) -> bool:
        """The article reports no incident that the view scores (a place where inventing one is possible)."""
        return self.relevance.tp + self.relevance.fn == 0

    @computed_field
    @property
    def field_errors(self) -> int:
        return sum(c.fp + c.fn for c in self.fields.values())


class RunScores(BaseModel):
    """A whole run scored in one view (primary_only or all incidents)."""

    primary_only: bool
    threshold: float
    n_articles: int
    n_failed: int
    n_missing: int
    n_invalid_lines: int
    n_unlabelled: int
    n_resamples: int
    seed: int
    incidents: Scored
    fields: dict[str, Scored]
    relevance: Scored = Scored()
    n_negative: int = 0
    no_incident: float | None = None
    no_incident_ci: Interval = Interval()
    real: float | None = None  # the share of reported incidents that are real (match any gold incident)
    real_ci: Interval = Interval()
    n_reported: int = 0
    n_real: int = 0
    multi_recall: float | None = None  # recall of the gold incidents of articles that report two or more
    multi_recall_ci: Interval = Interval()
    n_multi_articles: int = 0
    n_dated: int = 0
    n_with_country: int = 0
    n_with_coordinates: int = 0
    n_pred: int
    n_grounded: int
    n_set_aside: int = 0
    articles: list[ArticleScore]

    @computed_field
    @property
    def grounding_rate(self) -> float | None:
        return self.n_grounded / self.n_pred if self.n_pred else None

    @computed_field
    @property
    def coverage(self) -> dict[str, float | None]:
        """Of every incident reported, the share with a date, with a country, with coordinates."""
        counts = {"date": self.n_dated, "country": self.n_with_country, "coordinates": self.n_with_coordinates}
        return {name: n / self.n_reported if self.n_reported else None for name, n in counts.items()}


@dataclass(frozen=True)
class ArticleView:
    """One article's incidents as scored in a view: matched (pred, gold) pairs, spurious preds, missed golds."""

    pairs: list[tuple[GroundedIncident, GoldIncident]]
    spurious: list[GroundedIncident]
    missed: list[GoldIncident]
    set_aside_matches: int = 0  # preds matched to a gold incident the view does not score (optional, non-primary)


def predicted(record: ArticleRecord | None, keep: PredFilter | None = None) -> list[GroundedIncident]:
    """The incidents a record contributes: none unless it is ok; only those `keep` accepts when given."""
    incidents = record.incidents if record is not None and record.status == "ok" else []
    return [i for i in incidents if keep(i)] if keep else incidents


def article_view(
    record: ArticleRecord | None,
    gold: GoldArticle,
    primary_only: bool = False,
    threshold: float = THRESHOLD,
    keep: PredFilter | None = None,
) -> ArticleView:
    """Align one article and keep what the view scores (see the module docstring)."""
    preds, golds = predicted(record, keep), gold.incidents
    alignment = align(preds, golds, threshold)

    def keep(incident: GoldIncident) -> bool:
        return (incident.primary or not primary_only) and not incident.optional

    return ArticleView(
        pairs=[(preds[p], golds[g]) for p, g, _ in alignment.pairs if keep(golds[g])],
        spurious=[preds[p] for p in alignment.unmatched_preds],
        missed=[golds[g] for g in alignment.unmatched_golds if keep(golds[g])],
        set_aside_matches=sum(not keep(golds[g]) for _, g, _ in alignment.pairs),
    )


def _fill(pred: object, gold: object, right: Callable[[], bool]) -> Counts:
    """Counts for one single-valued field (None = no fill); `right` is only called when both are filled."""
    if pred is None and gold is None:
        return Counts()
    if pred is None:
        return Counts(fn=1)
    if gold is None:
        return Counts(fp=1)
    return Counts(tp=1) if right() else Counts(fp=1, fn=1)


def _items(n_pred: int, n_gold: int, matched: int) -> Counts:
    return Counts(tp=matched, fp=n_pred - matched, fn=n_gold - matched)


def _sets(pred: set[str], gold: set[str]) -> Counts:
    return _items(len(pred), len(gold), len(pred & gold))


# Stands in for the missing side of an unmatched incident: no field is filled.
_NOTHING = GoldIncident.model_construct(
    date=None, date_range=None, country=None, region=None, location=None, alt_regions=[], alt_locations=[], alt_countries=[], alt_attack_types=[], optional=False,
    attack_type="unknown", suicide=False, perpetrators=[], perpetrator_aliases={}, targets=[], weapons=[],
    killed=None, wounded=None,
)  # fmt: skip


def field_counts(pred: Incident | None, gold: GoldIncident | None) -> dict[str, Counts]:
    """Per-field counts for a matched pair, an unmatched prediction (gold None) or a missed gold (pred None)."""
    p, g = pred or _NOTHING, gold or _NOTHING
    perps = perpetrator_pairs(p, g) if p.perpetrators and g.perpetrators else []
    same_attr = sum(p.perpetrators[i].attribution == g.perpetrators[j].attribution for i, j in perps)
    counts = {
        "date": _fill(exact_date(p), g.date, lambda: p.date == g.date),
        "date_in_range": _fill(
            None if getattr(p, "date_source", None) == "published" and not gold_has_date(g) else p.date,
            g if gold_has_date(g) else None,
            lambda: date_in_range(p.date, g, getattr(p, "time_precision", None)),
        ),
        "attack_type": _fill(
            known_attack(p.attack_type), known_attack(g.attack_type), lambda: attack_match(p.attack_type, g)
        ),
        "suicide": _fill(p.suicide or None, g.suicide or None, lambda: True),
        "perpetrators": _items(len(p.perpetrators), len(g.perpetrators), len(perps)),
        "attribution": _items(len(p.perpetrators), len(g.perpetrators), same_attr),
        "targets": _sets({t.type for t in p.targets}, {t.type for t in g.targets}),
        "weapons": _sets(set(p.weapons), set(g.weapons)),
    }  # fmt: skip
    for level in ("country", "region", "location"):
        accepted = gold_places(g, level)
        value = getattr(p, level)
        counts[level] = _fill(value, accepted or None, lambda: place_match(value, accepted))
    for name in ("killed", "wounded"):
        mine, theirs = getattr(p, name), getattr(g, name)
        counts[name] = _fill(mine, theirs, lambda: count_exact(mine, theirs))
        counts[f"{name}_overlap"] = _fill(mine, theirs, lambda: count_overlap(mine, theirs))
    return {name: counts[name] for name in FIELDS}


def score_article(
    record: ArticleRecord | None,
    gold: GoldArticle,
    primary_only: bool = False,
    threshold: float = THRESHOLD,
    keep: PredFilter | None = None,
) -> ArticleScore:
    """Incident and field counts of one article; a missing record scores as no predictions."""
    view = article_view(record, gold, primary_only, threshold, keep)
    fields = {name: Counts() for name in FIELDS}
    incidents = [*view.pairs, *((p, None) for p in view.spurious), *((None, g) for g in view.missed)]
    for pred, gold_incident in incidents:
        for name, counts in field_counts(pred, gold_incident).items():
            fields[name] += counts
    preds = [p for p, _ in view.pairs] + view.spurious
    return ArticleScore(
        article_id=gold.article_id,
        status="missing" if record is None else record.status,
        n_gold=len(view.pairs) + len(view.missed),
        n_pred=len(preds),
        n_grounded=sum(p.grounded for p in preds),
        n_set_aside=len(predicted(record)) - len(predicted(record, keep)),
        n_reported=len(preds) + view.set_aside_matches,
        n_real=len(view.pairs) + view.set_aside_matches,
        n_dated=sum(i.date is not None for i in predicted(record, keep)),
        n_with_country=sum(i.country is not None for i in predicted(record, keep)),
        n_with_coordinates=sum(i.latitude is not None for i in predicted(record, keep)),
        incidents=Counts(tp=len(view.pairs), fp=len(view.spurious), fn=len(view.missed)),
        fields=fields,
        relevance=_relevance(bool(view.pairs or view.missed), bool(preds)),
    )


def _relevance(reports: bool, flagged: bool) -> Counts:
    """Document relevance: does the article report an incident (gold), did the system report one (prediction)."""
    return Counts(tp=int(reports and flagged), fp=int(flagged and not reports), fn=int(reports and not flagged))


def counts_array(articles: Sequence[ArticleScore]) -> np.ndarray:
    """Array (articles, 2 + len(FIELDS), 3) of TP/FP/FN: index 0 is incidents, then FIELDS in order, then
    document relevance."""
    rows = [[a.incidents, *(a.fields[name] for name in FIELDS), a.relevance] for a in articles]
    return np.array([[[c.tp, c.fp, c.fn] for c in row] for row in rows], dtype=float).reshape(
        len(articles), 2 + len(FIELDS), 3
    )


def score(
    predictions: Mapping[str, ArticleRecord],
    gold: Mapping[str, GoldArticle],
    primary_only: bool = False,
    *,
    threshold: float = THRESHOLD,
    n_invalid_lines: int = 0,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
    keep: PredFilter | None = None,
) -> RunScores:
    """Score every gold article (predictions for articles without labels are only counted, n_unlabelled).

    `keep`, when given, sets aside the predicted incidents it rejects (e.g. those outside a benchmark's scope):
    they are neither TP nor FP, and counted in n_set_aside.
    """
    articles = [
        score_article(predictions.get(aid), article, primary_only, threshold, keep) for aid, article in gold.items()
    ]
    totals = [sum((a.incidents for a in articles), Counts())]
    totals += [sum((a.fields[name] for a in articles), Counts()) for name in FIELDS]
    totals += [sum((a.relevance for a in articles), Counts())]
    samples: dict[str, np.ndarray] = {}
    if articles:
        samples = resampled_prf(counts_array(articles), n_resamples, seed)
    scored = [
        Scored(
            **total.model_dump(include={"tp", "fp", "fn"}),
            **{f"{m}_ci": interval(samples[m][:, k]) if samples else Interval() for m in ("precision", "recall", "f1")},
        )
        for k, total in enumerate(totals)
    ]
    multi = [a for a in articles if a.incidents.tp + a.incidents.fn >= 2]  # two or more gold incidents scored
    return RunScores(
        primary_only=primary_only,
        threshold=threshold,
        n_articles=len(articles),
        n_failed=sum(a.status == "failed" for a in articles),
        n_missing=sum(a.status == "missing" for a in articles),
        n_invalid_lines=n_invalid_lines,
        n_unlabelled=sum(aid not in gold for aid in predictions),
        n_resamples=n_resamples,
        seed=seed,
        incidents=scored[0],
        fields=dict(zip(FIELDS, scored[1 : 1 + len(FIELDS)])),
        relevance=scored[-1],
        n_negative=sum(a.negative for a in articles),
        no_incident=_no_incident(articles),
        no_incident_ci=ratio_interval(
            [a.relevance.fp for a in articles], [a.negative for a in articles], n_resamples, seed
        ),
        real=_real(articles),
        real_ci=ratio_interval([a.n_real for a in articles], [a.n_reported for a in articles], n_resamples, seed),
        n_reported=sum(a.n_reported for a in articles),
        n_real=sum(a.n_real for a in articles),
        multi_recall=_ratio(sum(a.incidents.tp for a in multi), sum(a.incidents.tp + a.incidents.fn for a in multi)),
        multi_recall_ci=ratio_interval([a.incidents.tp for a in multi], [a.incidents.tp + a.incidents.fn for a in multi],
                                       n_resamples, seed),
        n_multi_articles=len(multi),
        n_dated=sum(a.n_dated for a in articles),
        n_with_country=sum(a.n_with_country for a in articles),
        n_with_coordinates=sum(a.n_with_coordinates for a in articles),
        n_pred=sum(a.n_pred for a in articles),
        n_grounded=sum(a.n_grounded for a in articles),
        n_set_aside=sum(a.n_set_aside for a in articles),
        articles=articles,
    )


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _real(articles: Sequence[ArticleScore]) -> float | None:
    """Incident precision as an analyst meets it: of every incident reported, the share that is a real incident of
    the labels (matching a scored, optional or non-primary gold incident); None when nothing was reported."""
    reported = sum(a.n_reported for a in articles)
    return sum(a.n_real for a in articles) / reported if reported else None


def _no_incident(articles: Sequence[ArticleScore]) -> float | None:
    """The share of articles without a gold incident in which the system reported one (lower is better)."""
    negatives = [a for a in articles if a.negative]
    return sum(a.relevance.fp for a in negatives) / len(negatives) if negatives else None


def by_attack_type(
    predictions: Mapping[str, ArticleRecord], gold: Mapping[str, GoldArticle], keep: PredFilter | None = None
) -> dict[str, Counts]:
    """Incident counts per attack type: a matched pair or a missed gold incident counts under the gold type,
    a spurious prediction under its own type (all incidents view)."""
    counts: dict[str, Counts] = {}

    def add(kind: str, c: Counts) -> None:
        counts[kind] = counts.get(kind, Counts()) + c

    for aid, label in gold.items():
        view = article_view(predictions.get(aid), label, keep=keep)
        for _, g in view.pairs:
            add(g.attack_type, Counts(tp=1))
        for g in view.missed:
            add(g.attack_type, Counts(fn=1))
        for p in view.spurious:
            add(p.attack_type, Counts(fp=1))
    return dict(sorted(counts.items()))
