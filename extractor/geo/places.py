"""Countries and first-level regions named in text (pycountry, plus common demonyms and short forms)."""

from __future__ import annotations

import functools
import re

import pycountry

from ..text.phrases import find_phrases, phrase_key, word_pattern

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
def _country_table() -> tuple[dict[str, str], re.Pattern[str]]:
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
def _region_table(code: str) -> tuple[dict[str, str], re.Pattern[str] | None]:
    """Normalised first-level subdivision name (also without a leading 'al') -> its pycountry name."""
    table: dict[str, str] = {}
    for sub in pycountry.subdivisions.get(country_code=code) or []:
        if sub.parent_code is None:
            key = phrase_key(sub.name)
            for variant in (key, ARABIC_ARTICLE.sub("", key)):
                if len(variant) >= 3:
                    table.setdefault(variant, sub.name)
    return table, word_pattern(table) if table else None


def _mentions(text: str, table: dict[str, str], pattern: re.Pattern[str]) -> list[tuple[str, int, int]]:
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
    """(alpha_2, start, end) of every country name, alias or demonym in `text` (capitalised mentions only)."""
    return _mentions(text, *_country_table())


def find_regions(text: str, code: str) -> list[tuple[str, int, int]]:
    """(pycountry subdivision name, start, end) of first-level divisions of country `code` named in `text`."""
    table, pattern = _region_table(code)
    return _mentions(text, table, pattern) if pattern else []
