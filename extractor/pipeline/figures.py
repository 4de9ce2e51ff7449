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

import functools
import re

from ..models import Count, Incident
from ..text.numbers import COUNT, parse_count
from ..text.sentences import sentences

FIELDS = ("killed", "wounded", "perpetrators_killed", "kidnapped")
_DEATH = (
    r"kill\w*|dead|deadly|died|dies|deaths?|lives|slain|bod(?:y|ies)|fatalit\w*|massacr\w*|executed|murder\w*|perish\w*"
)
_HARM = {
    "killed": _DEATH,
    "perpetrators_killed": _DEATH + r"|neutrali[sz]ed|eliminated|blew (?:himself|herself|themselves) up|detonated",
    "wounded": r"wound\w*|injur\w*|hurt|hospitali[sz]ed|maimed",
    "kidnapped": r"kidnap\w*|abduct\w*|hostages?|captives?|seized|taken|held",
}
_ZERO = re.compile(
    r"\b(?:no(?:\s+one|body)?|none|without|neither)\b[^.;]{0,40}?\b(?:" + "|".join(_HARM.values()) + r")"
    r"|\b(?:unharmed|unhurt|unscathed)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(rf"(?<![\w-]){COUNT}(?![\w%])(?!\s*(?:percent|per cent))", re.IGNORECASE)  # not shares
_VAGUE = [(re.compile(r"\b(?:some|a number of|a few|many|numerous)\b", re.IGNORECASE), 2),
          (re.compile(r"\bseveral\b", re.IGNORECASE), 3)]  # fmt: skip


@functools.cache
def _harm(field: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{_HARM[field]})\b", re.IGNORECASE)


def _values(sentence: str) -> set[int]:
    """Every number a sentence states (bounds of each count phrase), and their sum."""
    found: list[Count] = []
    for match in _NUMBER.finditer(sentence):
        count = parse_count(match.group())
        if count is not None:
            found.append(count)
    values = {v for c in found for v in (c.min, c.max) if v is not None}
    values |= {value for pattern, value in _VAGUE if pattern.search(sentence)}
    return values | {sum(c.min for c in found), 1}


def _supported(count: Count, field: str, harmful: list[str]) -> bool:
    bounds = {count.min} | ({count.max} if count.max is not None else set())
    if bounds == {0}:
        return count.max == 0 and any(_ZERO.search(s) and _harm(field).search(s) for s in harmful)
    needed = bounds - {0}
    stated = set().union(*(_values(s) for s in harmful)) if harmful else set()
    return needed <= stated


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
            harmful = [s for s in all_sentences if _harm(field).search(s)]
            if not _supported(count, field, harmful):
                changes[field] = None
                shown = f"{count.min}" + (
                    "+" if count.max is None else "" if count.max == count.min else f"-{count.max}"
                )
                notes.append(f"{field} {shown} is not stated as such in the article; set to null")
        checked.append(incident.model_copy(update=changes) if changes else incident)
        corrections.append(notes)
    return checked, corrections
