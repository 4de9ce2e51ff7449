"""Deterministic fixes applied to validated incidents before grounding: relative dates re-derived from the
article's own words.

Small models copy "on Sunday" into date_text correctly and then put the publication day in date. When
date_text names one day relative to publication ("on Sunday", "Tuesday's attack", "yesterday"), that day
is the date (the codebook's rule), and every correction is recorded as a warning on the record.
"""

from __future__ import annotations

import datetime as dt

from ..models import Incident
from ..text.dates import date_mentions


def resolve_relative_dates(
    incidents: list[Incident], published: dt.datetime | None
) -> tuple[list[Incident], list[str]]:
    """Incidents whose date follows their date_text, and a note for each date changed."""
    if published is None:
        return incidents, []
    fixed, notes = [], []
    for incident in incidents:
        days = {
            day for _, day, is_event in date_mentions(incident.date_text or "", published.date()) if is_event and day
        }
        if len(days) == 1 and incident.date != (day := days.pop().isoformat()):
            notes.append(f"date {incident.date} set to {day} from date_text {incident.date_text!r}")
            incident = incident.model_copy(update={"date": day})
        fixed.append(incident)
    return fixed, notes
