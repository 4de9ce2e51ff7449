"""Throughput of the offline baseline on one core: `python bench/bench_baseline.py [copies]`.

Builds a synthetic feed of the seed articles repeated (unique guids) in a temp dir, times extraction alone
and parse + extraction, prints articles per second, and rewrites the "## Baseline extractor" section of
bench/RESULTS.md (other sections are left as they are).
"""

from __future__ import annotations

import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import SEED, machine, write_section  # noqa: E402
from extractor.baseline import extract_incidents  # noqa: E402
from extractor.feeds import load_feed  # noqa: E402

HEADING = "## Baseline extractor"


def synthetic_feed(path: Path, copies: int) -> int:
    """Write the seed feed with its items repeated `copies` times, each with a unique guid; return the item count."""
    tree = ET.parse(SEED)
    channel = tree.getroot().find("channel")
    items = channel.findall("item")
    for item in items:
        channel.remove(item)
    for n in range(copies):
        for item in items:
            clone = ET.fromstring(ET.tostring(item))
            guid = clone.find("guid")
            if guid is None:
                guid = ET.SubElement(clone, "guid")
            guid.text = f"{guid.text or 'item'}#copy{n}"
            guid.set("isPermaLink", "false")
            channel.append(clone)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return copies * len(items)




def main(copies: int = 300) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "feed.xml"
        count = synthetic_feed(path, copies)
        extract_incidents(load_feed(str(SEED)).articles[0])  # warm caches: group regex, gazetteer
        started = time.perf_counter()
        articles = load_feed(str(path)).articles
        parsed = time.perf_counter()
        incidents = sum(len(extract_incidents(a)) for a in articles)
        done = time.perf_counter()
    assert len(articles) == count
    extract_rate = count / (done - parsed)
    total_rate = count / (done - started)
    print(f"{count} articles, {incidents} incidents")
    print(f"parse {parsed - started:.2f} s, extract {done - parsed:.2f} s")
    print(f"extraction only: {extract_rate:.0f} articles/s; parse + extraction: {total_rate:.0f} articles/s")
    section = (
        f"{HEADING}\n\n"
        f"Command: `python bench/bench_baseline.py {copies}` (one process, one core; synthetic feed of the "
        f"{count // copies} seed articles repeated {copies} times with unique guids).\n\n"
        f"Machine: {machine()}.\n\n"
        f"| articles | incidents | parse (s) | extract (s) | extraction only (articles/s) | parse + extraction (articles/s) |\n"
        f"|---|---|---|---|---|---|\n"
        f"| {count} | {incidents} | {parsed - started:.2f} | {done - parsed:.2f} | {extract_rate:.0f} | {total_rate:.0f} |\n"
    )
    write_section(HEADING, section)




if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
