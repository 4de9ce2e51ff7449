"""Write tests/snapshots/baseline-records.jsonl.gz: the offline baseline's full record (and the pre-filter's
verdict) for every article of the seed, news-dev and adversarial golden sets and the MUC-4 fixture.

    python tests/snapshots/make_baseline_snapshot.py

tests/test_baseline_snapshot.py compares today's output against it: a change meant only to make the rules faster
must leave every record as it was. Regenerate it only when a change to the rules' results is intended.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SNAPSHOT = HERE / "baseline-records.jsonl.gz"
SETS = ("seed", "news-dev", "adversarial")


def articles():
    """(set name, article) of every article the snapshot covers, in a fixed order."""
    from extractor.evaluation.golden import named_sets
    from extractor.evaluation.muc4 import load_split

    named = named_sets()
    for name in SETS:
        for article in named[name].load()[0]:
            yield name, article
    for article in load_split(ROOT / "tests" / "fixtures" / "muc4").articles:
        yield "muc4-fixture", article


def snapshot_line(name: str, article) -> dict:
    """What the snapshot holds for one article: its record (but for the time it took) and the pre-filter's reason."""
    from extractor.baseline import BaselineBackend
    from extractor.codebook.relevance import prefilter_reason
    from extractor.pipeline.article import extract_one

    record = asyncio.run(extract_one(article, BaselineBackend())).model_dump(mode="json")
    record["provenance"].pop("latency_s", None)
    return {"set": name, "prefilter": prefilter_reason(article.title, article.text), "record": record}


def current() -> list[dict]:
    return [snapshot_line(name, article) for name, article in articles()]


def main() -> None:
    lines = current()
    with gzip.GzipFile(SNAPSHOT, "wb", mtime=0) as out:
        for line in lines:
            out.write((json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n").encode())
    print(f"{len(lines)} records -> {SNAPSHOT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
