"""The pre-filter: articles the cheap relevance check rules out are never sent to the model.

The rule is the baseline's (`baseline.relevance.prefilter_reason`), tuned for recall on the development
splits; a skipped article gets a record with status 'skipped' and the reason, and is counted.
"""

from __future__ import annotations

import time

from ..backend import Backend
from ..baseline.relevance import prefilter_reason
from ..models import Article, ArticleRecord, Provenance
from .article import run_identity


def skip_reason(article: Article) -> str | None:
    """Why `article` need not go to the model, or None to send it."""
    return prefilter_reason(article.title, article.text)


def skipped_record(article: Article, backend: Backend, reason: str) -> ArticleRecord:
    """The record of an article the pre-filter kept from the model: no incidents, no request, the reason."""
    started = time.perf_counter()
    provenance = Provenance(
        **run_identity(backend), backend=backend.name, prompt_name=backend.prompt_name, mode="prefilter",
        latency_s=round(time.perf_counter() - started, 4),
    )  # fmt: skip
    return ArticleRecord(
        article_id=article.id,
        title=article.title,
        link=article.link,
        published=article.published,
        status="skipped",
        skip_reason=reason,
        provenance=provenance,
    )
