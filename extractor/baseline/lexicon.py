"""The baseline's own keyword families: weapons, targets, attribution cues, named sites (the act words and attack
types are the codebook's: `codebook.words`)."""

from __future__ import annotations

import re

from ..codebook.words import family as _family
from ..text.dates import MONTHS, WEEKDAYS

_NAME = r"[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*){0,2}"
_NOT_A_PLACE = set(WEEKDAYS) | set(MONTHS) | {"the", "a", "an", "this", "that", "its", "their"}
_LOCATION = re.compile(
    rf"\b(?:village|town|city|district|area|ward|locality|commune|neighbou?rhood|suburb|camp|county)\s+of\s+(?P<a>{_NAME})"
    rf"|\b(?P<b>{_NAME})\s+(?:village|town|ward|area|district|neighbou?rhood|locality|commune|market|camp|airport)\b"
    rf"|\bcapital,?\s+(?P<c>{_NAME})"
)


def find_location(sentence: str) -> str | None:
    """The most specific named place of a sentence ('the village of Harmeleh', 'Mafa ward', 'capital Bamako')."""
    for match in _LOCATION.finditer(sentence):
        name = match.group("a") or match.group("b") or match.group("c")
        if name.split()[0].lower() not in _NOT_A_PLACE:
            return name
    return None


# --- keyword families --------------------------------------------------------------------------------


WEAPONS: list[tuple[str, re.Pattern[str]]] = [
    (
        "firearms",
        _family(
            r"guns?|gunfire|gunmen|gunman|gunshots?|rifles?|shot|shooting|firing|opened fire|exchanges? of fire|AK-47s?"
        ),
    ),
    (
        "explosives",
        _family(
            r"explosives?|explosions?|bomb(?:s|ed|ing|ings|er|ers)?|IEDs?|improvised explosive|grenades?|RPGs?|rocket-propelled grenades?|blasts?|landmines?|mines?"
        ),
    ),
    ("drone", _family(r"drones?")),
    ("rockets_artillery", _family(r"(?<!-)rockets?(?!-propelled)|mortars?|artillery|shell(?:ed|ing)|missiles?")),
    ("incendiary", _family(r"burn(?:t|ed|ing)|set (?:fire|ablaze)|torched|arson|petrol bombs?|molotov")),
    ("melee", _family(r"knives|knife|machetes?|stabbed|stabbing|axes?|beheaded")),
    ("vehicle", _family(r"rammed|ramming|car-ramming")),
]
TARGETS: list[tuple[str, re.Pattern[str]]] = [
    (
        "military",
        _family(
            r"soldiers?|troops|army|military (?:base|camp|outpost|post|personnel|positions?|convoy|airport)|outposts?|barracks|regime forces|security forces|servicemen|patrols?"
        ),
    ),
    ("police", _family(r"police(?:men|man)?|police (?:station|base|officers?)|gendarmes?|gendarmerie|officers")),
    (
        "government",
        _family(r"officials?|government (?:building|office)s?|governor|mayor|ministry|lawmakers?|district chief"),
    ),
    (
        "civilians",
        _family(
            r"civilians?|villagers?|residents|people|farmers?|passengers?|women|children|child|worshippers|shoppers|family|families|villages?|homes|houses"
        ),
    ),
    ("aviation", _family(r"airports?|aircraft|airplanes?|planes?|jets?|air base|airbase|hangar")),
    (
        "infrastructure",
        _family(r"power (?:station|plant|lines?)|pipelines?|bridges?|telecom\w*|water supply|electricity"),
    ),
    ("religious", _family(r"mosques?|churche?s?|temples?|shrines?|imams?|priests?|pastors?|clerics?")),
    ("education", _family(r"schools?|students?|pupils|universit(?:y|ies)|teachers?")),
    ("journalists", _family(r"journalists?|reporters?|media workers?")),
    ("ngo", _family(r"aid workers?|NGOs?|humanitarian workers?|World Food Programme|UN staff")),
    ("business", _family(r"shops?|markets?|hotels?|banks?|businesses|traders?|mines?|factory|factories|trucks?")),
]
SUSPECTED = re.compile(r"\b(?:suspected|alleged|suspect|blamed|accused|believed to be)\b", re.IGNORECASE)
CLAIMED = re.compile(
    r"\bclaim(?:ed|s|ing)? (?:responsibility|credit|the attack|an? (?:attack|operation))|\bresponsibility was claimed",
    re.IGNORECASE,
)
# A sentence that gives the act to a group without a violence word of its own ("for which the FMLN guerrillas are
# being held responsible", "the MRTA claimed credit for the terrorist act"): the group is the current incident's.
RESPONSIBLE = re.compile(
    r"\bclaim(?:ed|s|ing)?\s+(?:responsibility|credit)\b|\bresponsibility was claimed\b|"
    r"\b(?:held|hold|holds|holding)\s+(?:\w+\s+)?responsible\b|\b(?:blamed?|blaming)\b|\battributed\s+to\b",
    re.IGNORECASE,
)
CLAIM = re.compile(
    r"\bclaim(?:s|ed|ing)? to have\b|\bclaim(?:s|ed)? (?:it|they) (?:had )?(?:killed|wounded)|\breported having\b",
    re.IGNORECASE,
)
AFFILIATION = re.compile(
    r"^[\s-]*(?:linked|affiliated|affiliate|inspired|allied|branch|offshoot|backed|funded|run)", re.IGNORECASE
)
