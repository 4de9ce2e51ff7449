"""The judge's country names: two names are the same country when they name the same ISO 3166 country, by
pycountry's names (name, official name, common name, alpha-2 and alpha-3 codes written in capitals) or the scorer's
own list (golden/countries.json: "DR Congo", "Peoples Rep Of China", "UK"), kept apart from every predictor's lists.

    same_country("USA", "United States") -> True;  same_country("DR Congo", "Democratic Republic of the Congo") -> True
"""

from __future__ import annotations

import functools
import json

import pycountry

from ..resources import data_path
from ..text.normalize import fold


@functools.cache
def _names() -> dict[str, str]:
    """Folded country name -> ISO alpha-2."""
    table: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            if name := getattr(country, attr, None):
                table.setdefault(fold(name), country.alpha_2)
    own = json.loads(data_path("golden", "countries.json").read_text(encoding="utf-8"))
    for code, names in own.items():
        if not code.startswith("_"):
            table.update({fold(name): code for name in names})
    return table


def country_code(name: str) -> str | None:
    """ISO alpha-2 of the country `name` names as a whole, else None."""
    text = name.strip()
    if text.isupper() and len(text) in (2, 3) and text.isalpha():
        country = pycountry.countries.get(**{f"alpha_{len(text)}": text})
        if country is not None:
            return country.alpha_2
    return _names().get(fold(text))


def same_country(pred: str, gold: str) -> bool:
    """Whether the two names name the same country (see the module doc)."""
    code = country_code(pred)
    return code is not None and code == country_code(gold)
