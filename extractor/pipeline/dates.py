"""Dates after extraction, the same for every backend.

`resolve_relative_dates` (before grounding): small models copy "on Sunday" into date_text correctly and then put
the publication day in date. When date_text names one day relative to publication ("on Sunday", "Tuesday's
attack", "yesterday"), that day is the date (the codebook's rule), and every correction is recorded as a warning.

`date_incidents` (last): every incident of an article with a publication date gets a date, its `time_precision`
(ACLED's codes: 1 the day, 2 within a week, 3 within a month) and `date_source` (golden/CODEBOOK.md, section 4):

- the article's words name a day: that day, precision 1, source "text";
- they name only a week, weekend or month ("last week", "this week", "last month", "in August"): the span's
  middle day (never after publication), precision 2 or 3, source "text"; a day the model gave inside that span
  stands;
- no date words (or words that date nothing, "earlier this year"): the publication date, precision 2 (the codebook's
  undated current news: the week up to publication), 3 when the words say it is vaguer than a week; source
  "published". A model's date equal to the publication day with no date words is that same guess.
- no publication date: only a day, month and year the words give; else the date stays null.
"""

from __future__ import annotations

import datetime as dt

from collections.abc import Sequence

from ..models import GroundedIncident, Incident
from ..text.dates import PRECISION_DAYS, date_mentions, resolve_date


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


def date_incidents(
    incidents: Sequence[GroundedIncident], published: dt.datetime | None
) -> tuple[list[GroundedIncident], list[str]]:
    """The incidents with date, time_precision and date_source set (rules in the module doc), and a note for each
    date the words moved."""
    day_published = published.date() if published is not None else None
    dated, notes = [], []
    for n, incident in enumerate(incidents):
        update = _dating(incident, day_published)
        if incident.date is not None and update.get("date", incident.date) != incident.date:
            notes.append(f"incident {n}: date {incident.date} set to {update['date']} from date_text "
                         f"{incident.date_text!r} (time precision {update['time_precision']})")  # fmt: skip
        dated.append(incident.model_copy(update=update) if update else incident)
    return dated, notes


def _dating(incident: GroundedIncident, published: dt.date | None) -> dict[str, object]:
    found = resolve_date(incident.date_text, published)
    given = dt.date.fromisoformat(incident.date) if incident.date else None
    if found is not None:
        day, precision = found
        if precision == 1 or (given is not None and abs((given - day).days) <= PRECISION_DAYS[precision]):
            day = given or day  # the day the model or the rules read stands (relative days were fixed before)
        return {"date": day.isoformat(), "time_precision": precision, "date_source": "text"}
    if given is not None and not (given == published and not (incident.date_text or "").strip()):
        return {"time_precision": 1, "date_source": "text"}
    if published is not None:
        vague = bool((incident.date_text or "").strip())  # words that date nothing: vaguer than a week
        return {"date": published.isoformat(), "time_precision": 3 if vague else 2, "date_source": "published"}
    return {}
