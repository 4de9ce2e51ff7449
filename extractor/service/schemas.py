"""The API's request and response bodies (pydantic): the OpenAPI document at /openapi.json is generated from
these and from the record models of `extractor.models` that POST /v1/extract and GET /v1/articles/{id} return."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..models import Article, ArticleRecord

MAX_TEXT_CHARS = 1_000_000


class ArticleIn(BaseModel):
    """One article to extract, as a JSONL input line holds it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=2000)
    title: str = Field(default="", max_length=5000)
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    published: dt.datetime | None = None
    url: str | None = Field(default=None, max_length=4000)

    def article(self) -> Article:
        return Article(id=self.id, title=self.title, link=self.url, published=self.published, text=self.text)


class ArticleBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    articles: list[ArticleIn] = Field(min_length=1)


class ExtractOut(BaseModel):
    run_id: str
    records: list[ArticleRecord]


class IncidentOut(BaseModel):
    """An incident as the database and the CSV export hold it: one row, ranges as min / max columns."""

    incident_id: str
    incident_key: str
    event_id: str | None = None
    article_id: str
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    link: str | None = None
    n: int
    is_primary: bool | None = None
    summary: str | None = None
    date: str | None = None
    date_text: str | None = None
    country: str | None = None
    region: str | None = None
    location: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    attack_type: str | None = None
    suicide: bool | None = None
    perpetrators: str | None = None
    targets: str | None = None
    weapons: str | None = None
    killed_min: int | None = None
    killed_max: int | None = None
    wounded_min: int | None = None
    wounded_max: int | None = None
    perpetrators_killed_min: int | None = None
    perpetrators_killed_max: int | None = None
    kidnapped_min: int | None = None
    kidnapped_max: int | None = None
    grounded: bool | None = None
    run_id: str


class EventOut(BaseModel):
    """An event: incidents of several articles merged, figures reconciled, each source's own figures beside."""

    event_id: str
    run_id: str
    date_earliest: str | None = None
    date_latest: str | None = None
    country: str | None = None
    region: str | None = None
    location: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    attack_type: str | None = None
    perpetrators: str | None = None
    killed_min: int | None = None
    killed_max: int | None = None
    wounded_min: int | None = None
    wounded_max: int | None = None
    n_incidents: int
    n_sources: int
    n_outlets: int
    first_published: str | None = None
    last_published: str | None = None
    figures: list[dict[str, Any]] = []
    claims: list[dict[str, Any]] = []
    updated_at: str | None = None


class ArticleOut(BaseModel):
    article_id: str
    title: str | None = None
    link: str | None = None
    outlet: str | None = None
    published: str | None = None
    first_seen: str | None = None
    updated_at: str | None = None
    versions: int
    text: str
    record: ArticleRecord | None = Field(default=None, description="Its record in the current run, if extracted.")


class FeedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=4000, description="An http(s) URL of an RSS or Atom feed.")
    interval: int = Field(default=900, ge=5, le=7 * 86400, description="Seconds between two polls.")
    name: str | None = Field(default=None, max_length=200)

    @field_validator("url")
    @classmethod
    def _http(cls, url: str) -> str:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("the feed URL must be http(s)://host/...")
        return url


class FeedOut(BaseModel):
    feed_id: int
    url: str
    name: str | None = None
    interval_s: int
    created_at: str
    status: Literal["new", "ok", "not_modified", "error", "failing"]
    last_fetch: str | None = None
    last_success: str | None = None
    next_fetch: str | None = None
    last_error: str | None = None
    failures: int
    fetches: int
    not_modified: int
    errors: int
    articles_seen: int
    articles_queued: int


class IncidentPage(BaseModel):
    items: list[IncidentOut]
    next: str | None = Field(description="Pass as ?cursor= for the next page; null on the last one.")


class EventPage(BaseModel):
    items: list[EventOut]
    next: str | None


class FeedPage(BaseModel):
    items: list[FeedOut]
    next: str | None


class Health(BaseModel):
    status: Literal["ok", "paused"]
    run_id: str
    queue: dict[str, int]


class JudgementIn(BaseModel):
    """A reviewer's judgement of one incident of an article (correct, wrong with a reason, a field corrected) or an
    incident the run missed (the sentence that reports it; `value` may give its fields)."""

    model_config = ConfigDict(extra="forbid")

    article_id: str = Field(min_length=1, max_length=2000)
    incident_id: str | None = Field(default=None, max_length=64)
    n: int | None = Field(default=None, ge=0, description="The incident's place in its record, instead of its id.")
    verdict: Literal["correct", "wrong", "corrected", "missed"]
    reason: Literal["not_an_incident", "not_in_article", "duplicate", "out_of_scope", "wrong_fields", "other"] | None = None
    field: str | None = Field(default=None, max_length=64)
    value: Any = None
    sentence: str | None = Field(default=None, min_length=1, max_length=5000)
    reviewer: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f]+$")


class JudgementOut(BaseModel):
    judgement_id: int
    run_id: str
    article_id: str
    content_hash: str
    incident_id: str | None = None
    verdict: str
    reason: str | None = None
    field: str | None = None
    value: Any = None
    sentence: str | None = None
    reviewer: str
    created_at: str


class JudgementPage(BaseModel):
    items: list[JudgementOut]
    next: str | None
