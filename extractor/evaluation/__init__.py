"""Judging extractions: golden sets, alignment of predicted to gold incidents, metrics with bootstrap intervals,
run comparison, few-shot pools drawn from golden sets, and evaluation runs. Never shares data with a predictor."""

from .. import lazy_exports

_EXPORTS = {
    "align": "align",
    "similarity": "align",
    "Comparison": "compare",
    "compare": "compare",
    "Evaluation": "evaluate",
    "Scores": "evaluate",
    "evaluate": "evaluate",
    "score_predictions": "evaluate",
    "ExamplePool": "fewshot",
    "load_golden": "golden",
    "FIELDS": "metrics",
    "RunScores": "metrics",
    "score": "metrics",
}
__all__ = list(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
