"""Background rather than news: sentences about another year, a month long past, or habitual and cumulative
violence ("since 2012", "regularly", "a wave of attacks"), which the baseline must not read as an incident."""

from __future__ import annotations

import datetime as dt
import re

from ..text.dates import MONTH, MONTHS

_MONTH_ONLY = re.compile(
    rf"\b(?:in|since|during|until|by)\s+(?:early\s+|late\s+|mid-)?(?P<m>{MONTH})\b(?!\.?\s+\d)(?:\s+(?P<y>\d{{4}}))?",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:19[5-9]\d|20\d\d)\b")
_HISTORICAL = re.compile(
    r"\b(?:since|over the past|in the past|past (?:year|decade|month)s?|last year|years? ago|for years|"
    r"(?<!to )(?:has|have)\s+(?:since\s+)?(?:killed|claimed(?!\s+(?:responsibility|credit)))|insurgency|regularly|frequent(?:ly)?|routinely|often|almost daily|"
    r"series of|spate of|string of|wave of|separate attacks|several attacks)\b",
    re.IGNORECASE,
)
WINDOW_DAYS = 60


def is_historical(sentence: str, published: dt.date | None) -> bool:
    """Background rather than a recent event: another year, a month long past, cumulative or habitual wording."""
    if _HISTORICAL.search(sentence):
        return True
    if published is None:
        return False
    if any(int(y) != published.year for y in _YEAR.findall(sentence)):
        return True
    for match in _MONTH_ONLY.finditer(sentence):
        year = int(match.group("y")) if match.group("y") else published.year
        start = dt.date(year, MONTHS[match.group("m").lower()], 1)
        if start > published:
            start = start.replace(year=year - 1)
        if (published - start).days > WINDOW_DAYS:
            return True
    return False


def too_old(date: dt.date, published: dt.date | None) -> bool:
    """True when an event date is more than WINDOW_DAYS before publication (background, not news)."""
    return published is not None and (published - date).days > WINDOW_DAYS


def time_of_writing(text: str) -> dt.date | None:
    """For a text with no publication date: the end of the latest year it mentions (the codebook's rule H1: a
    later dated event shows that an earlier attack is history when written). None when it names no year."""
    years = [int(y) for y in _YEAR.findall(text) if int(y) <= dt.date.today().year]
    return dt.date(max(years), 12, 31) if years else None


_RETROSPECTIVE = re.compile(
    r"\b(?:later years|years later|decades later|decades on|\d+(?:st|nd|rd|th) anniversary|anniversary of|"
    r"\d+-year (?:silence|anniversary)|to this day|looking back|remembered|commemorat\w+)\b",
    re.IGNORECASE,
)


def is_retrospective(text: str) -> bool:
    """Words that show the text looks back at its events from much later (the codebook's rule H1)."""
    return bool(_RETROSPECTIVE.search(text))
