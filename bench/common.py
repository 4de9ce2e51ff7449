"""What the benchmark scripts share: paths, a description of the machine, and writing their RESULTS.md section."""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "golden" / "feed.xml"
RESULTS = ROOT / "bench" / "RESULTS.md"


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")  # fmt: skip
    return f"nproc {os.cpu_count()}, {cpu}, Python {platform.python_version()}"


def write_section(heading: str, section: str) -> None:
    """Replace the section under `heading` in RESULTS.md (up to the next '## ' heading), or append it."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)
