"""The page's data: one entry per article (text, highlight segments, incident cards, provenance, flags for the
filters), gold versus predicted per article (matched pairs with their differing fields, missed, spurious), and
what changed between two runs."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from ..evaluation.align import align
from ..evaluation.compare import show
from ..evaluation.metrics import RunScores, field_counts, score
from ..models import ArticleRecord, GoldArticle, GoldIncident, GroundedIncident, Incident
from .cards import card
from .highlight import highlight
from .sources import ReviewSource

_WEB = re.compile(r"https?://[^\s]+", re.IGNORECASE)


def web_link(link: str | None) -> str | None:
    """The link if it is an http(s) URL, else None: a feed's `javascript:` or `data:` link is shown, never live."""
    text = (link or "").strip()
    return text if _WEB.fullmatch(text) else None


# field_counts names -> the card row they mark (a date inside the accepted range is right; a killed range must
# be exact to be right, as in the scorer's strict view)
DIFF_ROWS = {
    "date_in_range": "date",
    "country": "country",
    "region": "region",
    "location": "location",
    "attack_type": "attack_type",
    "suicide": "suicide",
    "perpetrators": "perpetrators",
    "attribution": "perpetrators",
    "targets": "targets",
    "weapons": "weapons",
    "killed": "killed",
    "wounded": "wounded",
}
COMPARED = ["date", "country", "region", "location", "attack_type", "suicide", "perpetrators", "attribution",
            "targets", "weapons", "killed", "wounded"]  # fmt: skip


def provenance(record: ArticleRecord) -> dict[str, Any]:
    p = record.provenance
    return {
        "backend": p.backend, "model": p.model, "endpoint": p.endpoint, "prompt": p.prompt_name,
        "prompt_hash": p.prompt_hash, "mode": p.mode, "attempts": p.attempts, "reasks": p.reasks,
        "tokens_in": p.usage.prompt_tokens, "tokens_out": p.usage.completion_tokens,
        "tokens": p.usage.total_tokens, "cache_hit": p.cache_hit, "latency_s": round(p.latency_s, 3),
    }  # fmt: skip


def article_entry(record: ArticleRecord, source: ReviewSource, cost_per_token: float | None) -> dict[str, Any]:
    """Everything the page shows and filters on for one article."""
    article = source.articles.get(record.article_id)
    text = article.text if article else None
    marks = highlight(text or "", [i.evidence for i in record.incidents])
    cards = [card(incident, marks.found[n]) for n, incident in enumerate(record.incidents)]
    published = record.published or (article.published if article else None)
    prov = provenance(record)
    if cost_per_token is not None:
        prov["cost_usd"] = round(prov["tokens"] * cost_per_token, 6)
    return {
        "id": record.article_id,
        "title": record.title,
        "link": web_link(record.link),
        "link_text": record.link,
        "published": published.isoformat() if published else None,
        "day": published.date().isoformat() if published else None,
        "feed": source.feeds.get(record.article_id),
        "status": record.status,
        "error": record.error,
        "warnings": record.warnings,
        "dropped": record.ungrounded_dropped,
        "text": text,
        "segments": [[s.start, s.end, list(s.incidents)] for s in marks.segments],
        "incidents": cards,
        "countries": sorted({i.country for i in record.incidents if i.country}),
        "types": sorted({i.attack_type for i in record.incidents}),
        "ungrounded": any(not i.grounded or i.ungrounded_quotes for i in record.incidents),
        "prov": prov,
    }


def differing(pred: Incident, gold: GoldIncident) -> list[str]:
    """The card rows on which a matched prediction disagrees with its gold incident."""
    counts = field_counts(pred, gold)
    return sorted({DIFF_ROWS[name] for name, c in counts.items() if name in DIFF_ROWS and (c.fp or c.fn)})


def gold_view(record: ArticleRecord | None, gold: GoldArticle) -> dict[str, Any]:
    """Matched pairs (prediction index, gold card, similarity, differing rows), missed gold cards, spurious
    prediction indices; a prediction matched to an optional gold incident is neither right nor spurious."""
    preds: list[GroundedIncident] = record.incidents if record is not None and record.status == "ok" else []
    alignment = align(preds, gold.incidents)
    pairs = [
        {
            "pred": p,
            "gold": card(gold.incidents[g]),
            "sim": round(sim, 2),
            "diff": differing(preds[p], gold.incidents[g]),
        }
        for p, g, sim in alignment.pairs
    ]
    missed = [card(gold.incidents[g]) for g in alignment.unmatched_golds if not gold.incidents[g].optional]
    return {
        "pairs": pairs,
        "missed": missed,
        "spurious": alignment.unmatched_preds,
        "notes": gold.notes,
        "errors": len(missed) + len(alignment.unmatched_preds) + sum(bool(p["diff"]) for p in pairs),
    }


def compare_view(record_a: ArticleRecord | None, record_b: ArticleRecord | None, source_b: ReviewSource) -> dict:
    """What run B changed in one article: B's cards, aligned pairs with changed fields, incidents only in A or B."""
    a = record_a.incidents if record_a is not None else []
    b = record_b.incidents if record_b is not None else []
    as_gold = [GoldIncident(**i.model_dump(include=set(Incident.model_fields)), event_id="") for i in b]
    alignment = align(a, as_gold)
    pairs = []
    for p, q, _ in alignment.pairs:
        changed = [f for f in COMPARED if show(a[p], f) != show(b[q], f)]
        pairs.append({"a": p, "b": q, "changed": changed})
    text = (
        source_b.articles.get(record_b.article_id).text if record_b and record_b.article_id in source_b.articles else ""
    )
    marks = highlight(text or "", [i.evidence for i in b])
    status = [r.status if r else "missing" for r in (record_a, record_b)]
    return {
        "b": [card(i, marks.found[n]) for n, i in enumerate(b)],
        "pairs": pairs,
        "only_a": alignment.unmatched_preds,
        "only_b": alignment.unmatched_golds,
        "status": status,
        "warnings_b": record_b.warnings if record_b else [],
        "prov_b": provenance(record_b) if record_b else None,
        "changed": bool(alignment.unmatched_preds or alignment.unmatched_golds or status[0] != status[1]
                        or any(p["changed"] for p in pairs)),
    }  # fmt: skip


def scores_of(source: ReviewSource) -> dict[str, Any] | None:
    """The run's score views (metrics.json when stored, else scored now against the golden set)."""
    if source.metrics and "all" in source.metrics:
        try:  # an older metrics.json lacks newer views: their defaults fill in
            return {
                name: RunScores.model_validate(view).model_dump(mode="json") for name, view in source.metrics.items()
            }
        except ValidationError:
            pass
    if not source.gold:
        return None
    predictions = {r.article_id: r for r in source.records}
    return {
        view: score(predictions, source.gold, primary_only=primary, n_invalid_lines=source.invalid_lines).model_dump(
            mode="json"
        )
        for view, primary in (("all", False), ("primary", True))
    }
