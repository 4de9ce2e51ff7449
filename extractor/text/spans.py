"""Where an evidence quote sits in the article: character spans in the original text, found after the same
normalisation the grounding check uses (case, whitespace, quotation marks, dashes; fragments split at ellipses)."""

from __future__ import annotations

import functools
import re

from .normalize import normalize_quote

MIN_QUOTE_CHARS = 12  # as in grounding: shorter fragments prove nothing and would light up every mention
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|\u2026|\[\.\.\.\])\s*")
# printable ASCII but space, '"' and '`' (which normalisation changes), with single spaces inside
_TOKEN = re.compile(r"(?P<plain>[!#-_a-~]+(?: [!#-_a-~]+)*)|(?P<space>\s+)|(?P<other>.)", re.DOTALL)


@functools.cache
def _char(ch: str) -> str:
    """One character as `normalize_quote` leaves it ('' for a quotation mark)."""
    return normalize_quote(ch)


class NormalizedText:
    """`normalize_quote(text)` with the original index of every output character (whitespace runs collapse to one
    space). Runs of plain ASCII are mapped in one step; other characters one at a time."""

    def __init__(self, text: str) -> None:
        chars: list[str] = []
        origin: list[int] = []
        for match in _TOKEN.finditer(text):
            start, end = match.span()
            if match.lastgroup == "plain":
                chars.append(match.group().lower())
                origin.extend(range(start, end))
            elif match.lastgroup == "space":
                if chars and not chars[-1].endswith(" "):
                    chars.append(" ")
                    origin.append(start)
            else:
                piece = _char(match.group())
                if piece:
                    chars.append(piece)
                    origin.extend([start] * len(piece))
        self.text = "".join(chars)
        self.origin = origin

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original [start, end) of the normalized [start, end)."""
        return self.origin[start], self.origin[end - 1] + 1


def quote_fragments(quote: str) -> list[str]:
    """The normalized fragments of a quote (split at ellipses), or [] when they are too short to prove anything."""
    fragments = [normalize_quote(f).strip(" .,;:'") for f in _ELLIPSIS.split(quote)]
    fragments = [f for f in fragments if f]
    return fragments if sum(len(f) for f in fragments) >= MIN_QUOTE_CHARS else []


def quote_spans(quote: str, text: str | NormalizedText) -> list[tuple[int, int]]:
    """The spans of `text` that `quote` covers (one per fragment, in order), or [] when it is not in the text."""
    normalized = text if isinstance(text, NormalizedText) else NormalizedText(text)
    spans, position = [], 0
    for fragment in quote_fragments(quote):
        found = normalized.text.find(fragment, position)
        if found == -1:
            return []
        spans.append(normalized.span(found, found + len(fragment)))
        position = found + len(fragment)
    return spans
