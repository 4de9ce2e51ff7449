"""Quote matching, in one place: whether an evidence quote is in the article (grounding, the relevance check),
where it sits (character spans for the review page, offsets for the database), and whether two quotes are the same
evidence (merging windows). Quotes and text are compared after one normalisation (case, whitespace, quotation
marks, dashes: `normalize_quote`), a quote split at its ellipses into fragments found in order (`match_quote`)."""

from __future__ import annotations

import functools
import re

from .normalize import normalize_quote

MIN_QUOTE_CHARS = 12  # shorter "quotes" (a name, a number) prove nothing and would light up every mention
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


def _fragment(text: str) -> str:
    """A quote, or a piece of one, normalized for matching, without the punctuation that frames it."""
    return normalize_quote(text).strip(" .,;:'")


def quote_fragments(quote: str) -> list[str]:
    """The normalized fragments of a quote (split at ellipses), or [] when they are too short to prove anything."""
    fragments = [f for f in map(_fragment, _ELLIPSIS.split(quote)) if f]
    return fragments if sum(len(f) for f in fragments) >= MIN_QUOTE_CHARS else []


def match_quote(quote: str, normalized: str) -> list[tuple[int, int]]:
    """The quote matcher: where each fragment of `quote` occurs, in order, in `normalized` (a `normalize_quote`d
    text), as [start, end) in it; [] when a fragment is missing or the quote is too short to prove anything."""
    spans, position = [], 0
    for fragment in quote_fragments(quote):
        found = normalized.find(fragment, position)
        if found == -1:
            return []
        spans.append((found, found + len(fragment)))
        position = found + len(fragment)
    return spans


def quote_in_text(quote: str, normalized_text: str) -> bool:
    """True when every fragment of the quote (split at ellipses) occurs, in order, in the normalized text."""
    return bool(match_quote(quote, normalized_text))


def quote_spans(quote: str, text: str | NormalizedText) -> list[tuple[int, int]]:
    """The spans of `text` that `quote` covers (one per fragment, in order), or [] when it is not in the text."""
    normalized = text if isinstance(text, NormalizedText) else NormalizedText(text)
    return [normalized.span(start, end) for start, end in match_quote(quote, normalized.text)]


def quotes_overlap(a: str, b: str, min_chars: int = MIN_QUOTE_CHARS) -> bool:
    """True when two quotes are the same evidence: normalized, one holds the other, and both are long enough."""
    a, b = _fragment(a), _fragment(b)
    return min(len(a), len(b)) >= min_chars and (a in b or b in a)


def quote_offsets(text: str, quote: str) -> tuple[int, int] | None:
    """Where a quote sits in `text`, leniently (any length): the exact string, else its words in order ignoring
    case, spacing and the punctuation between them; None when it is not there."""
    start = text.find(quote)
    if start >= 0:
        return start, start + len(quote)
    words = re.findall(r"\w+", quote)
    if words:
        match = re.search(r"\W+".join(map(re.escape, words)), text, flags=re.IGNORECASE)
        if match:
            return match.start(), match.end()
    return None
