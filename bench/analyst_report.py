"""What an analyst meets in a stored evaluation run: the share of reported incidents with a date, a country and
coordinates, the country right among matched incidents, the date fields, incident F1 and precision (real), with
95% bootstrap intervals over articles where the scorer gives them.

    python bench/analyst_report.py runs/RUN_ID --golden news-dev
    python bench/analyst_report.py runs/RUN_ID --muc4 ../shared/data/muc4/dev

The scores are computed again from the run's predictions with the current scorer (all incidents view), so runs of
older code are measured by the same rules as new ones. Prints one Markdown table row; `--header` prints the header
first.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from extractor.evaluation.golden import golden_set
from extractor.evaluation.metrics import score
from extractor.evaluation.muc4 import load_split
from extractor.store.records import read_records

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.places_report import report as places  # noqa: E402

HEADER = (
    "| set | reported | with a date | with a country | with coordinates | country right among matched "
    "| date F1 | date in range F1 | incident F1 | real |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}"


def _ci(value: float | None, low: float | None, high: float | None) -> str:
    return f"{_pct(value)} [{_pct(low)}, {_pct(high)}]"


def row(run: Path, gold: dict, name: str) -> str:
    records = {r.article_id: r for r in read_records(run / "predictions.jsonl")[0]}
    scores = score(records, gold)
    where = places(run, gold)
    cover = scores.coverage
    share = " | ".join(
        f"{_pct(cover[k])} ({n}/{scores.n_reported})"
        for k, n in (("date", scores.n_dated), ("country", scores.n_with_country),
                     ("coordinates", scores.n_with_coordinates))
    )  # fmt: skip
    country = (
        f"{_ci(where['country_accuracy'], *where['country_accuracy_ci'])} "
        f"({where['country_right']}/{where['matched_with_gold_country']})"
    )
    inc, date, in_range = scores.incidents, scores.fields["date"], scores.fields["date_in_range"]
    return (
        f"| {name} | {scores.n_reported} | {share} | {country} | {_ci(date.f1, date.f1_ci.low, date.f1_ci.high)} "
        f"| {_ci(in_range.f1, in_range.f1_ci.low, in_range.f1_ci.high)} "
        f"| {_ci(inc.f1, inc.f1_ci.low, inc.f1_ci.high)} | {_ci(scores.real, scores.real_ci.low, scores.real_ci.high)} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a stored run folder (runs/RUN_ID)")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--muc4", help="the MUC-4 split folder the run was made on")
    group.add_argument("--golden", help="the golden set the run was made on (seed, news-dev, ...)")
    parser.add_argument("--name", help="the set's name in the row (default: the golden set or split folder)")
    parser.add_argument("--header", action="store_true", help="print the table header first")
    args = parser.parse_args()
    gold = load_split(args.muc4).gold if args.muc4 else golden_set(args.golden).gold()
    if args.header:
        print(HEADER)
    print(row(args.run, gold, args.name or args.golden or f"MUC-4 {Path(args.muc4).name}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
