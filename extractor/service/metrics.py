"""The service's Prometheus metrics (prometheus_client, a registry of its own per service)."""

from __future__ import annotations

from collections.abc import Callable

from ..models import ArticleRecord


class Metrics:
    def __init__(self, queue_depth: Callable[[], float], paused: Callable[[], float]) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        r = self.registry
        self.articles = Counter("extract_articles", "Articles extracted, by record status.", ["status"], registry=r)
        self.incidents = Counter("extract_incidents", "Incidents stored.", registry=r)
        self.tokens = Counter("extract_tokens", "LLM tokens used, by kind.", ["kind"], registry=r)
        self.cost = Counter("extract_cost_usd", "Estimated LLM cost in USD.", registry=r)
        self.latency = Histogram("extract_article_latency_seconds", "Time to extract one article.", registry=r,
                                 buckets=(0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300))  # fmt: skip
        self.fetches = Counter("extract_feed_fetches", "Feed fetches, by result.", ["result"], registry=r)
        self.fetch_errors = Counter("extract_feed_fetch_errors", "Feed fetches that failed.", registry=r)
        self.endpoint_pauses = Counter("extract_queue_pauses", "Times the queue paused for a down endpoint.", registry=r)
        Gauge("extract_queue_depth", "Articles queued or in progress.", registry=r).set_function(queue_depth)
        Gauge("extract_queue_paused", "1 while the queue waits for the endpoint.", registry=r).set_function(paused)
        for status in ("ok", "failed", "skipped"):
            self.articles.labels(status)
        for result in ("ok", "not_modified", "error"):
            self.fetches.labels(result)
        for kind in ("prompt", "completion"):
            self.tokens.labels(kind)

    def record(self, record: ArticleRecord) -> None:
        self.articles.labels(record.status).inc()
        self.incidents.inc(len(record.incidents))
        usage = record.provenance.usage
        self.tokens.labels("prompt").inc(usage.prompt_tokens)
        self.tokens.labels("completion").inc(usage.completion_tokens)
        if record.provenance.cost_usd:
            self.cost.inc(record.provenance.cost_usd)
        self.latency.observe(record.provenance.latency_s or 0.0)

    def render(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST
