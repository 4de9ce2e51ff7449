"""Evidence quotes over the article text: the spans each incident's quotes cover, cut into non-overlapping
segments that carry every incident whose quotes cover them (overlapping quotes of two incidents share a segment)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from ..text.spans import NormalizedText, quote_spans


@dataclass(frozen=True)
class Segment:
    """[start, end) of the text, covered by the quotes of `incidents` (indices into the record's incidents)."""

    start: int
    end: int
    incidents: tuple[int, ...]


@dataclass(frozen=True)
class Highlights:
    segments: list[Segment]
    found: list[list[bool]]  # per incident, per evidence quote: located in the text


def highlight(text: str, evidence: Sequence[Sequence[str]]) -> Highlights:
    """The segments of `text` covered by the quotes of each incident (`evidence[i]` is incident i's quotes)."""
    normalized = NormalizedText(text) if text else None
    spans: list[tuple[int, int, int]] = []
    found: list[list[bool]] = []
    for index, quotes in enumerate(evidence):
        row = []
        for quote in quotes:
            located = quote_spans(quote, normalized) if normalized else []
            spans += [(start, end, index) for start, end in located]
            row.append(bool(located))
        found.append(row)
    return Highlights(segments(spans), found)


def segments(spans: Sequence[tuple[int, int, int]]) -> list[Segment]:
    """Cut possibly overlapping (start, end, incident) spans at every boundary; merge neighbours with equal owners."""
    bounds = sorted({b for start, end, _ in spans for b in (start, end)})
    result: list[Segment] = []
    for start, end in itertools.pairwise(bounds):
        owners = tuple(sorted({i for s, e, i in spans if s <= start and end <= e}))
        if not owners:
            continue
        if result and result[-1].end == start and result[-1].incidents == owners:
            result[-1] = Segment(result[-1].start, end, owners)
        else:
            result.append(Segment(start, end, owners))
    return result
