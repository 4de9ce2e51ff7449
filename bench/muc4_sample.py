"""A fixed stratified sample of a MUC-4 split as files, for slow models and for paired comparisons of stored runs.

    python bench/muc4_sample.py ../shared/data/muc4/dev docs/runs/muc4-dev-s100            # --sample 100 --seed 13

Writes `articles.jsonl` (the sample's messages, for `extract run`) and `labels.jsonl` (their gold labels under
today's key mapping, for `extract score --golden` and `extract compare --golden`). The sample is the one `extract
bench muc4 DIR --sample N --seed S` draws (`evaluation.muc4.stratified_sample`). Samples are for development splits;
of a test split write only the whole split (`--sample` its size), to compare two runs made on it once, never to choose.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from extractor.evaluation.muc4 import load_split, stratified_sample


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("split", type=Path, help="a MUC-4 split folder")
    parser.add_argument("out", type=Path, help="the folder to write (created; existing files are refused)")
    parser.add_argument("--sample", type=int, default=100)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    targets = [args.out / "articles.jsonl", args.out / "labels.jsonl"]
    if existing := [str(p) for p in targets if p.exists()]:
        parser.error(f"refusing to overwrite {', '.join(existing)}")
    split = load_split(args.split)
    ids = set(stratified_sample(split, args.sample, args.seed))
    args.out.mkdir(parents=True, exist_ok=True)
    with open(targets[0], "x", encoding="utf-8") as out:
        for a in split.articles:
            if a.id in ids:
                row = {"id": a.id, "title": a.title, "text": a.text}
                if a.published:
                    row["published"] = a.published.isoformat()
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    with open(targets[1], "x", encoding="utf-8") as out:
        for article_id, label in split.gold.items():
            if article_id in ids:
                out.write(label.model_dump_json() + "\n")
    print(f"{len(ids)} messages of {split.name} -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
