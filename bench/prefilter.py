"""The pre-filter on the development splits: LLM calls it saves, gold-incident articles it would skip.

    python bench/prefilter.py seed news-dev muc-dev [--muc4 ../shared/data/muc4]

Prints a Markdown table row per set (articles, with a gold incident, skipped, gold-incident articles skipped).
Test splits (news-test, muc-tst1, muc-tst2) are accepted for reporting; never tune on them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from extractor.codebook.relevance import prefilter_reason
from extractor.evaluation.golden import named_sets
from extractor.evaluation.muc4 import load_split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", help="seed, news-dev, news-test, adversarial, muc-dev, muc-tst1, muc-tst2")
    parser.add_argument("--muc4", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/muc4")
    args = parser.parse_args()
    print("| set | articles | with a gold incident | skipped (LLM calls saved) | gold-incident articles skipped |")
    print("| --- | --- | --- | --- | --- |")
    for name in args.sets:
        if name.startswith("muc-"):
            split = load_split(args.muc4 / name[4:])
            articles, gold = split.articles, split.gold
        else:
            articles, gold = named_sets()[name].load()
        positive = sum(1 for a in articles if gold[a.id].incidents)
        skipped = [a for a in articles if prefilter_reason(a.title, a.text)]
        lost = sum(1 for a in skipped if gold[a.id].incidents)
        print(
            f"| {name} | {len(articles)} | {positive} | {len(skipped)} ({100 * len(skipped) / len(articles):.1f}%) "
            f"| {lost} ({100 * lost / max(positive, 1):.1f}%) |"
        )


if __name__ == "__main__":
    main()
