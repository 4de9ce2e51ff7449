"""Feeds: the rebuilt seed, other feed formats, cleaning, and bad input through the library and the CLI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.errors import FeedError
from extractor.feeds import load_feed
from extractor.feeds.html import html_to_text, strip_tracking

from .conftest import ATOM, GOLDEN_FEED, RDF

runner = CliRunner()


def test_golden_feed_has_ten_full_articles() -> None:
    feed = load_feed(str(GOLDEN_FEED))
    assert feed.warnings == []
    assert len(feed.articles) == 10
    bamako = feed.articles[0]
    assert bamako.id == "https://thedefensepost.com/?p=85891"
    assert bamako.link == "https://thedefensepost.com/2024/09/24/mali-jnim-bamako-attack/"
    assert bamako.published == dt.datetime(2024, 9, 24, 5, 5, 52, tzinfo=dt.timezone.utc)
    assert len(bamako.text) > 7000
    assert bamako.text.count("\n\n") > 30, "paragraphs are kept"
    for article in feed.articles:
        assert "appeared first on" not in article.text
        assert len(article.text) > 1000, "the full content:encoded body, not the short description"


def test_atom_entry_is_cleaned_and_keeps_its_timezone(tmp_path: Path) -> None:
    path = tmp_path / "atom.xml"
    path.write_text(ATOM)
    (article,) = load_feed(str(path)).articles
    assert article.id == "urn:uuid:1"
    assert article.link == "https://news.test/diffa?id=7"
    assert article.text == "An IED killed five soldiers.\n\nSecond paragraph."
    assert article.published.utcoffset() == dt.timedelta(hours=2)


MEDIA_TEXT = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Weekly</title><link>https://weekly.test/</link><description>d</description>
<item><title>Analysis</title><link>https://weekly.test/a</link><guid>https://weekly.test/a</guid>
<description>A one-line summary.</description>
<media:content url="https://weekly.test/a.jpg"><media:description>A photo caption.</media:description></media:content>
<content:encoded><![CDATA[<p>The full article, first paragraph.</p><p>Second paragraph of the article.</p>]]></content:encoded>
</item></channel></rss>
"""


def test_the_longest_content_part_is_the_article(tmp_path: Path) -> None:
    """A media:description caption, which feedparser lists as content before content:encoded, is not the article."""
    path = tmp_path / "weekly.xml"
    path.write_text(MEDIA_TEXT)
    (article,) = load_feed(str(path)).articles
    assert article.text == "The full article, first paragraph.\n\nSecond paragraph of the article."


def test_rss1_rdf_entry_uses_the_description_and_a_detracked_id(tmp_path: Path) -> None:
    path = tmp_path / "rdf.xml"
    path.write_text(RDF)
    (article,) = load_feed(str(path)).articles
    assert article.id == "https://news.test/a"
    assert article.text == "Militants attacked an outpost."
    assert article.published == dt.datetime(2024, 9, 17, 6, 0, tzinfo=dt.timezone.utc)


def test_ill_formed_feed_keeps_what_was_recovered_and_warns(tmp_path: Path) -> None:
    path = tmp_path / "broken.xml"
    path.write_text(RDF.replace("</rdf:RDF>", "<item><title>cut"))
    feed = load_feed(str(path))
    assert [a.title for a in feed.articles][0] == "Raid in Agadez"
    assert feed.warnings and "not well-formed" in feed.warnings[0]


def test_html_cleaning_drops_scripts_and_footers() -> None:
    markup = "<p>One &amp; two.</p><script>var x;</script><div>Three<br>four</div><p>The post X appeared first on Y.</p>"
    assert html_to_text(markup) == "One & two.\n\nThree\n\nfour"


def test_strip_tracking_keeps_other_parameters() -> None:
    assert strip_tracking("https://a.test/p?utm_source=rss&p=3&fbclid=z") == "https://a.test/p?p=3"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.xml", None, "feed file not found"),
        ("empty.xml", b"", "feed is empty"),
        ("page.html", b"<!doctype html><html><body><p>Hello</p></body></html>", "not an RSS or Atom feed"),
        ("blob.bin", bytes(range(256)) * 4, "not an RSS or Atom feed"),
        ("nothing.xml", b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>',
         "no feed entries"),
    ],
)
def test_bad_input_is_a_clear_error(tmp_path: Path, name: str, content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(FeedError, match=message):
        load_feed(str(path))

    result = runner.invoke(app, ["run", str(path), "-q"])
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2, "one line (plus the baseline notice), no traceback"
    assert "Traceback" not in result.output
    assert not Path("incidents.jsonl").exists()


def test_feed_from_a_url(feed_server: str) -> None:
    assert len(load_feed(f"{feed_server}/feed.xml").articles) == 10
    with pytest.raises(FeedError, match="HTTP 404"):
        load_feed(f"{feed_server}/missing.xml")
