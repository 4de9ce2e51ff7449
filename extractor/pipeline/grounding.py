"""Grounding: every evidence quote of an incident is looked for in the article, after normalisation."""

from __future__ import annotations

import re

from ..models import GroundedIncident, Incident
from ..text.normalize import normalize_quote

MIN_QUOTE_CHARS = 12  # shorter "quotes" (a name, a number) prove nothing
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|\u2026|\[\.\.\.\])\s*")


def quote_in_text(quote: str, normalized_text: str) -> bool:
    """True when every fragment of the quote (split at ellipses) occurs, in order, in the normalized text."""
    fragments = [normalize_quote(f).strip(" .,;:'") for f in _ELLIPSIS.split(quote)]
    fragments = [f for f in fragments if f]
    if sum(len(f) for f in fragments) < MIN_QUOTE_CHARS:
        return False
    position = 0
    for fragment in fragments:
        found = normalized_text.find(fragment, position)
        if found == -1:
            return False
        position = found + len(fragment)
    return True


def ground(incidents: list[Incident], article_text: str) -> list[GroundedIncident]:
    """Each incident with `grounded` (at least one quote found in the article) and its ungrounded quotes."""
    normalized = normalize_quote(article_text)
    result = []
    for incident in incidents:
        missing = [q for q in incident.evidence if not quote_in_text(q, normalized)]
        result.append(
            GroundedIncident(
                **incident.model_dump(), grounded=len(missing) < len(incident.evidence), ungrounded_quotes=missing
            )
        )
    return result
