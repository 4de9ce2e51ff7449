"""Compare two scored runs on the same golden labels: deltas with a paired bootstrap, regressions and fixes.

A delta is outside the noise when the 95% interval of B - A, over the same article resamples for both
runs, excludes 0. A regression is a gold incident field right in A (no FP, no FN) and wrong in B; a fix is
the reverse. Field rows are listed for gold incidents matched in both runs; an incident matched in one run
only is one "incident" row, and a change in the number of spurious predictions one "spurious" row.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, computed_field

from ..errors import GoldenError
from ..models import ArticleRecord, Count, GoldArticle, GoldIncident, GroundedIncident, Incident, render_count
from .bootstrap import Interval, interval, resampled_prf
from .metrics import FIELDS, ArticleView, RunScores, article_view, counts_array, field_counts

NONE = "(none)"


class Delta(BaseModel):
    """One metric in both runs, B - A, and the paired bootstrap interval of the difference."""

    metric: str
    a: float | None
    b: float | None
    ci: Interval

    @computed_field
    @property
    def delta(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a

    @computed_field
    @property
    def significant(self) -> bool:
        """True when the interval excludes 0: the change is outside the noise."""
        return self.ci.low is not None and (self.ci.low > 0 or self.ci.high < 0)


class ArticleChange(BaseModel):
    """An article whose incident counts or field errors differ between the runs."""

    article_id: str
    status_a: str
    status_b: str
    f1_a: float | None
    f1_b: float | None
    field_errors_a: int
    field_errors_b: int


class Change(BaseModel):
    """A field right in one run and wrong in the other, with the gold value and both predictions."""

    article_id: str
    event_id: str | None
    field: str
    gold: str
    a: str
    b: str


class Comparison(BaseModel):
    primary_only: bool
    n_articles: int
    n_resamples: int
    headline: list[Delta]
    fields: list[Delta]
    articles: list[ArticleChange]
    regressions: list[Change]
    fixes: list[Change]


def _count(count: Count | None) -> str:
    return render_count(count, none=NONE)


def show(incident: Incident | None, field: str) -> str:
    """A field of an incident as short text; gold incidents also show what else is accepted."""
    if incident is None:
        return NONE
    gold = incident if isinstance(incident, GoldIncident) else None
    if field in ("date", "date_in_range"):
        text = incident.date or NONE
        if gold and gold.date_range and field == "date_in_range":
            text += f" ({gold.date_range.earliest}..{gold.date_range.latest})"
        return text
    if field in ("country", "region", "location"):
        alts = {"region": gold.alt_regions, "location": gold.alt_locations}.get(field, []) if gold else []
        return " / ".join([getattr(incident, field) or NONE, *alts])
    if field == "perpetrators":
        return ", ".join(p.name for p in incident.perpetrators) or NONE
    if field == "attribution":
        return ", ".join(f"{p.name}: {p.attribution}" for p in incident.perpetrators) or NONE
    if field == "targets":
        return ", ".join(sorted({t.type for t in incident.targets})) or NONE
    if field == "weapons":
        return ", ".join(sorted(set(incident.weapons))) or NONE
    if field.startswith(("killed", "wounded")):
        return _count(getattr(incident, field.removesuffix("_overlap")))
    if field == "incident":
        return incident.summary
    return str(getattr(incident, field))


def _deltas(scores_a: RunScores, scores_b: RunScores) -> tuple[list[Delta], list[Delta]]:
    """Headline (incident P/R/F1) and per-field F1 deltas with paired bootstrap intervals."""
    n = len(scores_a.articles)
    samples_a = samples_b = None
    if n:
        samples_a = resampled_prf(counts_array(scores_a.articles), scores_a.n_resamples, scores_a.seed)
        samples_b = resampled_prf(counts_array(scores_b.articles), scores_b.n_resamples, scores_a.seed)

    def delta(name: str, metric: str, k: int) -> Delta:
        a = scores_a.incidents if k == 0 else scores_a.fields[FIELDS[k - 1]]
        b = scores_b.incidents if k == 0 else scores_b.fields[FIELDS[k - 1]]
        ci = interval(samples_b[metric][:, k] - samples_a[metric][:, k]) if n else Interval()
        return Delta(metric=name, a=getattr(a, metric), b=getattr(b, metric), ci=ci)

    headline = [delta(f"incident {m}", m, 0) for m in ("precision", "recall", "f1")]
    fields = [delta(name, "f1", k) for k, name in enumerate(FIELDS, start=1)]
    return headline, fields


def _changes(article_id: str, gold: GoldArticle, view_a: ArticleView, view_b: ArticleView) -> list[tuple[bool, Change]]:
    """(right in A, change) for every gold incident field and spurious count that differs between the runs."""
    match_a = {id(g): p for p, g in view_a.pairs}
    match_b = {id(g): p for p, g in view_b.pairs}
    scored = {id(g) for _, g in view_a.pairs} | {id(g) for g in view_a.missed}
    out = []
    for g in (g for g in gold.incidents if id(g) in scored):
        pa, pb = match_a.get(id(g)), match_b.get(id(g))
        if (pa is None) != (pb is None):
            change = Change(article_id=article_id, event_id=g.event_id, field="incident",
                            gold=show(g, "incident"), a=show(pa, "incident"), b=show(pb, "incident"))  # fmt: skip
            out.append((pa is not None, change))
        if pa is None or pb is None:
            continue
        counts_a, counts_b = field_counts(pa, g), field_counts(pb, g)
        for field in FIELDS:
            right_a = counts_a[field].fp == counts_a[field].fn == 0
            right_b = counts_b[field].fp == counts_b[field].fn == 0
            if right_a != right_b:
                change = Change(article_id=article_id, event_id=g.event_id, field=field,
                                gold=show(g, field), a=show(pa, field), b=show(pb, field))  # fmt: skip
                out.append((right_a, change))
    if len(view_a.spurious) != len(view_b.spurious):

        def listed(preds: list[GroundedIncident]) -> str:
            return f"{len(preds)}" + "".join(f"; {p.summary}" for p in preds)

        change = Change(article_id=article_id, event_id=None, field="spurious", gold="0",
                        a=listed(view_a.spurious), b=listed(view_b.spurious))  # fmt: skip
        out.append((len(view_a.spurious) < len(view_b.spurious), change))
    return out


def compare(
    scores_a: RunScores,
    scores_b: RunScores,
    preds_a: Mapping[str, ArticleRecord],
    preds_b: Mapping[str, ArticleRecord],
    gold: Mapping[str, GoldArticle],
) -> Comparison:
    """Run B against run A, both scored on `gold` in the same view (A's threshold, resamples and seed)."""
    ids = list(gold)
    if [a.article_id for a in scores_a.articles] != ids or [b.article_id for b in scores_b.articles] != ids:
        raise GoldenError("the two runs were not scored against these golden labels")
    if scores_a.primary_only != scores_b.primary_only:
        raise ValueError("cannot compare a primary-only score with an all-incidents score")
    headline, fields = _deltas(scores_a, scores_b)
    articles, regressions, fixes = [], [], []
    for row_a, row_b in zip(scores_a.articles, scores_b.articles):
        if row_a.incidents != row_b.incidents or row_a.fields != row_b.fields:
            articles.append(ArticleChange(
                article_id=row_a.article_id, status_a=row_a.status, status_b=row_b.status,
                f1_a=row_a.incidents.f1, f1_b=row_b.incidents.f1,
                field_errors_a=row_a.field_errors, field_errors_b=row_b.field_errors,
            ))  # fmt: skip
        aid = row_a.article_id
        view_a, view_b = (
            article_view(p.get(aid), gold[aid], scores_a.primary_only, scores_a.threshold) for p in (preds_a, preds_b)
        )
        for right_in_a, change in _changes(aid, gold[aid], view_a, view_b):
            (regressions if right_in_a else fixes).append(change)
    articles.sort(key=lambda c: (c.f1_b or 0) - (c.f1_a or 0))
    return Comparison(
        primary_only=scores_a.primary_only,
        n_articles=len(ids),
        n_resamples=scores_a.n_resamples,
        headline=headline,
        fields=fields,
        articles=articles,
        regressions=regressions,
        fixes=fixes,
    )
