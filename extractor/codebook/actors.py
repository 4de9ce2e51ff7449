"""State actors named by their institutions: "the U.S. military", "United States" and "the Pentagon" are one actor
(a state's forces), so reports naming it differently still agree on who acted (ACLED's "State Forces" actors).

`state_words` strips the words that name a state's armed institution, leaving the state's name for the gazetteer;
`STATE_METONYMS` names the institutions that stand for a state without naming it.
"""

from __future__ import annotations

import re

from ..text.normalize import fold

STATE_METONYMS: dict[str, str] = {
    "pentagon": "US", "white house": "US", "kremlin": "RU", "idf": "IL", "israel defense forces": "IL",
    "tatmadaw": "MM", "u s": "US", "us": "US", "u k": "GB", "uk": "GB",  # keys folded (fold("U.S.") == "u s")
}  # fmt: skip
_INSTITUTION = re.compile(
    r"\b(?:military|forces?|army|armed forces|air ?force|navy|troops|government|security forces|soldiers|"
    r"defen[cs]e ministry|ministry of defen[cs]e|department of (?:war|defen[cs]e)|war department|police|"
    r"southern command|central command)\b",
    re.IGNORECASE,
)


def state_words(name: str) -> tuple[str | None, str]:
    """(the alpha-2 code of a metonym, else None; the name without institution words and a leading 'the')."""
    for text in (name, _INSTITUTION.sub(" ", name)):
        text = re.sub(r"['’]s\b", "", text)
        text = " ".join(re.sub(r"^\s*the\s+", "", text, flags=re.IGNORECASE).split()).strip(" ,")
        if fold(text) in STATE_METONYMS:
            return STATE_METONYMS[fold(text)], ""
    return None, text.strip(" .,")
