"""Event merging at scale: N synthetic incidents (default 100,000; each synthetic event reported by one to three
articles, in 40 countries over a year) merged by `build_events` (blocking, TF-IDF, scoring, clustering, ids,
reconciled figures). Prints the wall time, the candidate pairs, the peak resident memory of the process, and how
well the synthetic events were recovered (pairwise precision and recall against the events that made them).

    python bench/merge_bench.py                  # 100,000 incidents
    python bench/merge_bench.py --n 20000 --seed 7
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from extractor.events.build import build_events  # noqa: E402
from extractor.events.cluster import candidate_pairs, text_vectors  # noqa: E402
from extractor.events.rules import DEFAULT_RULES, Member  # noqa: E402
from extractor.models import GroundedIncident  # noqa: E402

COUNTRIES = ["Mali", "Niger", "Nigeria", "Burkina Faso", "Somalia", "Sudan", "Syria", "Iraq", "Yemen", "Afghanistan",
             "Pakistan", "India", "Myanmar", "Colombia", "Mexico", "Ukraine", "Russia", "Ethiopia", "Kenya", "Cameroon",
             "Chad", "Libya", "Egypt", "Israel", "Lebanon", "Iran", "Philippines", "Thailand", "Indonesia", "Brazil",
             "Peru", "Haiti", "Mozambique", "Uganda", "Benin", "Togo", "Ghana", "Senegal", "Algeria", "Tunisia"]  # fmt: skip
TYPES = ["armed_assault", "bombing", "suicide_attack", "air_or_drone_strike", "shelling", "kidnapping", "armed_clash"]
TARGETS = ["military", "police", "civilians", "government", "religious", "education", "business"]
WORDS = ("market checkpoint convoy village school mosque church bridge camp base patrol station bus road farm "
         "district mine border river hospital office hotel prison port").split()  # fmt: skip


def synthetic(n: int, seed: int) -> tuple[list[Member], list[int]]:
    """`n` members and the synthetic event each came from."""
    rng = random.Random(seed)
    start = dt.date(2025, 1, 1)
    members: list[Member] = []
    truth: list[int] = []
    event = 0
    while len(members) < n:
        country = rng.choice(COUNTRIES)
        town = f"{country[:3]}town{rng.randrange(300)}"
        day = start + dt.timedelta(days=rng.randrange(365))
        kind, target = rng.choice(TYPES), rng.choice(TARGETS)
        group = f"Group {rng.randrange(2000)}"
        site = " ".join(rng.sample(WORDS, 3))
        killed = rng.randrange(30)
        for report in range(rng.choice((1, 1, 2, 3))):
            if len(members) >= n:
                break
            dated = rng.random() < 0.6
            text = f"{kind.replace('_', ' ')} near {town} {site}: {killed} killed, officials said in report {report}."
            incident = GroundedIncident(
                summary=f"An attack on {target} at the {site} in {town}.", date=day.isoformat() if dated else None,
                date_text=None, country=country, region=None, location=town if rng.random() < 0.8 else None,
                attack_type=kind, suicide=kind == "suicide_attack",
                perpetrators=[{"name": group, "attribution": "claimed"}] if rng.random() < 0.4 else [],
                targets=[{"type": target, "description": target}], weapons=[],
                killed={"min": killed, "max": killed}, wounded=None, perpetrators_killed=None, kidnapped=None,
                claims=[], evidence=[text], primary=True, grounded=True,
            )  # fmt: skip
            published = dt.datetime.combine(day + dt.timedelta(days=rng.randrange(3)), dt.time(12), dt.timezone.utc)
            article = f"art{len(members)}"
            members.append(Member(key=f"{article}#0", article_id=article, incident=incident, published=published,
                                  outlet=f"outlet{rng.randrange(50)}.test", title=f"{kind} in {town}"))  # fmt: skip
            truth.append(event)
        event += 1
    return members, truth


def pairwise(events, truth: list[int], index: dict[str, int]) -> tuple[float, float]:
    predicted = {index[s.incident_key]: k for k, e in enumerate(events) for s in e.sources}
    sizes_pred = Counter(predicted.values())
    sizes_gold = Counter(truth)
    both = Counter((predicted[i], truth[i]) for i in range(len(truth)))
    same_pred = sum(c * (c - 1) // 2 for c in sizes_pred.values())
    same_gold = sum(c * (c - 1) // 2 for c in sizes_gold.values())
    agree = sum(c * (c - 1) // 2 for c in both.values())
    return (agree / same_pred if same_pred else 1.0), (agree / same_gold if same_gold else 1.0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    members, truth = synthetic(args.n, args.seed)
    before_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the synthetic store itself
    start = time.perf_counter()
    events = build_events(members)
    seconds = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    pairs = len(candidate_pairs(members, DEFAULT_RULES, text_vectors(members)))
    precision, recall = pairwise(events, truth, {m.key: i for i, m in enumerate(members)})
    print(json.dumps({"incidents": len(members), "events": len(events), "synthetic_events": len(set(truth)),
                      "candidate_pairs": pairs, "seconds": round(seconds, 1), "rss_before_merge_mib": round(before_mib),
                      "peak_rss_mib": round(peak_mib),
                      "pairwise_precision": round(precision, 3), "pairwise_recall": round(recall, 3)}))  # fmt: skip


if __name__ == "__main__":
    main()
