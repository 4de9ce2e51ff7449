"""Rich tables for a scored run (RunScores), a comparison of two runs (Comparison), golden sets, attack types,
events and their clustering scores, and a run's summary line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from .app import err, out

if TYPE_CHECKING:
    from ..evaluation.bootstrap import Interval
    from ..evaluation.clusters import ClusterScores
    from ..evaluation.compare import Change, Comparison, Delta
    from ..evaluation.metrics import Counts, RunScores
    from ..events.models import Event
    from ..pipeline.run import RunSummary

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
    if scores.n_multi_articles:
        table.add_row(f"recall in articles with two or more gold incidents ({scores.n_multi_articles} articles)",
                      _pct(scores.multi_recall), _ci(scores.multi_recall_ci))  # fmt: skip
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


def print_events(found: list[Event], show: int) -> None:
    """How many events (on stderr), the newest `show` as a table, and how many it left out."""
    shared = sum(e.n_sources > 1 for e in found)
    incidents = sum(len(e.sources) for e in found)
    err.print(f"{len(found)} events from {incidents} incidents ({shared} reported by more than one article)",
              highlight=False)  # fmt: skip
    if not show or not found:
        return
    table = Table("event", "date", "place", "type", "perpetrators", "killed", "wounded", "sources", "confidence")
    for event in sorted(found, key=_newest_first)[:show]:
        published = _last_report(event)
        date = event.date_earliest or (f"? (reported {published})" if published else "?")
        date += f"..{event.date_latest}" if event.date_latest and event.date_latest != event.date_earliest else ""
        place = ", ".join(p for p in (event.location, event.region, event.country) if p)
        table.add_row(event.event_id, date, place, event.attack_type, "; ".join(event.perpetrators),
                      _count(event.killed), _count(event.wounded), str(event.n_sources),
                      "" if event.confidence is None else f"{event.confidence:.2f}")  # fmt: skip
    out.print(table)
    if len(found) > show:
        err.print(f"{len(found) - show} older events not shown (--show N lists more)", highlight=False)


def _last_report(event: Event) -> str:
    return max((s.published.isoformat()[:10] for s in event.sources if s.published), default="")


def _newest_first(event: Event) -> tuple:
    """Newest first: by the event's date, else its latest report's publication; undated and unpublished last."""
    day = event.date_latest or event.date_earliest or _last_report(event)
    return (day == "", "".join(chr(0x10FFFF - ord(c)) for c in day), event.event_id)


def _count(count) -> str:
    from ..models import render_count  # pydantic: not for `extract --help`

    return render_count(count, open_end="{min}-")


def print_cluster_scores(rows: list[tuple[str, ClusterScores]], console: Console) -> None:
    """A table of clustering scores, one row per run, and the wrong merges beneath it."""
    table = Table("events (clustering)", "items", "gold / predicted events", "B-cubed P / R / F1",
                  "pairwise P / R / F1", "CEAF-e P / R / F1", "wrong merges",
                  title="Events merged across articles vs gold event_id")  # fmt: skip
    for name, s in rows:
        def prf(m) -> str:
            return " / ".join("—" if v is None else f"{100 * v:.1f}" for v in (m.precision, m.recall, m.f1))

        table.add_row(name, str(s.items), f"{s.gold_events} / {s.predicted_events} ({s.gold_merges} to merge)",
                      prf(s.bcubed), prf(s.pairwise), prf(s.ceaf_e), str(len(s.wrong_merges)))  # fmt: skip
    console.print(table)
    for name, s in rows:
        for key_a, gold_a, key_b, gold_b in s.wrong_merges:
            console.print(f"wrong merge ({name}): {key_a} (gold {gold_a}) + {key_b} (gold {gold_b})", markup=False,
                          highlight=False)  # fmt: skip


def cost_text(cost_usd: float, unknown: int) -> str:
    """'cost $0.0123 (estimated)', naming the records whose model has no price."""
    if unknown and not cost_usd:
        return "cost unknown (no price for the model: set prices in the config)"
    return f"cost ${cost_usd:.4f} (estimated" + (f"; {unknown} record(s) of unknown price)" if unknown else ")")


def print_summary(summary: RunSummary, output: str) -> None:
    """A run's counters in one line on stderr."""
    per_article = summary.elapsed_s / summary.articles if summary.articles else 0.0
    articles = f"{summary.articles} articles ({summary.ok} ok, {summary.failed} failed"
    articles += f", {summary.prefiltered} skipped by the pre-filter" if summary.prefiltered else ""
    articles += f", {summary.already_done} already done" if summary.already_done else ""
    articles += f", {summary.duplicates} duplicate ids skipped" if summary.duplicates else ""
    ungrounded = f"{summary.ungrounded} ungrounded"
    ungrounded += f" ({summary.ungrounded_dropped} dropped)" if summary.ungrounded_dropped else ""
    ungrounded += f", {summary.figures_corrected} unsupported figures or types corrected" if summary.figures_corrected else ""
    ungrounded += f", {summary.irrelevant_dropped} not-an-act incidents dropped" if summary.irrelevant_dropped else ""
    usage = summary.usage
    parts = [
        articles + ")", f"{summary.incidents} incidents", ungrounded, f"{summary.cache_hits} cache hits",
        f"{summary.attempts} requests ({summary.reasks} re-asks)",
        f"{usage.total_tokens} tokens ({usage.prompt_tokens} in, {usage.cached_tokens} of them cached, "
        f"{usage.completion_tokens} out)",
        cost_text(summary.cost_usd, summary.cost_unknown),
        f"{summary.elapsed_s:.1f}s ({per_article:.3g}s/article)",
    ]  # fmt: skip
    if summary.split_articles:  # long articles read window by window (--max-input-chars, --max-windows)
        capped = f", {summary.window_caps} with their end unread at the window cap" if summary.window_caps else ""
        parts.insert(2, f"{summary.split_articles} long articles read in {summary.windows} windows{capped}")
    if summary.replicas:  # several endpoints: how the records were shared
        parts.insert(-1, "answered by " + ", ".join(f"{url} {n}" for url, n in sorted(summary.replicas.items())))
    if summary.cut_replies:  # runaway replies: cut at max_tokens
        parts.insert(-1, f"{summary.cut_replies} replies cut at max_tokens ({summary.cut_completion_tokens} tokens)")
    err.print(", ".join(parts) + (f" -> {output}" if output != "-" else ""), highlight=False)
