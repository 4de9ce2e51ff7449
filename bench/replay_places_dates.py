"""Stored predictions (e.g. a local model's, from a run made before today's place and date stages) passed again
through the stages every record gets after extraction that need no model: places (`pipeline.places`) and dates
(`pipeline.dates.date_incidents`). Writes a run folder with the new predictions, to score with
`bench/analyst_report.py` or `extract score`.

    python bench/replay_places_dates.py docs/runs/RUN /tmp/replayed --golden seed
    python bench/replay_places_dates.py docs/runs/RUN /tmp/replayed --muc4 ../shared/data/muc4/dev
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from extractor.evaluation.golden import golden_set
from extractor.evaluation.muc4 import load_split
from extractor.pipeline.dates import date_incidents
from extractor.pipeline.places import place_incidents
from extractor.store.records import read_records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a stored run folder")
    parser.add_argument("out", type=Path, help="the folder to write the replayed run to (replaced)")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--muc4", help="the MUC-4 split folder the run was made on")
    group.add_argument("--golden", help="the golden set the run was made on")
    args = parser.parse_args()
    articles = load_split(args.muc4).articles if args.muc4 else golden_set(args.golden).load()[0]
    by_id = {article.id: article for article in articles}
    records, _ = read_records(args.run / "predictions.jsonl")
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    if (args.run / "manifest.json").exists():
        shutil.copy(args.run / "manifest.json", args.out / "manifest.json")
    with (args.out / "predictions.jsonl").open("w", encoding="utf-8") as out:
        for record in records:
            article = by_id.get(record.article_id)
            if article is not None and record.status == "ok" and record.incidents:
                placed = place_incidents(record.incidents, article)
                dated, _ = date_incidents(placed, article.published)
                record = record.model_copy(update={"incidents": dated})
            out.write(record.model_dump_json() + "\n")
    print(f"{len(records)} records replayed into {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
