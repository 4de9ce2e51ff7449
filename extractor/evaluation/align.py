"""Match predicted incidents to gold incidents of one article: field comparisons, pair similarity, assignment.

Similarity is a weighted mean of five parts in [0, 1] (date, place, attack type, perpetrators, casualties).
A part where one side has no value scores UNKNOWN (no evidence either way); where both have none it scores 1.
`align` finds the one-to-one assignment maximising total similarity (Hungarian algorithm) and keeps the
pairs at or above the threshold; everything else is unmatched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from rapidfuzz import fuzz
from scipy.optimize import linear_sum_assignment

from ..models import Count, GoldIncident, Incident
from ..text.dates import PRECISION_DAYS
from ..text.normalize import fold, normalize_name
from .aliases import canonical_actor
from .countries import same_country

# Place and date identify an event best; attack type is often coded differently by people (Gantt et al. 2023);
# perpetrators and casualties are often unreported or disputed, so they weigh least.
WEIGHTS = {"date": 0.20, "place": 0.30, "attack_type": 0.20, "perpetrators": 0.15, "casualties": 0.15}
# A pair is the same incident when at least half the weighted evidence agrees. Against a fully labelled
# gold incident a prediction with nothing known scores 0.30, the right attack type alone 0.44, the right
# date and place with the rest unknown 0.65.
THRESHOLD = 0.5
# rapidfuzz token_sort_ratio (0-100) above which two unknown group names are the same actor:
# accepts spelling variants ("Fulani herdsmen"/"Fulani herders" fails at 83, "al-Shabaab"/"Al Shabab" passes at 95).
FUZZY_THRESHOLD = 85.0
# Score of a similarity part when only one side has a value: weak evidence against, as a missing value
# more often means a different or vaguer report than the same event.
UNKNOWN = 0.3
# Parts of the place score: the most specific level says most.
PLACE_WEIGHTS = {"country": 0.2, "region": 0.3, "location": 0.5}
# Attack types close enough to be the same event coded differently (half credit in the similarity only).
RELATED_ATTACKS = [
    {"bombing", "suicide_attack"},
    {"armed_assault", "armed_clash", "assassination"},
    {"air_or_drone_strike", "shelling"},
]

T = TypeVar("T")
U = TypeVar("U")


def place_match(pred: str, accepted: Sequence[str]) -> bool:
    """True when the predicted place equals one of the accepted gold names after normalisation, or names the same
    country ("USA" and "United States", see countries.py)."""
    return fold(pred) in {fold(a) for a in accepted} or any(same_country(pred, a) for a in accepted)


def gold_places(gold: GoldIncident, level: str) -> list[str]:
    """Accepted names for one level ('country', 'region', 'location') of a gold incident."""
    extra = {"country": gold.alt_countries, "region": gold.alt_regions, "location": gold.alt_locations}.get(level, [])
    return [name for name in (getattr(gold, level), *extra) if name]


def date_span(date: str, precision: int | None) -> tuple[dt.date, dt.date]:
    """The days a date of this precision stands for: the day (1, or none), or the day +- 7 (2) or +- 30 (3)
    (`text.dates.PRECISION_DAYS`, the pipeline's spans too)."""
    day, width = dt.date.fromisoformat(date), dt.timedelta(days=PRECISION_DAYS.get(precision, 0))
    return day - width, day + width


def gold_span(gold: GoldIncident) -> tuple[dt.date, dt.date] | None:
    """The days the gold incident may lie on: its date_range, else its date within its own time_precision."""
    try:
        if gold.date_range is not None:
            rng = gold.date_range
            return dt.date.fromisoformat(rng.earliest), dt.date.fromisoformat(rng.latest)
        return date_span(gold.date, gold.time_precision) if gold.date else None
    except ValueError:  # a malformed gold bound
        return None


def date_in_range(pred: str, gold: GoldIncident, precision: int | None = None) -> bool:
    """True when the predicted date, within its precision (`date_span`), meets the gold date or date_range (or the
    gold date's own precision span)."""
    if pred == gold.date:
        return True
    span = gold_span(gold)
    if span is None:
        return False
    try:
        earliest, latest = date_span(pred, precision)
    except ValueError:
        return False
    return earliest <= span[1] and span[0] <= latest


def exact_date(pred: Incident) -> str | None:
    """The predicted date as a claim of one day: None when its time_precision says it is only a week or month."""
    return pred.date if getattr(pred, "time_precision", None) in (None, 1) else None


def text_date(pred: Incident) -> str | None:
    """The predicted date unless it is only the publication date (no evidence about the event: alignment ignores
    it, as it did before every incident was dated)."""
    return None if getattr(pred, "date_source", None) == "published" else pred.date


def gold_has_date(gold: GoldIncident) -> bool:
    return gold.date is not None or gold.date_range is not None


def count_exact(pred: Count, gold: Count) -> bool:
    return pred.min == gold.min and pred.max == gold.max


def count_overlap(pred: Count, gold: Count) -> bool:
    """True when the two ranges share a value (an open max is unbounded)."""
    return (gold.max is None or pred.min <= gold.max) and (pred.max is None or gold.min <= pred.max)


def names_match(pred: str, gold: str, aliases: Sequence[str] = ()) -> bool:
    """Same actor: equal after normalisation to the gold name or an alias, the same known group, or a fuzzy
    match above FUZZY_THRESHOLD (never between two different known groups)."""
    candidates = [gold, *aliases]
    pred_norm = normalize_name(pred)
    if pred_norm in {normalize_name(c) for c in candidates}:
        return True
    pred_group = canonical_actor(pred)
    gold_groups = {g for g in map(canonical_actor, candidates) if g}
    if pred_group and gold_groups:
        return pred_group in gold_groups
    return any(fuzz.token_sort_ratio(pred_norm, normalize_name(c)) >= FUZZY_THRESHOLD for c in candidates)


def max_matching(preds: Sequence[T], golds: Sequence[U], same: Callable[[T, U], bool]) -> list[tuple[int, int]]:
    """Largest one-to-one set of (pred index, gold index) pairs for which `same` holds."""
    if not preds or not golds:
        return []
    ok = np.array([[same(p, g) for g in golds] for p in preds], dtype=float)
    rows, cols = linear_sum_assignment(ok, maximize=True)
    return [(int(r), int(c)) for r, c in zip(rows, cols) if ok[r, c]]


def perpetrator_pairs(pred: Incident, gold: GoldIncident) -> list[tuple[int, int]]:
    """One-to-one matches between predicted and gold perpetrators, by name with the gold aliases."""
    return max_matching(
        pred.perpetrators,
        gold.perpetrators,
        lambda p, g: names_match(p.name, g.name, gold.perpetrator_aliases.get(g.name, [])),
    )


def _part(pred: object, gold: object, agree: Callable[[], float]) -> float:
    """A similarity part: 1 when both are empty, UNKNOWN when one is, else `agree()`."""
    if pred is None and gold is None:
        return 1.0
    if pred is None or gold is None:
        return UNKNOWN
    return agree()


def _date_sim(pred: Incident, gold: GoldIncident) -> float:
    """1 when the date (within its precision) meets the gold date or range, 0.5 one day off (a 'yesterday'
    resolved differently), else 0. A date that is only the publication date counts as none."""
    gold_key = gold.date or (gold.date_range.earliest if gold.date_range else None)
    date, precision = text_date(pred), getattr(pred, "time_precision", None)

    def agree() -> float:
        if date_in_range(date, gold, precision):
            return 1.0
        span = gold_span(gold)
        try:
            earliest, latest = date_span(date, precision)
        except ValueError:
            return 0.0
        if span is None:
            return 0.0
        gap = max((span[0] - latest).days, (earliest - span[1]).days)
        return 0.5 if gap <= 1 else 0.0

    return _part(date, gold_key, agree)


def _place_sim(pred: Incident, gold: GoldIncident) -> float:
    total = 0.0
    for level, weight in PLACE_WEIGHTS.items():
        accepted = gold_places(gold, level)
        value = getattr(pred, level)
        total += weight * _part(value, accepted or None, lambda: float(place_match(value, accepted)))
    return total


def known_attack(kind: str) -> str | None:
    """The attack type as a value, None for 'unknown' (no value given)."""
    return None if kind == "unknown" else kind


def attack_match(pred: str, gold: GoldIncident) -> bool:
    """True when the predicted attack type is the gold one or one of its accepted alternatives."""
    return pred == gold.attack_type or pred in gold.alt_attack_types


def _attack_sim(pred: Incident, gold: GoldIncident) -> float:
    def agree() -> float:
        if attack_match(pred.attack_type, gold):
            return 1.0
        related = any(
            {pred.attack_type, g} <= group
            for group in RELATED_ATTACKS
            for g in (gold.attack_type, *gold.alt_attack_types)
        )
        return 0.5 if related else 0.0

    return _part(known_attack(pred.attack_type), known_attack(gold.attack_type), agree)


def _perpetrator_sim(pred: Incident, gold: GoldIncident) -> float:
    """Dice overlap of the two perpetrator lists."""

    def dice() -> float:
        return 2 * len(perpetrator_pairs(pred, gold)) / (len(pred.perpetrators) + len(gold.perpetrators))

    return _part(pred.perpetrators or None, gold.perpetrators or None, dice)


def _casualty_sim(pred: Incident, gold: GoldIncident) -> float:
    """Mean of killed and wounded: 1 when the ranges overlap, else 0."""
    parts = [
        _part(getattr(pred, f), getattr(gold, f), lambda f=f: float(count_overlap(getattr(pred, f), getattr(gold, f))))
        for f in ("killed", "wounded")
    ]
    return sum(parts) / len(parts)


_PARTS = {
    "date": _date_sim,
    "place": _place_sim,
    "attack_type": _attack_sim,
    "perpetrators": _perpetrator_sim,
    "casualties": _casualty_sim,
}


def similarity(pred: Incident, gold: GoldIncident) -> float:
    """Weighted similarity in [0, 1] between a predicted and a gold incident (see WEIGHTS)."""
    return sum(WEIGHTS[name] * part(pred, gold) for name, part in _PARTS.items())


@dataclass(frozen=True)
class Alignment:
    """Matched (pred index, gold index, similarity) triples, by gold index, and the unmatched indices."""

    pairs: list[tuple[int, int, float]]
    unmatched_preds: list[int]
    unmatched_golds: list[int]


def align(preds: Sequence[Incident], golds: Sequence[GoldIncident], threshold: float = THRESHOLD) -> Alignment:
    """Optimal one-to-one assignment of predictions to gold incidents; pairs below `threshold` do not match."""
    pairs: list[tuple[int, int, float]] = []
    if preds and golds:
        sim = np.array([[similarity(p, g) for g in golds] for p in preds])
        rows, cols = linear_sum_assignment(sim, maximize=True)
        pairs = sorted(
            ((int(r), int(c), float(sim[r, c])) for r, c in zip(rows, cols) if sim[r, c] >= threshold),
            key=lambda pair: pair[1],
        )
    matched_p = {p for p, _, _ in pairs}
    matched_g = {g for _, g, _ in pairs}
    return Alignment(
        pairs=pairs,
        unmatched_preds=[i for i in range(len(preds)) if i not in matched_p],
        unmatched_golds=[j for j in range(len(golds)) if j not in matched_g],
    )
