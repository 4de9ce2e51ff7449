"""Numbers and counts as news writes them, parsed into conservative ranges.

Conventions (after ACLED and UCDP): "at least N", "more than N" and "over N" give min N, max open (the figure
the article names, never above it); "about/around/nearly N" give N..N; "up to N" gives 0..N; "between A and B"
and "A to B" give A..B; "a dozen" 12; "dozens" 12+, "tens" 10+, "scores" 20+, "hundreds" 100+, "thousands" 1000+.
"""

from __future__ import annotations

import re

from ..models import Count

_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORDS = {w: i for i, w in enumerate(_UNITS)} | {w: 20 + 10 * i for i, w in enumerate(_TENS)}
_VAGUE = {
    "a dozen": (12, 12),
    "dozens": (12, None),
    "tens": (10, None),
    "scores": (20, None),
    "hundreds": (100, None),
    "thousands": (1000, None),
}
_WORD = "|".join(sorted(_WORDS, key=len, reverse=True))
NUMBER = (
    rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+(?![\d-]*-year)|(?:{_WORD})(?:[- ](?:{_WORD}))?(?:\s+(?:hundred|thousand))?"
    r"|a dozen|dozens|tens|scores|hundreds|thousands|(?:a|an)(?!\s+(?:number|series|lot|few|couple|total|host|handful|dozen)\b))"
)
_QUALIFIER = (
    r"at least|no fewer than|no less than|more than|over|nearly|almost|about|around|some|roughly|"
    r"approximately|an estimated|up to|as many as|at most|fewer than|less than"
)
COUNT = rf"(?:between\s+{NUMBER}\s+and\s+{NUMBER}|(?:(?:{_QUALIFIER})\s+)?{NUMBER}(?:\s*(?:to|-|–|or)\s*{NUMBER})?)"


def parse_number(words: str) -> int | None:
    """'81' -> 81, '1,500' -> 1500, 'twenty-five' -> 25, 'two hundred' -> 200, 'a' -> 1; None if not a number."""
    words = words.lower().strip()
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+|\d+", words):
        return int(words.replace(",", ""))
    if words in ("a", "an"):
        return 1
    total = 0
    for part in re.split(r"[\s-]+", words):
        if part in _WORDS:
            total += _WORDS[part]
        elif part in ("hundred", "thousand") and total:
            total *= 100 if part == "hundred" else 1000
        else:
            return None
    return total


def parse_count(phrase: str) -> Count | None:
    """A count phrase as a conservative range (conventions in the module docstring)."""
    phrase = " ".join(phrase.lower().replace("–", "-").split())
    if phrase in _VAGUE:
        return Count(min=_VAGUE[phrase][0], max=_VAGUE[phrase][1])
    between = re.fullmatch(rf"(?:between\s+)?({NUMBER})\s*(?:and|to|-|or)\s*({NUMBER})", phrase)
    if between and parse_number(phrase) is None:
        low, high = parse_number(between.group(1)), parse_number(between.group(2))
        if low is not None and high is not None:
            return Count(min=min(low, high), max=max(low, high))
    match = re.fullmatch(rf"(?:({_QUALIFIER})\s+)?(.+)", phrase)
    qualifier, rest = match.group(1), match.group(2)
    if rest in _VAGUE:
        return Count(min=_VAGUE[rest][0], max=None)
    value = parse_number(rest)
    if value is None:
        return None
    if qualifier in ("at least", "no fewer than", "no less than", "more than", "over"):
        return Count(min=value, max=None)
    if qualifier in ("up to", "as many as", "at most", "fewer than", "less than"):
        return Count(min=0, max=value)
    return Count(min=value, max=value)
