"""The same flows against a real OpenAI-compatible server; skipped unless EXTRACT_LIVE_BASE_URL is set.

    EXTRACT_LIVE_BASE_URL=http://127.0.0.1:8765/v1 EXTRACT_LIVE_MODEL=qwen-coder-1.5b pytest tests/live -v

EXTRACT_LIVE_API_KEY is passed as OPENAI_API_KEY when the server needs one. Two short articles are used.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.models import ArticleRecord

from ..conftest import GOLDEN_FEED

LIVE_URL = os.environ.get("EXTRACT_LIVE_BASE_URL")
pytestmark = [pytest.mark.live, pytest.mark.skipif(not LIVE_URL, reason="EXTRACT_LIVE_BASE_URL is not set")]
runner = CliRunner()


@pytest.fixture
def short_feed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The golden feed cut to its two shortest articles (Manipur and Germany: one incident, none)."""
    if os.environ.get("EXTRACT_LIVE_API_KEY"):
        monkeypatch.setenv("OPENAI_API_KEY", os.environ["EXTRACT_LIVE_API_KEY"])
    text = GOLDEN_FEED.read_text(encoding="utf-8")
    head, *items = text.split("\t<item>")
    kept = [item for item in items if "?p=84270<" in item or "?p=84334<" in item]
    path = tmp_path / "short.xml"
    path.write_text(head + "".join("\t<item>" + item for item in kept).replace("</channel>\n</rss>", "") + "</channel>\n</rss>\n")
    return str(path)


def run(feed: str, output: str, *args: str):
    model = os.environ.get("EXTRACT_LIVE_MODEL", "gpt-4o-mini")
    return runner.invoke(app, ["run", feed, "--base-url", LIVE_URL, "--model", model, "-o", output, "-q",
                               "--concurrency", "1", *args])  # fmt: skip


def test_live_run_negotiates_a_mode_validates_and_caches(short_feed: str) -> None:
    first = run(short_feed, "first.jsonl")
    assert first.exit_code in (0, 1), first.output
    records = [ArticleRecord.model_validate_json(line) for line in Path("first.jsonl").read_text().splitlines()]
    assert len(records) == 2
    ok = [r for r in records if r.status == "ok"]
    assert ok, [r.error for r in records]
    assert all(r.provenance.mode in ("json_schema", "json_object_schema", "json_object", "prompt") for r in ok)
    assert all(r.provenance.usage.total_tokens > 0 for r in ok)

    second = run(short_feed, "second.jsonl")
    again = [ArticleRecord.model_validate_json(line) for line in Path("second.jsonl").read_text().splitlines()]
    assert all(r.provenance.cache_hit and r.provenance.attempts == 0 for r in again if r.status == "ok")
    assert "0 requests" in second.stderr or any(r.status == "failed" for r in again)
