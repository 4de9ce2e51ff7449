"""Percentile bootstrap over articles: resample weights, precision/recall/F1 per resample, intervals.

Metrics and run comparisons draw the same resamples (a fixed seed), so a paired difference is meaningful.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

N_RESAMPLES = 2000
SEED = 12345
CONFIDENCE = 0.95


class Interval(BaseModel):
    low: float | None = None
    high: float | None = None

    def contains(self, value: float | None) -> bool:
        return value is not None and self.low is not None and self.low <= value <= self.high


def resample_weights(n_articles: int, n_resamples: int = N_RESAMPLES, seed: int = SEED) -> np.ndarray:
    """Array (n_resamples, n_articles): how often each article is drawn in each bootstrap resample."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_articles, size=(n_resamples, n_articles))
    weights = np.zeros((n_resamples, n_articles))
    np.add.at(weights, (np.arange(n_resamples)[:, None], draws), 1)
    return weights


def prf(sums: np.ndarray) -> dict[str, np.ndarray]:
    """Precision, recall and F1 from TP/FP/FN in the last axis, NaN where undefined."""
    tp, fp, fn = sums[..., 0], sums[..., 1], sums[..., 2]

    def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
        return np.divide(num, den, out=np.full(num.shape, np.nan), where=den > 0)

    return {"precision": ratio(tp, tp + fp), "recall": ratio(tp, tp + fn), "f1": ratio(2 * tp, 2 * tp + fp + fn)}


def interval(samples: np.ndarray) -> Interval:
    """The central CONFIDENCE percentile interval of the defined samples."""
    defined = samples[~np.isnan(samples)]
    if not defined.size:
        return Interval()
    tail = 100 * (1 - CONFIDENCE) / 2
    low, high = np.percentile(defined, [tail, 100 - tail])
    return Interval(low=float(low), high=float(high))


def resampled_prf(counts: np.ndarray, n_resamples: int = N_RESAMPLES, seed: int = SEED) -> dict[str, np.ndarray]:
    """P/R/F1 per resample and metric for an array (articles, metrics, 3) of TP/FP/FN counts."""
    weights = resample_weights(counts.shape[0], n_resamples, seed)
    return prf(np.einsum("bn,nkc->bkc", weights, counts))


def ratio_interval(
    numerators: list[float], denominators: list[float], n_resamples: int = N_RESAMPLES, seed: int = SEED
) -> Interval:
    """Interval of sum(numerators) / sum(denominators) over article resamples (e.g. the no-incident rate)."""
    if not numerators or not any(denominators):
        return Interval()
    weights = resample_weights(len(numerators), n_resamples, seed)
    num, den = weights @ np.asarray(numerators, dtype=float), weights @ np.asarray(denominators, dtype=float)
    return interval(np.divide(num, den, out=np.full(num.shape, np.nan), where=den > 0))
