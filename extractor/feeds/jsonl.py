"""JSONL articles to Articles, one line at a time: `{"id", "title", "text", "published", "url"}` per line.

The file is read as a stream (never whole): a bad line (not UTF-8, not JSON, no id or text, a bad date) is
skipped with a warning naming its line number, and a file without one valid line is a FeedError.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import FeedError, validation_text
from ..models import Article
from .html import strip_tracking
from .reader import published_of

log = logging.getLogger(__name__)
Warn = Callable[[str], None]
_BOM = b"\xef\xbb\xbf"


class _BadLine(ValueError):
    """Why one line is not an article (the message is the warning's reason)."""


def iter_jsonl(path: str, warn: Warn | None = None) -> Iterator[Article]:
    """The Articles of a JSONL file, in order, reading one line at a time."""
    try:
        with Path(path).open("rb") as handle:
            yield from parse_jsonl(handle, path, warn)
    except OSError as exc:
        raise FeedError(f"cannot read {path}: {exc.strerror}") from None


def parse_jsonl(lines: Iterable[bytes], source: str, warn: Warn | None = None) -> Iterator[Article]:
    """Articles from raw JSONL lines (a binary file object or any iterable of byte lines); `source` names them."""
    warn = warn or log.warning
    valid = 0
    for number, raw in enumerate(lines, 1):
        if number == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        if not raw.strip():
            continue
        try:
            article = line_article(raw)
        except _BadLine as exc:
            warn(f"{source} line {number}: {exc}; skipped")
            continue
        valid += 1
        yield article
    if not valid:
        raise FeedError(f"{source}: no valid article line in the JSONL file")


def line_article(raw: bytes) -> Article:
    """One JSONL line as an Article; raise _BadLine saying why it is not one."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _BadLine(f"not valid UTF-8 at byte {exc.start}") from None
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _BadLine(f"not JSON ({exc.msg}, column {exc.colno})") from None
    if not isinstance(value, dict):
        raise _BadLine("not a JSON object")
    fields = {
        "id": _article_id(value.get("id")),
        "title": value.get("title") or "",
        "text": _text(value.get("text")),
        "published": _date(value.get("published")),
        "link": strip_tracking(value["url"]) if isinstance(value.get("url"), str) and value["url"] else None,
    }
    try:
        return Article.model_validate(fields)
    except ValidationError as exc:
        problems = validation_text(exc, root="")
        raise _BadLine(f"invalid article ({problems})") from None


def _article_id(value: Any) -> str:
    """A non-empty string id; a JSON integer id is accepted as its decimal string."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value.strip():
        raise _BadLine("no id")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _BadLine("no text")
    return value


def _date(value: Any) -> dt.datetime | None:
    """The publication time (ISO 8601 or RFC 822, with the feed reader's rules) or None when absent."""
    if value is None or value == "":
        return None
    published = published_of({"published": value}) if isinstance(value, str) else None
    if published is None:
        raise _BadLine(f"bad date {value!r}")
    return published
