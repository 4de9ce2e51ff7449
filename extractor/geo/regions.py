"""A country's ISO 3166 numeric code and its ACLED region, from its name (as the gazetteer reads country names).

    iso_numeric("Mali") -> 466;  acled_region("Mali") -> "Western Africa";  acled_region("Atlantis") -> None

The regions are the ones ACLED's public files name (its "Regions" list), assigned by ISO alpha-2 code. A country
missing from the table gets no region (an empty cell), never a guess.
"""

from __future__ import annotations

import pycountry

from .gazetteer import country_code

_REGIONS: dict[str, str] = {
    "Western Africa": "BJ BF CV CI GM GH GN GW LR ML MR NE NG SN SL TG SH",
    "Middle Africa": "AO CM CF TD CG CD GQ GA ST",
    "Eastern Africa": "BI KM DJ ER ET KE RW SC SO SS TZ UG YT RE",
    "Southern Africa": "BW SZ LS MG MW MU MZ NA ZA ZM ZW",
    "Northern Africa": "DZ EG LY MA SD TN EH",
    "Middle East": "BH IR IQ IL JO KW LB OM PS QA SA SY TR AE YE",
    "South Asia": "AF BD BT IN MV NP PK LK",
    "Southeast Asia": "BN KH ID LA MY MM PH SG TH TL VN",
    "East Asia": "CN HK JP KP KR MN MO TW",
    "Caucasus and Central Asia": "AM AZ GE KZ KG TJ TM UZ",
    "Europe": (
        "AL AD AT BY BE BA BG HR CY CZ DK EE FO FI FR DE GI GR GG HU IS IE IM IT JE XK LV LI LT LU MT MD MC ME NL MK "
        "NO PL PT RO RU SM RS SK SI ES SE CH UA GB VA AX SJ"
    ),
    "North America": "US CA GL BM PM",
    "Central America": "MX BZ CR SV GT HN NI PA",
    "South America": "AR BO BR CL CO EC GY PY PE SR UY VE FK GF",
    "Caribbean": "AG AI AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI",
    "Oceania": "AS AU CK FJ PF GU KI MH FM NR NC NZ NU NF MP PW PG PN WS SB TK TO TV VU WF",
    "Antarctica": "AQ",
}
ACLED_REGION_OF: dict[str, str] = {code: region for region, codes in _REGIONS.items() for code in codes.split()}


def iso_numeric(country: str | None) -> int | None:
    """ISO 3166-1 numeric code of the country `country` names, else None."""
    code = country_code(country) if country else None
    found = pycountry.countries.get(alpha_2=code) if code else None
    return int(found.numeric) if found is not None else None


def acled_region(country: str | None) -> str | None:
    """ACLED's region of the country `country` names, else None."""
    code = country_code(country) if country else None
    return ACLED_REGION_OF.get(code) if code else None
