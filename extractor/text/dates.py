"""Date expressions of a sentence resolved against the publication date: weekdays, day and month, "yesterday".

Shared by the baseline (to date what it reads) and the pipeline (to re-derive an LLM's date from its date_text).
"""

from __future__ import annotations

import datetime as dt
import re

from .numbers import parse_number

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        1,
    )
}
MONTHS |= {m[:3]: i for m, i in list(MONTHS.items())} | {"sept": 9}
MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATE = re.compile(
    r"(?P<text>(?:\b(?P<pre>on|early|late|last|this|since|by|until|from|next|before|after)\s+)?"
    rf"(?:(?P<wd>{'|'.join(WEEKDAYS)})(?:\s+(?:morning|afternoon|evening|night))?(?:['’]s)?"
    rf"|(?:the\s+)?(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{MONTH})|(?P<m2>{MONTH})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?)\b(?:,?\s+(?P<y>\d{{4}}))?"
    r"|(?P<rel>yesterday|today|tonight|this morning|this afternoon|last night|earlier today|(?P<ago>\w+) days? ago)"
    r"|(?P<vague>last week|last month|earlier this week|earlier this month|last weekend|recently))\b)"
    r"|(?P<shift>\b(?:a|one|the|two|three) days? (?:after|before|later|earlier)\b)",
    re.IGNORECASE,
)
# Every match of _DATE holds one of these (weekdays, "yesterday" and "days ago" hold "day"; month names their first
# three letters): a sentence with none is skipped without running the pattern, which tries its alternatives at every
# position. Casefolded, as IGNORECASE matching is.
_DATE_WORDS = ("day", "night", "morning", "afternoon", "week", "month", "recent") + tuple(m for m in MONTHS if len(m) == 3)
_REPORTING = re.compile(
    r"\b(?:said|says|told|announced|reported|stated|statement|claimed|added|posted|confirmed|declared|tweeted)\b",
    re.IGNORECASE,
)


def weekday_on_or_before(published: dt.date, weekday: int, strictly: bool = False) -> dt.date:
    """The most recent given weekday (0 = Monday) on or before `published` (before it when `strictly`)."""
    back = (published.weekday() - weekday) % 7
    return published - dt.timedelta(days=back or (7 if strictly else 0))


def _month_day(published: dt.date, month: int, day: int, year: int | None) -> dt.date | None:
    """An explicit day and month, in the year given or else the latest such date not after publication."""
    try:
        date = dt.date(year or published.year, month, day)
        if year is None and date > published + dt.timedelta(days=1):
            date = dt.date(published.year - 1, month, day)
    except ValueError:
        return None
    return date


def date_mentions(
    sentence: str, published: dt.date | None, anchor: dt.date | None = None
) -> list[tuple[str, dt.date | None, bool]]:
    """(the words, resolved date or None, is-an-event-date) for every date expression of a sentence.

    Weekdays resolve to the most recent such day on or before publication ("last Monday": strictly before).
    Dates next to a reporting verb ("told AFP on Tuesday", "on Tuesday said") and after since/until are not
    event dates. "X came a day after Y" dates Y one day before the sentence's other date X; without another date,
    "a day after" the `anchor` (the date of the incident read so far) is one day later. Vague ("last week"): None.
    """
    out: list[tuple[str, dt.date | None, bool]] = []
    folded = sentence.casefold()
    if not any(word in folded for word in _DATE_WORDS):
        return out
    shift = None
    for match in _DATE.finditer(sentence):
        text, date = match.group().strip(), None
        if match.group("shift"):
            words = match.group().lower().split()
            days = {"a": 1, "one": 1, "the": 1, "two": 2, "three": 3}[words[0]]
            shift = (text, days, words[-1])
            continue
        pre = (match.group("pre") or "").lower()
        if published is not None:
            if match.group("wd"):
                date = weekday_on_or_before(published, WEEKDAYS.index(match.group("wd").lower()), pre == "last")
            elif match.group("m1") or match.group("m2"):
                month = MONTHS[(match.group("m1") or match.group("m2")).lower()]
                year = int(match.group("y")) if match.group("y") else None
                date = _month_day(published, month, int(match.group("d1") or match.group("d2")), year)
            elif match.group("rel"):
                rel = match.group("rel").lower()
                ago = parse_number(match.group("ago")) if match.group("ago") else None
                back = 1 if rel in ("yesterday", "last night") else (ago if ago is not None else 0)
                date = published - dt.timedelta(days=back)
        before = sentence[max(0, match.start() - 40) : match.start()]
        after = sentence[match.end() : match.end() + 12]
        reported = bool(_REPORTING.search(" ".join(before.split()[-5:]))) or bool(
            re.match(r"\s+" + _REPORTING.pattern, after, re.IGNORECASE)
        )
        quoted = match.group("rel") and _inside_quote(sentence[: match.start()])
        event = pre not in ("since", "until", "by", "from", "next", "before", "after") and not reported and not quoted
        if date is not None and published is not None and date > published:
            event = False
        out.append((text, date, event))
    if shift:
        own = next((d for _, d, _ in out if d is not None), None)
        sign = {"after": -1, "before": 1, "later": 1, "earlier": -1}[shift[2]]
        if own is None and shift[2] in ("after", "before"):
            sign = -sign
        base = own or anchor
        out.insert(0, (shift[0], base + dt.timedelta(days=sign * shift[1]) if base else None, True))
    return out


def _inside_quote(before: str) -> bool:
    """True when a quotation opened in `before` is still open (relative dates in quotes count from the speech)."""
    return before.count("“") > before.count("”") or before.count('"') % 2 == 1


# How far (days) either side of its date an event may lie, by ACLED time precision (1 the day, 2 within a week,
# 3 within a month): the pipeline's date rules (a model's day inside a span stands) and the scorer's.
PRECISION_DAYS = {1: 0, 2: 7, 3: 30}

# Words that date an event only to a span (ACLED's time precision 2: a week or a weekend; 3: a month). Resolved by
# `resolve_date` to the span's middle day, never after publication.
_SPAN = re.compile(
    r"\b(?P<words>(?:this\s+)?past\s+weekend|(?:last|this|over\s+the|at\s+the)\s+weekend"
    r"|(?:earlier\s+|later\s+)?this\s+week|(?:last|this\s+past|the\s+past|past)\s+week"
    r"|(?:in\s+)?(?:the\s+)?(?:recent|past|last)\s+(?:few\s+)?days|(?:a\s+few\s+)?days\s+ago"
    r"|recently|last\s+month|(?:earlier\s+)?this\s+month|(?:the\s+)?past\s+month"
    rf"|(?:(?P<part>early|mid|late|the\s+end\s+of|the\s+beginning\s+of)[\s-]+)?(?P<month>{MONTH})\.?(?:,?\s+(?P<year>\d{{4}}))?)\b",
    re.IGNORECASE,
)
_FULL_DATE = re.compile(
    rf"\b(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{MONTH})|(?P<m2>{MONTH})\.?\s+(?P<d2>\d{{1,2}})"
    r"(?:st|nd|rd|th)?),?\s+(?P<y>\d{4})\b",
    re.IGNORECASE,
)


def resolve_date(text: str | None, published: dt.date | None) -> tuple[dt.date, int] | None:
    """(day, time precision) for a date expression (an incident's `date_text`), against the publication date.

    1: the words name one day ("on Sunday", "Tuesday's attack", "12 March"; without a publication date only a day,
    month and year). 2: a week or weekend ("last week", "this week", "in recent days", "last weekend"). 3: a month
    ("last month", "earlier this month", "in August", "late July", "recently"). A span is dated to its middle day,
    cut at the publication date. None when the words give no date (or only a span, with no publication date).
    """
    text = " ".join((text or "").split())
    if not text:
        return None
    days = {day for _, day, event in date_mentions(text, published) if event and day}
    if published is None:
        days |= {day for m in _FULL_DATE.finditer(text) if (day := _full_date(m)) is not None}
    if len(days) == 1:
        return days.pop(), 1
    if published is None or days:
        return None
    for match in _SPAN.finditer(text):
        span = _span(match, published)
        if span is not None:
            (earliest, latest), precision = span
            latest = min(latest, published)
            earliest = min(earliest, latest)
            return earliest + (latest - earliest) / 2, precision
    return None


def _full_date(match: re.Match[str]) -> dt.date | None:
    month = MONTHS[(match.group("m1") or match.group("m2")).lower()]
    try:
        return dt.date(int(match.group("y")), month, int(match.group("d1") or match.group("d2")))
    except ValueError:
        return None


def _span(match: re.Match[str], published: dt.date) -> tuple[tuple[dt.date, dt.date], int] | None:
    """((earliest, latest), precision) of one span expression."""
    words = " ".join(match.group("words").lower().split())
    monday = published - dt.timedelta(days=published.weekday())
    if match.group("month"):
        if not match.group("month")[0].isupper():
            return None  # "may" the verb
        month = MONTHS[match.group("month").lower()]
        year = int(match.group("year")) if match.group("year") else published.year
        if not match.group("year") and month > published.month:
            year -= 1
        last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
        first_day, last_day = {"early": (1, 10), "the beginning of": (1, 10), "mid": (11, 20), "late": (21, last),
                               "the end of": (21, last)}.get(" ".join((match.group("part") or "").lower().split()),
                                                             (1, last))  # fmt: skip
        return (dt.date(year, month, first_day), dt.date(year, month, last_day)), 3
    if "weekend" in words:
        saturday = published - dt.timedelta(days=(published.weekday() - 5) % 7)
        return (saturday, saturday + dt.timedelta(days=1)), 2
    if words in ("last week", "this past week"):
        return (monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)), 2
    if "this week" in words:
        return (monday, published), 2
    if "week" in words or "days" in words:
        return (published - dt.timedelta(days=6), published), 2
    if words == "last month":
        first = published.replace(day=1)
        previous = first - dt.timedelta(days=1)
        return (previous.replace(day=1), previous), 3
    if "this month" in words:
        return (published.replace(day=1), published), 3
    return (published - dt.timedelta(days=29), published), 3  # "recently", "the past month"
