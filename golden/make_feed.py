"""Rebuild golden/feed.xml (RSS 2.0) from the seed text dump in ../shared/seed/.

Run from the project root:  python golden/make_feed.py ../shared/seed/000_6180a378ab1cbce9.txt golden/feed.xml

The dump holds the channel header on its first line, then per item: one line "title link pubDate guid
description", the WordPress footer, a "]]>" closing the description's CDATA, the full body (the feed's
content:encoded) ending in the same footer, and another "]]>". Every non-empty body line is a paragraph.
"""

from __future__ import annotations

import re
import sys
from html import escape
from pathlib import Path

CHANNEL = {
    "title": "Terrorism • The Defense Post",
    "link": "https://thedefensepost.com/category/terrorism/",
    "description": "Your Gateway to Defense News",
    "lastBuildDate": "Tue, 24 Sep 2024 05:07:21 +0000",
    "language": "en-US",
    "generator": "https://wordpress.org/?v=6.6.1",
    "image": "https://thedefensepost.com/wp-content/uploads/2017/10/cropped-defense-post-roundel-temp-32x32.png",
}
ITEM_HEAD = re.compile(
    r"(?P<title>.+?) (?P<link>https://\S+) (?P<pub>\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}) "
    r"(?P<guid>https://\S+\?p=\d+) (?P<desc>.*)$"
)
FOOTER = re.compile(r"^The post (?P<title>.+) appeared first on The Defense Post\.$")


def parse_dump(text: str) -> list[dict]:
    """Items of the dump, each with title, link, pubDate, guid, description and body paragraphs."""
    lines = text.split("\n")
    lines[0] = lines[0].split(" 32 32 ", 1)[1]  # drop the channel header
    items, i = [], 0
    while i < len(lines):
        head = ITEM_HEAD.match(lines[i])
        if not head:
            i += 1
            continue
        item = head.groupdict()
        item["desc"] = [item["desc"]]
        i += 1
        while lines[i] != "]]>":
            if lines[i].strip():
                item["desc"].append(lines[i])
            i += 1
        i += 1
        body = []
        while not lines[i].startswith("]]>"):
            if lines[i].strip():
                body.append(lines[i])
            i += 1
        item["body"] = body
        items.append(item)
        i += 1
    return items


def _footer_html(line: str, link: str) -> str:
    title = FOOTER.match(line)["title"]
    return (
        f'<p>The post <a href="{escape(link)}" rel="nofollow">{escape(title, quote=False)}</a> appeared first on '
        '<a href="https://thedefensepost.com" rel="nofollow">The Defense Post</a>.</p>'
    )


def _paragraphs(lines: list[str], link: str) -> str:
    return "\n".join(
        _footer_html(line, link) if FOOTER.match(line) else f"<p>{escape(line, quote=False)}</p>" for line in lines
    )


def to_rss(items: list[dict]) -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">',
        "<channel>",
        f"\t<title>{escape(CHANNEL['title'])}</title>",
        '\t<atom:link href="https://thedefensepost.com/category/terrorism/feed/" rel="self" type="application/rss+xml" />',
        f"\t<link>{CHANNEL['link']}</link>",
        f"\t<description>{CHANNEL['description']}</description>",
        f"\t<lastBuildDate>{CHANNEL['lastBuildDate']}</lastBuildDate>",
        f"\t<language>{CHANNEL['language']}</language>",
        "\t<sy:updatePeriod>hourly</sy:updatePeriod>",
        "\t<sy:updateFrequency>1</sy:updateFrequency>",
        f"\t<generator>{CHANNEL['generator']}</generator>",
        "\t<image>",
        f"\t\t<url>{CHANNEL['image']}</url>",
        f"\t\t<title>{escape(CHANNEL['title'])}</title>",
        f"\t\t<link>{CHANNEL['link']}</link>",
        "\t\t<width>32</width>",
        "\t\t<height>32</height>",
        "\t</image>",
    ]
    for item in items:
        out += [
            "\t<item>",
            f"\t\t<title>{escape(item['title'], quote=False)}</title>",
            f"\t\t<link>{escape(item['link'], quote=False)}</link>",
            f"\t\t<pubDate>{item['pub']}</pubDate>",
            f'\t\t<guid isPermaLink="false">{escape(item["guid"], quote=False)}</guid>',
            f"\t\t<description><![CDATA[{_paragraphs(item['desc'], item['link'])}\n]]></description>",
            f"\t\t<content:encoded><![CDATA[{_paragraphs(item['body'], item['link'])}\n]]></content:encoded>",
            "\t</item>",
        ]
    out += ["</channel>", "</rss>", ""]
    return "\n".join(out)


def main(seed: str, target: str) -> None:
    items = parse_dump(Path(seed).read_text(encoding="utf-8"))
    Path(target).write_text(to_rss(items), encoding="utf-8")
    print(f"{target}: {len(items)} items")


if __name__ == "__main__":
    main(*sys.argv[1:3])
