"""One article, one identity: items that share an id (an RSS guid, a JSONL id) but not their content get ids of
their own.

The first item with an id keeps it; a later item with the same id and a different title or text gets the id with
a short hash of its content appended (`guid#1a2b3c4d`, the same on every run of the same feed) and a warning. An
item repeating an earlier one exactly keeps the id (the run counts it as a duplicate and skips it). Without this,
the two would share one record and one database row: one item's text stored with the other's incidents, and every
later run flipping between them as "updated". Only an 8-byte digest per id is kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator

from ..models import Article

SUFFIX_CHARS = 8


def content_digest(article: Article) -> str:
    """A short, stable hash of what the article says: its title and text."""
    return hashlib.sha256(f"{article.title}\n{article.text}".encode()).hexdigest()[:SUFFIX_CHARS]


def distinct_ids(articles: Iterable[Article], source: str, warn: Callable[[str], None]) -> Iterator[Article]:
    """`articles` with every id naming one content (see the module docstring)."""
    seen: dict[str, str] = {}
    for article in articles:
        digest = content_digest(article)
        known = seen.get(article.id)
        if known is not None and known != digest:
            renamed = f"{article.id}#{digest}"
            if renamed not in seen:
                warn(f"{source}: id {article.id!r} is shared by items with different content; this one is {renamed!r}")
            article = article.model_copy(update={"id": renamed})
        seen.setdefault(article.id, digest)
        yield article
