"""Towns named in running text, found with the gazetteer: the dateline of a wire report, the countries an article
is about, and the towns a sentence places something in.

    find_towns("A bomb exploded in San Salvador on Sunday.") -> [(Place("El Salvador", ..., "San Salvador"), 19, 31)]

A town is only read where a place is expected, so that a name that is also a word ("Police", "Of", "March")
is no town:

- after a word that introduces a place: "in", "near", "at", "outside (of)", "around", "into", "attack / siege / raid /
  strike ... on", "the town / city /
  village / municipality / district / suburb / outskirts of" (`_BEFORE`);
- not when a word after it says it is a region or a site ("San Miguel Department", "San Rafael farm"), nor when it
  is the start of a longer name ("San Luis" of "San Luis de la Reina": a connector or, in mixed case, a capitalised
  word follows; in capitals, an opener such as "San" or "Colonia" ends the match);
- never a country's name, a month, a weekday or one of a few common words (`_NEVER`).

In mixed-case text the name must be capitalised (each word but "de", "la", "of", ...); in text written all in
capitals (the MUC-4 wires) it cannot be, so the other rules carry it. Which town a name is: `gazetteer.resolve`
within the article's main country, else within all the countries it is about (`article_countries`); a name none of
them has is taken only when the gazetteer's world-wide choice is a town of `WORLD_POPULATION` people or more, named
by its own name ("Mogadishu" in an article about Kenya; not "Colonia", an alternate name of Köln).

The countries an article is about (`article_countries`): those it names (title and text after the dateline, demonyms
included, and the countries of the first-level divisions it names whatever the country, `places.find_regions_anywhere`:
"Rhode Island", "South Kordofan State"), most named first, the dateline's counting `DATELINE_WEIGHT` mentions, unless it is a foreign bureau's
("MEXICO CITY (MEXICO), ..." in a report about El Salvador). What the dateline names is where the report was filed,
not where anything happened: the baseline reads no incident's country or region there (`dateline_end`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

from .gazetteer import Place, country_code, known_name, resolve
from ..text.normalize import fold
from .places import find_countries, find_regions_anywhere, shouting

WORLD_POPULATION = 100_000
"""A town name the article's countries do not have counts only when the world-wide choice is at least this large."""
MAX_WORDS = 5
DATELINE_WEIGHT = 2
"""The dateline's country counts as this many mentions of it when ordering the countries an article is about."""

_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_CONNECTORS = frozenset({"de", "del", "la", "las", "los", "el", "y", "of", "the", "da", "do", "dos", "das", "al"})
_BEFORE = re.compile(
    r"\b(?:in|near|at|outside(?:\s+of)?|around|into|(?:attacks?|assaults?|siege|raids?|offensive|strikes?|bombing|"
    r"shelling)\s+on|(?:town|city|village|municipality|district|suburb|hamlet|"
    r"outskirts|port|neighbou?rhood|province|department|capital)\s+of)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_BEFORE_LAST = re.compile(r"(?:in|near|at|outside|of|around|into|on|the)\s+", re.IGNORECASE)
"""The last word of every `_BEFORE` and the space after it: only a word right after one is tried with `_BEFORE`."""
_REGION_AFTER = re.compile(
    r"^\s+(?:department|province|state|region|governorate|district|prefecture|county|jurisdiction|municipality"
    r"|farm|estate|hacienda|plantation|ranch|highway|road|street|avenue|bridge|river|stream|hill|volcano|barracks"
    r"|neighbou?rhood|canton|colony|settlement|camp|base|prison|hotel|park|square|mountains?)s?\b",
    re.IGNORECASE,
)  # the name is a region or a site, not a town
_DATELINE = re.compile(
    r"^\s*(?P<town>[^\W\d_][^\W\d_ .'’-]*(?:[ .'’-]+[^\W\d_]+){0,3})\s*"
    r"(?:,\s*(?P<country>[^\W\d_][^\W\d_ .]*(?:\s+[^\W\d_]+){0,2})\s*|\((?P<bracketed>[^\W\d_][^()]{1,40})\)\s*)?"
    r"(?=,\s*\d|\(|--|—|–|\s-\s)"
)
_OPENERS = frozenset({"san", "santa", "santo", "sao", "la", "el", "los", "las", "puerto", "port", "villa", "ciudad",
                      "new", "fort", "saint", "st", "mount", "al", "ad", "as", "ar", "an", "bir", "ras", "tel", "ain",
                      "colonia", "barrio", "caserio", "canton", "hacienda", "finca", "residencial", "lomas", "nueva",
                      "nuevo", "vila", "porto", "rio", "monte", "valle", "cerro", "punta", "isla", "bahia"})
_NEVER = frozenset(re.findall(r"\w+", (
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday "
    "police army government president minister security capital city town village central north south east west "
    "northern southern eastern western of the this that same order union unity victoria progress liberty hope "
    "reading mobile bath nice split independence libertad esperanza concordia providence paradise friendship"
)))  # folded words that are never read as a town  # fmt: skip


def dateline(text: str) -> Place | None:
    """The place of a wire report's dateline ("MOGADISHU, Somalia (AP) --", "LIMA, 3 JAN 90 --", "EL PARAISO
    (EL SALVADOR), 19 MAR 89 --"): its town, else the country it names, else None."""
    match = _DATELINE.match(text[:120])
    if match is None:
        return None
    town, country = match.group("town"), match.group("country")
    if country is not None and country_code(country) is None:
        return None
    if country is None and country_code(match.group("bracketed")) is not None:  # not "(Reuters)"
        country = match.group("bracketed")
    place = resolve(country, None, town)
    return place if place is not None and (place.source == "location" or country is not None) else None


def dateline_end(text: str) -> int:
    """Where the dateline's place ends (0 without one): what it names is where the report was filed."""
    match = _DATELINE.match(text[:120])
    return match.end() if match is not None else 0


def article_countries(title: str, text: str) -> tuple[str, ...]:
    """ISO codes of the countries an article is about, most named first: by name or demonym in the title and the
    text after the dateline; the dateline's country counts `DATELINE_WEIGHT` mentions and wins ties, unless it is a
    foreign bureau's ("PANAMA CITY (PANAMA), ..."), which counts for nothing."""
    filed = dateline_end(text)
    counts = Counter(code for code, start, _ in find_countries(title) + find_countries(text) if start >= filed)
    counts.update(code for _, code, start, _ in find_regions_anywhere(text) if start >= filed)  # "Rhode Island"
    counts.update(code for _, code, _, _ in find_regions_anywhere(title))
    found = dateline(text)
    match = _DATELINE.match(text[:120])
    first = [found.country_code] if found is not None and not (match and match.group("bracketed")) else []
    counts.update(first * DATELINE_WEIGHT)
    return tuple(dict.fromkeys(code for code, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] not in first))))


def find_towns(text: str, context: Sequence[str] = ()) -> list[tuple[Place, int, int]]:
    """(place, start, end) of every town named where a place is expected (see the module doc), resolved within the
    countries `context` (codes or names, e.g. `article_countries`)."""
    shouting = _shouting(text)
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    after_cue = {m.end() for m in _BEFORE_LAST.finditer(text)}
    found: list[tuple[Place, int, int]] = []
    position = 0
    for i, (start, _) in enumerate(words):
        if start < position or start not in after_cue or not _BEFORE.search(text[max(0, start - 40) : start]):
            continue
        hit = _longest(text, words, i, shouting, context)
        if hit is not None:
            found.append(hit)
            position = hit[2]
    return found


def _longest(text, words, i, shouting, context) -> tuple[Place, int, int] | None:
    """The longest run of words from word `i` that names a town (at most MAX_WORDS words)."""
    for n in range(min(MAX_WORDS, len(words) - i), 0, -1):
        span = words[i : i + n]
        if not _name_like(text, span, shouting) or _gap(text, span):
            continue
        start, end = span[0][0], span[-1][1]
        name = text[start:end]
        key = fold(name)
        if _continues(text, words, i + n, shouting) and (
            not shouting or key.split()[-1] in _OPENERS or fold(text[slice(*words[i + n])]) in _CONNECTORS
        ):  # in capitals every word "goes on": only an opener or a connector says the name does
            continue  # the start of a longer name ("San", "San Luis" of "San Luis de la Reina")
        if key in _NEVER or len(key) < 3 or country_code(name) is not None or not known_name(name):
            continue
        if _REGION_AFTER.match(text[end : end + 20]):
            return None
        place = _resolve(name, context)
        if place is not None:
            return place, start, end
    return None


def _resolve(name: str, context: Sequence[str]) -> Place | None:
    """The town of a name: in the article's main country, else its other countries, else the world's largest."""
    place = None
    for countries in dict.fromkeys((tuple(context[:1]), tuple(context))):
        if countries and (place := resolve(None, None, name, context_countries=countries)) is not None:
            break
    if place is None:
        place = resolve(None, None, name)
        if place is None or (place.population or 0) < WORLD_POPULATION or fold(place.location or "") != fold(name):
            return None  # a small town, or one known by this name only as an alternate ("Colonia": Köln)
    return place if place.location is not None else None


def _name_like(text: str, span: list[tuple[int, int]], shouting: bool) -> bool:
    """Whether the words look like a proper name: capitalised but for connectors inside ("San Luis de la Reina")."""
    for k, (start, end) in enumerate(span):
        word = text[start:end]
        if fold(word) in _CONNECTORS:
            if k in (0, len(span) - 1) and len(span) > 1:
                return False
            if k == 0 and not word[0].isupper():
                return False
            continue
        if not word[0].isupper() or (not shouting and word.isupper() and len(word) > 4 and len(span) == 1):
            return False
    return True


def _continues(text: str, words: list[tuple[int, int]], j: int, shouting: bool) -> bool:
    """Whether word `j` goes on the name before it: only a space between, and capitalised in mixed-case text."""
    if j >= len(words) or text[words[j - 1][1] : words[j][0]] != " ":
        return False
    word = text[words[j][0] : words[j][1]]
    if fold(word) in _CONNECTORS:  # "de la Reina" goes on, "de" alone does not
        return j + 1 < len(words) and _continues(text, words, j + 1, shouting)
    return shouting or (word[0].isupper() and fold(word) not in _NEVER)


def _gap(text: str, span: list[tuple[int, int]]) -> bool:
    """Whether anything but a space or a hyphen separates the words (a comma ends a name)."""
    return any(text[a[1] : b[0]] not in (" ", "-") for a, b in pairwise(span))


_shouting = shouting
