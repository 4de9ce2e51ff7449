"""Countries and first-level regions named in text (pycountry, plus common demonyms and short forms)."""

from __future__ import annotations

import functools
import re

import pycountry

from ..text.phrases import PhraseMatcher, find_phrases, phrase_key, word_pattern

ARABIC_ARTICLE = re.compile(r"^(?:al|an|ar|as|ad|at|ash|az) ")  # a leading article of a folded name
_COUNTRY_ALIASES = {
    "Afghan": "AF",
    "Malian": "ML",
    "Nigerian": "NG",
    "Nigerien": "NE",
    "Syrian": "SY",
    "Iraqi": "IQ",
    "Turkish": "TR",
    "Turkey": "TR",
    "Somali": "SO",
    "Sudanese": "SD",
    "Yemeni": "YE",
    "Pakistani": "PK",
    "Indian": "IN",
    "Burkinabe": "BF",
    "Burkina": "BF",
    "Congolese": "CD",
    "DRC": "CD",
    "DR Congo": "CD",
    "Democratic Republic of Congo": "CD",
    "Democratic Republic of the Congo": "CD",
    "Cameroonian": "CM",
    "Chadian": "TD",
    "Mozambican": "MZ",
    "Ethiopian": "ET",
    "Kenyan": "KE",
    "Libyan": "LY",
    "Egyptian": "EG",
    "Israeli": "IL",
    "Palestinian": "PS",
    "Palestine": "PS",
    "Gaza": "PS",
    "West Bank": "PS",
    "Lebanese": "LB",
    "Iranian": "IR",
    "Russia": "RU",
    "Russian": "RU",
    "Ukrainian": "UA",
    "Colombian": "CO",
    "Mexican": "MX",
    "Filipino": "PH",
    "Philippine": "PH",
    "Burmese": "MM",
    "Burma": "MM",
    "Bangladeshi": "BD",
    "Beninese": "BJ",
    "Togolese": "TG",
    "Ivorian": "CI",
    "Ivory Coast": "CI",
    "Mauritanian": "MR",
    "Algerian": "DZ",
    "Tunisian": "TN",
    "Moroccan": "MA",
    "Saudi": "SA",
    "Jordanian": "JO",
    "Haitian": "HT",
    "Central African Republic": "CF",
    "South Sudanese": "SS",
    "Ugandan": "UG",
    "Rwandan": "RW",
    "Burundian": "BI",
    "Ghanaian": "GH",
    "Senegalese": "SN",
    "Nepalese": "NP",
    "Thai": "TH",
    "Indonesian": "ID",
    "Britain": "GB",
    "UK": "GB",
    "US": "US",
    "USA": "US",
    "Tanzanian": "TZ",
    "Salvadoran": "SV",
    "Salvadorean": "SV",
    "Guatemalan": "GT",
    "Honduran": "HN",
    "Nicaraguan": "NI",
    "Costa Rican": "CR",
    "Panamanian": "PA",
    "Venezuelan": "VE",
    "Ecuadoran": "EC",
    "Ecuadorian": "EC",
    "Peruvian": "PE",
    "Bolivian": "BO",
    "Chilean": "CL",
    "Argentine": "AR",
    "Argentinian": "AR",
    "Uruguayan": "UY",
    "Paraguayan": "PY",
    "Brazilian": "BR",
    "Cuban": "CU",
}
_COUNTRY_NAMES = {"RU": "Russia", "CD": "DR Congo", "PS": "Palestine", "TR": "Turkey", "CI": "Ivory Coast"}
_FOREIGN = re.compile(r"^-(?:based|backed|linked|led|funded|allied)", re.IGNORECASE)


def country_name(code: str) -> str:
    """Display name of a country: the common English name."""
    country = pycountry.countries.get(alpha_2=code)
    return _COUNTRY_NAMES.get(code) or getattr(country, "common_name", None) or country.name


@functools.cache
def _country_table() -> tuple[dict[str, str], PhraseMatcher]:
    """Normalised country name or alias -> alpha_2, from pycountry plus the short alias list."""
    table: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            name = getattr(country, attr, None)
            if name and "," not in name:
                table.setdefault(phrase_key(name), country.alpha_2)
    for alias, code in _COUNTRY_ALIASES.items():
        table[phrase_key(alias)] = code
    return table, word_pattern(table)


@functools.cache
def _region_table(code: str) -> tuple[dict[str, str], PhraseMatcher | None]:
    """Normalised first-level subdivision name (also without a leading 'al') -> its pycountry name."""
    table: dict[str, str] = {}
    for sub in pycountry.subdivisions.get(country_code=code) or []:
        if sub.parent_code is None:
            key = phrase_key(sub.name)
            for variant in (key, ARABIC_ARTICLE.sub("", key)):
                if len(variant) >= 3:
                    table.setdefault(variant, sub.name)
    return table, word_pattern(table) if table else None


def _mentions(text: str, table: dict[str, str], pattern: PhraseMatcher) -> list[tuple[str, int, int]]:
    return [
        (table[key], start, end)
        for key, start, end in find_phrases(text, pattern)
        if text[start].isupper() and not _FOREIGN.match(text[end : end + 8])
    ]


_IN_PLACE = re.compile(r"\b(?:in|inside|across|near|of)\s+(?:\S+\s+){0,2}$", re.IGNORECASE)


def in_place(text: str, start: int) -> bool:
    """True when the mention at `start` reads as a location ("in Iraq's north", "in the Afghan capital")."""
    return bool(_IN_PLACE.search(text[max(0, start - 40) : start]))


def find_countries(text: str) -> list[tuple[str, int, int]]:
    """(alpha_2, start, end) of every country name, alias or demonym in `text` (capitalised mentions only); not
    the end of a longer name ("New Jersey", "New Mexico": US states, not Jersey or Mexico)."""
    return [hit for hit in _mentions(text, *_country_table()) if not _NEW.search(text[max(0, hit[1] - 4) : hit[1]])]


_NEW = re.compile(r"\bNew\s$")
# Countries whose first-level divisions analysts name without the country ("a shooting in Rhode Island", "in
# Manipur", "in Zamfara"): found by their bare names anywhere (`find_regions_anywhere`).
WELL_KNOWN_REGIONS = ("US", "IN", "NG")
# Bare names that often mean something else: a government, a country, a river, an airline, a word, a first name.
_NOT_BARE = frozenset({"washington", "georgia", "delta", "plateau", "niger", "rivers", "cross river", "imo", "edo",
                       "abia", "oyo", "ogun", "osun", "ondo", "goa", "delhi", "indiana", "virginia", "carolina",
                       "dakota", "montana"})  # fmt: skip
_CUE_AFTER = re.compile(r"^\s+(?:State|state|Province|province|Region|region|Governorate|governorate|Oblast|oblast"
                        r"|Prefecture|prefecture|Department|department)\b")  # fmt: skip
_CUE_BEFORE = re.compile(r"\b(?:[Ss]tate|[Pp]rovince|[Rr]egion|[Gg]overnorate) of\s+(?:the\s+)?$")


@functools.cache
def _world_region_table() -> tuple[dict[str, dict[str, str]], PhraseMatcher]:
    """Normalised first-level division name (also without a leading 'al') -> {country code: pycountry name}."""
    table: dict[str, dict[str, str]] = {}
    for sub in pycountry.subdivisions:
        if sub.parent_code is None:
            key = phrase_key(sub.name)
            for variant in (key, ARABIC_ARTICLE.sub("", key)):
                if len(variant) >= 3:
                    table.setdefault(variant, {}).setdefault(sub.country_code, sub.name)
    return table, word_pattern(table)


_GENERIC = re.compile(r"\s+(?:state|province|region|governorate|oblast|prefecture|department)$", re.IGNORECASE)


def region_country(name: str | None) -> str | None:
    """The country code of the one country with a first-level division named `name` as a whole (a generic word
    after it allowed: "South Kordofan State", "Rhode Island"), else None ("Punjab": India and Pakistan)."""
    key = phrase_key(_GENERIC.sub("", " ".join((name or "").split())))
    countries = _world_region_table()[0].get(key) or _world_region_table()[0].get(ARABIC_ARTICLE.sub("", key), {})
    return next(iter(countries)) if len(countries) == 1 else None


def find_regions_anywhere(text: str) -> list[tuple[str, str, int, int]]:
    """(pycountry name, country code, start, end) of first-level divisions named in `text` whatever country the
    text names: a division of one country only, named with its generic word ("South Kordofan State", "the province
    of Helmand"), or a state of a WELL_KNOWN_REGIONS country by its bare name ("Rhode Island", "Manipur", "Zamfara";
    not in text written all in capitals, nor a name that is a country's or often something else)."""
    table, pattern = _world_region_table()
    capitals = shouting(text)
    found = []
    for key, start, end in find_phrases(text, pattern):
        countries = table[key]
        if len(countries) != 1 or not text[start].isupper() or _FOREIGN.match(text[end : end + 8]):
            continue
        ((code, name),) = countries.items()
        cued = bool(_CUE_AFTER.match(text[end : end + 16]) or _CUE_BEFORE.search(text[max(0, start - 24) : start]))
        bare = (
            code in WELL_KNOWN_REGIONS and not capitals and key not in _NOT_BARE
            and key not in _country_table()[0] and not _NEW.search(text[max(0, start - 4) : start])
        )  # fmt: skip
        if cued or bare:
            found.append((name, code, start, end))
    return found


@functools.lru_cache(maxsize=64)
def shouting(text: str) -> bool:
    """Whether the text is written all in capitals (as the MUC-4 wires are): under 5% of its first 2,000
    characters' letters in lower case."""
    letters = [ch for ch in text[:2000] if ch.isalpha()]
    return bool(letters) and sum(ch.islower() for ch in letters) < 0.05 * len(letters)


def find_regions(text: str, code: str) -> list[tuple[str, int, int]]:
    """(pycountry subdivision name, start, end) of first-level divisions of country `code` named in `text`."""
    table, pattern = _region_table(code)
    return _mentions(text, table, pattern) if pattern else []


_ADMIN2 = re.compile(
    r"\b(?P<name>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})\s+(?:[Dd]istrict|[Cc]ounty|[Ll]ocal [Gg]overnment [Aa]rea|LGA"
    r"|[Ss]ub-?district|[Tt]ehsil|[Mm]unicipality)\b"
    r"|\b(?:[Dd]istrict|[Cc]ounty|[Mm]unicipality|[Tt]ehsil) of\s+(?P<after>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})"
)
_NOT_ADMIN2 = frozenset({"the", "a", "an", "this", "that", "its", "his", "her", "their", "our", "in", "of", "and",
                         "central", "north", "south", "east", "west", "northern", "southern", "eastern", "western",
                         "capital", "federal", "local", "same", "another", "every", "one", "each", "police", "state"})


def find_admin2(text: str) -> list[tuple[str, int, int]]:
    """(name, start, end) of second-level divisions named with their generic word ("Gwoza Local Government Area",
    "Gwoza LGA", "Cook County", "the district of Chwarta", "Kurram district"), the name without that word. Not a
    name made only of generic or compass words ("the Central District"). In text written all in capitals too."""
    found = []
    for match in _ADMIN2.finditer(text):
        group = "name" if match.group("name") else "after"
        words = match.group(group).split()
        while words and words[0].lower() in _NOT_ADMIN2:  # "In Kurram district" -> "Kurram"
            words = words[1:]
        if not words or all(word.lower() in _NOT_ADMIN2 for word in words):
            continue
        name = " ".join(words)
        end = match.start(group) + len(match.group(group))
        found.append((name, end - len(name), end))
    return found
