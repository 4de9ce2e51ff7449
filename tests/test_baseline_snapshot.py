"""The offline baseline gives the same records as the committed snapshot (tests/snapshots/baseline-records.jsonl.gz,
made by tests/snapshots/make_baseline_snapshot.py before the phrase matching moved to an automaton): every incident
and field, and the pre-filter's verdict, on the seed, news-dev and adversarial golden sets and the MUC-4 fixture."""

from __future__ import annotations

import gzip
import json

from tests.snapshots.make_baseline_snapshot import SNAPSHOT, current


def test_baseline_records_match_the_snapshot():
    with gzip.open(SNAPSHOT, "rt", encoding="utf-8") as lines:
        expected = [json.loads(line) for line in lines]
    got = json.loads(json.dumps(current(), ensure_ascii=False))
    assert len(got) == len(expected)
    assert sum(len(line["record"]["incidents"]) for line in expected) > 20  # the snapshot holds incidents to compare
    assert any(line["prefilter"] for line in expected) and any(not line["prefilter"] for line in expected)
    for was, now in zip(expected, got):
        assert now == was, was["record"]["article_id"]
