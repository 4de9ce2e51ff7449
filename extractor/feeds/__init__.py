"""Inputs to Articles: RSS 2.0, Atom and RSS 1.0 feeds from a file or URL (feedparser lives here alone)."""

from .fetch import FetchLimits
from .html import html_to_text, strip_tracking
from .reader import Feed, load_feed
from .sources import iter_articles

__all__ = ["Feed", "FetchLimits", "html_to_text", "iter_articles", "load_feed", "strip_tracking"]
