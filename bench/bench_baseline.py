"""Throughput of the offline baseline on one core: `python bench/bench_baseline.py [copies]`.

Builds a synthetic feed of the seed articles repeated (unique guids) in a temp dir, times extraction alone
and parse + extraction, prints articles per second, and rewrites the "## Baseline extractor" section of
bench/RESULTS.md (other sections are left as they are).
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from extractor.backends.baseline import extract_incidents
from extractor.feeds import load_feed

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "golden" / "feed.xml"
RESULTS = ROOT / "bench" / "RESULTS.md"
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


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() or str(os.cpu_count())
    return f"nproc {nproc}, {cpu}, Python {platform.python_version()}"


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
    write_section(section)


def write_section(section: str) -> None:
    """Replace this benchmark's section of RESULTS.md (up to the next '## ' heading), or append it."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
