"""Any input to a stream of Articles: `iter_articles` decides what a source is and hands it to its reader.

- an http(s) URL: a feed, fetched by `load_feed`;
- a `.jsonl` file, or a file whose first non-blank byte is `{`: JSONL articles (jsonl.py);
- an XML file whose root element is `<opml>`: a list of feeds (lists.py);
- a text file whose lines (apart from blanks and `#` comments) are URLs or existing paths: a list of feeds;
- anything else: a feed file, read whole when small and item by item when large (stream.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from urllib.request import url2pathname

from ..errors import FeedError
from ..models import Article
from .fetch import FetchLimits
from .identity import distinct_ids
from .jsonl import iter_jsonl
from .lists import is_source_line, iter_listed, opml_sources, text_sources
from .stream import URL_SCHEMES, iter_feed

log = logging.getLogger(__name__)
Kind = Literal["feed", "jsonl", "opml", "list"]
SNIFF_BYTES = 8192  # how much of a file is read to tell what it is
_BOM = b"\xef\xbb\xbf"
_XML_PREAMBLE = re.compile(rb"<!--.*?-->|<\?.*?\?>|<!DOCTYPE[^\[>]*(?:\[.*?\][^>]*)?>", re.DOTALL | re.IGNORECASE)
_ROOT = re.compile(rb"\s*<([^\s/>]+)")


def iter_articles(
    source: str, warn: Callable[[str], None] | None = None, limits: FetchLimits | None = None
) -> Iterator[Article]:
    """The Articles of a feed URL, a feed file (of any size), a JSONL file, an OPML file or a text list of feeds.

    A generator: nothing is read before the first article is asked for, and no more than one line (JSONL) or one
    batch of items (a large feed) is held at a time; URLs and feed files up to stream.STREAM_THRESHOLD_BYTES are
    read whole; a URL is fetched within `limits` (a total deadline and a size cap: settings fetch_timeout and
    max_feed_bytes). Items sharing an id but not their content get ids of their own (identity.py, with a
    warning). A `file://` URL is read as the file it names; a directory is a FeedError. Warnings (skipped
    lines, entries or feeds) go to `warn` as they happen (by default they are logged); a source that gives no
    article at all raises FeedError.
    """
    source = local_path(source)
    if Path(source).is_dir():
        raise FeedError(f"{source} is a directory: give a feed file, a JSONL file or a text list of feeds")
    yield from distinct_ids(_read(source, warn, limits), source, warn or log.warning)


def _read(source: str, warn: Callable[[str], None] | None, limits: FetchLimits | None) -> Iterator[Article]:
    kind = source_kind(source)
    if kind == "jsonl":
        yield from iter_jsonl(source, warn)
    elif kind == "opml":
        yield from iter_listed(source, opml_sources(source), warn, limits)
    elif kind == "list":
        yield from iter_listed(source, text_sources(source), warn, limits)
    else:
        yield from iter_feed(source, warn, limits)


def local_path(source: str) -> str:
    """The path a `file:` URL names (`file:///srv/feed.xml` -> `/srv/feed.xml`); any other source as it is."""
    parts = urlsplit(source)
    if parts.scheme.lower() != "file":
        return source
    if parts.netloc not in ("", "localhost"):
        raise FeedError(f"{source}: only local file: URLs can be read (file:///path)")
    return url2pathname(parts.path) if parts.path else source


def source_kind(source: str) -> Kind:
    """What `source` is, from its name and its first SNIFF_BYTES bytes (a missing file is a "feed": its reader
    reports it)."""
    path = Path(source)
    if source.startswith(URL_SCHEMES) or not path.is_file():
        return "feed"
    if path.suffix.lower() == ".jsonl":
        return "jsonl"
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError:
        return "feed"
    body = head.removeprefix(_BOM).lstrip()
    if body.startswith(b"{"):
        return "jsonl"
    if body.startswith(b"<"):
        return "opml" if _root_name(body) == b"opml" else "feed"
    return "list" if _is_list(head, path.parent) else "feed"


def _root_name(markup: bytes) -> bytes | None:
    """The lower-case local name of the first element, past the XML declaration, comments and doctype."""
    match = _ROOT.match(_XML_PREAMBLE.sub(b"", markup))
    return match.group(1).rpartition(b":")[2].lower() if match else None


def _is_list(head: bytes, folder: Path) -> bool:
    """Whether every meaningful line of the head (the last one only if complete) names a feed."""
    lines = head.removeprefix(_BOM).decode("utf-8", "replace").splitlines()
    if len(head) == SNIFF_BYTES and lines:
        lines.pop()  # possibly cut
    entries = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    return bool(entries) and all(is_source_line(entry, folder) for entry in entries)
