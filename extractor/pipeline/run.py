"""A whole run: a feed's articles processed concurrently, each record written the moment it is finished.

Memory stays flat in the number of articles: articles are read from their source as workers free up (a bounded
queue), records go straight to the writer, and only counters and the ids seen are kept.
Progress is reported through a callback, so this module never imports rich.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from dataclasses import dataclass, field
from typing import Protocol

from ..backend import Backend
from ..models import Article, ArticleRecord, Usage
from ..settings import MAX_CONCURRENCY
from .article import extract_one
from .cache import ResultCache
from .front import fresh_articles, ruled_out


class RecordSink(Protocol):
    """Where finished records go, one at a time (the store's JSONL and CSV writers are sinks)."""

    def write(self, record: ArticleRecord) -> None: ...


@dataclass
class RunSummary:
    """Counters of a run, printed at its end."""

    articles: int = 0
    ok: int = 0
    failed: int = 0
    already_done: int = 0  # finished in the output already (--resume): not run again, no record written
    prefiltered: int = 0  # ruled out by the pre-filter, never sent: a record of status 'skipped'
    duplicates: int = 0
    incidents: int = 0
    ungrounded: int = 0
    ungrounded_dropped: int = 0
    figures_corrected: int = 0
    irrelevant_dropped: int = 0
    cache_hits: int = 0
    attempts: int = 0
    reasks: int = 0
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0  # estimated, over the records whose cost is known
    cost_unknown: int = 0  # records whose model the price table does not know
    split_articles: int = 0  # articles longer than the window, read window by window
    windows: int = 0  # windows those articles were read in
    window_caps: int = 0  # articles whose end max_windows left unread
    cut_replies: int = 0  # replies cut at max_tokens (finish reason "length")
    cut_completion_tokens: int = 0  # the completion tokens those cut replies cost
    replicas: dict[str, int] = field(default_factory=dict)  # several endpoints: records each one answered
    elapsed_s: float = 0.0

    def add(self, record: ArticleRecord) -> None:
        self.articles += 1
        self.ok += record.status == "ok"
        self.failed += record.status == "failed"
        self.prefiltered += record.status == "skipped"
        self.incidents += len(record.incidents)
        self.ungrounded += sum(not i.grounded for i in record.incidents) + record.ungrounded_dropped
        self.ungrounded_dropped += record.ungrounded_dropped
        self.figures_corrected += sum(len(i.corrections) for i in record.incidents)
        self.irrelevant_dropped += record.irrelevant_dropped
        self.cache_hits += record.provenance.cache_hit
        self.attempts += record.provenance.attempts
        self.reasks += record.provenance.reasks
        self.usage += record.provenance.usage
        self.split_articles += record.windows > 1
        self.windows += record.windows if record.windows > 1 else 0
        self.window_caps += record.window_cap_hit
        self.cut_replies += record.provenance.cut_replies
        self.cut_completion_tokens += record.provenance.cut_completion_tokens
        for replica in (record.provenance.replica or "").split(", "):
            if replica:
                self.replicas[replica] = self.replicas.get(replica, 0) + 1
        if record.provenance.cost_usd is None:
            self.cost_unknown += 1
        else:
            self.cost_usd += record.provenance.cost_usd


async def run_feed(
    articles: Iterable[Article],
    backend: Backend,
    writer: RecordSink,
    *,
    cache: ResultCache | None = None,
    concurrency: int = 4,
    drop_ungrounded: bool = False,
    skip_ids: frozenset[str] | set[str] = frozenset(),
    on_record: Callable[[ArticleRecord], None] | None = None,
    summary: RunSummary | None = None,
    prefilter: bool = False,
) -> RunSummary:
    """Extract every article not in `skip_ids` with at most `concurrency` in progress; return the counters.

    The one function that runs a feed end to end (`extract run` and `extract eval` both call it); the backend's
    connections are closed when it returns. Pass a `summary` to see the counters even when the run is interrupted.
    With `prefilter`, articles the cheap relevance check rules out get a 'skipped' record and no request.
    """
    summary = summary if summary is not None else RunSummary()
    started = time.perf_counter()
    n_workers = max(1, min(concurrency, MAX_CONCURRENCY))  # library callers too: never a task per article
    queue: asyncio.Queue[Article | None] = asyncio.Queue(maxsize=2 * n_workers)  # a stream is read as it is used

    async def produce() -> None:
        for article in fresh_articles(articles, skip_ids, summary):
            await queue.put(article)
        for _ in range(n_workers):
            await queue.put(None)

    async def worker() -> None:
        while (article := await queue.get()) is not None:
            record = ruled_out(article, backend, prefilter)
            if record is None:
                record = await extract_one(article, backend, cache, drop_ungrounded=drop_ungrounded)
            writer.write(record)
            summary.add(record)
            if on_record:
                on_record(record)

    tasks = [asyncio.create_task(produce())] + [asyncio.create_task(worker()) for _ in range(n_workers)]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        summary.elapsed_s = time.perf_counter() - started
        await backend.aclose()
    return summary


def counted(
    articles: Iterable[Article],
    skip_ids: frozenset[str] | set[str] = frozenset(),
    *,
    limit: int = 10_000,
    max_chars: int = 16_000_000,
) -> tuple[Iterator[Article], int | None]:
    """The articles again, and how many records a run of them writes (distinct ids not in `skip_ids`) when the
    source ends within `limit` articles and `max_chars` characters of text; None for a longer stream, whose length
    is not known in advance (it is not read ahead further, so memory stays bounded)."""
    iterator, buffer, chars = iter(articles), [], 0
    for article in iterator:
        buffer.append(article)
        chars += len(article.text)
        if len(buffer) >= limit or chars >= max_chars:
            return chain(buffer, iterator), None
    return iter(buffer), len({article.id for article in buffer} - set(skip_ids))
