"""Stable event ids.

A new event's id is derived from its earliest member's stable incident key (`<article_id>#<n>`, earliest by
publication date, then key): `ev-` and 12 hex digits of its SHA-256. On later runs an event keeps the id its members
had before (the id most of its members had, larger events choosing first), so new articles joining an event, or a
re-run, never rename it; an event split in two keeps the id on its larger part.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence

from .rules import Member


def derived_id(members: Sequence[Member]) -> str:
    earliest = min(members, key=lambda m: (_aware(m.published), m.key))
    return "ev-" + hashlib.sha256(earliest.key.encode()).hexdigest()[:12]


def _aware(value: dt.datetime | None) -> dt.datetime:
    if value is None:
        return dt.datetime.max.replace(tzinfo=dt.timezone.utc)
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def assign_ids(groups: Sequence[Sequence[Member]], previous: Mapping[str, str] | None = None) -> list[str]:
    """One id per group; `previous` maps incident keys to the event ids they had."""
    previous = previous or {}
    ids: list[str | None] = [None] * len(groups)
    taken: set[str] = set()
    for index in sorted(range(len(groups)), key=lambda k: -len(groups[k])):
        votes = Counter(previous[m.key] for m in groups[index] if m.key in previous)
        for event_id, _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0])):
            if event_id not in taken:
                ids[index] = event_id
                taken.add(event_id)
                break
    for index, group in enumerate(groups):
        if ids[index] is None:
            candidate = derived_id(group)
            while candidate in taken:  # the earliest member's id went to another group: rehash
                candidate = "ev-" + hashlib.sha256(candidate.encode()).hexdigest()[:12]
            ids[index] = candidate
            taken.add(candidate)
    return [i for i in ids if i is not None]
