"""Judging extractions: golden sets, alignment of predicted to gold incidents, metrics with bootstrap intervals,
run comparison, few-shot pools drawn from golden sets, and evaluation runs. Never shares data with a predictor."""

from .align import align, similarity
from .compare import Comparison, compare
from .evaluate import Evaluation, Scores, evaluate, score_predictions
from .fewshot import ExamplePool
from .golden import load_golden
from .metrics import FIELDS, RunScores, score

__all__ = [
    "FIELDS",
    "Comparison",
    "Evaluation",
    "ExamplePool",
    "RunScores",
    "Scores",
    "align",
    "compare",
    "evaluate",
    "load_golden",
    "score",
    "score_predictions",
    "similarity",
]
