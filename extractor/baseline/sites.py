"""Attacked sites: the facilities a sentence names as the object of an attack ("attacked a military police base",
"struck the gendarmerie school", "a training center and the city's airport were targeted", "fighting at the
school"), and their target types. Two sites are distinct when their target types do not overlap (a gendarmerie
school is police and education, an air base aviation), the test the events stage uses for two named sites.

The codebook's rule 3: different sites the same day are different incidents ("coordinated attacks on two sites
the same day are two incidents"), so the baseline splits an incident whose sentences name two distinct attacked
sites into one incident per site (`extractor.py`, `_split_sites`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from . import lexicon

# A facility: a building or compound that can be attacked and located (not people, not vehicles).
_FACILITY = (
    r"(?:(?:training|police|military|army|air|naval|gendarmerie) )?(?:schools?|academy|college|universit(?:y|ies)|"
    r"cent(?:re|er)|camp|base|barracks|garrison|outpost|post|checkpoint|station|headquarters|compound|prison|jail|"
    r"airport|airbase|air base|airfield|hangar|hotel|market|mosque|church|temple|hospital|clinic|embassy|consulate|"
    r"ministry|parliament|courthouse|bank|refinery|port|depot)"
)
_STOP = r"(?:the|a|an|that|which|who|and|or|of|in|at|on|to|its|his|her|their|was|were|is|are)\b"
_MODIFIER = rf"(?:(?!{_STOP})[\w’'-]+\s+){{0,3}}?"
_DET = r"(?:(?:the|a|an|its|his|their|at least one|one|two|another)\s+)?"
# The site phrase: modifiers, the facility word, a number or name after it ("Air Base 101"), an "of the X Y" tail.
_PHRASE = (
    rf"(?P<site>{_DET}{_MODIFIER}{_FACILITY}(?:\s+\d+)?(?:\s+of\s+(?:the\s+)?(?:[\w’'-]+\s+){{0,2}}?"
    r"(?:gendarmes|police|army|military|forces|soldiers|troops))?)\b"
)
# An attack word governing the phrase: "attacked X", "an attack on X", "targeted X", "struck X", "fighting at X".
_ACTIVE = re.compile(
    r"\b(?:attack(?:ed|s|ing)?(?: on| at| against)?|assault(?:ed|s)?(?: on| at)?|stormed|raided|struck|"
    r"target(?:ed|ing)|bomb(?:ed|ing)|shell(?:ed|ing)|(?:fired|firing|opened fire)(?: \w+)? (?:on|at|into)|"
    r"(?:clashes|fighting|gunfire|explosions?|blasts?)(?: \w+){0,2} (?:at|in|near|inside)|"
    r"(?:took|take|taking|seized) control of(?: part of)?)\s+[“\"]?" + _PHRASE,
    re.IGNORECASE,
)
# A passive one: "X was attacked", "X and Y were targeted".
_PASSIVE = re.compile(
    _PHRASE.replace("(?P<site>", "(?P<first>")
    + r"(?:\s*,?\s+and\s+"
    + _PHRASE
    + r")?\s+(?:was|were|had been|have been|has been)\s+(?:\w+\s+)?(?:attacked|targeted|struck|stormed|raided|hit|"
    r"bombed|shelled)\b",
    re.IGNORECASE,
)
# A second object of the same attack ("targeted X and Y"), not the subject of a clause of its own ("and the
# airport was closed").
_AND = re.compile(
    r"\s*,?\s*and\s+[“\"]?" + _PHRASE + r"(?!\s+(?:was|were|is|are|had|has|have|remained|stayed)\b)", re.IGNORECASE
)
_LEADING = re.compile(r"^(?:the|a|an|its|his|their|at least one|one|two|another)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Site:
    """One attacked facility as a sentence names it, and its target types (lexicon.TARGETS)."""

    name: str
    types: frozenset[str]


def target_types(phrase: str) -> frozenset[str]:
    return frozenset(kind for kind, pattern in lexicon.TARGETS if pattern.search(phrase))


def _site(phrase: str) -> Site | None:
    name = " ".join(_LEADING.sub("", phrase.strip(" “”\"")).split())
    types = target_types(name)
    return Site(name, types) if types else None  # an untyped "base" or "centre" cannot be told apart


_ANY_FACILITY = re.compile(_FACILITY, re.IGNORECASE)  # no site phrase without one: most sentences stop here
_ANY_PHRASE = re.compile(_PHRASE, re.IGNORECASE)


@lru_cache(maxsize=4096)  # the split, the figures and the targets ask about the same sentences of an article
def attacked_sites(sentence: str) -> tuple[Site, ...]:
    """The typed facilities a sentence names as attacked, in order ("A and B were targeted" gives both)."""
    if not _ANY_FACILITY.search(sentence):
        return ()
    found: list[tuple[int, str]] = []
    for match in _ACTIVE.finditer(sentence):
        found.append((match.start("site"), match.group("site")))
        more = _AND.match(sentence, match.end("site"))
        if more:
            found.append((more.start("site"), more.group("site")))
    for match in _PASSIVE.finditer(sentence):
        found.append((match.start("first"), match.group("first")))
        if match.group("site"):
            found.append((match.start("site"), match.group("site")))
    sites = [_site(phrase) for _, phrase in sorted(found)]
    return tuple(s for s in sites if s is not None)


def named_types(sentence: str) -> frozenset[str]:
    """The target types of every facility a sentence names, attacked or not ("fighting at the school")."""
    if not _ANY_FACILITY.search(sentence):
        return frozenset()
    return frozenset().union(*(s.types for m in _ANY_PHRASE.finditer(sentence) if (s := _site(m.group("site")))))


def distinct(sites: list[Site]) -> list[list[Site]]:
    """The sites grouped into distinct places: mentions whose target types overlap are one place."""
    groups: list[list[Site]] = []
    for site in sites:
        home = next((g for g in groups if any(site.types & other.types for other in g)), None)
        if home is None:
            groups.append([site])
        else:
            home.append(site)
    return groups


_FACILITY_WORD = re.compile(rf"^(?:[\w’'-]+\s+)*{_FACILITY}$", re.IGNORECASE)


def is_facility(words: str) -> bool:
    """Whether a target's words name a facility ("airport", "military airport"), not people ("soldiers")."""
    return bool(_FACILITY_WORD.match(words.strip()))
