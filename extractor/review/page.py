"""One self-contained HTML file: the Jinja2 template with its CSS and JavaScript inlined, the charts as inline
SVG, and the articles embedded as JSON that the script renders a page at a time (so 10,000 articles stay usable)."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import gc
import gzip
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from ..outputs import AtomicFile
from .charts import bar_chart, column_chart, range_chart
from .sources import ReviewSource
from .views import article_entry, compare_view, gold_view, scores_of

MAX_DAYS = 120  # more days than this are charted per month
COMPRESS_OVER = 2_000_000  # characters of JSON above which the data is embedded gzipped (a quarter to a third the size)


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("extractor.review", "templates"),
        autoescape=select_autoescape(["j2", "html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v: "\u2014" if v is None else f"{100 * v:.1f}"
    return env


def embed_json(data: Any) -> Markup:
    """JSON safe inside <script type="application/json">: no '<' can close the element."""
    return Markup(json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c"))


def embed_data(data: Any, compress: bool | None = None) -> tuple[str, Markup]:
    """The script type and content holding the page's data: JSON, or (over COMPRESS_OVER bytes unless `compress`
    says otherwise) gzip in base64, which the page decompresses with the browser's own DecompressionStream."""
    text = embed_json(data)
    if compress is False or (compress is None and len(text) <= COMPRESS_OVER):
        return "application/json", text
    packed = base64.b64encode(gzip.compress(text.encode("utf-8"), compresslevel=5, mtime=0)).decode("ascii")
    return "application/x-gzip-base64", Markup(packed)


def run_info(source: ReviewSource) -> dict[str, Any]:
    """A run's header: model, prompt, modes, tokens, cost, counts (from the manifest, else from the records)."""
    m = source.manifest
    records = source.records
    first = records[0].provenance if records else None
    tokens = sum(r.provenance.usage.total_tokens for r in records)
    return {
        "label": source.label,
        "backend": m.backend if m else (first.backend if first else None),
        "model": m.model if m else (first.model if first else None),
        "endpoint": m.endpoint if m else (first.endpoint if first else None),
        "prompt": (f"{m.prompt_name} ({m.prompt_hash})" if m.prompt_name else None) if m else (
            f"{first.prompt_name} ({first.prompt_hash})" if first and first.prompt_name else None),
        "modes": ", ".join(m.modes) if m else ", ".join(sorted({r.provenance.mode for r in records if r.provenance.mode})),
        "golden": source.golden_name or (m.golden if m else None),
        "started": m.started.isoformat(timespec="seconds") if m else None,
        "code": m.code_revision if m else None,
        "articles": len(records),
        "failed": sum(r.status == "failed" for r in records),
        "incidents": sum(len(r.incidents) for r in records),
        "tokens": tokens,
        "cost": m.estimated_cost_usd if m else None,
        "invalid": source.invalid_lines,
        "notes": source.notes,
    }  # fmt: skip


def _per_day(days: Sequence[str]) -> list[tuple[str, int]]:
    counts = Counter(days)
    if not counts:
        return []
    first, last = dt.date.fromisoformat(min(counts)), dt.date.fromisoformat(max(counts))
    if (last - first).days > MAX_DAYS:
        months = Counter(day[:7] for day in days)
        keys, month = [], first.replace(day=1)
        while month <= last:
            keys.append(month.isoformat()[:7])
            month = (month + dt.timedelta(days=32)).replace(day=1)
        return [(k, months.get(k, 0)) for k in keys]
    return [((first + dt.timedelta(n)).isoformat(), counts.get((first + dt.timedelta(n)).isoformat(), 0))
            for n in range((last - first).days + 1)]  # fmt: skip


def charts(source: ReviewSource, events: list[dict[str, Any]] | None) -> dict[str, Markup]:
    incidents = [i for r in source.records for i in r.incidents]
    by_day = _per_day([i.date for i in incidents if i.date])
    result = {
        "Incidents per day" if not by_day or len(by_day[0][0]) == 10 else "Incidents per month": column_chart(
            "incidents over time", by_day
        ),
        "Incidents per country": bar_chart("incidents per country",
                                           list(Counter(i.country or "unknown" for i in incidents).items())),
        "Incidents per attack type": bar_chart(
            "incidents per attack type", list(Counter(i.attack_type.replace("_", " ") for i in incidents).items())
        ),
    }  # fmt: skip
    if events:
        ranges = [(e["label"], e["killed"][0], e["killed"][1]) for e in events if e.get("killed")]
        result["Killed per event (reconciled range)"] = range_chart("killed per event", ranges)
    else:
        ranges = [
            (f"{i.location or i.country or '?'} {i.date or ''}".strip(), i.killed.min, i.killed.max)
            for i in incidents
            if i.killed is not None
        ]
        result["Killed per incident (largest 30; no events without --db)"] = range_chart("killed per incident", ranges)
    return result


def page_data(
    source: ReviewSource, other: ReviewSource | None = None, events: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The JSON the page's script renders: the articles (with gold and compare views) and the run headers."""
    with _no_gc():
        return _page_data(source, other, events)


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic garbage collector paused: building 10,000 articles' dicts (no cycles) otherwise spends 40% of its
    time in collections that scan every record already loaded."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _page_data(
    source: ReviewSource, other: ReviewSource | None = None, events: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    m = source.manifest
    per_token = (
        m.estimated_cost_usd / m.usage.total_tokens if m and m.estimated_cost_usd and m.usage.total_tokens else None
    )
    others = {r.article_id: r for r in other.records} if other else {}
    event_of = {(s["article_id"], s.get("n")): e["id"] for e in events or [] for s in e["sources"]}
    articles = []
    for record in source.records:
        entry = article_entry(record, source, per_token)
        for n, incident_card in enumerate(entry["incidents"]):
            if (record.article_id, n) in event_of:
                incident_card["event"] = event_of[record.article_id, n]
        if source.gold is not None and record.article_id in source.gold:
            entry["gold"] = gold_view(record, source.gold[record.article_id])
        if other is not None:
            entry["cmp"] = compare_view(record, others.get(record.article_id), other)
        articles.append(entry)
    if other is not None:
        seen = {r.article_id for r in source.records}
        for record in other.records:
            if record.article_id not in seen:
                entry = article_entry(record, other, None)
                entry["incidents"], entry["segments"] = [], []
                entry["status"] = "missing"
                entry["cmp"] = compare_view(None, record, other)
                articles.append(entry)
    return {"articles": articles, "events": events or [], "compare": other is not None,
            "gold": source.gold is not None}  # fmt: skip


def content_security_policy(*scripts: str, connect_self: bool = False) -> str:
    """The page's policy: its own scripts (by hash) run, nothing else does: no inline event handlers, no remote
    script, style, image, font or connection (`connect_self`: requests to the page's own origin, for the served
    page's judgement controls), no form posts, no frames; the page's own styles and SVG stay."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"
        for script in scripts
    )
    connect = "'self'" if connect_self else "'none'"
    return (f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data:; "
            f"connect-src {connect}; form-action 'none'; base-uri 'none'; frame-src 'none'; object-src 'none'")


def render(
    source: ReviewSource,
    other: ReviewSource | None = None,
    events: list[dict[str, Any]] | None = None,
    title: str | None = None,
    compress: bool | None = None,
    *,
    extra_script: str | None = None,
    connect_self: bool = False,
) -> str:
    """The whole page as one string (`compress`: embed the data gzipped; default: when it is large).

    `extra_script` runs after the page's own (the service's judgement controls), allowed by the same policy;
    `connect_self` lets the page's scripts talk to its own origin (a page served by `extract serve`)."""
    env = _environment()
    templates = Path(__file__).parent / "templates"
    data = page_data(source, other, events)
    data_type, embedded = embed_data(data, compress)
    script = "\n" + (templates / "review.js").read_text(encoding="utf-8") + "\n"
    return env.get_template("review.html.j2").render(
        title=title or f"Review: {source.label}" + (f" vs {other.label}" if other else ""),
        generated=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        runs=[run_info(s) for s in (source, other) if s is not None],
        scores=scores_of(source),
        golden=source.golden_name,
        charts=charts(source, events),
        events=events or [],
        compare=other is not None,
        n_articles=len(data["articles"]),
        data=embedded,
        data_type=data_type,
        css=Markup((templates / "review.css").read_text(encoding="utf-8")),
        script=Markup(script),
        extra_script=Markup(extra_script) if extra_script else None,
        csp=content_security_policy(script, *([extra_script] if extra_script else []), connect_self=connect_self),
    )


def write_page(path: str | Path, html: str) -> int:
    """Write the page (atomically: a temporary file renamed), returning its size in bytes."""
    with AtomicFile(path) as page:
        page.write(html)
    target = Path(path)
    return target.stat().st_size if target.is_file() else len(html.encode("utf-8"))
