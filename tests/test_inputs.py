"""Inputs with flat memory: JSONL articles, lists of feeds (OPML, text), large feeds read item by item, and the one
entry point that tells them apart (`iter_articles`)."""

from __future__ import annotations

import datetime as dt
import inspect
import json
from pathlib import Path

import pytest

from extractor.errors import FeedError
from extractor.feeds import iter_articles, load_feed
from extractor.feeds import stream as stream_module
from extractor.feeds.jsonl import iter_jsonl, parse_jsonl
from extractor.feeds.lists import opml_sources, text_sources
from extractor.feeds.sources import source_kind
from extractor.feeds.stream import articles_from_documents, batch_documents, split_items, stream_feed

from .conftest import ATOM, GOLDEN_FEED, RDF

INPUTS = Path(__file__).parent / "fixtures" / "inputs"
JSONL = INPUTS / "articles.jsonl"
ALPHA_IDS = ["alpha-1", "https://alpha.test/maiduguri"]
BETA_IDS = ["urn:beta:1", "urn:beta:2"]
UTC = dt.timezone.utc


def collect(source: Path | str) -> tuple[list, list[str]]:
    warnings: list[str] = []
    return list(iter_articles(str(source), warnings.append)), warnings


class ReadRecorder:
    """A binary file that records how many bytes were read from it."""

    def __init__(self, path: Path) -> None:
        self._handle = path.open("rb")
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self.bytes_read += len(data)
        return data

    def close(self) -> None:
        self._handle.close()


# --- JSONL ------------------------------------------------------------------------------------------------------


def test_jsonl_keeps_valid_lines_and_names_each_bad_one() -> None:
    articles, warnings = collect(JSONL)
    assert [a.id for a in articles] == ["a1", "a2", "5", "a7"]
    a1, a2, a5, a7 = articles
    assert a1.title == "Attack in Diffa"
    assert a1.text == "An IED killed five soldiers near Diffa."
    assert a1.link == "https://news.test/diffa?id=7", "url becomes the de-tracked link"
    assert a1.published == dt.datetime(2024, 9, 19, 10, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert a2.published == dt.datetime(2024, 9, 17, 6, tzinfo=UTC), "RFC 822"
    assert (a5.title, a5.published, a5.link) == ("", None, None), "title, date and url are optional; id 5 -> '5'"
    assert a7.published == dt.datetime(2024, 9, 20)
    assert warnings == [
        f"{JSONL} line 2: not JSON (Expecting value, column 1); skipped",
        f"{JSONL} line 4: no id; skipped",
        f"{JSONL} line 6: no text; skipped",
        f"{JSONL} line 7: bad date 'next Tuesday'; skipped",
        f"{JSONL} line 9: not valid UTF-8 at byte 26; skipped",
    ]


def test_jsonl_without_a_valid_line_is_a_feed_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"id": "x"}\n[1, 2]\n\n{"id": "y", "text": "t", "published": 2024}\n')
    warnings: list[str] = []
    with pytest.raises(FeedError, match="no valid article line"):
        list(iter_articles(str(path), warnings.append))
    assert [w.split(": ", 1)[1] for w in warnings] == [
        "no text; skipped",
        "not a JSON object; skipped",
        "bad date 2024; skipped",
    ]
    (tmp_path / "empty.jsonl").write_bytes(b"")
    with pytest.raises(FeedError, match="no valid article line"):
        list(iter_articles(str(tmp_path / "empty.jsonl")))


def test_jsonl_is_read_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    with path.open("w") as out:
        for n in range(3000):
            out.write(json.dumps({"id": f"n{n}", "title": "t", "text": "x" * 100}) + "\n")
    assert inspect.isgenerator(iter_jsonl(str(path))) and inspect.isgenerator(iter_articles(str(path)))
    with path.open("rb") as handle:
        articles = parse_jsonl(handle, str(path))
        assert next(articles).id == "n0"
        assert handle.tell() < path.stat().st_size / 10, "the first article comes before the file is read"
        assert sum(1 for _ in articles) == 2999


# --- lists of feeds ---------------------------------------------------------------------------------------------


def test_opml_yields_nested_outlines_in_order_resolved_against_its_folder() -> None:
    assert list(opml_sources(str(INPUTS / "feeds.opml"))) == [str(INPUTS / "alpha.xml"), str(INPUTS / "beta.xml")]
    articles, warnings = collect(INPUTS / "feeds.opml")
    assert [a.id for a in articles] == ALPHA_IDS + BETA_IDS
    assert [a.title for a in articles] == [
        "Ambush near Menaka",
        "Market blast in Maiduguri",
        "Drone strike in Idlib",
        "Clashes in Khartoum",
    ]
    assert warnings == []


def test_text_list_skips_comments_and_blank_lines() -> None:
    assert list(text_sources(str(INPUTS / "feeds.txt"))) == [str(INPUTS / "alpha.xml"), str(INPUTS / "beta.xml")]
    articles, warnings = collect(INPUTS / "feeds.txt")
    assert [a.id for a in articles] == ALPHA_IDS + BETA_IDS
    assert articles[2].published == dt.datetime(2024, 9, 18, 22, 15, tzinfo=UTC)
    assert articles[3].text == "Fighting resumed in Khartoum."
    assert warnings == []


def test_a_listed_feed_that_fails_is_a_warning_and_the_others_go_on(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("<!doctype html><html><body><p>Hello</p></body></html>")
    listing = tmp_path / "feeds.txt"
    listing.write_text(f"page.html\n{INPUTS / 'beta.xml'}\n")
    articles, warnings = collect(listing)
    assert [a.id for a in articles] == BETA_IDS
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{listing}: listed feed skipped: {tmp_path / 'page.html'}: not an RSS or Atom feed")

    opml = tmp_path / "feeds.opml"
    opml.write_text(
        '<opml version="1.0"><body><outline xmlUrl="gone.xml"/>'
        f'<outline text="x"><outline xmlUrl="{INPUTS / "alpha.xml"}"/></outline></body></opml>'
    )
    articles, warnings = collect(opml)
    assert [a.id for a in articles] == ALPHA_IDS
    assert warnings == [f"{opml}: listed feed skipped: feed file not found: {tmp_path / 'gone.xml'}"]


def test_a_list_whose_feeds_all_fail_is_a_feed_error(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("<html><body>not a feed</body></html>")
    (tmp_path / "feeds.txt").write_text("page.html\n")
    warnings: list[str] = []
    with pytest.raises(FeedError, match="none of the 1 listed feeds could be read"):
        list(iter_articles(str(tmp_path / "feeds.txt"), warnings.append))
    assert len(warnings) == 1 and "not an RSS or Atom feed" in warnings[0]
    (tmp_path / "empty.opml").write_text('<opml version="2.0"><body><outline text="folder"/></body></opml>')
    with pytest.raises(FeedError, match="lists no feed"):
        list(iter_articles(str(tmp_path / "empty.opml")))


# --- telling inputs apart ---------------------------------------------------------------------------------------


def test_source_kind_from_name_and_content(tmp_path: Path) -> None:
    (tmp_path / "articles.txt").write_bytes(b'\n  {"id": "a", "text": "t"}\n')
    (tmp_path / "notes.txt").write_text("Some notes\nhttps://example.test/feed\n")
    (tmp_path / "list.cfg").write_text(f"# feeds\nhttps://example.test/feed.xml\n{INPUTS / 'alpha.xml'}\n")
    (tmp_path / "opml.xml").write_text('<?xml version="1.0"?>\n<!-- exported -->\n<opml version="2.0"><body/></opml>')
    assert source_kind(str(JSONL)) == "jsonl"
    assert source_kind(str(tmp_path / "articles.txt")) == "jsonl", "first non-blank byte is {"
    assert source_kind(str(INPUTS / "feeds.opml")) == "opml"
    assert source_kind(str(tmp_path / "opml.xml")) == "opml"
    assert source_kind(str(INPUTS / "feeds.txt")) == "list"
    assert source_kind(str(tmp_path / "list.cfg")) == "list"
    assert source_kind(str(tmp_path / "notes.txt")) == "feed", "a line that is no URL or path: not a list"
    assert source_kind(str(INPUTS / "alpha.xml")) == "feed"
    assert source_kind("https://example.test/feed.xml") == "feed"
    assert source_kind(str(tmp_path / "missing.xml")) == "feed"
    with pytest.raises(FeedError, match="feed file not found"):
        list(iter_articles(str(tmp_path / "missing.xml")))


def test_a_feed_url_is_fetched(feed_server: str) -> None:  # noqa: F811
    articles, warnings = collect(f"{feed_server}/feed.xml")
    assert len(articles) == 10 and articles[0].id == "https://thedefensepost.com/?p=85891" and warnings == []


def test_iter_articles_is_exported() -> None:
    import extractor.feeds

    assert "iter_articles" in extractor.feeds.__all__


# --- large feeds, item by item ----------------------------------------------------------------------------------


@pytest.fixture
def streaming(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every feed file takes the streaming path (threshold 0), in small chunks and batches of three items, and never
    falls back to load_feed."""
    monkeypatch.setattr(stream_module, "STREAM_THRESHOLD_BYTES", 0)
    monkeypatch.setattr(stream_module, "CHUNK_BYTES", 64)
    monkeypatch.setattr(stream_module, "BATCH_ITEMS", 3)

    def no_whole_read(source: str) -> None:
        raise AssertionError(f"{source} was read whole")

    monkeypatch.setattr(stream_module, "load_feed", no_whole_read)


def _feed_file(tmp_path: Path, name: str) -> Path:
    texts = {"atom.xml": ATOM, "rdf.xml": RDF}
    if name in texts:
        (tmp_path / name).write_text(texts[name])
        return tmp_path / name
    return GOLDEN_FEED if name == "golden" else INPUTS / name


@pytest.mark.parametrize("name", ["golden", "alpha.xml", "beta.xml", "atom.xml", "rdf.xml"])
def test_a_streamed_feed_gives_the_articles_load_feed_gives(tmp_path: Path, name: str, request) -> None:
    path = _feed_file(tmp_path, name)
    expected = load_feed(str(path)).articles
    request.getfixturevalue("streaming")
    articles, warnings = collect(path)
    assert articles == expected
    assert warnings == []


def test_the_streamed_golden_feed_has_its_values(streaming: None) -> None:
    articles, _ = collect(GOLDEN_FEED)
    assert len(articles) == 10
    assert articles[0].id == "https://thedefensepost.com/?p=85891"
    assert articles[0].published == dt.datetime(2024, 9, 24, 5, 5, 52, tzinfo=UTC)
    assert len(articles[0].text) > 7000 and "appeared first on" not in articles[0].text
    alpha, _ = collect(INPUTS / "alpha.xml")
    assert (
        alpha[0].text
        == "Gunmen ambushed a convoy near Menaka, killing four soldiers.\n\nThe army said is not a tag here."
    )


def test_the_stream_yields_the_first_article_before_reading_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream_module, "CHUNK_BYTES", 1024)
    monkeypatch.setattr(stream_module, "BATCH_ITEMS", 2)
    assert inspect.isgenerator(stream_feed(str(GOLDEN_FEED)))
    source = ReadRecorder(GOLDEN_FEED)
    try:
        articles = articles_from_documents(batch_documents(split_items(source)), str(GOLDEN_FEED))
        assert next(articles).id == "https://thedefensepost.com/?p=85891"
        size = GOLDEN_FEED.stat().st_size
        assert source.bytes_read < size / 2, f"read {source.bytes_read} of {size} bytes for the first article"
        assert sum(1 for _ in articles) == 9
        assert source.bytes_read == size
    finally:
        source.close()


def test_items_come_with_their_surroundings_only() -> None:
    """Each item comes alone, with the prolog and the start tags around it (head) and their closing tags (tail)."""
    with (INPUTS / "alpha.xml").open("rb") as handle:
        items = list(split_items(handle))
    assert len(items) == 2
    head, body, tail = (part.decode() for part in items[1])
    assert head.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:content=')
    assert head.endswith("<channel>") and tail == "</channel></rss>"
    assert body.startswith("<item>\n<title>Market blast in Maiduguri</title>") and body.endswith("</item>")
    assert "Menaka" not in head + body and "Alpha Wire" not in head, "nothing of the other item or the channel"
    batches = list(batch_documents(items))
    assert [count for count, _ in batches] == [2]
    assert batches[0][1] == (items[0].head + items[0].body + items[1].body + items[0].tail)


BROKEN = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Broken</title>
<item><title>First</title><guid>b1</guid><description>Fine.</description></item>
<item><title>Second &amp; bad</title><guid>b2</guid><description>Tom & Jerry &nbsp; raw <b>html<br></description></item>
<item><guid>b3</guid></item>
<item><title>Fourth</title><description>No guid, no link.</description></item>
<item><title>Cut</title><guid>b5</guid><description>The file ends he"""


def test_an_ill_formed_item_is_read_as_feedparser_can_with_a_warning(tmp_path: Path, streaming: None) -> None:
    """A bad item spoils only its batch (items 0-2 here, in batches of three), which feedparser reads loosely."""
    path = tmp_path / "broken.xml"
    path.write_text(BROKEN)
    articles, warnings = collect(path)
    assert articles == load_feed(str(path)).articles
    assert [a.id for a in articles] == ["b1", "b2", "entry-3", "b5"]
    assert articles[1].title == "Second & bad"
    assert articles[3].title == "Cut"
    assert [w.removeprefix(f"{path}: ").split(", kept")[0] for w in warnings] == [
        "entries 0-2 not well-formed",
        "entry 2 has no title and no text; skipped",
        "entries 3-4 not well-formed",
    ]


def test_a_large_file_that_is_no_feed_is_left_to_load_feed(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(stream_module, "STREAM_THRESHOLD_BYTES", 0)
    (tmp_path / "page.xml").write_text("<html><body><p>Hello</p></body></html>")
    with pytest.raises(FeedError, match="not an RSS or Atom feed"):
        list(iter_articles(str(tmp_path / "page.xml")))
