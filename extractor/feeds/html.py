"""Pure text cleaning: feed HTML to plain text with paragraphs, footers removed, links de-tracked."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "figure",
    "figcaption",
    "table",
    "tr",
    "section",
    "article",
    "header",
    "footer",
    "pre",
    "hr",
}
_SKIP_TAGS = {"script", "style", "noscript", "iframe", "svg", "template"}
_FOOTER = re.compile(r"^The post .{1,400}? appeared first on .{1,200}?\.?$")
_TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|igshid|ref|ref_src|_hsenc|_hsmi)$", re.IGNORECASE)


class _TextCollector(HTMLParser):
    """Collects text, turning block elements into paragraph breaks and dropping scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Plain text with one blank line between paragraphs and WordPress "The post … appeared first" footers removed."""
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    paragraphs = []
    for block in re.split(r"\n\s*\n", "".join(collector.parts)):
        paragraph = re.sub(r"\s+", " ", block).strip()
        if paragraph and not _FOOTER.match(paragraph):
            paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)


def strip_tracking(url: str) -> str:
    """The URL without utm_* and similar tracking parameters (and without an empty query)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING_PARAMS.match(k)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))
