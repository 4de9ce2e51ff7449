"""A list of feeds to Articles: an OPML file (`<outline xmlUrl="...">`, nested at any depth) or a text file of
feed URLs and paths (one a line; `#` comments and blank lines ignored). Relative paths are resolved against
the list's folder. Each listed feed is read as a feed (`stream.iter_feed`), one after the other; a feed that
fails is a warning and the others go on, and a list none of whose feeds gives an article is a FeedError.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import FeedError
from ..models import Article
from .fetch import FetchLimits
from .stream import URL_SCHEMES, iter_feed

log = logging.getLogger(__name__)
Warn = Callable[[str], None]


def iter_listed(
    path: str, sources: Iterator[str], warn: Warn | None = None, limits: FetchLimits | None = None
) -> Iterator[Article]:
    """The Articles of every feed in `sources` (the feeds listed in `path`), feed after feed (URLs fetched within
    `limits`)."""
    emit = warn or log.warning
    listed = read = 0
    while True:
        try:
            source = next(sources)
        except StopIteration:
            break
        except FeedError as exc:  # the list itself breaks off: keep the feeds already read
            if not listed:
                raise
            emit(f"{exc}; the feeds after it are not read")
            break
        listed += 1
        produced = False
        try:
            for article in iter_feed(source, warn, limits):
                produced = True
                yield article
        except FeedError as exc:
            emit(f"{path}: listed feed skipped: {exc}")
        read += produced
    if not listed:
        raise FeedError(f"{path}: lists no feed")
    if not read:
        raise FeedError(f"{path}: none of the {listed} listed feeds could be read")


def opml_sources(path: str) -> Iterator[str]:
    """The xmlUrl of every outline of an OPML file, in document order, nested outlines included."""
    folder = Path(path).parent
    try:
        for event, element in ET.iterparse(path, events=("start", "end")):
            if event == "end":
                element.clear()
            elif element.tag.rpartition("}")[2].lower() == "outline":
                url = next((v for k, v in element.attrib.items() if k.lower() == "xmlurl" and v.strip()), None)
                if url:
                    yield resolve(url.strip(), folder)
    except ET.ParseError as exc:
        raise FeedError(f"{path}: not a well-formed OPML file ({exc})") from None
    except OSError as exc:
        raise FeedError(f"cannot read {path}: {exc.strerror}") from None


def text_sources(path: str) -> Iterator[str]:
    """The feed URLs and paths of a text file, one a line, skipping blank lines and `#` comments."""
    folder = Path(path).parent
    try:
        with Path(path).open(encoding="utf-8-sig", errors="replace") as lines:
            for line in lines:
                entry = line.strip()
                if entry and not entry.startswith("#"):
                    yield resolve(entry, folder)
    except OSError as exc:
        raise FeedError(f"cannot read {path}: {exc.strerror}") from None


def resolve(entry: str, folder: Path) -> str:
    """A listed feed as a source: URLs as they are, paths relative to the list's folder."""
    if entry.startswith(URL_SCHEMES):
        return entry
    path = Path(entry).expanduser()
    return str(path if path.is_absolute() else folder / path)


def is_source_line(entry: str, folder: Path) -> bool:
    """Whether a line of a text file names a feed: an http(s) URL or an existing file."""
    if entry.startswith(URL_SCHEMES):
        return True
    try:
        return Path(resolve(entry, folder)).is_file()
    except (OSError, ValueError):  # a name too long, a NUL byte: not a path
        return False
