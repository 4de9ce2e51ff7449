"""Stored predictions (a local model's, from a run made before today's checks) passed again through every check an
answer gets after extraction (`pipeline.article.check_incidents`: dates, types, figures, grounding, the relevance
post-check, places). No model is called. Writes a run folder to score with `extract score`, `extract compare` or
`bench/analyst_report.py`.

    python bench/replay_postchecks.py docs/runs/RUN /tmp/replayed --feed docs/runs/news-dev-s30/feed.xml
    python bench/replay_postchecks.py docs/runs/RUN /tmp/replayed --golden news-test
    python bench/replay_postchecks.py docs/runs/RUN /tmp/replayed --muc4 ../shared/data/muc4/dev

What it cannot do: an incident an earlier check dropped is not in the stored run, so it cannot come back; a
stored incident is the earlier checks' output, not the model's raw reply (the checks are idempotent on what they
keep, so the figures are those of today's checks on what the earlier ones let through).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from extractor.evaluation.golden import golden_set  # noqa: E402
from extractor.evaluation.muc4 import load_split  # noqa: E402
from extractor.feeds import load_feed  # noqa: E402
from extractor.models import Incident  # noqa: E402
from extractor.pipeline.article import check_incidents  # noqa: E402
from extractor.store.records import read_records  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a stored run folder (its predictions.jsonl)")
    parser.add_argument("out", type=Path, help="the folder to write the replayed run to (must not exist)")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--muc4", help="the MUC-4 split folder the run was made on")
    group.add_argument("--golden", help="the golden set the run was made on")
    group.add_argument("--feed", help="the feed the run was made on")
    args = parser.parse_args()
    if args.out.exists():
        raise SystemExit(f"{args.out} exists: choose a new folder")
    if args.muc4:
        articles = load_split(args.muc4).articles
    elif args.golden:
        articles = golden_set(args.golden).load()[0]
    else:
        articles = load_feed(args.feed).articles
    by_id = {article.id: article for article in articles}
    records, _ = read_records(args.run / "predictions.jsonl")
    args.out.mkdir(parents=True)
    before = after = 0
    with (args.out / "predictions.jsonl").open("w", encoding="utf-8") as out:
        for record in records:
            article = by_id.get(record.article_id)
            if article is not None and record.status == "ok" and record.incidents:
                answered = [Incident.model_validate(i.model_dump(include=set(Incident.model_fields)))
                            for i in record.incidents]  # fmt: skip  (the answer, without its earlier checks' marks)
                checked = check_incidents(answered, article)
                before, after = before + len(record.incidents), after + len(checked.incidents)
                record = record.model_copy(update={
                    "incidents": checked.incidents,
                    "irrelevant_dropped": record.irrelevant_dropped + checked.irrelevant,
                    "warnings": record.warnings + [f"replayed: {n}" for n in checked.notes],
                })  # fmt: skip
            out.write(record.model_dump_json() + "\n")
    if (args.run / "manifest.json").exists():
        manifest = json.loads((args.run / "manifest.json").read_text(encoding="utf-8"))
        manifest["replayed_from"] = str(args.run)
        (args.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"{len(records)} records replayed into {args.out}: {before} incidents in, {after} kept")
    return 0


if __name__ == "__main__":
    sys.exit(main())
