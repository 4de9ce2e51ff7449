"""When two incidents from different articles can be the same real-world event (ACLED's spirit), and how alike they
are. Pure functions over `Member`s; every threshold is a field of `Rules` (documented in docs/events.md).

Hard rules (all must hold for two incidents to share an event):
- attack type: equal, in one related group (bombing ~ suicide attack; armed assault ~ clash ~ assassination ~
  facility attack; air/drone strike ~ shelling), or unknown on either side;
- date: the two date intervals overlap once widened by `date_slack_days` (a relative "on Tuesday" resolved a day
  apart); an undated incident's interval is the `undated_window_days` before its article's publication;
- place: the same country and region where both give one; with coordinates on both sides, within
  `max_distance_km`; else at the finest level both name: two different named sites (a town or site that is not just
  the region's or country's name) are the same place only when their target types overlap (one outlet's
  "Air Base 101" is another's "Bamako airport": both military and aviation targets);
- perpetrators: either side unnamed, or some name on one side matches one on the other (normalised, acronym,
  rapidfuzz token_set_ratio >= `name_fuzzy`, or both naming one state's forces: "U.S. military" ~ "Pentagon").

Soft rule: a compatible pair is merged only when enough evidence agrees (`merge_score` >= `min_affinity`). The
structured `affinity`: the same date counts 0.25 (dates within the slack 0.2, an undated report inside the other's
window 0.1), region 0.15, named site 0.2, attack type 0.15, a shared target type 0.15, both naming perpetrators 0.1.
The reports themselves: `text_weight` times the TF-IDF cosine of headline, summary and evidence, and `names_weight`
per kind of name (place, actor) one report gives and the other's text holds. Two undated reports of bombings in one
city are compatible but not, on that alone, one event.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from ..codebook.attack_types import RELATED_ATTACKS, VAGUE_ATTACKS
from ..codebook.actors import state_words
from ..codebook.attack_types import attack_compatible as _attack_compatible
from ..models import Incident
from ..text.normalize import fold, normalize_name




@dataclass(frozen=True)
class Rules:
    """The tunables of event merging."""

    date_slack_days: int = 1  # relative dates resolved a day apart are still the same day
    undated_window_days: int = 7  # an undated incident happened in the week before its article
    max_distance_km: float = 25.0  # incidents with coordinates farther apart are different events
    name_fuzzy: float = 85.0  # rapidfuzz token_set_ratio for two perpetrator names to be the same actor
    min_affinity: float = 0.45  # compatible pairs with less agreeing evidence than this are not merged
    min_cosine: float = 0.25  # a pair the structured affinity alone does not merge needs this much shared text (tuned on news-dev)
    text_weight: float = 0.6  # how much the reports' TF-IDF cosine adds to the structured affinity (tuned on news-dev)
    names_weight: float = 0.1  # added per kind of named thing (place, actor) one report names and the other's text has
    max_block: int = 200  # a (country, day) block larger than this yields no pairs (the text blocks still do)
    rare_terms: int = 8  # each report's highest-weighted shared TF-IDF terms that make text blocks
    max_postings: int = 100  # a term in more reports than this is not rare: it makes no block
    related_attacks: tuple[frozenset[str], ...] = field(default=RELATED_ATTACKS)


DEFAULT_RULES = Rules()


@dataclass(frozen=True)
class Member:
    """One stored incident as clustering sees it."""

    key: str  # stable across runs: "<article_id>#<n>"
    article_id: str
    incident: Incident
    published: dt.datetime | None = None
    outlet: str | None = None
    incident_id: str | None = None
    title: str | None = None  # the article's headline, read with the incident's summary and evidence

    @property
    def text(self) -> str:
        """What the report says about the incident: its headline, the summary and the evidence quotes."""
        return " ".join([self.title or "", self.incident.summary, *self.incident.evidence])


def attack_compatible(a: str, b: str, rules: Rules = DEFAULT_RULES) -> bool:
    return _attack_compatible(a, b, rules.related_attacks)


def date_interval(member: Member, rules: Rules = DEFAULT_RULES) -> tuple[dt.date, dt.date] | None:
    """The days the incident may have happened on: its date, widened by its `time_precision` (a week, a month); an
    undated incident (or one dated only by its article's publication) the `undated_window_days` before the
    publication; None when nothing bounds it."""
    inc = member.incident
    date = inc.date
    if date and not (getattr(inc, "date_source", None) == "published" and member.published):
        day = dt.date.fromisoformat(date)
        precision = getattr(inc, "time_precision", None)
        if precision == 3:  # only the month is known
            last = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
            return day.replace(day=1), last
        if precision == 2:  # only the week is known
            return day - dt.timedelta(days=3), day + dt.timedelta(days=3)
        return day, day
    if member.published:  # undated, or dated only by its article's publication
        last = member.published.date()
        return last - dt.timedelta(days=rules.undated_window_days), last
    return None


def dates_compatible(a: Member, b: Member, rules: Rules = DEFAULT_RULES) -> bool:
    ia, ib = date_interval(a, rules), date_interval(b, rules)
    if ia is None or ib is None:
        return True
    slack = dt.timedelta(days=rules.date_slack_days)
    return ia[0] - slack <= ib[1] and ib[0] - slack <= ia[1]


def _same(a: str | None, b: str | None) -> bool | None:
    """True/False when both are given, None when either is missing."""
    return None if not a or not b else fold(a) == fold(b)


def fine_location(incident: Incident) -> str | None:
    """The location when it is finer than the region and country (a city named like its region is not)."""
    loc = incident.location
    if not loc or fold(loc) in {fold(x) for x in (incident.region, incident.country) if x}:
        return None
    return loc


def distance_km(a: Incident, b: Incident) -> float | None:
    """Great-circle distance when both incidents have coordinates (optional fields), else None."""
    coords = [getattr(x, name, None) for x in (a, b) for name in ("latitude", "longitude")]
    if any(c is None for c in coords):
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, coords)
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _locations_match(a: str, b: str) -> bool:
    fa, fb = fold(a), fold(b)
    return fa == fb or fa in fb.split() or fb in fa.split() or fuzz.token_set_ratio(fa, fb) >= 90


def _target_types(incident: Incident) -> set[str]:
    return {t.type for t in incident.targets} - {"other"}


def places_compatible(a: Incident, b: Incident, rules: Rules = DEFAULT_RULES) -> bool:
    if _same(a.country, b.country) is False or _same(a.region, b.region) is False:
        return False
    km = distance_km(a, b)
    if km is not None:
        return km <= rules.max_distance_km
    la, lb = fine_location(a), fine_location(b)
    if la and lb and not _locations_match(la, lb):
        return bool(_target_types(a) & _target_types(b))
    return True


def names_match(a: str, b: str, rules: Rules = DEFAULT_RULES) -> bool:
    na, nb = normalize_name(a), normalize_name(b)
    if not na or not nb:
        return False
    if na == nb or fuzz.token_set_ratio(na, nb) >= rules.name_fuzzy:
        return True
    initials = [("".join(w[0] for w in n.split() if w not in {"al", "wal", "of", "and"}), m) for n, m in ((na, nb), (nb, na))]
    if any(len(m) >= 2 and " " not in m and i.startswith(m) for i, m in initials):
        return True
    state = state_of(a)
    return state is not None and state == state_of(b)


@functools.lru_cache(maxsize=4096)
def state_of(name: str) -> str | None:
    """The country whose state forces `name` names ("U.S. military", "United States", "the Pentagon" -> "US"),
    else None (a group's name)."""
    from ..geo.gazetteer import country_code

    code, rest = state_words(name)
    return code or (country_code(rest) if rest else None)


def perpetrators_compatible(a: Incident, b: Incident, rules: Rules = DEFAULT_RULES) -> bool:
    if not a.perpetrators or not b.perpetrators:
        return True
    return any(names_match(p.name, q.name, rules) for p in a.perpetrators for q in b.perpetrators)


def compatible(a: Member, b: Member, rules: Rules = DEFAULT_RULES) -> bool:
    """All hard rules hold (see the module docstring)."""
    x, y = a.incident, b.incident
    return (
        attack_compatible(x.attack_type, y.attack_type, rules)
        and dates_compatible(a, b, rules)
        and places_compatible(x, y, rules)
        and perpetrators_compatible(x, y, rules)
    )


def affinity(a: Member, b: Member) -> float:
    """How alike two compatible incidents are, in [0, 1]: the evidence that agrees, not merely fails to disagree.
    Pairs are merged in this order, so a city-level report joins the site it shares most with."""
    x, y = a.incident, b.incident
    if x.date and y.date:
        date = 0.25 if x.date == y.date else 0.2  # within the slack, or the pair would not be compatible
    else:
        date = 0.1 if date_interval(a) and date_interval(b) else 0.0  # an undated report inside the other's window
    parts = [
        date,
        0.15 * bool(_same(x.region, y.region)),
        0.2 * bool(fine_location(x) and fine_location(y) and _locations_match(fine_location(x), fine_location(y))),
        0.15 * (x.attack_type == y.attack_type and x.attack_type not in VAGUE_ATTACKS),
        0.15 * bool(_target_types(x) & _target_types(y)),
        0.1 * bool(x.perpetrators and y.perpetrators),
    ]
    return round(float(sum(parts)), 6)


def shared_names(a: Member, b: Member) -> int:
    """Kinds of named things (a place finer than the country; a perpetrator) that one report names and the other's
    text also holds: 0, 1 or 2."""
    kinds = 0
    for names in (_places, _actors):
        if any(fold(name) in fold(other.text) for one, other in ((a, b), (b, a)) for name in names(one.incident)):
            kinds += 1
    return kinds


def _places(incident: Incident) -> list[str]:
    return [n for n in (fine_location(incident), getattr(incident, "admin2", None)) if n and len(n) > 3]


def _actors(incident: Incident) -> list[str]:
    return [p.name for p in incident.perpetrators if len(p.name) > 3]


def merge_score(a: Member, b: Member, cosine: float, rules: Rules = DEFAULT_RULES) -> float:
    """The confidence that two compatible reports of different articles are one event: the structured `affinity`,
    plus `text_weight` times the TF-IDF cosine of their texts, plus `names_weight` per kind of shared name, capped
    at 1; merged when at least `min_affinity`. A pair whose structured affinity alone falls short stays just under
    the threshold (the uncertain band `--adjudicate` asks) when its texts share little (cosine under `min_cosine`)
    or when either report has neither a date nor a publication date (nothing bounds when it happened)."""
    agreement = affinity(a, b)
    score = min(1.0, agreement + rules.text_weight * cosine + rules.names_weight * shared_names(a, b))
    timed = date_interval(a, rules) is not None and date_interval(b, rules) is not None
    if agreement < rules.min_affinity and (cosine < rules.min_cosine or not timed):
        score = min(score, rules.min_affinity - 1e-6)  # too little shared text, or nothing says when: not on text
    return round(score, 6)


def duplicates(a: Member, b: Member) -> bool:
    """Two incidents of one article that say the same thing (the only same-article pairs ever merged). Two sites
    of one attack (a school and an airport, the codebook's rule 3) are not: their target types do not overlap."""
    x, y = a.incident, b.incident
    kinds = (_target_types(x), _target_types(y))
    return (
        (not all(kinds) or bool(kinds[0] & kinds[1]))
        and x.date == y.date
        and fold(x.location or "") == fold(y.location or "")
        and fold(x.region or "") == fold(y.region or "")
        and x.attack_type == y.attack_type
        and x.killed == y.killed
        and x.wounded == y.wounded
    )
