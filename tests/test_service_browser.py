"""The judgement loop in a real headless Chromium (Debian's, through Playwright): the review page served by a real
`extract serve`, one incident marked wrong and one missed incident flagged from a selected sentence, then
`extract golden export` holds both."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright
from typer.testing import CliRunner

from extractor.cli import app
from extractor.models import GoldArticle

from .conftest import AUTH, BROWSER_ARGS, CHROMIUM, TOKEN, article_json, free_port, service_healthy, wait_for


@pytest.fixture
def service(tmp_path: Path, golden_articles):
    port = free_port()
    db = tmp_path / "judged.db"
    command = [sys.executable, "-c", "from extractor.cli import app; app()", "serve", "--db", str(db), "--port",
               str(port), "--model", "baseline", "--public-read"]  # fmt: skip
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115
    process = subprocess.Popen(command, env={**os.environ, "EXTRACT_API_TOKENS": TOKEN}, stdout=log,
                               stderr=subprocess.STDOUT, cwd=tmp_path)  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    wait_for(lambda: service_healthy(base, process), "the service", process)
    body = {"articles": [article_json(a) for a in golden_articles]}
    assert httpx.post(f"{base}/v1/extract", json=body, headers=AUTH, timeout=120).status_code == 200
    yield base, db
    process.terminate()
    process.wait(timeout=60)


@pytest.fixture
def page(tmp_path: Path):
    if not os.access(CHROMIUM, os.X_OK):  # a missing or non-executable browser
        message = f"no Chromium at {CHROMIUM}: apt-get install chromium, or set EXTRACT_CHROMIUM"
        if os.environ.get("EXTRACT_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=BROWSER_ARGS, headless=True,
            viewport={"width": 1200, "height": 700},
        )  # fmt: skip
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        yield page
        context.close()
        assert not errors, f"JavaScript errors: {errors}"


SELECT_LAST_SENTENCE = """() => {
  const walker = document.createTreeWalker(document.getElementById("text"), NodeFilter.SHOW_TEXT);
  let node, last = null;
  while ((node = walker.nextNode())) if (node.textContent.trim().length > 40) last = node;
  const text = last.textContent, start = text.search(/\\S/), range = document.createRange();
  range.setStart(last, start);
  range.setEnd(last, text.trimEnd().length);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  return String(selection).trim();
}"""


def test_mark_one_wrong_flag_one_missed_and_golden_export_holds_both(service, page, tmp_path: Path) -> None:
    base, db = service
    page.goto(f"{base}/review")
    page.click("#list li:has-text('At Least 12 Soldiers Killed in Niger')")
    expect(page.locator("#cards .card[data-n='0'] .judge")).to_be_visible()
    page.fill("#judge-token", "not-the-token-0123456789")
    page.fill("#judge-who", "carol")
    page.click("#cards .card[data-n='0'] button[data-v='wrong']")
    expect(page.locator("#judge-status")).to_contain_text("refused (401)")  # the token is checked
    page.fill("#judge-token", TOKEN)
    card = page.locator("#cards .card[data-n='0']")
    card.locator("select.judge-reason").select_option("not_an_incident")
    card.locator("button[data-v='wrong']").click()
    expect(page.locator("#judge-status")).to_have_text("saved: wrong")
    sentence = page.evaluate(SELECT_LAST_SENTENCE)
    page.click("#judge-missed")
    expect(page.locator("#judge-status")).to_have_text("saved: missed")

    judgements = httpx.get(f"{base}/v1/judgements", headers=AUTH, timeout=10).json()["items"]
    assert [(j["verdict"], j["reviewer"]) for j in judgements] == [("wrong", "carol"), ("missed", "carol")]
    assert judgements[0]["reason"] == "not_an_incident" and judgements[1]["sentence"] == sentence
    article_id = judgements[0]["article_id"]
    predicted = httpx.get(f"{base}/v1/incidents", params={"limit": 500}, headers=AUTH, timeout=10).json()["items"]
    kept = [i for i in predicted if i["article_id"] == article_id and i["n"] != 0]

    labels = tmp_path / "labels.jsonl"
    result = CliRunner().invoke(app, ["golden", "export", "--db", str(db), "-o", str(labels)])
    assert result.exit_code == 0, result.output
    (gold,) = [GoldArticle.model_validate_json(line) for line in labels.read_text().splitlines()]
    assert gold.article_id == article_id
    assert [i.summary for i in gold.incidents[:-1]] == [i["summary"] for i in kept]  # incident 0 dropped
    assert gold.incidents[-1].evidence == [sentence]  # the missed one added


def test_correct_a_field_from_the_page_and_golden_export_applies_it(service, page, tmp_path: Path) -> None:
    base, db = service
    page.goto(f"{base}/review")
    page.click("#list li:has-text('Six Killed, 13 Wounded in Kabul')")
    card = page.locator("#cards .card[data-n='0']")
    expect(card.locator(".judge")).to_be_visible()
    page.fill("#judge-token", TOKEN)
    page.fill("#judge-who", "dana")
    card.locator("select.judge-field").select_option("killed")
    card.locator("input.judge-value").fill("7-9")
    card.locator("button[data-v='corrected']").click()
    expect(page.locator("#judge-status")).to_have_text("saved: corrected")
    card.locator("select.judge-field").select_option("wounded")
    card.locator("input.judge-value").fill("many")  # not a count: refused with the reason, nothing stored
    card.locator("button[data-v='corrected']").click()
    expect(page.locator("#judge-status")).to_contain_text("refused (")

    judgements = httpx.get(f"{base}/v1/judgements", headers=AUTH, timeout=10).json()["items"]
    assert [(j["verdict"], j["field"], j["value"], j["reviewer"]) for j in judgements] == [
        ("corrected", "killed", {"min": 7, "max": 9}, "dana")]  # fmt: skip
    labels = tmp_path / "labels.jsonl"
    result = CliRunner().invoke(app, ["golden", "export", "--db", str(db), "-o", str(labels)])
    assert result.exit_code == 0, result.output
    (gold,) = [GoldArticle.model_validate_json(line) for line in labels.read_text().splitlines()]
    assert (gold.incidents[0].killed.min, gold.incidents[0].killed.max) == (7, 9)
