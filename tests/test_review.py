"""The review page without a browser: evidence spans, the page's data (highlights, gold versus predicted, compare),
charts as inline SVG, a self-contained file, and `extract review` on a JSONL output and a stored run."""

from __future__ import annotations

import base64
import gzip
import json
import re

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.errors import RunStoreError
from extractor.review.charts import bar_chart, range_chart
from extractor.review.highlight import highlight, segments
from extractor.review.page import embed_json, render
from extractor.review.sources import load_source
from extractor.text.normalize import normalize_quote
from extractor.text.spans import NormalizedText, quote_spans

from .conftest import REVIEW_FEED as FEED
from .conftest import REVIEW_FIXTURES as FIXTURES
from .conftest import make_db, stored_run


def page_data(html: str) -> dict:
    match = re.search(r'<script id="data" type="([^"]+)">(.*?)</script>', html, re.DOTALL)
    assert match, "the page embeds its data"
    kind, content = match.groups()
    if kind == "application/x-gzip-base64":
        return json.loads(gzip.decompress(base64.b64decode(content)))
    assert kind == "application/json"
    return json.loads(content)


def test_quote_spans_find_the_quote_in_the_original_text_after_normalisation():
    text = "He said: \u201cGunmen  killed 12 people\u201d in Kano\u2014on Sunday, then left."
    [(start, end)] = quote_spans('"Gunmen killed 12 people"', text)
    assert text[start:end] == "Gunmen  killed 12 people"
    assert [text[a:b] for a, b in quote_spans("gunmen killed ... Kano-on Sunday", text)] == [
        "Gunmen  killed",
        "Kano\u2014on Sunday",
    ]
    assert quote_spans("gunmen killed 99 people", text) == []
    assert quote_spans("Kano", text) == []  # too short to prove anything, as in grounding


@pytest.mark.parametrize(
    "text",
    [
        "Plain ASCII, with  double   spaces\nand lines.",
        'A "quoted" `word` \u201ccurly\u201d \u2014 dash\u00a0nbsp',
        'Stra\u00dfe \u00c9tienne \ufb01nal \u2018x\u2019 a " b',
        '  "  leading and trailing "  ',
    ],
)
def test_normalized_text_equals_the_grounding_normalisation(text):
    normalized = NormalizedText(text)
    assert normalized.text.strip() == normalize_quote(text)
    assert len(normalized.origin) == len(normalized.text) and normalized.origin == sorted(normalized.origin)


def test_overlapping_quotes_of_two_incidents_share_a_segment():
    text = "aaaa Gunmen killed twelve villagers in Zamfara State on Sunday, police said. bbbb"
    marks = highlight(
        text, [["Gunmen killed twelve villagers in Zamfara State"], ["Zamfara State on Sunday, police said"]]
    )
    assert marks.found == [[True], [True]]
    shared = [s for s in marks.segments if s.incidents == (0, 1)]
    assert [text[s.start : s.end] for s in shared] == ["Zamfara State"]
    assert [s.incidents for s in marks.segments] == [(0,), (0, 1), (1,)]
    assert segments([(0, 5, 0), (5, 9, 0)])[0].end == 9  # neighbours of one owner merge


def test_jsonl_output_with_feed_highlights_evidence_and_flags_ungrounded():
    source = load_source(str(FIXTURES / "predictions.jsonl"), feed=FEED)
    data = page_data(render(source))
    by_id = {a["id"]: a for a in data["articles"]}
    a1 = by_id["a1"]
    quoted = [a1["text"][s:e] for s, e, _ in a1["segments"]]
    assert "Gunmen killed at least 12 villagers in " in quoted and "opened fire on a market in Anka" in quoted
    assert [0, 1] in [owners for _, _, owners in a1["segments"]]  # the overlap of the two incidents
    killed = {k: v for k, _, v in a1["incidents"][0]["rows"]}["killed"]
    assert killed == "at least 12"
    a2 = by_id["a2"]
    assert a2["ungrounded"] is True
    assert [e["found"] for e in a2["incidents"][0]["evidence"]] == [True, False]
    assert a2["warnings"] and by_id["a3"]["status"] == "failed" and by_id["a3"]["error"]
    assert a2["feed"] == "feed" and a2["countries"] == ["Mali"]
    assert a1["prov"]["model"] == "test-model" and a1["prov"]["tokens"] == 1200


def test_stored_run_shows_gold_versus_predicted_with_missed_spurious_and_differing_fields(tmp_path):
    run = stored_run(tmp_path)
    source = load_source(str(run))
    assert source.gold is not None and source.articles, "feed and labels come from the manifest"
    html = render(source)
    gold = {a["id"]: a["gold"] for a in page_data(html)["articles"]}
    a1 = gold["a1"]
    assert [p["pred"] for p in a1["pairs"]] == [0] and a1["pairs"][0]["diff"] == ["killed"]
    assert a1["spurious"] == [1]
    assert [m["summary"] for m in a1["missed"]] == ["Gunmen abducted 20 students from a school in Katsina."]
    assert gold["a2"]["errors"] == 0 and gold["a4"]["errors"] == 0
    assert "Scores: all incidents" in html and "Gold vs predicted" in html
    assert "0.0048" in html  # the run's cost


def test_golden_option_on_a_plain_jsonl(tmp_path):
    source = load_source(str(FIXTURES / "predictions.jsonl"), feed=FEED, golden=str(FIXTURES / "labels.jsonl"))
    html = render(source)
    assert "Scores: all incidents" in html
    assert page_data(html)["gold"] is True


def test_compare_mode_shows_what_changed_between_two_runs(tmp_path):
    a = load_source(str(FIXTURES / "predictions.jsonl"), feed=FEED)
    b = load_source(str(FIXTURES / "predictions-b.jsonl"), texts=a.articles)
    data = page_data(render(a, b))
    cmp = {art["id"]: art["cmp"] for art in data["articles"]}
    assert cmp["a1"]["only_a"] == [1] and cmp["a1"]["pairs"][0]["changed"] == ["killed"]
    assert cmp["a3"]["status"] == ["failed", "ok"] and cmp["a3"]["changed"]
    assert not cmp["a2"]["changed"] and not cmp["a4"]["changed"]


def test_page_is_self_contained_and_charts_are_inline_svg():
    html = render(load_source(str(FIXTURES / "predictions.jsonl"), feed=FEED))
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html), "no resource from the network"
    assert "<style>" in html and "<script>" in html and "<link" not in html
    body = html.split('<script id="data"')[0]
    assert body.count("<svg") == 4, "charts are in the HTML itself, readable without JavaScript"
    assert "Nigeria: 2" in body and "Mali: 1" in body


def test_large_data_is_embedded_gzipped_and_decodes_to_the_same():
    source = load_source(str(FIXTURES / "predictions.jsonl"), feed=FEED)
    plain, packed = render(source), render(source, compress=True)
    assert 'type="application/json"' in plain and 'type="application/x-gzip-base64"' in packed
    assert page_data(packed) == page_data(plain)


def test_embedded_json_cannot_close_its_script_element():
    assert "</script>" not in embed_json({"title": "</script><script>alert(1)</script>"})


def test_charts_draw_bars_and_open_ranges():
    svg = bar_chart("t", [("Nigeria", 3), ("Mali", 1)])
    assert svg.index("Nigeria") < svg.index("Mali") and svg.count("<rect") == 2
    ranges = range_chart("k", [("Anka", 12, None), ("Mopti", 3, 3)])
    assert "at least 12" in ranges and 'class="arrow"' in ranges and "Mopti: 3" in ranges


def test_a_missing_run_is_a_one_line_error():
    with pytest.raises(RunStoreError):
        load_source("no-such-run.jsonl")


def test_extract_review_writes_the_page(tmp_path):
    run = stored_run(tmp_path)
    out = tmp_path / "review.html"
    result = CliRunner().invoke(app, ["review", str(run), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Gold vs predicted" in out.read_text(encoding="utf-8")
    result = CliRunner().invoke(app, ["review", str(tmp_path / "missing.jsonl"), "-o", str(out)])
    assert result.exit_code == 2 and "error:" in result.output and "Traceback" not in result.output


def test_database_source_shows_events_with_their_sources_side_by_side(tmp_path):
    from extractor.review.database import load_database

    source, events = load_database(make_db(tmp_path))
    assert len(source.records) == 5 and source.articles["b1"].text.startswith("Gunmen killed 15")
    [zamfara] = [e for e in events if len(e["sources"]) == 2]
    assert sorted(s["killed_text"] for s in zamfara["sources"]) == ["15", "at least 12"]
    assert {s["outlet"] for s in zamfara["sources"]} == {"example.org", "news.example.com"}
    assert zamfara["killed"][0] >= 12 and zamfara["killed_text"]
    html = render(source, None, events)
    assert f'id="event-{zamfara["id"]}"' in html and "Events (" in html and "Killed per event" in html
    assert 'class="artlink" data-id="b1"' in html
    articles = {a["id"]: a for a in page_data(html)["articles"]}
    assert {a["feed"] for a in articles.values()} == {"example.org", "news.example.com"}
    assert articles["b1"]["incidents"][0]["event"] == articles["a1"]["incidents"][0]["event"] == zamfara["id"]


def test_extract_review_db(tmp_path):
    out = tmp_path / "review.html"
    result = CliRunner().invoke(app, ["review", "--db", str(make_db(tmp_path)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Events (" in out.read_text(encoding="utf-8")
    result = CliRunner().invoke(app, ["review", "--db", str(tmp_path / "none.db"), "-o", str(out)])
    assert result.exit_code == 2 and "no incident database" in result.output


def test_incident_cards_read_like_sentences():
    from extractor.models import GroundedIncident
    from extractor.review.cards import card, count_text

    incident = GroundedIncident.model_validate(
        {
            "summary": "s", "date": "2024-09-01", "date_text": "on Sunday", "country": "Nigeria", "region": "Borno",
            "location": "Maiduguri", "attack_type": "suicide_attack", "suicide": True,
            "perpetrators": [{"name": "Boko Haram", "attribution": "suspected"}], "targets": [], "weapons": ["explosives"],
            "killed": {"min": 81, "max": None}, "wounded": {"min": 3, "max": 5}, "perpetrators_killed": None,
            "kidnapped": None, "claims": [{"by": "ISWAP", "killed": {"min": 100, "max": 100}, "wounded": None,
                                           "text": "100 apostates killed"}],
            "evidence": ["a quote of some length"], "primary": True, "grounded": True,
            "country_raw": "NG", "latitude": 11.8464, "longitude": 13.1603, "geo_precision": 1,
        }
    )  # fmt: skip
    rows = {key: value for key, _, value in card(incident)["rows"]}
    assert rows["killed"] == "at least 81" and rows["wounded"] == "between 3 and 5"
    assert rows["perpetrators"] == "Boko Haram (suspected)"
    assert rows["claims"] == "ISWAP claims 100 killed: \u201c100 apostates killed\u201d"
    assert rows["coordinates"] == "11.8464, 13.1603 (precision: the town itself)"
    assert (
        rows["country"] == "Nigeria (extracted as \u201cNG\u201d)"
        and rows["date"] == "2024-09-01 (\u201con Sunday\u201d)"
    )
    assert count_text(None) == "not reported" and "suicide" in rows


def test_a_run_without_its_feed_is_shown_without_texts_and_says_so():
    source = load_source(str(FIXTURES / "predictions.jsonl"))
    assert source.notes == ["no feed given (--feed): article texts are not shown"]
    html = render(source)
    assert "no feed given (--feed)" in html
    assert all(a["text"] is None and a["segments"] == [] for a in page_data(html)["articles"])


def test_a_golden_set_that_labels_none_of_the_articles_is_refused():
    with pytest.raises(RunStoreError, match="has a label in golden set seed"):
        load_source(str(FIXTURES / "predictions.jsonl"), feed=FEED, golden="seed")


@pytest.mark.parametrize(
    ("link", "live"),
    [("https://example.org/a", True), (" HTTP://example.org/a ", True), ("javascript:alert(1)", False),
     ("  JavaScript:alert(1)", False), ("data:text/html,<b>", False), ("vbscript:x", False), ("//evil.example", False),
     ("https://example.org/a b", False), (None, False)],
)  # fmt: skip
def test_only_web_addresses_become_links(link, live):
    from extractor.review.views import web_link

    assert (web_link(link) is not None) is live
