"""Rebuild golden/news/feeds/<name>.xml: the selected items of real RSS feeds, each item byte for byte.

Run from anywhere (stdlib only):

    python golden/news/make_feeds.py ../shared/data/feeds [golden/news/selection.json] [golden/news/feeds]

selection.json maps a source file name to the items to keep: {"bbc-world.xml": ["<guid or link>", ...]}.
An item is kept when its <guid> text or its <link> text equals one of the keys (after CDATA, entities and
surrounding whitespace are removed). Items keep their source order whatever the order of the keys.

Every output file is the source's own bytes: everything before the first <item> (XML declaration, root element
with its namespaces, channel header), the kept items each preceded by the whitespace that preceded it in the
source, and everything after the last </item> (closing tags, trailing comments). Nothing is re-serialised, so
CDATA, entities, attribute order and namespace prefixes stay as the publisher wrote them. Each output is then
parsed with xml.etree to check it is well-formed and holds exactly the selected items.

The file names wikievents.xml (another labeller's feed) are never written by this script.
"""

from __future__ import annotations

import html
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
# One scanner over the bytes: CDATA sections and comments are skipped whole, so an "<item>" inside them is
# never taken for an element; item start and end tags are what we look for.
TOKEN = re.compile(rb"<!\[CDATA\[.*?\]\]>|<!--.*?-->|<item(?=[\s>/])[^>]*>|</item\s*>", re.S)
CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
PROTECTED = {"wikievents.xml"}


def split_items(data: bytes) -> tuple[bytes, list[tuple[bytes, bytes]], bytes]:
    """(header, [(whitespace before the item, item bytes)], footer) of an RSS document."""
    spans: list[tuple[int, int]] = []
    start = None
    for match in TOKEN.finditer(data):
        token = match.group()
        if token.startswith((b"<![CDATA[", b"<!--")):
            continue
        if token.startswith(b"</item"):
            if start is None:
                raise ValueError(f"</item> without <item> at byte {match.start()}")
            spans.append((start, match.end()))
            start = None
        else:
            if start is not None:
                raise ValueError(f"nested <item> at byte {match.start()}")
            start = match.start()
    if start is not None or not spans:
        raise ValueError("no complete <item> elements found")
    header = data[: spans[0][0]]
    items, previous_end = [], spans[0][0]
    for begin, end in spans:
        gap = data[previous_end:begin]
        if gap.strip():
            raise ValueError(f"non-whitespace between items at byte {previous_end}: {gap[:60]!r}")
        items.append((gap, data[begin:end]))
        previous_end = end
    return header, items, data[spans[-1][1] :]


def _text(item: bytes, tag: str) -> str | None:
    """Text of the first <tag> child of an item: CDATA unwrapped, entities decoded, whitespace stripped."""
    found = re.search(rb"<" + tag.encode() + rb"(?:\s[^>]*)?>(.*?)</" + tag.encode() + rb"\s*>", item, re.S)
    if not found:
        return None
    raw = found.group(1).decode("utf-8")
    raw = CDATA.sub(lambda m: html.escape(m.group(1), quote=False), raw)
    return html.unescape(raw).strip()


def item_keys(item: bytes) -> set[str]:
    return {key for key in (_text(item, "guid"), _text(item, "link")) if key}


def build(source: Path, keys: list[str]) -> bytes:
    data = source.read_bytes()
    header, items, footer = split_items(data)
    wanted = set(keys)
    kept, seen = [], set()
    for gap, item in items:
        hit = item_keys(item) & wanted
        if hit:
            if len(hit) > 1 or hit & seen:
                raise ValueError(f"{source.name}: key matched twice: {sorted(hit)}")
            seen |= hit
            # The first kept item follows the header, which already ends with the source's whitespace.
            kept.append((gap if kept else b"") + item)
    missing = wanted - seen
    if missing:
        raise ValueError(f"{source.name}: no item with guid or link {sorted(missing)}")
    out = header + b"".join(kept) + footer
    root = ET.fromstring(out)  # well-formed, and the right number of items
    count = len(root.findall("./channel/item"))
    if count != len(keys):
        raise ValueError(f"{source.name}: wrote {count} items, expected {len(keys)}")
    return out


def main(argv: list[str]) -> None:
    if not argv:
        sys.exit(__doc__)
    source_dir = Path(argv[0])
    selection = Path(argv[1]) if len(argv) > 1 else HERE / "selection.json"
    target_dir = Path(argv[2]) if len(argv) > 2 else HERE / "feeds"
    chosen: dict[str, list[str]] = json.loads(selection.read_text(encoding="utf-8"))
    target_dir.mkdir(parents=True, exist_ok=True)
    for name, keys in chosen.items():
        if name in PROTECTED:
            raise SystemExit(f"refusing to write {name}: it belongs to another labeller")
        out = build(source_dir / name, keys)
        (target_dir / name).write_bytes(out)
        print(f"{target_dir / name}: {len(keys)} items, {len(out)} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
