"""The review page in a real headless Chromium (Debian's `chromium`, driven by Playwright's Python API; nothing
downloads a browser): opened from disk, an incident selected, a country filter, gold versus predicted, a screenshot.

`$EXTRACT_CHROMIUM` names another Chromium executable. CI installs Debian's chromium (`.ci/run`)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from PIL import Image, ImageStat
from playwright.sync_api import Page, expect, sync_playwright

from extractor.review.page import render, write_page
from extractor.review.sources import load_source

from .conftest import REVIEW_FEED as FEED
from .conftest import REVIEW_FIXTURES as FIXTURES
from .conftest import BROWSER_ARGS, CHROMIUM, make_db, stored_run



@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not os.access(CHROMIUM, os.X_OK):  # a missing or non-executable browser
        message = f"no Chromium at {CHROMIUM}: apt-get install chromium, or set EXTRACT_CHROMIUM"
        if os.environ.get("EXTRACT_REQUIRE_BROWSER") == "1":  # CI (.ci/run) installs it: missing there is a failure
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM, args=BROWSER_ARGS, headless=True, viewport={"width": 1200, "height": 420},
            offline=True,
        )  # fmt: skip
        yield context
        context.close()


@pytest.fixture
def page(browser):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    yield page
    page.close()
    assert not errors, f"JavaScript errors: {errors}"
    assert all(url.startswith(("file://", "data:", "about:")) for url in requests), f"network requests: {requests}"


def open_page(page: Page, path: Path, fragment: str = "") -> None:
    page.goto(path.as_uri() + fragment)
    page.wait_for_selector("body[data-ready]")


def in_view(page: Page, selector: str) -> bool:
    """Whether the element is inside the window and inside its scrolled text pane."""
    return page.eval_on_selector(
        selector,
        """el => { const r = el.getBoundingClientRect(), p = el.closest('.text').getBoundingClientRect();
                   return r.top >= 0 && r.bottom <= window.innerHeight && r.top >= p.top && r.bottom <= p.bottom; }""",
    )


@pytest.fixture(scope="module")
def run_page(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("review") / "review.html"
    write_page(path, render(load_source(str(FIXTURES / "predictions.jsonl"), feed=FEED)))
    return path


@pytest.fixture(scope="module")
def gold_page(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("gold")
    path = folder / "review.html"
    write_page(path, render(load_source(str(stored_run(folder)))))
    return path


@pytest.fixture(scope="module")
def packed_page(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("packed") / "review.html"
    write_page(path, render(load_source(str(FIXTURES / "predictions.jsonl"), feed=FEED), compress=True))
    return path


@pytest.mark.parametrize("which", ["run_page", "packed_page"])
def test_selecting_an_incident_highlights_and_scrolls_to_its_quotes(page, which, request):
    open_page(page, request.getfixturevalue(which))
    assert page.inner_text("#detail h2") == "Attacks in northern Nigeria"
    first_quote = "#text mark.ev[data-inc~='0']"
    assert page.locator(first_quote).count() >= 2
    assert not in_view(page, first_quote), "the text starts below the fold in a short window"
    page.click("#cards .card[data-n='0']")
    active = page.locator("#text mark.ev.active")
    assert active.count() == page.locator(first_quote).count()
    assert "Gunmen killed at least 12 villagers" in active.first.inner_text()
    assert in_view(page, "#text mark.ev.active"), "the first quote is scrolled into view"
    assert page.locator("#text mark.ev.active.multi").count() == 1, "the quote shared with incident 2 is marked"
    page.click("#cards .card[data-n='1']")
    assert "Maiduguri" in " ".join(page.locator("#text mark.ev.active").all_inner_texts())
    assert page.locator("#cards .card.active").count() == 1


def test_ungrounded_quotes_and_failures_are_flagged(page, run_page):
    open_page(page, run_page)
    page.click("#list li:has-text('Soldiers killed in central Mali')")
    assert page.locator("#cards .card.ungrounded .badge.bad").inner_text() == "1 quote(s) not found"
    assert "not found in the text" in page.locator("#cards li.nf").inner_text()
    assert "quote not found" in page.inner_text("#detail .warnings")
    page.click("#list li:has-text('Arrest in Mombasa')")
    assert "ExtractionFailed" in page.inner_text("#detail .error")


def test_filter_by_country_and_search(page, run_page):
    open_page(page, run_page)
    assert page.locator("#list li").count() == 4
    page.select_option("#f-country", "Mali")
    assert page.locator("#list li").all_inner_texts()[0].startswith("Soldiers killed in central Mali")
    assert page.locator("#list li").count() == 1 and page.inner_text("#count") == "1 of 4 articles"
    page.select_option("#f-country", "")
    page.check("#f-failed")
    assert page.locator("#list li").count() == 1
    page.uncheck("#f-failed")
    page.fill("#q", "thrilling")
    assert page.locator("#list li").all_inner_texts()[0].startswith("A thrilling match")


def test_gold_versus_predicted_marks_missed_and_spurious(page, gold_page):
    open_page(page, gold_page, "#gold")
    expect(page.locator("#gold")).to_be_visible()  # views switch on hashchange, which is asynchronous: wait
    expect(page.locator("#articles")).to_be_hidden()
    article = page.locator(".gv", has_text="Attacks in northern Nigeria")
    assert article.locator(".gvrow.missed .tag.missed").inner_text() == "missed"
    assert "Katsina" in article.locator(".gvrow.missed").inner_text()
    assert article.locator(".gvrow.spurious .tag.spurious").inner_text() == "spurious"
    assert "Maiduguri" in article.locator(".gvrow.spurious").inner_text()
    assert article.locator(".gvrow.pair tr.diff[data-field='killed']").count() == 2, "killed differs, both sides"
    assert page.locator("table.scores").first.is_visible()
    page.check("#g-errors")
    assert page.locator(".gv").count() == 1, "only the Nigerian article disagrees"


@pytest.fixture(scope="module")
def db_page(tmp_path_factory) -> Path:
    from extractor.review.database import load_database

    folder = tmp_path_factory.mktemp("db")
    source, events = load_database(make_db(folder))
    path = folder / "review.html"
    write_page(path, render(source, None, events))
    return path


def test_events_show_sources_side_by_side_and_link_to_articles(page, db_page):
    open_page(page, db_page, "#events")
    expect(page.locator("#events")).to_be_visible()
    expect(page.locator("#articles")).to_be_hidden()
    event = page.locator(".event", has_text="Anka, Zamfara, Nigeria")
    rows = event.locator("table.evtable tr")
    assert rows.count() == 4, "a header, two sources, the reconciled figures"
    cells = " ".join(rows.all_inner_texts())
    assert "news.example.com" in cells and "example.org" in cells and "reconciled" in cells
    event.locator("a.artlink[data-id='b1']").click()
    page.wait_for_function("location.hash.startsWith('#article=')")
    expect(page.locator("#articles")).to_be_visible()
    assert page.inner_text("#detail h2") == "Market attack in Zamfara"
    assert "Gunmen killed 15 people at a market in Anka" in page.locator("#text mark.ev").first.inner_text()
    page.click("#cards .card[data-n='0'] a.evlink")
    expect(page.locator("#events")).to_be_visible()
    expect(page.locator("#articles")).to_be_hidden()
    assert "Anka, Zamfara, Nigeria" in page.inner_text("#events .event.active h3")
    page.check("#e-multi")
    expect(page.locator("#events .event:visible")).to_have_count(1)  # only the event two articles report


def test_compare_mode_marks_what_changed(page, tmp_path):
    a = load_source(str(FIXTURES / "predictions.jsonl"), feed=FEED)
    b = load_source(str(FIXTURES / "predictions-b.jsonl"), texts=a.articles)
    path = tmp_path / "compare.html"
    write_page(path, render(a, b))
    open_page(page, path)
    page.check("#f-changed")
    assert page.inner_text("#count") == "2 of 4 articles"
    page.click("#list li:has-text('Attacks in northern Nigeria')")
    assert "changed: killed" in page.inner_text("#detail .gvrow.cmp .tag.changed")
    assert page.locator("#detail .gvrow.cmp tr.diff[data-field='killed']").count() == 2
    assert page.inner_text("#detail .tag.removed") == "only in run A"
    assert "Maiduguri" in page.locator("#detail .gvrow", has=page.locator(".tag.removed")).inner_text()


def test_screenshot_is_not_blank(page, run_page, tmp_path):
    page.set_viewport_size({"width": 1200, "height": 900})
    open_page(page, run_page)
    page.click("#cards .card[data-n='0']")
    shot = page.screenshot(full_page=False)
    (tmp_path / "review.png").write_bytes(shot)
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    assert image.size == (1200, 900)
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50, "more than a blank page"
    assert max(ImageStat.Stat(image).stddev) > 20
    highlight = (0xFF, 0xD5, 0x4F)  # the first incident's colour
    assert any(colour == highlight for _, colour in colours), "the highlighted evidence is on screen"


@pytest.mark.parametrize("link", ["  JaVaScript:document.body.dataset.pwned='1'", "data:text/html,<b>x</b>"])
def test_a_feed_link_that_is_not_a_web_address_is_shown_as_text(page, tmp_path, link):
    lines = (FIXTURES / "predictions.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["link"] = link
    records = tmp_path / "records.jsonl"
    records.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n", encoding="utf-8")
    path = tmp_path / "review.html"
    write_page(path, render(load_source(str(records), feed=FEED)))
    open_page(page, path)
    page.click(f"#list li:has-text('{first['title']}')")
    meta = page.locator("#detail .meta")
    assert meta.locator("a").count() == 0  # no live link at all
    assert link.strip() in meta.inner_text()  # shown, as text
    page.click("#list li:has-text('Soldiers killed in central Mali')")  # an https link stays a link
    assert page.locator("#detail .meta a").get_attribute("href").startswith("https://")


def test_the_policy_blocks_inline_handlers_but_runs_the_page_script(page, run_page):
    open_page(page, run_page)  # data-ready: the page's own script ran under the policy
    policy = page.get_attribute("meta[http-equiv='Content-Security-Policy']", "content")
    assert "script-src 'sha256-" in policy and "default-src 'none'" in policy
    page.evaluate("""() => { const b = document.createElement('button'); b.id = 'probe';
                             b.setAttribute('onclick', "document.body.dataset.pwned = '1'");
                             document.body.appendChild(b); b.click(); }""")
    assert page.get_attribute("body", "data-pwned") is None
