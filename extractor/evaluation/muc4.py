"""MUC-4 benchmark adapter: the MUC-3/4 texts and answer keys as this project's `Article` and `GoldArticle`.

`load_split(DIR)` reads one split folder as shipped (dev, tst1, tst2): text and key files side by side, told apart by
content, any file-name case. Every message needs its templates and every template its message, else `GoldenError`.
Rules and measured counts in full: docs/muc4-mapping.md. Mapping (key slot -> gold field: rule):

  text dateline          -> Article.published   'PLACE, DD MMM YY (SOURCE) --': UTC midnight, 19YY; no year: the
                                                year closest to the previous message's date; NO DATE: null
  1 TEMPLATE, 5 STAGE    -> event_id, optional  '{id}-{n}'; '*': no incident; '(OPTIONAL)' or only THREATENED: optional
  2 DATE                 -> date, date_range    'D': date; 'D1 - D2': range; '- D': range D-60 days..D (MUC "recent");
                                                alternatives: hull of all, date = first alternative when exact
  3 LOCATION             -> country, region,    'COUNTRY: PLACE (TYPE): ...': region = first DEPARTMENT/PROVINCE/STATE/
                            location, alt_*     INTENDANCY; location = most specific other place; other names: alt_*
  4 TYPE (+7 INSTRUMENT) -> attack_type,        ATTACK: armed_assault + assassination, armed_clash, other, + bombing /
                            alt_attack_types    shelling / arson_or_facility_attack by instrument, AERIAL BOMB: main
                                                air_or_drone_strike; BOMBING: bombing + suicide_attack; KIDNAPPING:
                                                kidnapping; ARSON: arson_or_facility_attack; ROBBERY, FORCED WORK
                                                STOPPAGE, HIJACKING: other
  7 INSTRUMENT TYPE      -> weapons             INSTRUMENT_WEAPONS (guns: firearms, MORTAR/ROCKET: rockets_artillery,
                                                explosives, MOLOTOV/FIRE: incendiary, CUTTING DEVICE/STONE: melee)
  10, 11 PERP ORG        -> perpetrators,       name = first multi-word alternative without [..]; others: aliases;
                            perpetrator_aliases CONFIDENCE: CLAIMED OR ADMITTED: claimed, REPORTED AS FACT:
                                                reported_as_fact, SUSPECTED OR ACCUSED (BY AUTHORITIES), POSSIBLE:
                                                suspected; else unknown
  9 PERP INDIVIDUAL      -> perpetrators        only when no organisation, only fillers free of GENERIC_PERP_WORDS
                                                (named people and units), attribution unknown
  13, 20 TARGET TYPE     -> targets             PHYSICAL_TARGETS, HUMAN_TARGETS, refined by TARGET_KEYWORDS; one
                                                Target per type, its fillers joined as the description
  21 NUMBER, 23 EFFECT   -> killed, wounded,    sum of DEATH / INJURY rows (NO DEATH etc.: 0); KIDNAPPING: all rows
                            kidnapped           -> kidnapped. N, ~N: N..N; N-: N..null; -N: 1..N; PLURAL: 2..null;
                                                no number: 1..1 if named, else 1..null; '?' row: 0..max
  quoted fillers         -> evidence            up to 3 sentences of Article.text richest in fillers (EVIDENCE_WEIGHTS),
                                                else the first sentence of the body
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import NamedTuple, TypedDict, TypeVar

from pydantic import ValidationError

from extractor.errors import GoldenError
from extractor.models import (
    Article,
    AttackType,
    Attribution,
    Count,
    DateRange,
    GoldArticle,
    GoldIncident,
    Incident,
    Perpetrator,
    Target,
    TargetType,
    Weapon,
)

# fmt: off
INCIDENT_TYPES: dict[str, tuple[AttackType, ...]] = {  # main type first, then the alternatives the scorer accepts
    "ATTACK": ("armed_assault", "assassination", "armed_clash", "other"),
    "BOMBING": ("bombing", "suicide_attack"),
    "KIDNAPPING": ("kidnapping",),
    "ARSON": ("arson_or_facility_attack",),
    **dict.fromkeys(["ROBBERY", "FORCED WORK STOPPAGE", "HIJACKING"], ("other",)),
}
ATTACK_BY_WEAPON: dict[Weapon, AttackType] = {
    "explosives": "bombing", "rockets_artillery": "shelling", "incendiary": "arson_or_facility_attack",
}
INSTRUMENT_WEAPONS: dict[str, Weapon] = {
    **dict.fromkeys(["GUN", "MACHINE GUN", "HANDGUN", "RIFLE"], "firearms"),
    **dict.fromkeys(["MORTAR", "PROJECTILE", "MISSILE", "ROCKET"], "rockets_artillery"),
    **dict.fromkeys(["EXPLOSIVE", "BOMB", "VEHICLE BOMB", "DYNAMITE", "MINE", "AERIAL BOMB", "GRENADE"], "explosives"),
    **dict.fromkeys(["MOLOTOV COCKTAIL", "FIRE"], "incendiary"),
    **dict.fromkeys(["CUTTING DEVICE", "STONE"], "melee"),
    "TORTURE": "other",
}
PHYSICAL_TARGETS: dict[str, TargetType] = {
    "CIVILIAN RESIDENCE": "civilians", "TRANSPORT VEHICLE": "civilians", "COMMERCIAL": "business",
    "FINANCIAL": "business", "COMMUNICATIONS": "infrastructure", "ENERGY": "infrastructure", "WATER": "infrastructure",
    "TRANSPORTATION ROUTE": "infrastructure", "TRANSPORTATION FACILITY": "infrastructure",
    "DIPLOMAT OFFICE OR RESIDENCE": "government", "GOVERNMENT OFFICE OR RESIDENCE": "government",
    "POLITICAL FIGURE OFFICE OR RESIDENCE": "government", "LAW ENFORCEMENT FACILITY": "police",
    "ORGANIZATION OFFICE": "other", "OTHER": "other",
}
HUMAN_TARGETS: dict[str, TargetType] = {
    "CIVILIAN": "civilians", "SECURITY GUARD": "civilians", "FORMER ACTIVE MILITARY": "civilians",
    "DIPLOMAT": "government", "GOVERNMENT OFFICIAL": "government", "FORMER GOVERNMENT OFFICIAL": "government",
    "POLITICAL FIGURE": "government", "LEGAL OR JUDICIAL": "government", "LAW ENFORCEMENT": "police",
    "ACTIVE MILITARY": "military",
}
REFINABLE_TARGETS = frozenset({"civilians", "business", "infrastructure", "other"})
# Refine a REFINABLE_TARGETS type by words of the filler (first match wins): MUC-4 has no such target types.
TARGET_KEYWORDS: list[tuple[re.Pattern[str], TargetType]] = [
    (re.compile(r"\b(?:PRIESTS?|JESUITS?|NUNS?|BISHOPS?|ARCHBISHOP|CLERGY|CHURCH(?:ES)?|CATHEDRAL|CHAPEL|PARISH|"
                r"TEMPLES?|MSGR|MONSIGNOR|SEMINARIANS?|NUNCIO|MISSIONAR(?:Y|IES))\b", re.IGNORECASE), "religious"),
    (re.compile(r"\b(?:JOURNALISTS?|REPORTERS?|NEWSM[AE]N|NEWSPAPERS?|PHOTOGRAPHERS?|EDITORS?|RADIO|TELEVISION)\b",
                re.IGNORECASE), "journalists"),
    (re.compile(r"\b(?:STUDENTS?|TEACHERS?|SCHOOLS?|UNIVERSIT(?:Y|IES)|COLLEGE|PROFESSORS?)\b", re.IGNORECASE),
     "education"),
    (re.compile(r"\b(?:AIRPLANES?|AIRCRAFT|PLANES?|AIRLINER|HELICOPTERS?|AIRPORT)\b", re.IGNORECASE), "aviation"),
]
CONFIDENCE: dict[str, Attribution] = {
    "CLAIMED OR ADMITTED": "claimed", "REPORTED AS FACT": "reported_as_fact", "SUSPECTED OR ACCUSED": "suspected",
    "SUSPECTED OR ACCUSED BY AUTHORITIES": "suspected", "POSSIBLE": "suspected",
}
# A slot-9 filler with one of these words (in any alternative) is a description, not a named actor.
GENERIC_PERP_WORDS = frozenset(re.findall(r"[\w'-]+", (
    "A AN THE ONE SOME SEVERAL TWO THREE FOUR FIVE SIX TEN THIRD FOURTH MAN MEN WOMAN GUNMAN GUNMEN PERSON PERSONS "
    "PEOPLE INDIVIDUAL INDIVIDUALS SOMEONE ANONYMOUS COUPLE YOUNG FAMILY UNIDENTIFIED UNKNOWN ARMED HOODED HIRED GROUP "
    "GROUPS MEMBER MEMBERS ORGANIZATION SECTORS ENTERPRISES PROFESSIONALS CIVILIANS COLOMBIANS LEADER LEADERS "
    "TERRORIST TERRORISTS NARCOTERRORISTS NARCO-TERRORISTS GUERRILLA GUERRILLAS REBELS SUBVERSIVES SUBVERISVE "
    "COMMANDO COMMANDOS COMMANDOES COLUMN COLUMNS EXTREME EXTREMIST EXTREMISTS RIGHT RIGHTIST ULTRARIGHTISTS "
    "RIGHT-WINGERS DISSIDENTS DEMONSTRATORS COLLABORATORS MILITARY PARAMILITARY SOLDIERS TROOPS PATROL PATROLS "
    "LIEUTENANT LIEUTENANTS OFFICER OFFICERS SECURITY FORCES ASSAILANTS ATTACKERS ASSASSIN ASSASSINS MURDERERS "
    "SLAYERS KIDNAPPERS CRIMINALS HOLDUP SUSPECTS TRAFFICKERS TRAFFICKING DEALERS MAFIA CARTEL CAPOS BARONS "
    "SQUADS"
)))
REGION_TYPES = frozenset({"DEPARTMENT", "PROVINCE", "STATE", "INTENDANCY", "COMMISSARY", "OFFICIAL REGION"})
# The taskdoc's set-list-foreign-nation.v5: the country names of the LOCATION slot.
COUNTRIES = frozenset(re.findall("[^|]+", (
    "AFGHANISTAN|ALBANIA|ANGOLA|ARGENTINA|AUSTRALIA|AUSTRIA|BAHAMAS|BANGLADESH|BARBADOS|BELGIUM|BELIZE|BOLIVIA|"
    "BRAZIL|BULGARIA|CAICOS ISLANDS|CANADA|CHILE|COLOMBIA|COSTA RICA|CUBA|CZECHOSLOVAKIA|DEMOCRATIC PEOPLES REP OF "
    "KOREA|DENMARK|DOMINICAN REPUBLIC|EAST GERMANY|ECUADOR|EGYPT|EL SALVADOR|FINLAND|FRANCE|GRENADA|GUATEMALA|HAITI|"
    "HONDURAS|HUNGARY|IRAN|IRAQ|ISRAEL|ITALY|JAMAICA|JAPAN|LEBANON|LIBYA|LUXEMBOURG|MALTA|MEXICO|MOROCCO|NETHERLANDS|"
    "NICARAGUA|NIGERIA|NORWAY|PAKISTAN|PANAMA|PARAGUAY|PEOPLES REP OF CHINA|PERU|PHILIPPINES|POLAND|REPUBLIC OF "
    "CHINA|REPUBLIC OF KOREA|REPUBLIC OF SOUTH AFRICA|ROMANIA|SPAIN|SWEDEN|SWITZERLAND|TRINIDAD AND TOBAGO|TURKS "
    "ISLANDS|UNITED KINGDOM|UNITED STATES|URUGUAY|USSR|VATICAN CITY|VENEZUELA|VIETNAM|WEST GERMANY|YUGOSLAVIA"
)))
COUNTRY_FIXES = {"GUATAMALA": "GUATEMALA"}  # misspellings found in the keys
RECENT_DAYS = 60  # '- D' ("on or before D") reaches back this far: MUC-4's "recent" and the codebook's window
EVIDENCE_WEIGHTS = {12: 2, 18: 2, 19: 2, 6: 1, 9: 1, 10: 1, 3: 1}  # slot -> weight of its fillers in evidence
OUT_OF_SCOPE_TARGETS = frozenset({"military"})
# Slot 23 effect -> the fields it speaks for: True adds the row's number, False states none (adds 0).
EFFECTS: dict[str, dict[str, bool]] = {
    "DEATH": {"killed": True}, "INJURY": {"wounded": True}, "NO DEATH": {"killed": False},
    "NO INJURY": {"wounded": False}, "NO INJURY OR DEATH": {"killed": False, "wounded": False},
}

_KEY_SLOT = re.compile(r"^(\d+)\.\s+[A-Z ]+?:[A-Z ]+?(?:\s{2,}(.*?))?\s*$", re.IGNORECASE)
_KEY_FILE = re.compile(r"^0\.\s+MESSAGE:\s+ID\b", re.MULTILINE | re.IGNORECASE)
_MESSAGE_ID = re.compile(r"^([A-Z0-9]+-MUC\d-\d{4})\b.*$", re.MULTILINE | re.IGNORECASE)
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_DAY_MONTH = re.compile(r"\b(\d{1,2})\s+([A-Z]{3})[A-Z]*\.?(?:\s+(\d{2}))?\b", re.IGNORECASE)
_MONTH_DAY = re.compile(r"\b([A-Z]{3})[A-Z]*\s+(\d{1,2})(?:\s+(\d{2}))?\b", re.IGNORECASE)
_MONTHS = {name.upper(): i for i, name in enumerate(calendar.month_abbr) if name}
_HEADER = re.compile(r"[^\n]*?--\s*(?:\[[^\]]*\]\s*)*")  # dateline up to '--' and the [TEXT]-like brackets after it
_BOUNDARY = re.compile(r"(?<=[.!?])([\"'\])]*)\s+|\n\n")
_ABBREVIATION = re.compile(  # a period after these does not end a sentence
    r"\b(?:[A-Z]|MR|MRS|MS|DR|GEN|COL|LT|SGT|CAPT|MAJ|ST|NO|MSGR|GOV|SEN|REP|JR|SR|INC|CO|LTD|PROF|REV|MT)\.$",
    re.IGNORECASE,
)
_LOWER_WORDS = frozenset({"DE", "DEL", "LA", "LAS", "LOS", "EL", "Y", "OF", "THE", "AND"})
# fmt: on
T = TypeVar("T")
Template = dict[int, list[str]]  # slot number -> its raw lines


@dataclass
class Muc4Split:
    """One split: articles in message-id order, gold keyed by message id in the same order, data notes."""

    name: str
    articles: list[Article]
    gold: dict[str, GoldArticle]
    warnings: list[str] = field(default_factory=list)


class _Fill(NamedTuple):
    """One filler line of a slot: its set-fill alternatives and its quoted strings (alternatives or referent)."""

    values: tuple[str, ...]
    strings: tuple[str, ...]
    optional: bool

    @property
    def value(self) -> str:
        return self.values[0] if self.values else ""

    @property
    def ref(self) -> str:
        return self.strings[0] if self.strings else "-"


class _Place(TypedDict):
    country: str | None
    region: str | None
    location: str | None
    alt_countries: list[str]
    alt_regions: list[str]
    alt_locations: list[str]


def _depth(char: str) -> int:
    return (char == "(") - (char == ")")


def _split_top(text: str, sep: str) -> list[str]:
    """Split on `sep` outside parentheses; empty parts dropped."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        depth += _depth(text[i])
        if depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            i = start = i + len(sep)
        else:
            i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _unwrap(text: str) -> str:
    """'? (A (B))' -> 'A (B)', but '(A) / (B)' unchanged: drops optional-filler marks and enclosing parentheses."""
    text = text.strip().lstrip("?").strip()
    while text[:1] == "(" and text[-1:] == ")" and 0 not in list(accumulate(map(_depth, text)))[:-1]:
        text = text[1:-1].strip().lstrip("?").strip()
    return text


def _alternatives(text: str) -> tuple[str, ...]:
    """'A / (B) / -' -> ('A', 'B'): the ' / '-separated alternatives, nulls dropped."""
    return tuple(a for a in map(_unwrap, _split_top(_unwrap(text), "/")) if a not in ("", "-", "*"))


def _quoted(text: str) -> tuple[str, ...]:
    return tuple(" ".join(s.replace('\\"', '"').split()) for s in _QUOTED.findall(text))


def _fill(line: str) -> _Fill:
    """'? CIVILIAN / LAW ENFORCEMENT: "PERSONS"' -> values (CIVILIAN, LAW ENFORCEMENT), strings (PERSONS,), optional."""
    optional, line = line.lstrip().startswith("?"), line.strip().lstrip("?").strip()
    if tie := re.search(r'"\s*:\s*"', line):  # a quoted value tied to a referent: '"MAYOR": "CASTELLAR"'
        return _Fill(_quoted(line[: tie.start() + 1]), _quoted(line[tie.end() - 1 :]), optional)
    head, quote, _ = line.partition('"')
    if quote:
        return _Fill(_alternatives(head.rstrip().rstrip(":")), _quoted(line), optional)
    value, _, ref = line.partition(":")  # an unquoted referent, e.g. 'GUN: -'
    return _Fill(_alternatives(value), (ref.strip(),) if ref.strip() not in ("", "-") else (), optional)


def _mapped(values: Iterable[str], table: Mapping[str, T], what: str, notes: list[str]) -> list[T]:
    """The table's values for `values`; an unknown value is noted and skipped."""
    notes += [f"{what} {v!r} not mapped" for v in values if v and v not in table]
    return [table[v] for v in values if v in table]


def _title(name: str) -> str:
    """'SAN LUIS DE LA REINA' -> 'San Luis de la Reina'."""
    return " ".join(
        w.lower() if i and w.upper() in _LOWER_WORDS else "-".join(p[:1].upper() + p[1:].lower() for p in w.split("-"))
        for i, w in enumerate(name.split())
    )


def _day(text: str, anchor: dt.date | None) -> dt.date | None:
    """One date ('3 JAN 90', 'JUNE 11 89', '11 NOV'), 19YY. With an anchor, a missing year, or a year putting
    the date after the anchor (key typos such as '16 NOV 90' in a January 1990 report), becomes the year
    putting the date closest to the anchor."""
    if m := _DAY_MONTH.search(text):
        day, month, year = m.groups()
    elif m := _MONTH_DAY.search(text):
        month, day, year = m.groups()
    else:
        return None
    number = _MONTHS.get(month.upper())
    if number is None or not 1 <= int(day) <= 31:
        return None

    def on(y: int) -> dt.date:
        return dt.date(y, number, min(int(day), calendar.monthrange(y, number)[1]))

    if year and (anchor is None or on(1900 + int(year)) <= anchor):
        return on(1900 + int(year))
    if anchor is None:
        return None
    return min((on(y) for y in range(anchor.year - 1, anchor.year + 2)), key=lambda d: abs((d - anchor).days))


def _dates(text: str, anchor: dt.date | None) -> tuple[str | None, DateRange | None] | None:
    """Slot 2 to (date, date_range); None when no alternative parses."""
    spans: list[tuple[dt.date | None, dt.date, dt.date]] = []
    for alt in _alternatives(text):
        ends = [d for part in re.split(r"\s+-\s+", alt.lstrip("- ")) if (d := _day(part, anchor))]
        if ends and alt.startswith("-"):  # on or before
            spans.append((None, ends[-1] - dt.timedelta(days=RECENT_DAYS), ends[-1]))
        elif len(ends) == 2:
            spans.append((None, min(ends), max(ends)))
        elif ends:
            spans.append((ends[0], ends[0], ends[0]))
    if not spans:
        return None
    exact, earliest, latest = spans[0][0], min(s[1] for s in spans), max(s[2] for s in spans)
    if exact and earliest == latest:
        return exact.isoformat(), None
    return (exact.isoformat() if exact else None), DateRange(earliest=earliest.isoformat(), latest=latest.isoformat())


def _place(text: str) -> tuple[str, set[str]]:
    """'SAN MIGUEL (DEPARTMENT)' -> ('SAN MIGUEL', {'DEPARTMENT'})."""
    m = re.fullmatch(r"(.*?)\s*\((.*)\)", text)
    return (m.group(1), {t.strip() for t in m.group(2).split("/")}) if m else (text, set())


def _parse_location(value: str) -> list[tuple[str, list[list[tuple[str, set[str]]]]]]:
    """Slot 3 alternatives as (country, levels); a level holds several places when 'A (CITY) - B (CITY)'."""
    return [
        (head, [[_place(p) for p in _split_top(level, " - ")] for level in levels])
        for head, *levels in (_split_top(alt, ":") for alt in _alternatives(value))
    ]


def _location(value: str, notes: list[str]) -> _Place:
    """Slot 3 to country/region/location (from the first alternative) and every other name as alt_*."""
    countries: list[str | None] = []
    regions: list[str | None] = []
    places: list[str] = []
    mains: list[tuple[str | None, str | None, str | None]] = []
    for head, levels in _parse_location(value):
        country: str | None = COUNTRY_FIXES.get(head, head)
        if country not in COUNTRIES:
            notes.append(f"country {head!r} not in the set list, dropped")
            country = None
        region, specific = None, None
        for level in levels:
            names = []
            for name, types in level:
                if region is None and types and types <= REGION_TYPES:
                    region = name
                    continue
                names.append(name)
                regions += [name] if types & REGION_TYPES else []  # e.g. USULUTAN (CITY / DEPARTMENT)
            places += names
            specific = names[0] if names else specific
        countries.append(country)
        regions.append(region)
        mains.append((country, region, specific))
    country, region, location = (_title(n) if n else None for n in (mains or [(None, None, None)])[0])

    def others(names: Iterable[str | None], chosen: str | None) -> list[str]:
        return list(dict.fromkeys(_title(n) for n in names if n and _title(n) != chosen))

    return _Place(
        country=country,
        region=region,
        location=location,
        alt_countries=others(countries, country),
        alt_regions=others(regions, region),
        alt_locations=others(places, location),
    )


def _count(alternatives: Iterable[str]) -> Count | None:
    """Slot 21 number (its alternatives) to a Count: the hull of the alternatives."""
    lows: list[int] = []
    highs: list[int | None] = []
    for alt in (a.replace(" ", "") for a in alternatives):
        if alt == "PLURAL":
            lows.append(2)
            highs.append(None)
        elif (m := re.fullmatch(r"~?(\d*)(-?)(\d*)", alt)) and (m[1] or m[3]):  # N, ~N, N-, -N, N-M
            lows.append(int(m[1]) if m[1] else 1)
            highs.append(int(m[3]) if m[3] else None if m[2] else lows[-1])
    if not lows:
        return None
    return Count(min=min(lows), max=None if None in highs else max(h for h in highs if h is not None))


def _add(a: Count | None, b: Count) -> Count:
    if a is None:
        return b
    return Count(min=a.min + b.min, max=None if a.max is None or b.max is None else a.max + b.max)


def _human_counts(slots: Mapping[int, list[_Fill]], rows: list[_Fill], notes: list[str]) -> list[Count]:
    """A Count per human-target row (an effect or type line), paired with the number lines of the same referent."""
    numbers: dict[str, list[Count]] = defaultdict(list)
    for f in (f for f in slots[21] if f.value):
        if (n := _count(f.values)) is None:
            notes.append(f"number {' / '.join(f.values)!r} not understood")
        numbers[f.ref].append(n or Count(min=1, max=None))
    named, per_ref = {f.ref for f in slots[18]}, Counter(f.ref for f in rows)
    seen: Counter[str] = Counter()
    counts = []
    for row in rows:
        nums, k = numbers.get(row.ref, []), seen[row.ref]
        seen[row.ref] += 1
        if len(nums) == per_ref[row.ref]:
            counts.append(nums[k])
        elif len(nums) == 1:  # one number for a group with several effects: at least one, at most the group
            counts.append(Count(min=min(1, nums[0].min), max=nums[0].max))
        else:
            counts.append(Count(min=1, max=1 if row.ref in named else None))
    return counts


def _casualties(slots: Mapping[int, list[_Fill]], notes: list[str]) -> dict[str, Count | None]:
    """killed and wounded from the effect rows, kidnapped (KIDNAPPING only) from the human-target rows."""
    result: dict[str, Count | None] = {"killed": None, "wounded": None, "kidnapped": None}
    for row, count in zip(slots[23], _human_counts(slots, slots[23], notes), strict=True):
        count = Count(min=0, max=count.max) if row.optional else count  # '?': the key is unsure of this row
        for name, adds in EFFECTS.get(row.value, {}).items():
            result[name] = _add(result[name], count if adds else Count(min=0, max=0))
    if any(f.value == "KIDNAPPING" for f in slots[4]):
        for count in _human_counts(slots, slots[20], notes):
            result["kidnapped"] = _add(result["kidnapped"], count)
    return result


def _targets(slots: Mapping[int, list[_Fill]], notes: list[str]) -> list[Target]:
    """One Target per project type; the description joins the fillers (a named person with the role, if given)."""
    roles = {f.ref: f.value for f in slots[19] if f.values}
    by_type: dict[TargetType, list[str]] = defaultdict(list)
    for slot, table, what in ((13, PHYSICAL_TARGETS, "physical target type"), (20, HUMAN_TARGETS, "human target type")):
        for f in slots[slot]:
            for kind in _mapped([f.value], table, what, notes):
                description = f.ref if f.ref != "-" else f.value
                description += f" ({roles[f.ref]})" if slot == 20 and f.ref in roles else ""
                if kind in REFINABLE_TARGETS:
                    kind = next((k for pattern, k in TARGET_KEYWORDS if pattern.search(description)), kind)
                if description not in by_type[kind]:
                    by_type[kind].append(description)
    return [Target(type=kind, description="; ".join(descs)) for kind, descs in by_type.items()]


def _perpetrators(slots: Mapping[int, list[_Fill]], notes: list[str]) -> tuple[list[Perpetrator], dict[str, list[str]]]:
    """Organisations (slot 10) with their confidence (slot 11); without any, the non-generic individuals (slot 9)."""
    confidence = {s: f.value for f in slots[11] for s in f.strings}
    perps: dict[str, Attribution] = {}
    aliases: dict[str, list[str]] = defaultdict(list)
    for f in (f for f in slots[10] if f.strings):
        names = [" ".join(re.sub(r"\[[^\]]*\]", " ", s).split()) or s for s in f.strings]
        name = next((n for n in names if " " in n), names[0])  # the full name rather than the acronym
        value = next((confidence[s] for s in f.strings if s in confidence), "")
        perps.setdefault(name, (_mapped([value], CONFIDENCE, "confidence", notes) or ["unknown"])[0])
        aliases[name] += [s for s in f.strings if s != name and s not in aliases[name]]
    for f in slots[9] if not perps else ():
        if f.strings and not any(GENERIC_PERP_WORDS & set(re.findall(r"[\w'-]+", s)) for s in f.strings):
            perps.setdefault(f.strings[0], "unknown")
            aliases[f.strings[0]] += f.strings[1:]
    return [Perpetrator(name=n, attribution=a) for n, a in perps.items()], {n: a for n, a in aliases.items() if a}


def _attack_types(slots: Mapping[int, list[_Fill]], weapons: list[Weapon], notes: list[str]) -> list[AttackType]:
    """Main attack type first, then the accepted alternatives."""
    kinds = slots[4][0].values if slots[4] else ()
    types = [t for mapped in _mapped(kinds, INCIDENT_TYPES, "incident type", notes) for t in mapped]
    if kinds and kinds[0] == "ATTACK":
        if any(f.value == "AERIAL BOMB" for f in slots[7]):
            types.insert(0, "air_or_drone_strike")
        types += [ATTACK_BY_WEAPON[w] for w in weapons if w in ATTACK_BY_WEAPON]
    return list(dict.fromkeys(types)) or ["unknown"]


def _sentences(text: str, start: int) -> list[tuple[int, int]]:
    """(start, end) of each sentence of text[start:], abbreviations ('U.S.', 'MR.') not ending one."""
    spans, begin = [], start
    for m in _BOUNDARY.finditer(text, start):
        if "\n\n" not in m.group() and _ABBREVIATION.search(text, begin, m.start()):
            continue
        if (end := m.start() + len(m.group(1) or "")) > begin:
            spans.append((begin, end))
        begin = m.end()
    return spans + ([(begin, len(text.rstrip()))] if text[begin:].strip() else [])


def _evidence(text: str, sentences: list[tuple[int, int]], groups: list[tuple[int, tuple[str, ...]]]) -> list[str]:
    """Up to 3 sentences with the highest weight of filler groups (weight, alternatives) found, in text order."""
    phrase = r"(?<!\w)(?:{})(?!\w)".format
    patterns = [
        (weight, re.compile(phrase("|".join(r"\s+".join(map(re.escape, s.split())) for s in usable)), re.IGNORECASE))
        for weight, group in groups
        if (usable := [s for s in group if sum(c.isalnum() for c in s) >= 3])
    ]
    scored = [(sum(w for w, p in patterns if p.search(text, a, b)), a, b) for a, b in sentences]
    best = sorted((s for s in scored if s[0]), key=lambda s: (-s[0], s[1]))[:3] or [(0, *sentences[0])]
    return [text[a:b] for _, a, b in sorted(best, key=lambda s: s[1])]


def _gold_incident(
    article: Article, number: str, template: Template, sentences: list[tuple[int, int]], notes: list[str]
) -> GoldIncident:
    """One key template as a GoldIncident; anything not mapped is noted in `notes`."""
    raw: Template = defaultdict(lambda: [""], template)
    slots: dict[int, list[_Fill]] = defaultdict(
        list,
        {n: [_fill(line) for line in lines if _unwrap(line) not in ("", "-", "*")] for n, lines in template.items()},
    )
    date_text = raw[2][0] if raw[2][0] not in ("-", "*", "") else None
    parsed = _dates(date_text, article.published.date() if article.published else None) if date_text else None
    if date_text and parsed is None:
        notes.append(f"date {date_text!r} not understood")
    place = _location(raw[3][0], notes)
    weapons = list(dict.fromkeys(_mapped([f.value for f in slots[7]], INSTRUMENT_WEAPONS, "instrument", notes)))
    attack_type, *alt_types = _attack_types(slots, weapons, notes)
    perpetrators, aliases = _perpetrators(slots, notes)
    casualties = _casualties(slots, notes)
    stages = slots[5][0].values if slots[5] else ()
    stage = f"{stages[0]} " if stages and stages[0] != "ACCOMPLISHED" else ""
    where = ", ".join(p for p in (place["location"] or place["region"], place["country"]) if p) or "an unknown place"
    groups = [(w, f.strings) for s, w in EVIDENCE_WEIGHTS.items() for f in slots[s] if s != 3]
    groups += [
        (EVIDENCE_WEIGHTS[3], (name,))
        for _, levels in _parse_location(raw[3][0])
        for level in levels
        for name, _ in level
    ]
    return GoldIncident(
        summary=f"{stage}{slots[4][0].value if slots[4] else 'INCIDENT'} in {where}", date_text=date_text,
        date=parsed[0] if parsed else None, date_range=parsed[1] if parsed else None, **place,
        attack_type=attack_type, alt_attack_types=alt_types, suicide=False, perpetrators=perpetrators,
        perpetrator_aliases=aliases, targets=_targets(slots, notes), weapons=weapons, killed=casualties["killed"],
        wounded=casualties["wounded"], kidnapped=casualties["kidnapped"], perpetrators_killed=None, claims=[],
        evidence=_evidence(article.text, sentences, groups), primary=True, event_id=f"{article.id}-{number}",
        optional="OPTIONAL" in raw[1][0] or set(stages) == {"THREATENED"},
    )  # fmt: skip


def _templates(content: str) -> Iterator[Template]:
    """Each template of a key file (comment lines skipped, continuation lines appended to their slot)."""
    slots: Template = {}
    current = None
    for line in content.splitlines():
        if not line.strip() or line.lstrip().startswith(";"):
            continue
        if m := _KEY_SLOT.match(line):
            current = int(m.group(1))
            if current == 0 and slots:
                yield slots
                slots = {}
            slots.setdefault(current, []).append((m.group(2) or "").strip())
        elif current is not None and line[:1].isspace():
            slots[current].append(line.strip())
    if slots:
        yield slots


def _article(message_id: str, raw: str, previous: dt.date | None) -> tuple[Article, int]:
    """The Article and the offset where its body starts (after the dateline and its header brackets)."""
    paragraphs = (
        " ".join(line.strip() for line in block.splitlines() if line.strip()) for block in re.split(r"\n\s*\n", raw)
    )
    text = "\n\n".join(p for p in paragraphs if p)
    header = _HEADER.match(text)
    when = text[: text.find("--")].split(",", 1)[-1] if header else "NO DATE"
    day = None if "NO DATE" in when.upper() else _day(when, None) or _day(when, previous)
    published = dt.datetime.combine(day, dt.time(), dt.timezone.utc) if day else None
    start = header.end() if header else 0
    title = " ".join(text[start:].split()[:10]) or message_id
    return Article(id=message_id, title=title, published=published, text=text), start


def _gold_article(
    article: Article, start: int, key_name: str, templates: list[Template], warnings: list[str]
) -> GoldArticle:
    """The message's templates as gold incidents; `*` templates (no relevant incident) give none."""
    sentences = _sentences(article.text, start) or [(0, len(article.text))]
    incidents = []
    for template in templates:
        number = ((template.get(1) or [""])[0].split() or ["*"])[0]
        if number == "*":
            continue
        notes: list[str] = []
        try:
            incidents.append(_gold_incident(article, number, template, sentences, notes))
        except ValidationError as exc:
            raise GoldenError(f"{key_name}: {article.id} template {number}: {exc.errors()[0]['msg']}") from exc
        warnings += [f"{article.id}-{number}: {note}" for note in notes]
    return GoldArticle(article_id=article.id, title=article.title, incidents=incidents)


def load_split(directory: str | Path) -> Muc4Split:
    """Read one MUC-4 split folder (text and key files, any names) into articles and gold, in message-id order."""
    root = Path(directory)
    if not root.is_dir():
        raise GoldenError(f"{root}: not a directory")
    texts: dict[str, tuple[str, str]] = {}
    keys: dict[str, tuple[str, list[Template]]] = {}
    warnings: list[str] = []
    for path in sorted((p for p in root.iterdir() if p.is_file()), key=lambda p: p.name.lower()):
        content = path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
        if _KEY_FILE.search(content):
            for template in _templates(content):
                message_id = ((template.get(0) or [""])[0].split() or [""])[0].upper()
                keys.setdefault(message_id, (path.name, []))[1].append(template)
        elif marks := list(_MESSAGE_ID.finditer(content)):
            for m, end in zip(marks, [n.start() for n in marks[1:]] + [len(content)], strict=True):
                if (message_id := m.group(1).upper()) in texts:
                    raise GoldenError(f"{path.name}: message {message_id} appears twice")
                texts[message_id] = (path.name, content[m.end() : end])
        else:
            warnings.append(f"{path.name}: neither messages nor templates, ignored")
    for message_id in sorted(texts.keys() ^ keys.keys()):
        if message_id in texts:
            raise GoldenError(f"{texts[message_id][0]}: message {message_id} has no template in any key file")
        raise GoldenError(f"{keys[message_id][0]}: templates for {message_id!r} but no such message in the text files")
    articles: list[Article] = []
    gold: dict[str, GoldArticle] = {}
    for message_id in sorted(texts):
        previous = articles[-1].published.date() if articles and articles[-1].published else None
        article, start = _article(message_id, texts[message_id][1], previous)
        articles.append(article)
        gold[message_id] = _gold_article(article, start, *keys[message_id], warnings)
    return Muc4Split(name=root.name, articles=articles, gold=gold, warnings=warnings)


def stratified_sample(split: Muc4Split, n: int, seed: int) -> list[str]:
    """n message ids drawn with random.Random(seed), relevant (a non-optional incident) and irrelevant messages in
    their split proportions, returned in split order."""
    ids = list(split.gold)
    if not 0 <= n <= len(ids):
        raise ValueError(f"cannot sample {n} of {len(ids)} messages")
    is_relevant = {i: any(not g.optional for g in split.gold[i].incidents) for i in ids}
    relevant, irrelevant = [i for i in ids if is_relevant[i]], [i for i in ids if not is_relevant[i]]
    n_relevant = min(len(relevant), max(n - len(irrelevant), round(n * len(relevant) / len(ids)) if ids else 0))
    rng = random.Random(seed)
    chosen = set(rng.sample(relevant, n_relevant)) | set(rng.sample(irrelevant, n - n_relevant))
    return [i for i in ids if i in chosen]


def in_muc_scope(incident: Incident) -> bool:
    """Whether a predicted incident is of a kind MUC-4 templates: terrorist acts and state violence against
    civilians, officials and facilities. Rule: not an `armed_clash` (guerrilla-army combat), and not an attack
    whose targets are all of a type in OUT_OF_SCOPE_TARGETS (purely military targets). No targets: in scope."""
    if incident.attack_type == "armed_clash":
        return False
    return not incident.targets or any(t.type not in OUT_OF_SCOPE_TARGETS for t in incident.targets)
