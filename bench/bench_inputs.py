"""Memory and time of reading inputs with `iter_articles`: `python bench/bench_inputs.py [--sizes 1000 10000 100000]
[--compare]`.

Writes synthetic inputs in a temp dir (JSONL articles of ~2,000 characters, and an RSS 2.0 feed whose items carry
~2,000 characters of HTML in content:encoded), then for each one, in a fresh subprocess, iterates `iter_articles`
counting the articles (keeping none) and reports the time and the peak RSS (ru_maxrss), next to the RSS of the
same process right after importing the package. `--compare` adds `load_feed` (the whole feed at once) on the RSS
files of up to 10,000 items. Prints a Markdown table; writes nothing else.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import machine  # noqa: E402

SIZES = (1_000, 10_000, 100_000)
COMPARE_UP_TO = 10_000
PARAGRAPH = (
    "Gunmen attacked a military outpost near the village of Kourou {n} on Sunday, killing {k} soldiers and "
    "wounding several others, the army said in a statement. Residents reported heavy gunfire for two hours "
    "before reinforcements arrived and the attackers withdrew toward the border area. "
)

# Runs in the fresh subprocess: argv is [mode, path]; prints one JSON line.
CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from extractor.feeds import iter_articles, load_feed
mode, path = sys.argv[1], sys.argv[2]
imported = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
warnings = []
started = time.perf_counter()
if mode == "whole":
    count = len(load_feed(path).articles)
else:
    count = sum(1 for _ in iter_articles(path, warnings.append))
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"count": count, "seconds": seconds, "peak_kb": peak, "import_kb": imported,
                  "warnings": len(warnings)}}))
"""


def article_text(n: int) -> list[str]:
    """Seven paragraphs, about 2,000 characters, different for each article."""
    return [PARAGRAPH.format(n=n * 7 + i, k=(n + i) % 13 + 1) for i in range(7)]


def write_jsonl(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            record = {
                "id": f"bench-{n}",
                "title": f"Attack on outpost {n}",
                "text": "\n\n".join(article_text(n)),
                "published": "2024-09-16T08:30:00+00:00",
                "url": f"https://news.test/a/{n}?utm_source=rss",
            }
            out.write(json.dumps(record) + "\n")


def write_rss(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/">\n<channel>\n'
            "<title>Bench feed</title><link>https://news.test/</link><description>Synthetic</description>\n"
        )
        for n in range(count):
            html = "".join(f"<p>{paragraph}</p>" for paragraph in article_text(n))
            out.write(
                f"<item><title>Attack on outpost {n}</title>"
                f"<link>https://news.test/a/{n}?utm_source=rss&amp;utm_medium=rss</link>"
                f'<guid isPermaLink="false">bench-{n}</guid><pubDate>Mon, 16 Sep 2024 08:30:00 +0000</pubDate>'
                f"<description>Gunmen attacked outpost {n}.</description>"
                f"<content:encoded><![CDATA[{html}]]></content:encoded></item>\n"
            )
        out.write("</channel>\n</rss>\n")


def measure(mode: str, path: Path) -> dict:
    """Run one read in a fresh interpreter and return its counts, time and memory."""
    result = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(ROOT)), mode, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--compare", action="store_true", help="also time load_feed on RSS files up to 10,000 items")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            runs = [("JSONL", "stream", Path(tmp) / f"articles-{size}.jsonl", write_jsonl)]
            runs.append(("RSS", "stream", Path(tmp) / f"feed-{size}.xml", write_rss))
            for kind, mode, path, write in runs:
                if not path.exists():
                    write(path, size)
                modes = [mode] + (["whole"] if args.compare and kind == "RSS" and size <= COMPARE_UP_TO else [])
                for run_mode in modes:
                    started = time.perf_counter()
                    stats = measure(run_mode, path)
                    assert stats["count"] == size, f"{path.name}: {stats['count']} articles, expected {size}"
                    reader = "load_feed" if run_mode == "whole" else "iter_articles"
                    rows.append((kind, reader, size, path.stat().st_size, stats))
                    print(f"{kind} {reader} {size}: {time.perf_counter() - started:.1f}s", file=sys.stderr)
                path.unlink()
    print(f"Machine: {machine()}\n")
    print("| input | reader | articles | file MB | time s | articles/s | peak RSS MB | RSS after import MB |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for kind, reader, size, file_bytes, stats in rows:
        print(
            f"| {kind} | {reader} | {size:,} | {file_bytes / 1e6:.1f} | {stats['seconds']:.2f} | "
            f"{size / stats['seconds']:,.0f} | {stats['peak_kb'] / 1024:.0f} | {stats['import_kb'] / 1024:.0f} |"
        )


if __name__ == "__main__":
    main()
