"""Pydantic data of events: an event, its sources with their own figures, and the claims made about it."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from ..models import Count, Target


class EventSource(BaseModel):
    """One incident of one article that reports the event, with that source's own figures."""

    incident_key: str
    incident_id: str | None = None
    article_id: str
    outlet: str | None = None
    published: dt.datetime | None = None
    date: str | None = None
    location: str | None = None
    killed: Count | None = None
    wounded: Count | None = None


class AttributedClaim(BaseModel):
    """A claim (a party's own figure or responsibility), with the source that reported it."""

    by: str
    text: str
    killed: Count | None = None
    wounded: Count | None = None
    article_id: str
    outlet: str | None = None


class Event(BaseModel):
    """One real-world event: its reconciled description and figures, and every source beside them."""

    event_id: str
    date_earliest: str | None = None
    date_latest: str | None = None
    time_precision: int | None = Field(default=None, description="ACLED's code: 1 the day, 2 the week, 3 the month.")
    country: str | None = None
    region: str | None = None
    admin2: str | None = None
    location: str | None = None
    geo_precision: int | None = Field(default=None, description="ACLED's code of `location` (1 town ... 3 region).")
    latitude: float | None = None
    longitude: float | None = None
    attack_type: str = "unknown"
    perpetrators: list[str] = Field(default_factory=list)
    targets: list[Target] = Field(default_factory=list)
    killed: Count | None = Field(default=None, description="Most conservative range the sources support.")
    wounded: Count | None = None
    sources: list[EventSource] = Field(default_factory=list)
    claims: list[AttributedClaim] = Field(default_factory=list)
    confidence: float | None = Field(
        default=None, description="The lowest confidence of the merges that joined its reports; None for one report."
    )

    @property
    def n_sources(self) -> int:
        return len({s.article_id for s in self.sources})

    @property
    def outlets(self) -> list[str]:
        return sorted({s.outlet for s in self.sources if s.outlet})
