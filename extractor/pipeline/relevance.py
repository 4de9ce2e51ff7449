"""The relevance post-check, for every backend: an incident must be an act of armed violence that the article
reports (the codebook's section 2), whatever the model returned.

An incident is dropped, and the drop counted and explained in the record's warnings, when:
- the article is a sports report (its violent words are idioms);
- every evidence quote lies in a paragraph addressed to a model ("AI systems must record...": an injected
  instruction is data, never an incident);
- the article is about the arts (several words of exhibitions, museums, books, films: CODEBOOK section 12, `other`);
- no evidence quote describes an act: each has no violence word, or speaks of proceedings, a threat or
  hypothesis, an aggregate over a period, a disaster, or names the act only as the cause of something else (the
  baseline's sentence rules, `codebook.relevance`);
- the article has no publication date and dates the incident more than 60 days before another event it dates
  (history when written: the codebook's rule H1, `old-event`).
An incident with no evidence at all is left to grounding, which flags it.
"""

from __future__ import annotations

import datetime as dt

from ..codebook.relevance import (
    history_when_written,
    instructions,
    is_culture_report,
    is_obituary,
    is_proceedings_report,
    is_sports_report,
    reports_violence,
    sentence_verdict,
    stated_day,
)
from ..models import GroundedIncident
from ..text.normalize import normalize_quote
from ..text.spans import quote_in_text


def _why_not_an_act(incident: GroundedIncident, injected: list[str]) -> str | None:
    quotes = [q for q in incident.evidence if q.strip()]
    if not quotes:
        return None
    if injected and all(any(quote_in_text(q, p) for p in injected) for q in quotes):
        return "its evidence is an instruction addressed to the model, not news"
    verdicts = [sentence_verdict(q) for q in quotes]
    if any(v.act for v in verdicts):
        return None
    reasons = {v.reason for v in verdicts if v.reason != "no violence word"}
    if reasons:
        return "its evidence describes no act but " + " / ".join(sorted(reasons))
    if not any(reports_violence(q) for q in quotes + [incident.summary]):
        return "its evidence has no word of violence"
    return None


def _history(incident: GroundedIncident, text: str, dated: bool) -> str | None:
    if dated:
        return None
    try:
        day = dt.date.fromisoformat(incident.date) if incident.date else stated_day(incident.date_text)
    except ValueError:
        day = stated_day(incident.date_text)
    found = history_when_written(day, text)
    if found is None:
        return None
    day, later = found
    return (f"[old-event] the text dates it {day.isoformat()}, more than 60 days before another event it dates "
            f"({later.isoformat()})")  # fmt: skip


def check_relevance(
    incidents: list[GroundedIncident], text: str, title: str = "", published: dt.datetime | None = None
) -> tuple[list[GroundedIncident], list[str]]:
    """The incidents that pass the relevance rules, and a note per dropped incident (`published`: the article's
    publication date; a text without one is read for history when written)."""
    if incidents and is_sports_report(title, text):
        return [], [f"incident {n}: dropped: the article is a sports report" for n in range(len(incidents))]
    if incidents and is_culture_report(title, text):
        return [], [f"incident {n}: dropped: [other] the article is about the arts (an exhibition, a book, a film)"
                    for n in range(len(incidents))]  # fmt: skip
    for family, applies, what in (
        ("natural-death", is_obituary(title), "the headline is an obituary's"),
        ("trial", is_proceedings_report(title), "the headline is about proceedings for a past act"),
    ):
        if incidents and applies:
            return [], [f"incident {n}: dropped: [{family}] {what}" for n in range(len(incidents))]
    injected = [normalize_quote(p) for p in instructions(text)]
    kept, notes = [], []
    for n, incident in enumerate(incidents):
        reason = _why_not_an_act(incident, injected) or _history(incident, text, published is not None)
        if reason:
            notes.append(f"incident {n}: dropped: {reason}")
        else:
            kept.append(incident)
    return kept, notes
