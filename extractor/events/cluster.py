"""Incidents into events: constrained agglomerative clustering over the rules of `rules.py`.

Candidate pairs are the compatible pairs of incidents; they are merged best first (highest `affinity`), and two
clusters merge only when every pair across them is compatible (complete linkage on the hard rules) and no article
would then hold two incidents of one event, unless those two are duplicates. A city-level report therefore joins
the one site it agrees with most, never both sites of one day.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

from .rules import DEFAULT_RULES, Member, Rules, affinity, compatible, duplicates


def cluster(
    members: Sequence[Member], rules: Rules = DEFAULT_RULES, decisions: Mapping[tuple[int, int], bool] | None = None
) -> list[list[int]]:
    """Groups of member indices (each group an event), in order of their first member. `decisions` (i < j) override
    the rules for a pair: an adjudicator's yes makes it a candidate at the merge threshold, a no keeps it apart."""
    n = len(members)
    decisions = decisions or {}
    ok = {}
    candidates = []
    for i, j in combinations(range(n), 2):
        a, b = members[i], members[j]
        same_article = a.article_id == b.article_id
        fits = duplicates(a, b) if same_article else decisions.get((i, j), compatible(a, b, rules))
        ok[i, j] = fits
        if fits:
            score = 1.0 if same_article else affinity(a, b)
            if (i, j) in decisions:
                score = max(score, rules.min_affinity)
            if score >= rules.min_affinity:
                candidates.append((-score, i, j))
    candidates.sort()
    label = list(range(n))
    groups: dict[int, list[int]] = {i: [i] for i in range(n)}
    for _, i, j in candidates:
        gi, gj = label[i], label[j]
        if gi == gj:
            continue
        if all(ok[min(p, q), max(p, q)] for p in groups[gi] for q in groups[gj]):
            for q in groups[gj]:
                label[q] = gi
            groups[gi] += groups.pop(gj)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])
