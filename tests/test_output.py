"""Output formats, and what is on disk after an interruption."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import httpx
from typer.testing import CliRunner

from extractor.cli import app

from .conftest import BASE_URL, COMPLETIONS, GOLDEN_FEED, article_of, extraction_reply

runner = CliRunner()


def test_csv_has_a_row_per_incident() -> None:
    jsonl = runner.invoke(app, ["run", str(GOLDEN_FEED), "-o", "out.jsonl", "-q"])
    result = runner.invoke(app, ["run", str(GOLDEN_FEED), "--format", "csv", "-o", "out.csv", "-q"])

    assert jsonl.exit_code == result.exit_code == 0
    incidents = sum(len(json.loads(line)["incidents"]) for line in Path("out.jsonl").read_text().splitlines())
    rows = list(csv.DictReader(Path("out.csv").read_text().splitlines()))
    assert len(rows) == incidents > 0
    kabul = next(r for r in rows if "Kabul" in r["title"])
    assert (kabul["killed_min"], kabul["killed_max"], kabul["wounded_min"]) == ("6", "6", "13")
    assert kabul["grounded"] == "True" and kabul["evidence"]


def test_stdout_output_is_jsonl() -> None:
    result = runner.invoke(app, ["run", str(GOLDEN_FEED), "-o", "-", "-q"])
    assert result.exit_code == 0
    assert len([json.loads(line) for line in result.stdout.splitlines()]) == 10


def test_ctrl_c_leaves_every_finished_article_on_disk(httpx2_mock, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    answered: list[str] = []

    def interrupt_third(request: httpx.Request) -> httpx.Response:
        if len(answered) == 2:
            raise KeyboardInterrupt
        answered.append(article_of(request))
        return extraction_reply(answered[-1])

    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=interrupt_third)

    result = runner.invoke(
        app, ["run", str(GOLDEN_FEED), "--model", "m", "--base-url", BASE_URL, "--concurrency", "1", "-o", "out.jsonl"]
    )

    assert result.exit_code == 130
    assert "interrupted" in result.stderr and "--resume" in result.stderr
    assert route.called and len(answered) == 2, "the third request raised KeyboardInterrupt"
    lines = Path("out.jsonl").read_text().splitlines()
    assert len(lines) == 2
    assert all(json.loads(line)["status"] == "ok" for line in lines)
