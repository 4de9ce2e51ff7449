"""What every run does before it asks for an article, synchronous or through the Batch API: articles already
done (--resume) and repeated ids are counted and left out, and with the pre-filter an article the cheap relevance
check rules out gets its 'skipped' record instead of a request."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..backend import Backend
from ..models import Article, ArticleRecord
from .article import skipped_record
from .prefilter import skip_reason

if TYPE_CHECKING:
    from .run import RunSummary


def fresh_articles(
    articles: Iterable[Article], skip_ids: frozenset[str] | set[str], summary: RunSummary
) -> Iterator[Article]:
    """The articles to work on, in order: those in `skip_ids` (already done) and repeated ids are counted in
    `summary` and left out."""
    seen: set[str] = set()
    for article in articles:
        if article.id in skip_ids:
            summary.already_done += 1
        elif article.id in seen:
            summary.duplicates += 1
        else:
            seen.add(article.id)
            yield article


def ruled_out(article: Article, backend: Backend, prefilter: bool) -> ArticleRecord | None:
    """The 'skipped' record of an article the pre-filter rules out (never sent); None when it must be asked."""
    reason = skip_reason(article) if prefilter else None
    return skipped_record(article, backend, reason) if reason else None
