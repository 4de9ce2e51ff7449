"""An incident database (`--db`) as a review source: a run's records with the texts stored beside them, and its
events as rows for the page (each source with its own figures beside the reconciled ones)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ConfigError, RunStoreError
from ..events.models import Event
from ..events.storage import load_events
from ..models import Article, ArticleRecord, Count
from ..store.database import open_db, outlet_of
from .cards import count_text
from ..store.runs import DEFAULT_RUNS_DIR
from .sources import ReviewSource, load_source


def load_database(
    path: str | Path, run_id: str | None = None, *, with_events: bool = True
) -> tuple[ReviewSource, list[dict[str, Any]]]:
    """The records of `run_id` (the database's current run by default) with their texts, and its events."""
    url = isinstance(path, str) and path.startswith(("postgresql://", "postgres://"))
    if not url and not Path(path).is_file():
        raise RunStoreError(f"no incident database {path}")
    with open_db(path, create=not url) as db:
        name = str(db.path) if url else Path(path).name  # a URL as shown: its password redacted
        records = db.read_records(run_id)
        chosen = run_id or db.current_run()
        if not records:
            raise RunStoreError(f"{path}: run {chosen or '(none)'} holds no record")
        articles, feeds = {}, {}
        for record in records:
            text = db.article_text(record.article_id)
            if text is not None:
                articles[record.article_id] = Article(
                    id=record.article_id, title=record.title, link=record.link, published=record.published, text=text
                )
            outlet = outlet_of(record.link)
            if outlet:
                feeds[record.article_id] = outlet
        events = load_events(db, chosen) if with_events else []
    source = ReviewSource(label=f"{chosen} ({name})", records=records, articles=articles, feeds=feeds)
    if with_events and not events:
        source.notes.append("no events stored for this run (`extract events` builds them)")
    return source, [event_row(event, records) for event in events]


def _incident_number(key: str) -> int | None:
    """The incident's index in its record, from its key 'article_id#n'."""
    number = key.rpartition("#")[2]
    return int(number) if number.isdigit() else None


def _killed(count: Count | None) -> list[int | None] | None:
    return [count.min, count.max] if count else None


def event_row(event: Event, records: list[ArticleRecord]) -> dict[str, Any]:
    """An event as the template shows it: a label, its sources with their own figures and claims, the reconciled
    figures (the most conservative range the sources support)."""
    titles = {r.article_id: r.title for r in records}
    dates = event.date_earliest or "undated"
    if event.date_latest and event.date_latest != event.date_earliest:
        dates += f" to {event.date_latest}"
    place = ", ".join(p for p in (event.location, event.region, event.country) if p) or "place unknown"
    claims_by_article: dict[str, list[str]] = {}
    for claim in event.claims:
        figures = ", ".join(
            f"{count_text(c)} {name}" for name, c in (("killed", claim.killed), ("wounded", claim.wounded)) if c
        )
        claims_by_article.setdefault(claim.article_id, []).append(
            f"{claim.by}{': ' + figures if figures else ''} \u201c{claim.text}\u201d"
        )
    sources = [
        {
            "article_id": s.article_id,
            "n": _incident_number(s.incident_key),
            "title": titles.get(s.article_id, s.article_id),
            "outlet": s.outlet,
            "published": s.published.date().isoformat() if s.published else None,
            "killed_text": count_text(s.killed),
            "wounded_text": count_text(s.wounded),
            "claims": "; ".join(claims_by_article.get(s.article_id, [])),
        }
        for s in event.sources
    ]
    coordinates = f" ({event.latitude:.3f}, {event.longitude:.3f})" if event.latitude is not None else ""
    return {
        "id": event.event_id,
        "label": f"{dates} \u00b7 {place} \u00b7 {event.attack_type.replace('_', ' ')}",
        "summary": f"Event {event.event_id}{coordinates}: {event.n_sources} article(s) from "
        f"{len(event.outlets) or 'no named'} outlet(s)"
        + (f"; perpetrators: {', '.join(event.perpetrators)}" if event.perpetrators else ""),
        "sources": sources,
        "killed": _killed(event.killed),
        "killed_text": count_text(event.killed),
        "wounded_text": count_text(event.wounded),
        "note": "",
    }


def load_review(
    refs: list[str],
    *,
    db: str | Path | None = None,
    feed: str | None = None,
    golden: str | None = None,
    runs_dir: Path = DEFAULT_RUNS_DIR,
) -> tuple[ReviewSource, ReviewSource | None, list[dict[str, Any]] | None]:
    """What `extract review` shows: the run to review, the run compared with it (or None), and the database's
    events (None without a database). With `db`, refs are run ids in it (default: its current run); otherwise
    JSONL outputs, run folders or run ids in `runs_dir`."""
    if len(refs) > 2:
        raise ConfigError("give one run to review, or two to compare")
    if not refs and db is None:
        raise ConfigError("give a run (JSONL output or stored run) or --db")
    if db is not None:
        first, events = load_database(db, refs[0] if refs else None)
        other = load_database(db, refs[1], with_events=False)[0] if len(refs) > 1 else None
        return first, other, events
    first = load_source(refs[0], feed=feed, golden=golden, runs_dir=runs_dir)
    other = load_source(refs[1], feed=feed, runs_dir=runs_dir, texts=first.articles or None) if len(refs) > 1 else None
    return first, other, None
