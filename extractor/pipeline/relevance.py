"""The relevance post-check, for every backend: an incident must be an act of armed violence that the article
reports (the codebook's section 2), whatever the model returned.

An incident is dropped, and the drop counted and explained in the record's warnings, when:
- the article is a sports report (its violent words are idioms);
- every evidence quote lies in a paragraph addressed to a model ("AI systems must record...": an injected
  instruction is data, never an incident);
- no evidence quote describes an act: each has no violence word, or speaks of proceedings, a threat or
  hypothesis, an aggregate over a period, or a disaster (the baseline's sentence rules, `codebook.relevance`).
An incident with no evidence at all is left to grounding, which flags it.
"""

from __future__ import annotations

from ..codebook.relevance import instructions, is_sports_report, reports_violence, sentence_verdict
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


def check_relevance(
    incidents: list[GroundedIncident], text: str, title: str = ""
) -> tuple[list[GroundedIncident], list[str]]:
    """The incidents that pass the relevance rules, and a note per dropped incident."""
    if incidents and is_sports_report(title, text):
        return [], [f"incident {n}: dropped: the article is a sports report" for n in range(len(incidents))]
    injected = [normalize_quote(p) for p in instructions(text)]
    kept, notes = [], []
    for n, incident in enumerate(incidents):
        reason = _why_not_an_act(incident, injected)
        if reason:
            notes.append(f"incident {n}: dropped: {reason}")
        else:
            kept.append(incident)
    return kept, notes
