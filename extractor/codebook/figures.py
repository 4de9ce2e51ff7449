"""Which sentence states a casualty figure (codebook rule 8): a bound must appear as a number (in digits or words,
or a vague quantity as the codebook maps it: "dozens" 12, "some" 2, "several" 3) in a sentence that speaks of that
kind of harm, or as the sum of such a sentence's numbers ("five soldiers and two civilians were killed" supports
7); one is supported by any such sentence; a zero must be stated ("no one was hurt")."""

from __future__ import annotations

import functools
import re

from ..models import COUNT_FIELDS, Count
from ..text.numbers import COUNT, parse_count

FIELDS = COUNT_FIELDS
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
def harm(field: str) -> re.Pattern[str]:
    """The words of one kind of harm (`FIELDS`) as a pattern."""
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


def supported(count: Count, field: str, harmful: list[str]) -> bool:
    """Whether `count` of `field` is stated by the sentences `harmful` (those that speak of that harm)."""
    bounds = {count.min} | ({count.max} if count.max is not None else set())
    if bounds == {0}:
        return count.max == 0 and any(_ZERO.search(s) and harm(field).search(s) for s in harmful)
    needed = bounds - {0}
    stated = set().union(*(_values(s) for s in harmful)) if harmful else set()
    return needed <= stated
