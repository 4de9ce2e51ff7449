"""The codebook's act words: the violence family that marks a sentence reporting an act, suicide attacks, and the
attack types in the codebook's order of precedence (rule 6: the first family that a sentence matches names it)."""

from __future__ import annotations

import re


def family(words: str) -> re.Pattern[str]:
    """A case-insensitive pattern matching any of `words` (a regex alternation) as whole words."""
    return re.compile(rf"\b(?:{words})\b", re.IGNORECASE)


VIOLENCE = family(
    r"kill(?:s|ed|ing)?|died|dead|deaths?|wound(?:s|ed|ing)?|injur(?:ed|ing|ies)|attack(?:s|ed|ing)?|ambush(?:ed|es)?|"
    r"assault|bomb(?:s|ed|ing|ings|er|ers)?|explosions?|blasts?|explosives?|IEDs?|(?:air|drone)\s?strikes?|"
    r"struck|shell(?:ed|ing)|shot|gunmen|gunfire|kidnapp(?:ed|ing)|abduct(?:ed|ion|ing)|clash(?:es|ed)?|"
    r"stormed|raid(?:ed|s)?|massacre|beheaded|opened fire|fired|firing|targeted|hostages?"
)
SUICIDE = family(
    r"suicide (?:bomb(?:er|ers|ing|ings)?|attacks?|attackers?|car bomb|vest)|wearing explosives|blew (?:himself|herself|themselves) up|explosive vest"
)
ATTACK_TYPES: list[tuple[str, re.Pattern[str]]] = [
    (
        "air_or_drone_strike",
        family(
            r"(?:air|drone)\s?strikes?|airstrikes?|drones?|warplanes?|helicopter gunships?|aerial bombardment|"
            # a military strike, not a labour one: "carried out strikes on three boats", "lethal strikes"
            r"(?:carr(?:y|ies|ied|ying) out|conduct(?:s|ed|ing)?|launch(?:es|ed|ing)?|order(?:s|ed)?)\s+(?:\w+\s+){0,2}?strikes?|(?:military|lethal|kinetic|precision|"
            r"naval|missile)\s+strikes?|strikes?\s+(?:on|against)\s+(?:\w+\s+){0,3}?(?:boats?|vessels?|ships?|targets?|"
            r"positions?|bases?|camps?|hideouts?)"
        ),
    ),
    (
        "bombing",
        family(
            r"bomb(?:s|ed|ing|ings)?|IEDs?|improvised explosive(?: devices?)?|explosive devices?|car bomb|landmines?|mines?|blasts?"
        ),
    ),
    ("shelling", family(r"shell(?:ed|ing)|mortars?|artillery|(?<!-)rockets?(?!-propelled)|missiles?")),
    ("kidnapping", family(r"kidnapp(?:ed|ing)|abduct(?:ed|ion|ing)|hostages?|taken captive")),
    ("assassination", family(r"assassinat(?:ed|ion)")),
    (
        "armed_assault",
        family(
            r"gunmen|gunman|shot|shooting|opened fire|gunfire|stormed|ambush(?:ed|es)?|raid(?:ed|s)?|attacked|assault|massacre"
        ),
    ),
    ("armed_clash", family(r"clash(?:es|ed)?|fighting|battles?|exchanges? of fire|firefight")),
    ("arson_or_facility_attack", family(r"burn(?:t|ed|ing)|set (?:fire|ablaze)|torched|arson|sabotage")),
]
