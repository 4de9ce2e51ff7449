"""Incidents into events: candidate pairs by blocking, scored, then constrained agglomerative clustering.

Candidates (so the cost grows near-linearly, not with every pair):
- structured blocks: reports of one country dated to the day, paired with those of the same day and of the days
  within the date slack; a block of more than `max_block` reports yields no pairs;
- text blocks: each report's `rare_terms` highest-weighted TF-IDF terms (scikit-learn; headline, summary and
  evidence) among those that 2 to `max_postings` reports hold (a term of one report alone pairs nothing); reports
  sharing such a term are paired. Undated reports, reports dated only to a
  week or a month, and reports without a country meet others here.

Each candidate pair of different articles that the hard rules allow (`rules.compatible`) gets its `merge_score`
(structured affinity + TF-IDF cosine + shared names); pairs of one article only when they are duplicates. Pairs at
or above `min_affinity` are merged best first, and two clusters merge only when every pair across them is
compatible (complete linkage on the hard rules) and no article would then hold two incidents of one event, unless
those two are duplicates. A city-level report therefore joins the one site it agrees with most, never both sites
of one day. Each merge's score is its confidence; an event's confidence is the lowest of its merges.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..text.normalize import fold
from .rules import DEFAULT_RULES, Member, Rules, compatible, date_interval, duplicates, merge_score


@dataclass
class Clustering:
    """Groups of member indices (each an event, in order of its first member) and each group's confidence (the
    lowest score of the merges that made it; None for a single report)."""

    groups: list[list[int]]
    confidence: list[float | None]


def text_vectors(members: Sequence[Member]):
    """L2-normalised TF-IDF rows of the members' texts (a scipy CSR matrix), or None when no text has a term."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer  # heavy: only when merging

    try:
        return TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=1, dtype=np.float64).fit_transform(
            [m.text for m in members]
        )
    except ValueError:  # an empty vocabulary (no text, or only stop words)
        return None


def _country_key(member: Member) -> str | None:
    country = member.incident.country
    return fold(country) if country else None


def candidate_pairs(members: Sequence[Member], rules: Rules = DEFAULT_RULES, vectors=None) -> set[tuple[int, int]]:
    """(i, j), i < j, of the members sharing a structured or a text block (see the module docstring)."""
    pairs: set[tuple[int, int]] = set()
    blocks: dict[tuple[str, int], list[int]] = defaultdict(list)
    for index, m in enumerate(members):
        country, interval = _country_key(m), date_interval(m, rules)
        if country is not None and interval is not None and interval[0] == interval[1]:  # dated to the day
            blocks[country, interval[0].toordinal()].append(index)
    for (country, day), block in blocks.items():
        near = [j for d in range(1, rules.date_slack_days + 1) for j in blocks.get((country, day + d), ())]
        if len(block) + len(near) > rules.max_block:
            continue
        pairs.update((min(a, b), max(a, b)) for x, a in enumerate(block) for b in block[x + 1 :] + near)
    if vectors is not None:
        import numpy as np

        postings: dict[int, list[int]] = defaultdict(list)
        indptr, indices, data = vectors.indptr, vectors.indices, vectors.data
        df = np.bincount(indices, minlength=vectors.shape[1])
        shared = (df[indices] >= 2) & (df[indices] <= rules.max_postings)  # a term no other report has pairs nothing
        for row in range(vectors.shape[0]):
            start, end = indptr[row], indptr[row + 1]
            top = sorted((k for k in range(start, end) if shared[k]), key=lambda k: -data[k])[: rules.rare_terms]
            for k in top:
                postings[int(indices[k])].append(row)
        for rows in postings.values():
            if 1 < len(rows) <= rules.max_postings:
                pairs.update((rows[x], rows[y]) for x in range(len(rows)) for y in range(x + 1, len(rows)))
    return pairs


def _cosines(vectors, pairs: list[tuple[int, int]]) -> list[float]:
    if vectors is None or not pairs:
        return [0.0] * len(pairs)
    import numpy as np

    left = np.fromiter((i for i, _ in pairs), dtype=np.int64, count=len(pairs))
    right = np.fromiter((j for _, j in pairs), dtype=np.int64, count=len(pairs))
    out: list[float] = []
    for start in range(0, len(pairs), 50_000):  # in slices: the products of a slice only are held at once
        sl = slice(start, start + 50_000)
        out += np.asarray(vectors[left[sl]].multiply(vectors[right[sl]]).sum(axis=1)).ravel().tolist()
    return out


def cluster_scored(
    members: Sequence[Member], rules: Rules = DEFAULT_RULES, decisions: Mapping[tuple[int, int], bool] | None = None
) -> Clustering:
    """The events of `members` with their confidences. `decisions` (i < j) override the rules for a pair: an
    adjudicator's yes makes it a candidate at the merge threshold, a no keeps it apart."""
    n = len(members)
    decisions = decisions or {}
    vectors = text_vectors(members) if n > 1 else None
    found = candidate_pairs(members, rules, vectors)
    found.update(decisions)
    pairs = sorted(found)
    del found
    ok: dict[tuple[int, int], bool] = {}
    candidates = []
    for (i, j), cosine in zip(pairs, _cosines(vectors, pairs)):
        a, b = members[i], members[j]
        same_article = a.article_id == b.article_id
        fits = duplicates(a, b) if same_article else decisions.get((i, j), compatible(a, b, rules))
        ok[i, j] = fits
        if fits:
            score = 1.0 if same_article else merge_score(a, b, cosine, rules)
            if (i, j) in decisions:
                score = max(score, rules.min_affinity)
            if score >= rules.min_affinity:
                candidates.append((-score, i, j))
    candidates.sort()

    def fits(p: int, q: int) -> bool:
        key = (min(p, q), max(p, q))
        if key not in ok:
            a, b = members[key[0]], members[key[1]]
            ok[key] = duplicates(a, b) if a.article_id == b.article_id else compatible(a, b, rules)
        return ok[key]

    label = list(range(n))
    groups: dict[int, list[int]] = {i: [i] for i in range(n)}
    confidence: dict[int, float | None] = {i: None for i in range(n)}
    for negative, i, j in candidates:
        gi, gj = label[i], label[j]
        if gi == gj:
            continue
        if all(fits(p, q) for p in groups[gi] for q in groups[gj]):
            for q in groups[gj]:
                label[q] = gi
            groups[gi] += groups.pop(gj)
            scores = [s for s in (confidence[gi], confidence.pop(gj), -negative) if s is not None]
            confidence[gi] = min(scores)
    order = sorted(groups, key=lambda g: min(groups[g]))
    return Clustering(groups=[sorted(groups[g]) for g in order], confidence=[confidence[g] for g in order])


def cluster(
    members: Sequence[Member], rules: Rules = DEFAULT_RULES, decisions: Mapping[tuple[int, int], bool] | None = None
) -> list[list[int]]:
    """Groups of member indices (each group an event), in order of their first member (see `cluster_scored`)."""
    return cluster_scored(members, rules, decisions).groups

