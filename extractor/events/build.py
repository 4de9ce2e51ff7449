"""Members -> events (clusters, ids, reconciled figures), and the event labels of a run's records for the judge."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..models import ArticleRecord
from ..store.database import outlet_of
from .cluster import cluster_scored
from .figures import describe
from .ids import assign_ids
from .models import Event
from .rules import DEFAULT_RULES, Member, Rules


def build_events(
    members: Sequence[Member],
    rules: Rules = DEFAULT_RULES,
    previous: Mapping[str, str] | None = None,
    decisions: Mapping[tuple[int, int], bool] | None = None,
) -> list[Event]:
    """The events of `members`, with ids kept from `previous` (incident key -> event id) where they can be, and
    `decisions` (an adjudicator's answers for member index pairs) overriding the rules."""
    found = cluster_scored(members, rules, decisions)
    groups = [[members[i] for i in group] for group in found.groups]
    ids = assign_ids(groups, previous)
    return [
        Event(event_id=event_id, confidence=confidence, **describe(group))
        for event_id, group, confidence in zip(ids, groups, found.confidence)
    ]


def members_of(records: Sequence[ArticleRecord]) -> list[Member]:
    """Every incident of the ok records as a clustering member."""
    return [
        Member(key=f"{r.article_id}#{n}", article_id=r.article_id, incident=incident, published=r.published,
               outlet=outlet_of(r.link), title=r.title)
        for r in records
        if r.status == "ok"
        for n, incident in enumerate(r.incidents)
    ]


def event_labels(records: Sequence[ArticleRecord], rules: Rules = DEFAULT_RULES) -> dict[tuple[str, int], str]:
    """(article_id, incident index) -> event id, for every incident of `records` (what the judge scores)."""
    members = members_of(records)
    return {
        (source.article_id, int(source.incident_key.rsplit("#", 1)[1])): event.event_id
        for event in build_events(members, rules)
        for source in event.sources
    }
