"""Rich tables for a scored run (RunScores), a comparison of two runs (Comparison) and a run's summary line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from ..evaluation.bootstrap import Interval
    from ..evaluation.compare import Change, Comparison, Delta
    from ..evaluation.metrics import Counts, RunScores

DASH = "—"


def _pct(value: float | None) -> str:
    return DASH if value is None else f"{100 * value:.1f}"


def _ci(ci: Interval) -> str:
    return DASH if ci.low is None else f"[{_pct(ci.low)}, {_pct(ci.high)}]"


def _view(scores: RunScores) -> str:
    return "primary incidents" if scores.primary_only else "all incidents"


def headline_table(scores: RunScores) -> Table:
    """Incident precision, recall and F1 (percent) with 95% bootstrap intervals, and the run's counters."""
    s = scores.incidents
    table = Table(title=f"Incidents, {_view(scores)}")
    table.add_column("metric")
    table.add_column("%", justify="right")
    table.add_column("95% CI", justify="right")
    for name in ("precision", "recall", "f1"):
        table.add_row(name, _pct(getattr(s, name)), _ci(getattr(s, f"{name}_ci")))
    table.add_row(
        f"reported incidents that are real ({scores.n_real} of {scores.n_reported})",
        _pct(scores.real),
        _ci(scores.real_ci),
    )
    r = scores.relevance
    table.add_row("document relevance F1", _pct(r.f1), _ci(r.f1_ci))
    table.add_row(
        f"no-incident score ({scores.n_negative} articles without gold; lower is better)",
        _pct(scores.no_incident),
        _ci(scores.no_incident_ci),
    )
    if scores.n_set_aside:
        table.add_row("predicted incidents set aside (out of scope)", str(scores.n_set_aside), "")
    return table


def run_summary(scores: RunScores) -> Text:
    """One line of counters: articles, incidents, failed/missing articles, invalid lines, grounding, resamples."""
    s = scores.incidents
    trouble = "red" if scores.n_failed or scores.n_missing or scores.n_invalid_lines else ""
    return Text.assemble(
        f"{scores.n_articles} articles, match threshold {scores.threshold} · TP {s.tp}  FP {s.fp}  FN {s.fn} · ",
        (f"failed {scores.n_failed}  missing {scores.n_missing}  invalid lines {scores.n_invalid_lines}", trouble),
        f"  unlabelled {scores.n_unlabelled} · grounded {scores.n_grounded}/{scores.n_pred} "
        f"({_pct(scores.grounding_rate)}%) · bootstrap: {scores.n_resamples} resamples of articles",
    )


def fields_table(scores: RunScores) -> Table:
    """Per-field counts and scores over every incident in the view (a missed incident counts per field)."""
    table = Table(title=f"Fields, {_view(scores)}")
    for name in ("field", "TP", "FP", "FN", "precision", "recall", "F1", "F1 95% CI"):
        table.add_column(name, justify="left" if name == "field" else "right")
    for name, f in scores.fields.items():
        numbers = [str(f.tp), str(f.fp), str(f.fn), _pct(f.precision), _pct(f.recall), _pct(f.f1), _ci(f.f1_ci)]
        table.add_row(name, *numbers)
    return table


def _errors(c: Counts) -> int:
    return c.fp + c.fn


def worst_articles_table(scores: RunScores, limit: int = 10) -> Table:
    """The articles with most incident errors, then most field errors (articles without errors are left out)."""
    rows = sorted(
        (a for a in scores.articles if _errors(a.incidents) or a.field_errors),
        key=lambda a: (_errors(a.incidents), a.field_errors),
        reverse=True,
    )
    table = Table(title=f"Worst articles ({min(limit, len(rows))} of {len(rows)} with errors)")
    for name in ("article", "status", "gold", "pred", "TP", "FP", "FN", "field errors"):
        table.add_column(name, justify="left" if name in ("article", "status") else "right", overflow="fold")
    for a in rows[:limit]:
        status = Text(a.status, style="" if a.status == "ok" else "red")
        c = a.incidents
        numbers = [a.n_gold, a.n_pred, c.tp, c.fp, c.fn, a.field_errors]
        table.add_row(a.article_id, status, *map(str, numbers))
    return table


def scores_view(scores: RunScores, worst: int = 10) -> Group:
    """Headline, counters, fields and worst articles, ready for `console.print`."""
    return Group(headline_table(scores), run_summary(scores), fields_table(scores), worst_articles_table(scores, worst))


def print_scores(scores: RunScores, console: Console, worst: int = 10) -> None:
    console.print(scores_view(scores, worst))


def _marker(delta: Delta) -> Text:
    """better / worse when the interval of the difference excludes 0, else noise."""
    if delta.delta is None:
        return Text(DASH)
    if not delta.significant:
        return Text("noise", style="dim")
    return Text("better", style="bold green") if delta.delta > 0 else Text("worse", style="bold red")


def deltas_table(comparison: Comparison) -> Table:
    """Headline and per-field F1 in A and B, B - A, the paired 95% interval and whether it is outside the noise."""
    view = "primary incidents" if comparison.primary_only else "all incidents"
    table = Table(title=f"B vs A, {view} ({comparison.n_articles} articles, paired bootstrap {comparison.n_resamples})")
    for name in ("metric", "A", "B", "B - A", "95% CI", ""):
        table.add_column(name, justify="left" if name in ("metric", "") else "right")
    for i, d in enumerate([*comparison.headline, *comparison.fields]):
        label = d.metric if i < len(comparison.headline) else f"{d.metric} F1"
        change = DASH if d.delta is None else f"{100 * d.delta:+.1f}"
        last_headline = i == len(comparison.headline) - 1
        table.add_row(label, _pct(d.a), _pct(d.b), change, _ci(d.ci), _marker(d), end_section=last_headline)
    return table


def changes_table(changes: list[Change], title: str, limit: int = 20) -> Table:
    """Regressions or fixes: article, event, field, gold value and both predictions."""
    table = Table(title=f"{title} ({min(limit, len(changes))} of {len(changes)})")
    for name in ("article", "event", "field", "gold", "A", "B"):
        table.add_column(name, overflow="fold")
    for c in changes[:limit]:
        table.add_row(c.article_id, c.event_id or DASH, c.field, c.gold, c.a, c.b)
    return table


def article_changes_table(comparison: Comparison, limit: int = 20) -> Table:
    """Articles whose scores changed, the biggest F1 drops first."""
    rows = comparison.articles
    table = Table(title=f"Changed articles ({min(limit, len(rows))} of {len(rows)})")
    for name in ("article", "status A", "status B", "F1 A", "F1 B", "field errors A", "field errors B"):
        left = name == "article" or name.startswith("status")
        table.add_column(name, justify="left" if left else "right", overflow="fold")
    for a in rows[:limit]:
        table.add_row(
            a.article_id,
            a.status_a,
            a.status_b,
            _pct(a.f1_a),
            _pct(a.f1_b),
            str(a.field_errors_a),
            str(a.field_errors_b),
        )
    return table


def comparison_view(comparison: Comparison, limit: int = 20) -> Group:
    """Deltas, changed articles, regressions and fixes, ready for `console.print`."""
    return Group(
        deltas_table(comparison),
        article_changes_table(comparison, limit),
        changes_table(comparison.regressions, "Regressions: right in A, wrong in B", limit),
        changes_table(comparison.fixes, "Fixes: wrong in A, right in B", limit),
    )


def print_comparison(comparison: Comparison, console: Console, limit: int = 20) -> None:
    console.print(comparison_view(comparison, limit))


def sets_table(rows: list[tuple[str, bool, RunScores]]) -> Table:
    """One row per golden set: the share of reported incidents that are real, incident P/R/F1 and document
    relevance with intervals, the no-incident score."""
    table = Table(title="Golden sets, all incidents (95% bootstrap intervals)")
    columns = ("set", "use", "articles", "real", "incident P", "incident R", "incident F1", "relevance F1", "no-incident")
    for name in columns:
        table.add_column(name, justify="left" if name in ("set", "use") else "right")
    for name, development, scores in rows:
        s = scores.incidents
        table.add_row(
            name,
            "dev" if development else "test",
            str(scores.n_articles),
            f"{_pct(scores.real)} {_ci(scores.real_ci)} of {scores.n_reported}",
            _pct(s.precision),
            _pct(s.recall),
            f"{_pct(s.f1)} {_ci(s.f1_ci)}",
            f"{_pct(scores.relevance.f1)} {_ci(scores.relevance.f1_ci)}",
            f"{_pct(scores.no_incident)} {_ci(scores.no_incident_ci)} of {scores.n_negative}",
        )
    return table


def print_sets(rows: list[tuple[str, bool, RunScores]], console: Console) -> None:
    console.print(sets_table(rows))


def types_table(types: dict[str, Counts]) -> Table:
    """Incident precision, recall and F1 per attack type."""
    table = Table(title="Incidents by attack type (gold type for matches and misses, predicted type for spurious)")
    for name in ("attack type", "TP", "FP", "FN", "precision", "recall", "F1"):
        table.add_column(name, justify="left" if name == "attack type" else "right")
    for kind, c in types.items():
        table.add_row(kind, str(c.tp), str(c.fp), str(c.fn), _pct(c.precision), _pct(c.recall), _pct(c.f1))
    return table
