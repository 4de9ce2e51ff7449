"""Feeds to articles: RSS 2.0, Atom and RSS 1.0 from a path or URL. The only module importing feedparser."""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import feedparser

from ..errors import FeedError
from ..models import Article
from .fetch import FetchLimits, fetch
from .html import html_to_text, strip_tracking


@dataclass
class Feed:
    """The articles of one feed, and the warnings met while reading it."""

    source: str
    title: str
    articles: list[Article]
    warnings: list[str] = field(default_factory=list)


def load_feed(source: str, limits: FetchLimits | None = None) -> Feed:
    """Read a feed from a file path or an http(s) URL (fetched within `limits`: a total deadline and a size cap);
    raise FeedError when nothing usable is there."""
    data = fetch(source, limits) if source.startswith(("http://", "https://")) else _read(source)
    return parse_feed(source, data)


def parse_feed(source: str, data: bytes) -> Feed:
    """The feed in the document `data` (fetched from `source`); FeedError when nothing usable is there."""
    if not data.strip():
        raise FeedError(f"feed is empty: {source}")
    parsed = parse_document(data)
    reason = bozo_reason(parsed)
    if not parsed.entries:
        what = "no feed entries" if parsed.get("version") else "not an RSS or Atom feed"
        raise FeedError(f"{source}: {what}" + (f" ({reason})" if reason else ""))
    warnings = [f"feed is not well-formed, kept what was recovered: {reason}"] if reason else []
    articles = list(entry_articles(parsed.entries, 0, warnings.append))
    if not articles:
        raise FeedError(f"{source}: no entry holds any text")
    return Feed(source=source, title=parsed.feed.get("title", ""), articles=articles, warnings=warnings)


def _read(source: str) -> bytes:
    path = Path(source)
    if path.is_dir():
        raise FeedError(f"{source} is a directory: give a feed file, a JSONL file or a text list of feeds")
    if not path.is_file():
        raise FeedError(f"feed file not found: {source}")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise FeedError(f"cannot read {source}: {exc.strerror}") from None


def parse_document(data: bytes) -> Any:
    """feedparser's reading of a feed document. Our html_to_text drops every tag, script and style, so
    feedparser's HTML sanitiser and URI rewriting are pure cost (half of the parse time)."""
    return feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)


def entry_articles(entries: list[Any], start: int, warn: Callable[[str], None]) -> Iterator[Article]:
    """The Articles of feedparser entries numbered from `start`; an entry with no title and no text is skipped
    with a warning."""
    for index, entry in enumerate(entries, start=start):
        article = entry_article(entry, index)
        if article is None:
            warn(f"entry {index} has no title and no text; skipped")
        else:
            yield article


def bozo_reason(parsed: Any) -> str | None:
    if not parsed.get("bozo"):
        return None
    exc = parsed.get("bozo_exception")
    return f"{type(exc).__name__}: {exc}" if exc else "ill-formed"


def entry_article(entry: Any, index: int) -> Article | None:
    # An entry may carry several content parts (feedparser lists a media:description caption before the article):
    # the longest is the article.
    body = max((html_to_text(part.value) for part in entry.get("content") or []), key=len, default="")
    description = html_to_text(entry.get("summary", ""))
    text = body if len(body) >= len(description) else description
    title = html_to_text(entry.get("title", "")).strip()
    if not text and not title:
        return None
    link = strip_tracking(entry["link"]) if entry.get("link") else None
    article_id = entry.get("id") or link or f"entry-{index}"
    if article_id.startswith(("http://", "https://")):
        article_id = strip_tracking(article_id)
    return Article(id=article_id, title=title, link=link, published=published_of(entry), text=text or title)


def published_of(entry: Any) -> dt.datetime | None:
    """Published time with its timezone: `published`, else `updated`; RFC 822 or ISO 8601."""
    for key in ("published", "updated"):
        raw = entry.get(key)
        if not raw:
            continue
        try:
            return email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            pass
        try:
            return dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            pass
        parsed = entry.get(f"{key}_parsed")
        if parsed:
            return dt.datetime(*parsed[:6], tzinfo=dt.timezone.utc)
    return None
