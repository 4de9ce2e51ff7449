"""Pydantic data for the whole pipeline: articles, incidents (the LLM's schema), records and golden labels.

No I/O here. `Extraction` is what the LLM must return; its JSON schema is exported to `schemas/` and is
valid for OpenAI strict structured outputs: every field required, optional values nullable, no free-form
dicts. Rules the schema cannot say (ISO dates, min <= max) are validators, so a violation is re-asked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

AttackType = Literal[
    "armed_assault",
    "bombing",
    "suicide_attack",
    "air_or_drone_strike",
    "shelling",
    "kidnapping",
    "assassination",
    "arson_or_facility_attack",
    "armed_clash",
    "other",
    "unknown",
]
TargetType = Literal[
    "military",
    "police",
    "government",
    "civilians",
    "aviation",
    "infrastructure",
    "religious",
    "education",
    "journalists",
    "ngo",
    "business",
    "other",
]
Weapon = Literal["firearms", "explosives", "drone", "rockets_artillery", "incendiary", "melee", "vehicle", "other"]
Attribution = Literal["claimed", "reported_as_fact", "suspected", "unknown"]


def _iso_date(value: str | None) -> str | None:
    """Accept only YYYY-MM-DD calendar dates."""
    if value is not None:
        if len(value) != 10:
            raise ValueError("date must be YYYY-MM-DD")
        dt.date.fromisoformat(value)
    return value


IsoDate = Annotated[str | None, AfterValidator(_iso_date)]


def _non_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("an evidence quote must not be empty")
    return value


Quote = Annotated[str, AfterValidator(_non_empty)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


COUNT_FIELDS = ("killed", "wounded", "perpetrators_killed", "kidnapped")  # an incident's figures (Count), in order


class Count(_Strict):
    """A conservative number range: "at least 81" is min 81, max null; "six" is min 6, max 6."""

    min: int = Field(ge=0, description="Lowest number the article supports.")
    max: int | None = Field(ge=0, description="Highest number the article supports; null when open-ended.")

    @model_validator(mode="after")
    def _ordered(self) -> Count:
        if self.max is not None and self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        return self


def render_count(count: Count | None, *, none: str = "", open_end: str = "{min}+", between: str = "{min}-{max}") -> str:
    """A count as text, the one renderer: `none` when not reported, `open_end` when it has no upper bound, the
    number when exact, else `between` ('6', '81+', '3-5' by default; 'at least 81', 'between 3 and 5' in words)."""
    if count is None:
        return none
    if count.max is None:
        return open_end.format(min=count.min)
    if count.min == count.max:
        return str(count.min)
    return between.format(min=count.min, max=count.max)


class Perpetrator(_Strict):
    name: str = Field(description="The actor's name as the article gives it.")
    attribution: Attribution = Field(
        description="claimed: the actor claimed it; reported_as_fact: the article states it; "
        "suspected: suspected or accused; unknown: named without saying how sure."
    )


class Target(_Strict):
    type: TargetType
    description: str = Field(description="Who or what was targeted, in the article's words.")


class Claim(_Strict):
    """A figure or responsibility claimed by one party that differs from the main report."""

    by: str = Field(description="Who makes the claim.")
    killed: Count | None
    wounded: Count | None
    text: str = Field(description="The claim, quoted or closely paraphrased from the article.")


class Incident(_Strict):
    """One specific act of armed violence at an identifiable place and time."""

    summary: str = Field(description="One sentence saying what happened.")
    date: IsoDate = Field(description="YYYY-MM-DD resolved against the publication date, or null.")
    date_text: str | None = Field(description="The article's own words for the date, e.g. 'on Sunday'.")
    country: str | None
    region: str | None = Field(description="First-level division: state, province or region.")
    location: str | None = Field(description="Most specific named place: town, village, district or site.")
    attack_type: AttackType
    suicide: bool
    perpetrators: list[Perpetrator]
    targets: list[Target]
    weapons: list[Weapon]
    killed: Count | None = Field(description="Victims killed, perpetrators excluded; null when not reported.")
    wounded: Count | None
    perpetrators_killed: Count | None
    kidnapped: Count | None
    claims: list[Claim]
    evidence: list[Quote] = Field(
        min_length=1, max_length=3, description="One to three verbatim quotes from the article."
    )
    primary: bool = Field(description="True when the incident is a main subject of the article.")


class Extraction(_Strict):
    """The whole answer for one article (an empty list when it reports no incident)."""

    incidents: list[Incident]


class GroundedIncident(Incident):
    """An extracted incident with the result of checking its quotes against the article."""

    grounded: bool
    ungrounded_quotes: list[str] = Field(default_factory=list)
    corrections: list[str] = Field(
        default_factory=list, description="Deterministic corrections made after extraction (unsupported figures)."
    )
    # Set by the gazetteer after extraction (pipeline/places.py), never by the LLM: not in the extraction schema.
    country_raw: str | None = Field(default=None, description="The country as extracted, when it was made canonical.")
    region_raw: str | None = Field(default=None, description="The region as extracted, when it was made canonical.")
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: Literal[1, 2, 3] | None = Field(
        default=None, description="1 the town itself, 2 near a town, 3 a first-level region (ACLED's codes)."
    )
    admin2: str | None = Field(default=None, description="Second-level division (district, county, LGA), if known.")
    # Set by date resolution after extraction, never by the LLM.
    time_precision: Literal[1, 2, 3] | None = Field(
        default=None, description="How exact `date` is (ACLED's codes): 1 the day, 2 within a week, 3 within a month."
    )
    date_source: Literal["text", "published"] | None = Field(
        default=None, description="Where `date` came from: the article's words, or its publication date."
    )


class Article(BaseModel):
    """One feed entry, cleaned to plain text."""

    id: str
    title: str
    link: str | None = None
    published: dt.datetime | None = None
    text: str
    part: tuple[int, int] | None = Field(
        default=None, description="(n, of) when `text` is window n of a longer article split into `of` windows."
    )


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cached_tokens: int = 0  # of prompt_tokens, served from the provider's prompt-prefix cache (cheaper)

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
        )


@dataclass
class Spend:
    """What producing an answer cost, failed requests included: requests sent, re-asks, tokens, replies cut at
    max_tokens (and the completion tokens they cost), and what was met on the way. Results and failures carry
    one (`BackendResult.spent`, `SpendingFailure.spent`); the spends of several requests or windows add up (`+`)."""

    attempts: int = 0
    reasks: int = 0
    usage: Usage = field(default_factory=Usage)
    cut_replies: int = 0  # replies cut at max_tokens (finish reason "length")
    cut_completion_tokens: int = 0  # and the completion tokens they cost
    warnings: list[str] = field(default_factory=list)
    answered_by: list[str] = field(default_factory=list)  # of several endpoints, the one of each answered request

    def __add__(self, other: Spend) -> Spend:
        return Spend(
            attempts=self.attempts + other.attempts,
            reasks=self.reasks + other.reasks,
            usage=self.usage + other.usage,
            cut_replies=self.cut_replies + other.cut_replies,
            cut_completion_tokens=self.cut_completion_tokens + other.cut_completion_tokens,
            warnings=self.warnings + other.warnings,
            answered_by=self.answered_by + other.answered_by,
        )

    def labelled(self, label: str) -> Spend:
        """The same spend, each warning prefixed with `label` (a window: 'part 2 of 3')."""
        return replace(self, warnings=[f"{label}: {w}" for w in self.warnings])


class Provenance(BaseModel):
    """Where a record's incidents came from, enough to reproduce them."""

    backend: str
    model: str
    endpoint: str | None = None
    prompt_name: str | None = None
    prompt_hash: str | None = None
    schema_hash: str
    config_hash: str | None = Field(
        default=None, description="Hash of everything that decides the answer but the mode (see run_identity)."
    )
    mode: str | None = None
    attempts: int = 0
    reasks: int = 0
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float | None = Field(default=None, description="Estimated cost of this record's requests; None: unknown.")
    cache_hit: bool = False
    latency_s: float = 0.0
    cut_replies: int = Field(default=0, description="Replies cut at max_tokens (finish reason 'length').")
    cut_completion_tokens: int = Field(default=0, description="Completion tokens those cut replies cost.")
    replica: str | None = Field(
        default=None,
        description="Of several endpoints (--base-url given more than once), the one that answered (its URL without "
        "credentials; several joined by ', ' when the article's requests went to more than one). None with one "
        "endpoint, when answered from the cache, or in a record of an earlier format.",
    )


# The version of the record format (a line of the output JSONL, a row of the database, a stored run). Raise it when
# a record or incident field is added, removed or changes meaning, and teach the reader (store/records.py) what an
# older line lacks. Lines written before records were versioned carry no `format`: they are version 1.
RECORD_FORMAT = 4  # 4: provenance.replica


class ArticleRecord(BaseModel):
    """One line of the output JSONL: an article and what was extracted from it, or why it failed."""

    format: int = Field(
        default=RECORD_FORMAT, description="Version of the record format; a line without it is version 1."
    )
    article_id: str
    title: str
    link: str | None = None
    published: dt.datetime | None = None
    status: Literal["ok", "failed", "skipped"]
    incidents: list[GroundedIncident] = Field(default_factory=list)
    ungrounded_dropped: int = 0
    irrelevant_dropped: int = Field(
        default=0, description="Incidents the relevance post-check dropped (reasons in warnings)."
    )
    warnings: list[str] = Field(default_factory=list)
    error: str | None = None
    skip_reason: str | None = Field(
        default=None, description="Why the pre-filter did not send the article to the model (status 'skipped')."
    )
    raw_output: str | None = None
    windows: int = Field(default=1, description="Windows the article was split into and extracted (1: whole).")
    window_cap_hit: bool = Field(default=False, description="True when max_windows left the article's end unread.")
    provenance: Provenance


class DateRange(BaseModel):
    earliest: str
    latest: str


class GoldIncident(Incident):
    """A hand label: an incident plus what the scorer should also accept."""

    event_id: str = Field(description="Same id for the same real-world incident across articles.")
    date_range: DateRange | None = None
    time_precision: Literal[1, 2, 3] | None = Field(
        default=None, description="How exact the gold date is (ACLED's codes), when no date_range says it."
    )
    alt_locations: list[str] = Field(default_factory=list)
    alt_regions: list[str] = Field(default_factory=list)
    perpetrator_aliases: dict[str, list[str]] = Field(default_factory=dict)
    alt_countries: list[str] = Field(default_factory=list)
    alt_attack_types: list[AttackType] = Field(
        default_factory=list, description="Other attack types the scorer accepts (a MUC-4 ATTACK is several)."
    )
    optional: bool = Field(
        default=False, description="Neither rewarded nor penalised: matching it is no TP, missing it no FN."
    )


GOLD_ONLY_FIELDS = frozenset(GoldIncident.model_fields) - frozenset(Incident.model_fields)


class GoldArticle(BaseModel):
    """One line of golden/labels.jsonl: every gold incident of one article (possibly none)."""

    article_id: str
    title: str
    incidents: list[GoldIncident]
    notes: str | None = None
    split: Literal["dev", "test"] | None = Field(
        default=None, description="For sets split in two: dev (tune on it) or test (report only)."
    )
