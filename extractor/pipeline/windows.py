"""Long articles split into overlapping windows at paragraph boundaries, instead of being cut at the input budget.

A window holds whole paragraphs and at most `size` characters; consecutive windows share one paragraph (the last
of a window is the first of the next) so that an incident told across a paragraph break is seen whole at least
once. A paragraph longer than a window is split at sentence boundaries, and a sentence longer than a window at
the last space within it. Windows are exact slices of the article text, so quotes taken from a window are quotes
from the article. At most `max_windows` windows are read; the rest is reported (`Split.unread`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..text.sentences import sentences

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Window:
    """Window `index` (1-based) of an article: `text` is `article_text[start:end]`."""

    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Split:
    """The windows to read, how many the whole text needed, and the span left unread by the cap."""

    windows: list[Window]
    needed: int
    length: int

    @property
    def capped(self) -> bool:
        return self.needed > len(self.windows)

    @property
    def unread(self) -> tuple[int, int] | None:
        """(start, end) of the text no window reads, when the cap was hit."""
        return (self.windows[-1].end, self.length) if self.capped else None


def split_windows(text: str, size: int, max_windows: int) -> Split:
    """`text` in windows of at most `size` characters at paragraph boundaries, one paragraph of overlap."""
    if len(text) <= size:
        return Split([Window(1, 0, len(text), text)], needed=1, length=len(text))
    units = _units(text, size)
    spans: list[tuple[int, int]] = []
    first = 0
    while first < len(units):
        last = first
        while last + 1 < len(units) and units[last + 1][1] - units[first][0] <= size:
            last += 1
        spans.append((units[first][0], units[last][1]))
        if last + 1 >= len(units):
            break
        # The last unit opens the next window too, unless it is the window's only unit, too big to repeat, or would
        # leave no room for the unit after it (the next window would be a part of this one).
        overlap = (
            last > first
            and units[last][1] - units[last][0] <= size // 2
            and units[last + 1][1] - units[last][0] <= size
        )
        first = last if overlap else last + 1
    windows = [Window(n, a, b, text[a:b]) for n, (a, b) in enumerate(spans[:max_windows], start=1)]
    return Split(windows, needed=len(spans), length=len(text))


def _units(text: str, size: int) -> list[tuple[int, int]]:
    """(start, end) of the paragraphs; of the sentences of a paragraph longer than `size`; of `size`-long pieces
    of a sentence longer than that."""
    units = []
    start = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        if text[start:end].strip():
            units += _fit(text, start, end, size)
        start = match.end() if match else len(text)
    return units


def _fit(text: str, start: int, end: int, size: int) -> list[tuple[int, int]]:
    if end - start <= size:
        return [(start, end)]
    pieces = []
    for a, b in sentences(text[start:end]):
        a, b = start + a, start + b
        while b - a > size:  # a "sentence" longer than a window: cut at the last space that fits
            cut = text.rfind(" ", a, a + size)
            cut = cut if cut > a else a + size
            pieces.append((a, cut))
            a = cut + 1 if text[cut : cut + 1] == " " else cut
        if b > a:
            pieces.append((a, b))
    return pieces
