"""Incidents of one article found in different windows merged when they describe the same attack.

Windows overlap by a paragraph, and a long piece may tell one attack again further down, so two windows often
report the same incident. Two incidents from *different* windows are the same attack when nothing in them
disagrees and something ties them together (one window's own list is trusted as the model gave it):

- nothing disagrees: compatible attack types (the codebook's table, `codebook.attack_types`: equal, one of them
  `unknown`, or a pair of one related group); dates
  equal or one missing; countries equal or one missing; locations equal or one missing;
- something ties them: a shared evidence quote (after normalisation, one containing the other), or the same named
  location, or the same killed range.

The merged incident keeps the first window's incident and fills in from the other: a missing date, place or figure
is taken from the other, a closed range beats an open one, a specific attack type beats `unknown` / `other`,
perpetrators, targets, weapons and claims are united, evidence quotes are united (at most three, the schema's
limit), `primary` and `suicide` are true when either says so. Quotes are grounded later against the whole article.
"""

from __future__ import annotations

from ..codebook.attack_types import attack_compatible
from ..models import COUNT_FIELDS, Count, Incident
from ..text.spans import quotes_overlap

_VAGUE = {"unknown", "other"}
MAX_EVIDENCE = 3
MIN_SHARED_QUOTE = 12  # as in grounding: a shorter shared string (a name) ties nothing


def merge_windows(per_window: list[list[Incident]]) -> list[Incident]:
    """The incidents of all windows, in order of first mention, the same attack seen in several windows once."""
    merged: list[tuple[Incident, set[int]]] = []  # an incident and the windows it came from
    for window, incidents in enumerate(per_window):
        for incident in incidents:
            for n, (kept, windows) in enumerate(merged):
                if window not in windows and same_attack(kept, incident):
                    merged[n] = (combine(kept, incident), windows | {window})
                    break
            else:
                merged.append((incident, {window}))
    return [incident for incident, _ in merged]


def same_attack(a: Incident, b: Incident) -> bool:
    """True when nothing in `a` and `b` disagrees and a quote, a named location or a death toll ties them."""
    if not attack_compatible(a.attack_type, b.attack_type):
        return False
    for field in ("date", "country", "location"):
        x, y = _norm(getattr(a, field)), _norm(getattr(b, field))
        if x and y and x != y:
            return False
    shared_quote = any(_overlap(q, r) for q in a.evidence for r in b.evidence)
    same_place = bool(a.location and _norm(a.location) == _norm(b.location))
    same_toll = a.killed is not None and a.killed == b.killed
    return shared_quote or same_place or same_toll


def combine(a: Incident, b: Incident) -> Incident:
    """`a` completed from `b` (see the module's rules)."""
    update: dict = {}
    for field in ("date", "date_text", "country", "region", "location"):
        if getattr(a, field) is None and getattr(b, field) is not None:
            update[field] = getattr(b, field)
    for field in COUNT_FIELDS:
        update[field] = _better_count(getattr(a, field), getattr(b, field))
    if a.attack_type in _VAGUE and b.attack_type not in _VAGUE:
        update["attack_type"] = b.attack_type
    update["perpetrators"] = _union(a.perpetrators, b.perpetrators, lambda p: _norm(p.name))
    update["targets"] = _union(a.targets, b.targets, lambda t: (t.type, _norm(t.description)))
    update["weapons"] = list(dict.fromkeys([*a.weapons, *b.weapons]))
    update["claims"] = _union(a.claims, b.claims, lambda c: _norm(c.text))
    evidence = list(a.evidence)
    for quote in b.evidence:
        if len(evidence) < MAX_EVIDENCE and not any(_overlap(quote, q) for q in evidence):
            evidence.append(quote)
    update["evidence"] = evidence
    update["primary"] = a.primary or b.primary
    update["suicide"] = a.suicide or b.suicide
    return a.model_copy(update=update)


def _better_count(x: Count | None, y: Count | None) -> Count | None:
    if x is None or y is None:
        return x or y
    return y if x.max is None and y.max is not None else x


def _union(xs: list, ys: list, key) -> list:
    seen = {key(x) for x in xs}
    return [*xs, *(y for y in ys if key(y) not in seen)]


def _norm(value: str | None) -> str:
    return " ".join(value.casefold().split()) if value else ""


def _overlap(q: str, r: str) -> bool:
    return quotes_overlap(q, r, MIN_SHARED_QUOTE)
