"""Grounding: every evidence quote of an incident is looked for in the article, after normalisation (the quote
matcher: text/spans.py)."""

from __future__ import annotations

from ..models import GroundedIncident, Incident
from ..text.normalize import normalize_quote
from ..text.spans import quote_in_text


def ground(incidents: list[Incident], article_text: str, title: str = "") -> list[GroundedIncident]:
    """Each incident with `grounded` (at least one quote found in the article, its headline included) and its
    ungrounded quotes."""
    normalized = normalize_quote(f"{title}\n\n{article_text}" if title else article_text)
    result = []
    for incident in incidents:
        missing = [q for q in incident.evidence if not quote_in_text(q, normalized)]
        result.append(
            GroundedIncident(
                **incident.model_dump(), grounded=len(missing) < len(incident.evidence), ungrounded_quotes=missing
            )
        )
    return result
