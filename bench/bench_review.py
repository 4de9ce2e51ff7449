"""The review page on a large run: file size, render time, and load time in headless Chromium.

A synthetic run of N articles (the ten seed articles and their baseline records, repeated with unique ids and dates
spread over 100 days) is written as a JSONL feed and a predictions file; `extract review` renders it (timed as a
process), then Debian's Chromium opens the file from disk: time to the `load` event, time until the first page of
the article list is visible, and time to open an article and select an incident. Writes the "Review page" section
of bench/RESULTS.md.

    python bench/bench_review.py            # 1,000 and 10,000 articles
    python bench/bench_review.py --sizes 500
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

try:
    from bench.common import ROOT, SEED, machine, write_section
except ImportError:  # run as a script: python bench/bench_review.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.common import ROOT, SEED, machine, write_section

from extractor.feeds import load_feed
from extractor.models import ArticleRecord

BASELINE = ROOT / "docs" / "runs" / "baseline" / "predictions.jsonl"
CHROMIUM = os.environ.get("EXTRACT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
LOADS = 3


def synthetic_run(folder: Path, count: int) -> tuple[Path, Path]:
    """A JSONL feed and a predictions file of `count` articles made from the seed articles and baseline records."""
    articles = {a.id: a for a in load_feed(str(SEED)).articles}
    records = [ArticleRecord.model_validate_json(line) for line in BASELINE.read_text(encoding="utf-8").splitlines()]
    start = dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc)
    feed, predictions = folder / "articles.jsonl", folder / "predictions.jsonl"
    with feed.open("w", encoding="utf-8") as feed_out, predictions.open("w", encoding="utf-8") as pred_out:
        for n in range(count):
            record = records[n % len(records)]
            article = articles[record.article_id]
            new_id = f"{record.article_id}#{n}"
            published = start + dt.timedelta(days=n % 100, minutes=n)
            feed_out.write(
                json.dumps(
                    {
                        "id": new_id,
                        "title": f"{article.title} ({n})",
                        "text": article.text,
                        "published": published.isoformat(),
                        "url": f"https://example.org/{n}",
                    }
                )
                + "\n"
            )
            copy = record.model_copy(
                update={"article_id": new_id, "title": f"{record.title} ({n})", "published": published}
            )
            for incident in copy.incidents:
                if incident.date:
                    incident.date = (published - dt.timedelta(days=1)).date().isoformat()
            pred_out.write(copy.model_dump_json() + "\n")
    return feed, predictions


def render(feed: Path, predictions: Path, page: Path, extra: list[str]) -> tuple[float, int]:
    """Seconds `extract review` takes (the whole process) and the page's size in bytes."""
    extract = Path(sys.executable).with_name("extract")
    started = time.perf_counter()
    subprocess.run([str(extract), "review", str(predictions), "--feed", str(feed), "-o", str(page), *extra], check=True,
                   capture_output=True)  # fmt: skip
    return time.perf_counter() - started, page.stat().st_size


def load_times(page_path: Path, profile: Path) -> dict[str, float]:
    """Median over LOADS fresh loads: ms to the load event, to the list being visible, to an incident selected."""
    runs: list[dict[str, float]] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=ARGS, headless=True, viewport={"width": 1400, "height": 900}
        )
        for _ in range(LOADS):
            page = context.new_page()
            page.goto(page_path.as_uri(), wait_until="load", timeout=120_000)
            page.wait_for_selector("#list li", state="visible", timeout=120_000)
            timing = page.evaluate(
                """() => { const nav = performance.getEntriesByType('navigation')[0];
                           return {load: nav.loadEventEnd, dcl: nav.domContentLoadedEventEnd, ready: window.reviewReadyMs}; }"""
            )
            clicked = time.perf_counter()
            page.click("#list li:nth-child(2)")
            page.click("#cards .card[data-n='0']")
            page.wait_for_selector("#text mark.ev.active")
            timing["select"] = (time.perf_counter() - clicked) * 1000
            started = time.perf_counter()
            page.fill("#q", "Kabul")  # the input handler filters synchronously
            found = page.inner_text("#count")
            timing["search"] = (time.perf_counter() - started) * 1000
            assert not found.startswith(found.split()[-2]), f"the search filtered nothing: {found}"
            runs.append(timing)
            page.close()
        context.close()
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--plain", type=int, nargs="*", default=[10000], help="Sizes also rendered with --no-compress.")
    parser.add_argument("--no-write", action="store_true", help="Print only; leave RESULTS.md alone.")
    options = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for size in options.sizes:
            feed, predictions = synthetic_run(folder, size)
            for extra in [[], *([["--no-compress"]] if size in options.plain else [])]:
                page = folder / f"review-{size}-{len(extra)}.html"
                seconds, size_bytes = render(feed, predictions, page, extra)
                plain = '<script id="data" type="application/json">' in page.read_text(encoding="utf-8")
                data = "JSON" if plain else "gzip"
                timing = load_times(page, folder / f"profile-{size}-{len(extra)}")
                row = {"articles": size, "data": data, "render_s": seconds, "mb": size_bytes / 1e6, **timing}
                print(json.dumps(row), flush=True)
                rows.append(row)
    table = [
        ("| articles | data | `extract review` (s) | page size (MB) | DOMContentLoaded (ms) | load event (ms) | list visible (ms) "
        "| open article + select incident (ms) | search all texts (ms) |"),
        "|---|---|---|---|---|---|---|---|---|",
        *(f"| {r['articles']} | {r['data']} | {r['render_s']:.1f} | {r['mb']:.1f} | {r['dcl']:.0f} | {r['load']:.0f} | {r['ready']:.0f} "
          f"| {r['select']:.0f} | {r['search']:.0f} |" for r in rows),
    ]  # fmt: skip
    section = "\n".join([
        "## Review page",
        "",
        (f"Command: `python bench/bench_review.py --sizes {' '.join(map(str, options.sizes))}"
        f"{' --plain ' + ' '.join(map(str, options.plain)) if options.plain != [10000] else ''}` (synthetic runs: the ten seed "
        "articles and their baseline records repeated with unique ids, dates over 100 days; `extract review RUN --feed "
        "FEED` timed as a process; the page opened from disk in Debian's headless "
        f"{_chromium_version()}, median of {LOADS} fresh loads)."),
        "",
        f"Machine: {machine()}, 24 GiB.",
        "",
        ("Times are from navigation start (PerformanceNavigationTiming); 'list visible' is when the script has parsed the "
        "embedded data and drawn the first page of 100 articles; 'search' types a word found in a tenth of the "
        "articles and reads the filtered count. data: the page's data embedded as gzip + base64 (the default over 2 MB; "
        "the browser's DecompressionStream unpacks it) or as plain JSON (`--no-compress`). Each article is ~5 KB of "
        "text; the ten distinct articles repeat about 50 KB apart, beyond gzip's 32 KB window, so the repetition helps "
        "little: the data of the ten alone compresses 3.6 times, of 1,000 articles 4.1 times."),
        "",
        *table,
        "",
    ])  # fmt: skip
    if not options.no_write:
        write_section("## Review page", section)
    print(section)


def _chromium_version() -> str:
    try:
        out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=30, check=False).stdout
    except OSError:
        return ""
    return out.split(" built")[0].strip()


if __name__ == "__main__":
    main()
