"""Lexical helpers of the baseline extractor: sentences, numbers and casualty counts, dates, places, keywords.

Every function is pure and small enough to test on one phrase. Number conventions (conservative, after
ACLED and UCDP): "at least N", "more than N" and "over N" give min N, max open (the figure the article
names, never above it); "about/around/nearly N" give N..N; "up to N" gives 0..N; "between A and B" and
"A to B" give A..B; "a dozen" 12; "dozens" 12+, "tens" 10+, "scores" 20+, "hundreds" 100+, "thousands" 1000+.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

import pycountry

from ..groups import flatten, word_pattern
from ..models import Count

# --- sentences ---------------------------------------------------------------------------------------

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "gen", "col", "lt", "maj", "capt", "sgt", "gov", "sen", "rep", "st", "no",
    "jan", "feb", "aug", "sept", "sep", "oct", "nov", "dec", "u.s", "u.n", "u.k", "vs", "approx", "inc", "co",
}
_BOUNDARY = re.compile(r"[.!?][”\"’')]*\s+(?=[“\"‘(]?[A-Z0-9])|(?<=[a-z]\.)(?=[“\"]?[A-Z][a-z])|\n+")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences and headings of `text`, whitespace trimmed."""
    spans, start = [], 0
    for match in _BOUNDARY.finditer(text):
        found = match.group()
        if found[:1] == ".":
            word = re.search(r"([\w.]+)\.$", text[start : match.start() + 1])
            if word and (word.group(1).lower() in _ABBREVIATIONS or re.fullmatch(r"[A-Z]", word.group(1))):
                continue
        end = match.end() if found[:1] in ".!?" else match.start()
        spans.append((start, end))
        start = match.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out


# --- numbers and counts ------------------------------------------------------------------------------

_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_WORDS = {w: i for i, w in enumerate(_UNITS)} | {w: 20 + 10 * i for i, w in enumerate(_TENS)}
_VAGUE = {"a dozen": (12, 12), "dozens": (12, None), "tens": (10, None), "scores": (20, None),
          "hundreds": (100, None), "thousands": (1000, None)}
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


_PERPETRATOR_NOUNS = re.compile(
    r"\b(?:terrorists?|militants?|attackers?|assailants?|jihadists?|gunmen|gunman|insurgents?|fighters?|bandits?|"
    r"rebels?|bombers?|extremists?|kidnappers?|suspects?)\b",
    re.I,
)
_VERB = {"killed": "killed", "killing": "killed", "kill": "killed", "dead": "killed", "died": "killed",
         "wounded": "wounded", "wounding": "wounded", "injured": "wounded", "injuring": "wounded", "hurt": "wounded",
         "kidnapped": "kidnapped", "kidnapping": "kidnapped", "abducted": "kidnapped", "abducting": "kidnapped"}
_NOT_BETWEEN = r"(?!(?:and|or|but|who|which|that|by|in|on|at|after|as|while|with|of|killed|wounded|injured)\b)"
_NUMBER_FIRST = re.compile(
    rf"(?<![\w-])(?P<count>{COUNT})\s+(?P<noun>(?:{_NOT_BETWEEN}[\w’'-]+\s+){{0,4}}?)"
    r"(?:(?:were|was|have been|has been|had been|are|is|reportedly|also|been|later)\s+)*"
    r"(?P<verb>killed|dead|died|wounded|injured|hurt|kidnapped|abducted)\b",
    re.I,
)
_VERB_FIRST = re.compile(
    r"(?<!the )\b(?P<verb>killed|killing|kill|wounded|wounding|injured|injuring|kidnapped|kidnapping|abducted|abducting)"
    rf"\s+[“\"]?(?P<count>{COUNT})\b(?P<noun>(?:\s+{_NOT_BETWEEN}[\w’'-]+){{0,3}})",
    re.I,
)
_TOLL = re.compile(rf"\bdeath toll\s+(?:\w+\s+){{0,3}}?(?:to|of|at)\s+(?P<count>{COUNT})\b", re.I)
_AMBIGUOUS = re.compile(r"\b(?:killed|dead) or (?:wounded|injured)\b|\bcasualties\b", re.I)


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


# --- dates -------------------------------------------------------------------------------------------

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), 1)}
_MONTHS |= {m[:3]: i for m, i in list(_MONTHS.items())} | {"sept": 9}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE = re.compile(
    r"(?P<text>(?:\b(?P<pre>on|early|late|last|this|since|by|until|from|next|before|after)\s+)?"
    rf"(?:(?P<wd>{'|'.join(_WEEKDAYS)})(?:\s+(?:morning|afternoon|evening|night))?(?:['’]s)?"
    rf"|(?:the\s+)?(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{_MONTH})|(?P<m2>{_MONTH})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?)\b(?:,?\s+(?P<y>\d{{4}}))?"
    r"|(?P<rel>yesterday|today|tonight|this morning|this afternoon|last night|earlier today|(?P<ago>\w+) days? ago)"
    r"|(?P<vague>last week|last month|earlier this week|earlier this month|last weekend|recently))\b)"
    r"|(?P<shift>\b(?:a|one|the|two|three) days? (?:after|before|later|earlier)\b)",
    re.I,
)
_REPORTING = re.compile(
    r"\b(?:said|says|told|announced|reported|stated|statement|claimed|added|posted|confirmed|declared|tweeted)\b", re.I
)
_MONTH_ONLY = re.compile(rf"\b(?:in|since|during|until|by)\s+(?:early\s+|late\s+|mid-)?(?P<m>{_MONTH})\b(?!\.?\s+\d)(?:\s+(?P<y>\d{{4}}))?", re.I)
_YEAR = re.compile(r"\b(?:19[5-9]\d|20\d\d)\b")
_HISTORICAL = re.compile(
    r"\b(?:since|over the past|in the past|past (?:year|decade|month)s?|last year|years? ago|for years|"
    r"(?<!to )(?:has|have)\s+(?:since\s+)?(?:killed|claimed)|insurgency|regularly|frequent(?:ly)?|routinely|often|almost daily|"
    r"series of|spate of|string of|wave of|separate attacks|several attacks)\b",
    re.I,
)
WINDOW_DAYS = 60


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


def date_mentions(sentence: str, published: dt.date | None, anchor: dt.date | None = None) -> list[tuple[str, dt.date | None, bool]]:
    """(the words, resolved date or None, is-an-event-date) for every date expression of a sentence.

    Weekdays resolve to the most recent such day on or before publication ("last Monday": strictly before).
    Dates next to a reporting verb ("told AFP on Tuesday", "on Tuesday said") and after since/until are not
    event dates. "X came a day after Y" dates Y one day before the sentence's other date X; without another date,
    "a day after" the `anchor` (the date of the incident read so far) is one day later. Vague ("last week"): None.
    """
    out: list[tuple[str, dt.date | None, bool]] = []
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
                date = weekday_on_or_before(published, _WEEKDAYS.index(match.group("wd").lower()), pre == "last")
            elif match.group("m1") or match.group("m2"):
                month = _MONTHS[(match.group("m1") or match.group("m2")).lower()]
                year = int(match.group("y")) if match.group("y") else None
                date = _month_day(published, month, int(match.group("d1") or match.group("d2")), year)
            elif match.group("rel"):
                rel = match.group("rel").lower()
                ago = parse_number(match.group("ago")) if match.group("ago") else None
                back = 1 if rel in ("yesterday", "last night") else (ago if ago is not None else 0)
                date = published - dt.timedelta(days=back)
        before = sentence[max(0, match.start() - 40) : match.start()]
        after = sentence[match.end() : match.end() + 12]
        reported = bool(_REPORTING.search(" ".join(before.split()[-5:]))) or bool(re.match(r"\s+" + _REPORTING.pattern, after, re.I))
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
        start = dt.date(year, _MONTHS[match.group("m").lower()], 1)
        if start > published:
            start = start.replace(year=year - 1)
        if (published - start).days > WINDOW_DAYS:
            return True
    return False


def too_old(date: dt.date, published: dt.date | None) -> bool:
    """True when an event date is more than WINDOW_DAYS before publication (background, not news)."""
    return published is not None and (published - date).days > WINDOW_DAYS


# --- places ------------------------------------------------------------------------------------------

_COUNTRY_ALIASES = {
    "Afghan": "AF", "Malian": "ML", "Nigerian": "NG", "Nigerien": "NE", "Syrian": "SY", "Iraqi": "IQ",
    "Turkish": "TR", "Turkey": "TR", "Somali": "SO", "Sudanese": "SD", "Yemeni": "YE", "Pakistani": "PK",
    "Indian": "IN", "Burkinabe": "BF", "Burkina": "BF", "Congolese": "CD", "DRC": "CD", "DR Congo": "CD",
    "Democratic Republic of Congo": "CD", "Democratic Republic of the Congo": "CD", "Cameroonian": "CM",
    "Chadian": "TD", "Mozambican": "MZ", "Ethiopian": "ET", "Kenyan": "KE", "Libyan": "LY", "Egyptian": "EG",
    "Israeli": "IL", "Palestinian": "PS", "Palestine": "PS", "Gaza": "PS", "West Bank": "PS", "Lebanese": "LB",
    "Iranian": "IR", "Russia": "RU", "Russian": "RU", "Ukrainian": "UA", "Colombian": "CO", "Mexican": "MX",
    "Filipino": "PH", "Philippine": "PH", "Burmese": "MM", "Burma": "MM", "Bangladeshi": "BD",
    "Beninese": "BJ", "Togolese": "TG", "Ivorian": "CI", "Ivory Coast": "CI", "Mauritanian": "MR",
    "Algerian": "DZ", "Tunisian": "TN", "Moroccan": "MA", "Saudi": "SA", "Jordanian": "JO", "Haitian": "HT",
    "Central African Republic": "CF", "South Sudanese": "SS", "Ugandan": "UG", "Rwandan": "RW",
    "Burundian": "BI", "Ghanaian": "GH", "Senegalese": "SN", "Nepalese": "NP", "Thai": "TH",
    "Indonesian": "ID", "Britain": "GB", "UK": "GB", "US": "US", "USA": "US", "Tanzanian": "TZ",
}
_COUNTRY_NAMES = {"RU": "Russia", "CD": "DR Congo", "PS": "Palestine", "TR": "Turkey", "CI": "Ivory Coast"}
_FOREIGN = re.compile(r"^-(?:based|backed|linked|led|funded|allied)", re.I)


def country_name(code: str) -> str:
    """Display name of a country: the common English name."""
    country = pycountry.countries.get(alpha_2=code)
    return _COUNTRY_NAMES.get(code) or getattr(country, "common_name", None) or country.name


@functools.cache
def _country_table() -> tuple[dict[str, str], re.Pattern[str]]:
    """Normalised country name or alias -> alpha_2, from pycountry plus the short alias list."""
    table: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            name = getattr(country, attr, None)
            if name and "," not in name:
                table.setdefault(flatten(name)[0], country.alpha_2)
    for alias, code in _COUNTRY_ALIASES.items():
        table[flatten(alias)[0]] = code
    return table, word_pattern(table)


@functools.cache
def _region_table(code: str) -> tuple[dict[str, str], re.Pattern[str] | None]:
    """Normalised first-level subdivision name (also without a leading 'al') -> its pycountry name."""
    table: dict[str, str] = {}
    for sub in pycountry.subdivisions.get(country_code=code) or []:
        if sub.parent_code is None:
            key = flatten(sub.name)[0]
            for variant in (key, re.sub(r"^(?:al|an|ar|as|ad|at|ash|az) ", "", key)):
                if len(variant) >= 3:
                    table.setdefault(variant, sub.name)
    return table, word_pattern(table) if table else None


def _mentions(text: str, table: dict[str, str], pattern: re.Pattern[str]) -> list[tuple[str, int, int]]:
    flat, index = flatten(text)
    out = []
    for match in pattern.finditer(flat):
        start, end = index[match.start()], index[match.end() - 1] + 1
        if text[start].isupper() and not _FOREIGN.match(text[end : end + 8]):
            out.append((table[match.group()], start, end))
    return out


_IN_PLACE = re.compile(r"\b(?:in|inside|across|near|of)\s+(?:\S+\s+){0,2}$", re.I)


def in_place(text: str, start: int) -> bool:
    """True when the mention at `start` reads as a location ("in Iraq's north", "in the Afghan capital")."""
    return bool(_IN_PLACE.search(text[max(0, start - 40) : start]))


def find_countries(text: str) -> list[tuple[str, int, int]]:
    """(alpha_2, start, end) of every country name, alias or demonym in `text` (capitalised mentions only)."""
    return _mentions(text, *_country_table())


def find_regions(text: str, code: str) -> list[tuple[str, int, int]]:
    """(pycountry subdivision name, start, end) of first-level divisions of country `code` named in `text`."""
    table, pattern = _region_table(code)
    return _mentions(text, table, pattern) if pattern else []


_NAME = r"[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*){0,2}"
_NOT_A_PLACE = set(_WEEKDAYS) | set(_MONTHS) | {"the", "a", "an", "this", "that", "its", "their"}
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


def _family(words: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{words})\b", re.I)


VIOLENCE = _family(
    r"kill(?:s|ed|ing)?|died|dead|deaths?|wound(?:s|ed|ing)?|injur(?:ed|ing|ies)|attack(?:s|ed|ing)?|ambush(?:ed|es)?|"
    r"assault|bomb(?:s|ed|ing|ings|er|ers)?|explosions?|blasts?|explosives?|IEDs?|(?:air|drone)\s?strikes?|"
    r"struck|shell(?:ed|ing)|shot|gunmen|gunfire|kidnapp(?:ed|ing)|abduct(?:ed|ion|ing)|clash(?:es|ed)?|"
    r"stormed|raid(?:ed|s)?|massacre|beheaded|opened fire|fired|firing|targeted|hostages?"
)
SUICIDE = _family(r"suicide (?:bomb(?:er|ers|ing|ings)?|attacks?|attackers?|car bomb|vest)|wearing explosives|blew (?:himself|herself|themselves) up|explosive vest")
ATTACK_TYPES: list[tuple[str, re.Pattern[str]]] = [
    ("air_or_drone_strike", _family(r"(?:air|drone)\s?strikes?|airstrikes?|drones?|warplanes?|helicopter gunships?|aerial bombardment")),
    ("bombing", _family(r"bomb(?:s|ed|ing|ings)?|IEDs?|improvised explosive(?: devices?)?|explosive devices?|car bomb|landmines?|mines?|blasts?")),
    ("shelling", _family(r"shell(?:ed|ing)|mortars?|artillery|(?<!-)rockets?(?!-propelled)|missiles?")),
    ("kidnapping", _family(r"kidnapp(?:ed|ing)|abduct(?:ed|ion|ing)|hostages?|taken captive")),
    ("assassination", _family(r"assassinat(?:ed|ion)")),
    ("armed_assault", _family(r"gunmen|gunman|shot|shooting|opened fire|gunfire|stormed|ambush(?:ed|es)?|raid(?:ed|s)?|attacked|assault|massacre")),
    ("armed_clash", _family(r"clash(?:es|ed)?|fighting|battles?|exchanges? of fire|firefight")),
    ("arson_or_facility_attack", _family(r"burn(?:t|ed|ing)|set (?:fire|ablaze)|torched|arson|sabotage")),
]
WEAPONS: list[tuple[str, re.Pattern[str]]] = [
    ("firearms", _family(r"guns?|gunfire|gunmen|gunman|gunshots?|rifles?|shot|shooting|firing|opened fire|exchanges? of fire|AK-47s?")),
    ("explosives", _family(r"explosives?|explosions?|bomb(?:s|ed|ing|ings|er|ers)?|IEDs?|improvised explosive|grenades?|RPGs?|rocket-propelled grenades?|blasts?|landmines?|mines?")),
    ("drone", _family(r"drones?")),
    ("rockets_artillery", _family(r"(?<!-)rockets?(?!-propelled)|mortars?|artillery|shell(?:ed|ing)|missiles?")),
    ("incendiary", _family(r"burn(?:t|ed|ing)|set (?:fire|ablaze)|torched|arson|petrol bombs?|molotov")),
    ("melee", _family(r"knives|knife|machetes?|stabbed|stabbing|axes?|beheaded")),
    ("vehicle", _family(r"rammed|ramming|car-ramming")),
]
TARGETS: list[tuple[str, re.Pattern[str]]] = [
    ("military", _family(r"soldiers?|troops|army|military (?:base|camp|outpost|post|personnel|positions?|convoy|airport)|outposts?|barracks|regime forces|security forces|servicemen|patrols?")),
    ("police", _family(r"police(?:men|man)?|police (?:station|base|officers?)|gendarmes?|gendarmerie|officers")),
    ("government", _family(r"officials?|government (?:building|office)s?|governor|mayor|ministry|lawmakers?|district chief")),
    ("civilians", _family(r"civilians?|villagers?|residents|people|farmers?|passengers?|women|children|child|worshippers|shoppers|family|families|villages?|homes|houses")),
    ("aviation", _family(r"airports?|aircraft|airplanes?|planes?|jets?|air base|airbase|hangar")),
    ("infrastructure", _family(r"power (?:station|plant|lines?)|pipelines?|bridges?|telecom\w*|water supply|electricity")),
    ("religious", _family(r"mosques?|churche?s?|temples?|shrines?|imams?|priests?|pastors?|clerics?")),
    ("education", _family(r"schools?|students?|pupils|universit(?:y|ies)|teachers?")),
    ("journalists", _family(r"journalists?|reporters?|media workers?")),
    ("ngo", _family(r"aid workers?|NGOs?|humanitarian workers?|World Food Programme|UN staff")),
    ("business", _family(r"shops?|markets?|hotels?|banks?|businesses|traders?|mines?|factory|factories|trucks?")),
]
SUSPECTED = re.compile(r"\b(?:suspected|alleged|suspect|blamed|accused|believed to be)\b", re.I)
CLAIMED = re.compile(r"\bclaim(?:ed|s|ing)? (?:responsibility|the attack|an? (?:attack|operation))|\bresponsibility was claimed", re.I)
CLAIM = re.compile(r"\bclaim(?:s|ed|ing)? to have\b|\bclaim(?:s|ed)? (?:it|they) (?:had )?(?:killed|wounded)|\breported having\b", re.I)
AFFILIATION = re.compile(r"^[\s-]*(?:linked|affiliated|affiliate|inspired|allied|branch|offshoot|backed|funded|run)", re.I)
