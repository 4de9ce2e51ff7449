"""Bounded work per article: the baseline's rules and the checks run off the event loop (a huge article does not
hold up a small one), long articles are read in windows, oversized feed items are skipped, and the concurrency
is capped."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.baseline import BaselineBackend
from extractor.cli import app
from extractor.feeds import iter_articles
from extractor.feeds import stream as stream_module
from extractor.models import Article, ArticleRecord
from extractor.pipeline.run import run_feed

runner = CliRunner()
SMALL = "Gunmen killed three villagers in Maiduguri, Nigeria, on Monday, police said."
FILLER = "The council met on Tuesday to discuss the budget for the new school year and the roads. "
VIOLENT = "Gunmen killed three villagers near the market in Maiduguri on Monday, police said. "


class _Order:
    def __init__(self) -> None:
        self.ids: list[str] = []
        self.records: list[ArticleRecord] = []

    def write(self, record: ArticleRecord) -> None:
        self.ids.append(record.article_id)
        self.records.append(record)


def test_a_huge_article_does_not_hold_up_a_small_one() -> None:
    backend = BaselineBackend()
    asyncio.run(run_feed([Article(id="warm", title="T", text=SMALL)], backend, _Order()))  # indexes loaded once
    huge = Article(id="huge", title="T", text="\n\n".join([FILLER * 4 + VIOLENT] * 150))
    small = Article(id="small", title="T", text=SMALL)
    sink = _Order()

    asyncio.run(run_feed([huge, small], BaselineBackend(), sink, concurrency=2))

    assert sink.ids == ["small", "huge"], "the small article, taken second, is written first"
    by_id = {r.article_id: r for r in sink.records}
    assert by_id["huge"].status == "ok" and by_id["huge"].windows > 1, "the long article was read in windows"
    assert by_id["small"].incidents


def test_the_baseline_reads_at_most_its_window_cap() -> None:
    from extractor.baseline.extractor import MAX_WINDOWS, WINDOW_CHARS

    text = "\n\n".join([FILLER * 20] * (MAX_WINDOWS * WINDOW_CHARS // (len(FILLER) * 20) + 40))
    sink = _Order()

    asyncio.run(run_feed([Article(id="long", title="T", text=text)], BaselineBackend(), sink))

    (record,) = sink.records
    assert record.windows == MAX_WINDOWS and record.window_cap_hit
    assert any("not read" in w for w in record.warnings)


def test_an_oversized_item_of_a_streamed_feed_is_skipped_with_one_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream_module, "STREAM_THRESHOLD_BYTES", 0)
    monkeypatch.setattr(stream_module, "MAX_ITEM_BYTES", 10_000)
    monkeypatch.setattr(stream_module, "CHUNK_BYTES", 1024)
    items = [f"<item><guid>id-{n}</guid><title>Item {n}</title><description>Text {n}.</description></item>"
             for n in range(3)]  # fmt: skip
    items[1] = f"<item><guid>id-1</guid><title>Big</title><description>{'x' * 50_000}</description></item>"
    path = tmp_path / "feed.xml"
    path.write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{"".join(items)}</channel></rss>')
    warnings: list[str] = []

    articles = list(iter_articles(str(path), warnings.append))

    assert [a.id for a in articles] == ["id-0", "id-2"]
    assert warnings == [f"{path}: entry 1 is larger than 10000 bytes (MAX_ITEM_BYTES); skipped"]


def test_a_huge_concurrency_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "articles.jsonl"
    path.write_text("".join(json.dumps({"id": f"a{n}", "title": "T", "text": SMALL}) + "\n" for n in range(10)))

    result = runner.invoke(app, ["run", str(path), "--model", "baseline", "--concurrency", "100000000", "-q"])

    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()[-1:]
    assert line.startswith("error:") and "concurrency" in line and "256" in line
    assert "Traceback" not in result.stderr and not Path("incidents.jsonl").exists()


def test_the_library_caps_its_workers_too() -> None:
    sink = _Order()
    articles = [Article(id=f"a{n}", title="T", text=SMALL) for n in range(10)]

    summary = asyncio.run(run_feed(articles, BaselineBackend(), sink, concurrency=100_000_000))

    assert summary.ok == 10 and sorted(sink.ids) == sorted(a.id for a in articles)
