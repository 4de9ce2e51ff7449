"""The incident database as the pipeline's record sink, and the incremental choice of what to extract.

`select(articles)` passes on only the articles the run has not stored yet (new ids, changed content, failed
before) and keeps each one's text until its record comes back through `write`, so `run_feed` needs nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..models import Article, ArticleRecord
from .database import IncidentDB, content_hash


@dataclass
class SinkCounts:
    new: int = 0
    updated: int = 0
    retried: int = 0
    unchanged: int = 0
    replaced_incidents: int = 0


class DatabaseSink:
    """Writes each finished record, with its article, to `db` under `run_id` (one transaction per article)."""

    def __init__(self, db: IncidentDB, run_id: str) -> None:
        self.db = db
        self.run_id = run_id
        self.counts = SinkCounts()
        self._pending: dict[str, Article] = {}

    def select(self, articles: Iterable[Article]) -> Iterator[Article]:
        """The articles that need extracting: unknown to this run, changed since it stored them, or failed."""
        selected: set[str] = set()
        for article in articles:
            if article.id in selected:  # the same id twice in one input: run_feed counts and skips the repeat
                yield article
                continue
            selected.add(article.id)
            stored = self.db.stored(self.run_id, article.id)
            if stored is None:
                self.counts.new += 1
            elif stored[0] != content_hash(article):
                self.counts.updated += 1
            elif stored[1] != "ok":
                self.counts.retried += 1
            else:
                self.counts.unchanged += 1
                continue
            self._pending[article.id] = article
            yield article

    def write(self, record: ArticleRecord) -> None:
        article = self._pending.pop(record.article_id)
        self.counts.replaced_incidents += self.db.write_record(self.run_id, article, record)

    def close(self) -> None:
        self._pending.clear()
        self.db.close()
