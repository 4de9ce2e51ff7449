"""One feed as a stream of Articles: a URL or a small file through `load_feed`, a large file item by item.

A file above STREAM_THRESHOLD_BYTES is cut, without parsing it whole, into its items (RSS `<item>`, Atom
`<entry>`, RSS 1.0 items): a byte-level scanner that understands comments, CDATA, declarations and quoted
attributes, and keeps only the current item and the start tags of the elements around it. Consecutive items
(up to BATCH_ITEMS or BATCH_BYTES) are put back into a small document of their own: the original prolog, the
original start tags of their ancestors (the root element with its namespace declarations and any xml:base,
the channel), the items as written, then the closing tags. feedparser parses it with the small-feed options
and `reader.entry_article` turns each entry into an Article, numbered across the whole file: a large feed
gives the Articles `load_feed` gives, in the same order, with the same fallback ids. Memory stays flat: one
read chunk and one batch of items at a time, converted as they are found.

Like feedparser's loose parser, the scanner does not need well-formed XML: a stray `&`, an undefined entity
or a bad byte only affects the batch that holds it, which feedparser then reads as best it can (with a
warning naming its entries). A large file in which no item is found (another format, UTF-16, not a feed) is
left to `load_feed`, which reads it whole and says what is wrong with it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import BinaryIO, NamedTuple

from ..errors import FeedError
from ..models import Article
from .fetch import FetchLimits
from .reader import bozo_reason, entry_articles, load_feed, parse_document

log = logging.getLogger(__name__)
Warn = Callable[[str], None]

URL_SCHEMES = ("http://", "https://")  # sources fetched by load_feed
STREAM_THRESHOLD_BYTES = 8 * 1024 * 1024  # feed files above this are read item by item
CHUNK_BYTES = 64 * 1024  # bytes read at a time by the scanner
BATCH_ITEMS = 100  # items parsed by one feedparser call (a call costs about as much as parsing a small item)
BATCH_BYTES = 1024 * 1024  # ... unless they reach this size first
MAX_TAG_BYTES = 64 * 1024  # a tag still open after this many bytes ends at its first '>' (ill-formed input)
MAX_ITEM_BYTES = 16 * 1024 * 1024  # a larger item is skipped with a warning, never held in memory whole

# Namespaces whose item/entry elements feedparser reads as entries (it maps them to its empty prefix).
FEED_NAMESPACES = frozenset(
    {
        b"",
        b"http://backend.userland.com/rss",
        b"http://blogs.law.harvard.edu/tech/rss",
        b"http://purl.org/rss/1.0/",
        b"http://my.netscape.com/rdf/simple/0.9/",
        b"http://purl.org/atom/ns#",
        b"http://www.w3.org/2005/Atom",
        b"http://purl.org/rss/1.0/modules/rss091#",
    }
)
_ENTRY_NAMES = (b"item", b"entry")
_DELIMITED = ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>"), (b"<?", b"?>"))
_DECLARATION = re.compile(rb"<![^\[>]*(?:\[.*?\][^>]*)?>", re.DOTALL)
_TAG = re.compile(rb"""</?[^\s/>]+(?:[^>"']|"[^"]*"|'[^']*')*>""")
_NAME_START = re.compile(rb"</?[A-Za-z_:\x80-\xff]")
_QNAME = re.compile(rb"</?([^\s/>]+)")
_XMLNS = re.compile(rb"""\sxmlns(?::([^\s=]+))?\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def iter_feed(source: str, warn: Warn | None = None, limits: FetchLimits | None = None) -> Iterator[Article]:
    """The Articles of one feed: a URL (fetched within `limits`) or a file up to STREAM_THRESHOLD_BYTES through
    `load_feed`, a larger file item by item. Warnings go to `warn` (by default they are logged)."""
    if source.startswith(URL_SCHEMES) or not _is_large(source):
        yield from _loaded(source, warn, limits)
    else:
        yield from stream_feed(source, warn)


def stream_feed(path: str, warn: Warn | None = None) -> Iterator[Article]:
    """The Articles of a feed file, read item by item whatever its size."""
    try:
        with Path(path).open("rb") as handle:
            ascii_compatible = _ascii_compatible(handle.read(4))
            handle.seek(0)
            items = split_items(handle) if ascii_compatible else iter(())
            first = next(items, None)
            if first is not None:
                yield from articles_from_documents(batch_documents(chain([first], items)), path, warn)
                return
    except OSError as exc:
        raise FeedError(f"cannot read {path}: {exc.strerror}") from None
    # No item found (UTF-16 or UTF-32, another format, not a feed): feedparser reads it whole and says what it is.
    yield from _loaded(path, warn)


def articles_from_documents(
    documents: Iterable[tuple[int, bytes | None]], source: str, warn: Warn | None = None
) -> Iterator[Article]:
    """Articles from (item count, document) pairs: each document parsed by feedparser as `load_feed` parses a
    feed, each entry converted by `entry_article` with its index in the whole feed. A None document is an item
    over MAX_ITEM_BYTES: skipped with a warning (its index is kept, so the other entries keep their ids)."""
    warn = warn or log.warning
    index = kept = 0
    for count, document in documents:
        if document is None:
            warn(f"{source}: entry {index} is larger than {MAX_ITEM_BYTES} bytes (MAX_ITEM_BYTES); skipped")
            index += count
            continue
        parsed = parse_document(document)
        entries = f"entry {index}" if count == 1 else f"entries {index}-{index + count - 1}"
        reason = bozo_reason(parsed)
        if reason:
            warn(f"{source}: {entries} not well-formed, kept what was recovered: {reason}")
        if not parsed.entries:
            warn(f"{source}: {entries} could not be read; skipped")
            index += count
        for article in entry_articles(parsed.entries, index, lambda message: warn(f"{source}: {message}")):
            kept += 1
            yield article
        index += len(parsed.entries)
    if not kept:
        raise FeedError(f"{source}: no entry holds any text")


class Item(NamedTuple):
    """One item as written (`body`), and what surrounds it: the prolog and its ancestors' start tags (`head`),
    their closing tags (`tail`). head + body + tail is a feed of one item. An item over MAX_ITEM_BYTES has no
    body (None): it was skipped as it was read."""

    head: bytes
    body: bytes | None
    tail: bytes


def batch_documents(items: Iterable[Item]) -> Iterator[tuple[int, bytes | None]]:
    """Consecutive items with the same surroundings as one document, up to BATCH_ITEMS items or BATCH_BYTES;
    yields (item count, document), and (1, None) in its place for an item skipped as too large."""
    batch: list[bytes] = []
    size = 0
    frame = (b"", b"")
    for item in items:
        if item.body is None:
            if batch:
                yield len(batch), frame[0] + b"".join(batch) + frame[1]
                batch, size = [], 0
            yield 1, None
            continue
        if batch and ((item.head, item.tail) != frame or len(batch) >= BATCH_ITEMS or size >= BATCH_BYTES):
            yield len(batch), frame[0] + b"".join(batch) + frame[1]
            batch, size = [], 0
        frame = (item.head, item.tail)
        batch.append(item.body)
        size += len(item.body)
    if batch:
        yield len(batch), frame[0] + b"".join(batch) + frame[1]


@dataclass
class _Open:
    """An element open around the items: its name, its start tag as written, and the namespaces in scope."""

    qname: bytes
    start_tag: bytes
    namespaces: dict[bytes, bytes]


def split_items(stream: BinaryIO) -> Iterator[Item]:
    """Each item or entry of an XML feed read from `stream`, with its surroundings (see the module docstring).

    Holds the bytes of the current item only: what lies between items is dropped once scanned.
    """
    buffer = bytearray()
    pos = 0  # next byte to scan
    eof = False
    prolog: bytes | None = None
    ancestors: list[_Open] = []
    item_name, item_start, item_depth = b"", -1, 0  # the item being read (item_start -1: none)
    oversized = False  # the item being read passed MAX_ITEM_BYTES: its bytes are dropped as they are scanned
    while True:
        at = buffer.find(b"<", pos)
        end = _markup_end(buffer, at, eof) if at >= 0 else None
        if end is None:
            if eof:
                if item_start >= 0:  # cut inside an item: feedparser keeps what it can, as for a whole feed
                    yield _item(prolog or b"", ancestors, None if oversized else bytes(buffer[item_start:]))
                return
            resume = at if at >= 0 else len(buffer)
            if item_start >= 0 and not oversized and resume - item_start > MAX_ITEM_BYTES:
                oversized = True
            # Drop what is scanned: all but the current item (and, until the root element, the prolog); all of an
            # oversized item.
            keep = 0 if prolog is None else item_start if item_start >= 0 and not oversized else resume
            del buffer[:keep]
            pos = resume - keep
            if item_start >= 0:
                item_start = max(item_start - keep, 0)  # an oversized item's start is gone: 0 still says "in one"
            chunk = stream.read(CHUNK_BYTES)
            eof = not chunk
            buffer += chunk
            continue
        pos = end
        tag = bytes(buffer[at:end])
        if not _NAME_START.match(tag):
            continue  # comment, CDATA, declaration, processing instruction, or a stray '<' in text
        match = _QNAME.match(tag)
        qname = match.group(1) if match else b""
        closing, empty = tag.startswith(b"</"), tag.endswith(b"/>")
        if item_start >= 0:
            if qname == item_name and not empty:
                item_depth += -1 if closing else 1
            if item_depth == 0:
                if oversized or end - item_start > MAX_ITEM_BYTES:
                    yield _item(prolog or b"", ancestors, None)
                else:
                    yield _item(prolog or b"", ancestors, bytes(buffer[item_start:end]))
                item_start, oversized = -1, False
        elif closing:
            _close(ancestors, qname)
        else:
            if prolog is None:
                prolog = bytes(buffer[:at])
            namespaces = _namespaces(tag, ancestors[-1].namespaces if ancestors else {})
            if _is_entry(qname, namespaces):
                if empty:
                    yield _item(prolog, ancestors, tag)
                else:
                    item_name, item_start, item_depth = qname, at, 1
            elif not empty:
                ancestors.append(_Open(qname, tag, namespaces))


def _markup_end(buffer: bytearray, at: int, eof: bool) -> int | None:
    """End (exclusive) of the markup starting with the '<' at `at`: `at + 1` for a stray '<' in text, None when
    more bytes are needed to tell (never at the end of the input)."""
    if len(buffer) - at < 9 and not eof:
        return None
    for opener, closer in _DELIMITED:
        if buffer.startswith(opener, at):
            found = buffer.find(closer, at + len(opener))
            if found >= 0:
                return found + len(closer)
            return len(buffer) if eof else None
    pattern = _DECLARATION if buffer.startswith(b"<!", at) else _TAG if _NAME_START.match(buffer, at) else None
    if pattern is None:
        return at + 1
    match = pattern.match(buffer, at)
    if match:
        return match.end()
    if not eof and len(buffer) - at < MAX_TAG_BYTES:
        return None
    found = buffer.find(b">", at)  # an unbalanced quote, or cut at the end of the input: up to the first '>'
    return found + 1 if found >= 0 else at + 1


def _namespaces(tag: bytes, inherited: dict[bytes, bytes]) -> dict[bytes, bytes]:
    """The prefix -> namespace URI map in scope in a start tag (b"" is the default namespace)."""
    if b"xmlns" not in tag:
        return inherited
    declared = {m.group(1) or b"": m.group(2) if m.group(2) is not None else m.group(3) for m in _XMLNS.finditer(tag)}
    return {**inherited, **declared}


def _is_entry(qname: bytes, namespaces: dict[bytes, bytes]) -> bool:
    """An element feedparser reads as an entry: item or entry, unprefixed or in a feed namespace."""
    prefix, _, local = qname.rpartition(b":")
    if local.lower() not in _ENTRY_NAMES:
        return False
    uri = namespaces.get(prefix, b"").lower()
    return not prefix or uri in FEED_NAMESPACES or b"backend.userland.com/rss" in uri


def _close(ancestors: list[_Open], qname: bytes) -> None:
    """Close `qname` and anything left open inside it; an end tag with no open element is ignored."""
    for depth in range(len(ancestors) - 1, -1, -1):
        if ancestors[depth].qname == qname:
            del ancestors[depth:]
            return


def _item(prolog: bytes, ancestors: list[_Open], body: bytes | None) -> Item:
    """An item with the start tags around it and their closing tags."""
    head = prolog + b"".join(element.start_tag for element in ancestors)
    return Item(head, body, b"".join(b"</" + element.qname + b">" for element in reversed(ancestors)))


def _loaded(source: str, warn: Warn | None, limits: FetchLimits | None = None) -> Iterator[Article]:
    """A feed read whole by `load_feed` (which logs its own warnings; they are passed on when `warn` is given)."""
    feed = load_feed(source, limits)
    if warn is not None:
        for warning in feed.warnings:
            warn(f"{source}: {warning}")
    yield from feed.articles


def _is_large(path: str) -> bool:
    try:
        return Path(path).stat().st_size > STREAM_THRESHOLD_BYTES
    except OSError:
        return False  # load_feed says what is wrong with it


def _ascii_compatible(head: bytes) -> bool:
    """False for UTF-16 and UTF-32 (a byte-order mark or NUL bytes), whose markup the scanner cannot see."""
    return b"\x00" not in head and not head.startswith((b"\xff\xfe", b"\xfe\xff"))
