"""Build golden/news/labels.jsonl from the hand-labelled parts and assign the dev/test split.

    python golden/news/build_labels.py

Parts: labels-feeds.jsonl (items of the RSS feeds in feeds/) and labels-wikievents.jsonl (feeds/wikievents.xml),
both labelled by hand following golden/CODEBOOK.md. The split is the rule of golden/README.md
(`extractor.evaluation.golden.stratified_split`): strata are (source feed, reports an incident or not).

The split never moves an article that already had a half: split-2026-11.json holds the halves of the first 118
articles (labelled November 2026), and they keep them, so nothing tuned on news-dev becomes news-test. Articles
labelled later are split among themselves by the same rule, stratum by stratum, so both halves grow.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from extractor.evaluation.golden import extend_split, load_golden  # noqa: E402
from extractor.feeds import load_feed  # noqa: E402

PARTS = ("labels-feeds.jsonl", "labels-wikievents.jsonl")
FROZEN = ("split-2026-11.json",)  # halves assigned before later labels were added, oldest first


def main() -> None:
    source = {a.id: feed.stem for feed in sorted((HERE / "feeds").glob("*.xml")) for a in load_feed(str(feed)).articles}
    labels = {}
    for part in PARTS:
        labels |= load_golden(HERE / part)
    strata = {aid: f"{source[aid]}|{any(not i.optional for i in g.incidents)}" for aid, g in labels.items()}
    frozen: dict[str, str] = {}
    for part in FROZEN:
        frozen |= json.loads((HERE / part).read_text(encoding="utf-8"))
    split = extend_split(frozen, strata)
    with open(HERE / "labels.jsonl", "w", encoding="utf-8") as out:
        for aid, label in labels.items():
            data = label.model_dump(mode="json", exclude_defaults=True)
            data["split"] = split[aid]
            out.write(json.dumps(data, ensure_ascii=False) + "\n")
    counts = {s: sum(v == s for v in split.values()) for s in ("dev", "test")}
    print(f"{len(labels)} articles -> labels.jsonl ({counts['dev']} dev, {counts['test']} test)")


if __name__ == "__main__":
    main()
