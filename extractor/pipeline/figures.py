"""Figures are grounded like quotes: a casualty bound must be stated as such in the article.

Every backend's killed, wounded, kidnapped and perpetrators-killed ranges are checked against the article (its
title included, since headlines carry tolls): each bound other than an open maximum must appear as a number (in
digits or words, or a vague quantity as the codebook maps it: "dozens" 12, "some" 2, "several" 3) in a sentence
that speaks of that kind of harm ("killed", "dead" for deaths; "wounded", "injured" for injuries; "kidnapped",
"hostages" for abductions; "casualties" for neither, as the codebook says), or as the sum of the numbers of such a
sentence ("five soldiers and two civilians were killed" supports 7). One is supported by any such sentence (a named
victim, "a deadly attack"). A zero must be stated ("no one was hurt"); a bare "at least 0" says nothing. An unsupported range is set to null, and the
correction is recorded on the incident and the record and counted in the run summary. Small models fill a 10%
tariff into `killed`, or `wounded: {"min": 0}` by default; this is what catches it.
"""

from __future__ import annotations

from ..codebook.figures import FIELDS, harm, supported
from ..models import Incident, render_count
from ..text.sentences import sentences


def check_figures(incidents: list[Incident], text: str, title: str = "") -> tuple[list[Incident], list[list[str]]]:
    """The incidents with unsupported ranges set to null, and for each incident the corrections made."""
    all_sentences = [text[a:b] for a, b in sentences(text)] + ([title] if title else [])
    checked, corrections = [], []
    for incident in incidents:
        changes: dict[str, None] = {}
        notes = []
        for field in FIELDS:
            count = getattr(incident, field)
            if count is None:
                continue
            harmful = [s for s in all_sentences if harm(field).search(s)]
            if not supported(count, field, harmful):
                changes[field] = None
                notes.append(f"{field} {render_count(count)} is not stated as such in the article; set to null")
        checked.append(incident.model_copy(update=changes) if changes else incident)
        corrections.append(notes)
    return checked, corrections
