"""Casualty counts of one sentence: "killing 81 people", "six soldiers were wounded", "the death toll rose to 12"."""

from __future__ import annotations

import re

from ..models import Count
from ..text.numbers import COUNT, parse_count

_PERPETRATOR_NOUNS = re.compile(
    r"\b(?:terrorists?|militants?|attackers?|assailants?|jihadists?|gunmen|gunman|insurgents?|fighters?|bandits?|"
    r"rebels?|bombers?|extremists?|kidnappers?|suspects?)\b",
    re.IGNORECASE,
)
_VERB = {
    "killed": "killed",
    "killing": "killed",
    "kill": "killed",
    "dead": "killed",
    "died": "killed",
    "wounded": "wounded",
    "wounding": "wounded",
    "injured": "wounded",
    "injuring": "wounded",
    "hurt": "wounded",
    "kidnapped": "kidnapped",
    "kidnapping": "kidnapped",
    "abducted": "kidnapped",
    "abducting": "kidnapped",
}
_NOT_BETWEEN = r"(?!(?:and|or|but|who|which|that|by|in|on|at|after|as|while|with|of|killed|wounded|injured)\b)"
_NUMBER_FIRST = re.compile(
    rf"(?<![\w-])(?P<count>{COUNT})\s+(?P<noun>(?:{_NOT_BETWEEN}[\w’'-]+\s+){{0,4}}?)"
    r"(?:(?:were|was|have been|has been|had been|are|is|reportedly|also|been|later)\s+)*"
    r"(?P<verb>killed|dead|died|wounded|injured|hurt|kidnapped|abducted)\b",
    re.IGNORECASE,
)
_VERB_FIRST = re.compile(
    r"(?<!the )\b(?P<verb>killed|killing|kill|wounded|wounding|injured|injuring|kidnapped|kidnapping|abducted|abducting)"
    rf"\s+[“\"]?(?P<count>{COUNT})\b(?P<noun>(?:\s+{_NOT_BETWEEN}[\w’'-]+){{0,3}})",
    re.IGNORECASE,
)
_TOLL = re.compile(rf"\bdeath toll\s+(?:\w+\s+){{0,3}}?(?:to|of|at)\s+(?P<count>{COUNT})\b", re.IGNORECASE)
_AMBIGUOUS = re.compile(r"\b(?:killed|dead) or (?:wounded|injured)\b|\bcasualties\b", re.IGNORECASE)


def casualties(sentence: str) -> dict[str, Count]:
    """Counts of one sentence keyed 'killed', 'wounded', 'perpetrators_killed', 'kidnapped' (first mention each)."""
    sentence = _AMBIGUOUS.sub("", sentence)
    found: list[tuple[int, str, Count]] = []
    for pattern in (_NUMBER_FIRST, _VERB_FIRST):
        for match in pattern.finditer(sentence):
            count = parse_count(match.group("count"))
            if count is None:
                continue
            field = _VERB[match.group("verb").lower()]
            if field == "killed" and _PERPETRATOR_NOUNS.search(match.group("noun")):
                field = "perpetrators_killed"
            found.append((match.start(), field, count))
    for match in _TOLL.finditer(sentence):
        if (count := parse_count(match.group("count"))) is not None:
            found.append((match.start(), "killed", count))
    out: dict[str, Count] = {}
    for _, field, count in sorted(found, key=lambda item: item[0]):
        out.setdefault(field, count)
    return out
