"""Finding many phrases in text at once: a normalised view of the text that maps back to the original
characters, and an Aho-Corasick automaton over all phrases (pyahocorasick: one pass over the text whatever the
number of names).

    matcher = word_pattern(["bamako", "mali"]); find_phrases("In Bamako, Mali’s capital", matcher)
    -> [("bamako", 3, 9), ("mali", 11, 15)]

A match is a whole phrase between word boundaries of the flattened text (no ASCII letter or digit either side);
where matches overlap, the leftmost wins, and of those starting at one place the longest (as a regex alternation
of the phrases, tried longest first, would find them).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from .normalize import APOSTROPHES, fold_char

_POSSESSIVE = re.compile(rf"[{APOSTROPHES}](?=s(?![^\W_]))")  # "’s" not followed by a letter or digit
_GONE = "\0"  # stands, while flattening, for a character that folds to nothing (an apostrophe)
_RUNS = re.compile(r"[^ \0]+|[ \0]+")
_FOLDED: dict[int, str] = {}  # str.translate table: every character seen so far -> its folded form
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


@functools.lru_cache(maxsize=64)  # an article's text is looked at by the rules and again by the post-checks
def flatten(text: str) -> tuple[str, tuple[int, ...]]:
    """`text` folded character by character (as `fold`, single spaces, a possessive "’s" split off), and for
    each character of the result the index of the original character it came from."""
    for ch in [ch for ch in set(text) if ord(ch) not in _FOLDED]:  # never iterate the table: threads add to it
        _FOLDED[ord(ch)] = fold_char(ch) or _GONE
    folded = _POSSESSIVE.sub(" ", text).translate(_FOLDED)
    if len(folded) != len(text) or _GONE in text:  # a character folds to several (rare): one at a time
        return _flatten_slowly(text)
    chars: list[str] = []
    index: list[int] = []
    for run in _RUNS.finditer(folded):
        start, end = run.span()
        if folded[start] not in " \0":
            chars.append(folded[start:end])
            index.extend(range(start, end))
        elif chars and (space := folded.find(" ", start, end)) >= 0:  # spaces (and dropped characters): one space
            chars.append(" ")
            index.append(space)
    return "".join(chars), tuple(index)


def _flatten_slowly(text: str) -> tuple[str, tuple[int, ...]]:
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        possessive = ch in APOSTROPHES and text[i + 1 : i + 2] == "s" and not text[i + 2 : i + 3].isalnum()
        for c in " " if possessive else fold_char(ch):
            if c == " " and (not chars or chars[-1] == " "):
                continue
            chars.append(c)
            index.append(i)
    return "".join(chars), tuple(index)


def phrase_key(phrase: str) -> str:
    """A phrase as `word_pattern` and `find_phrases` compare it (the flattened form)."""
    return flatten(phrase)[0]


class PhraseMatcher:
    """Whole-word matches of a fixed set of phrases in flattened text (an Aho-Corasick automaton)."""

    def __init__(self, phrases: Iterable[str]) -> None:
        import ahocorasick  # here: only the commands that look for phrases pay for it

        self._automaton = ahocorasick.Automaton()
        for phrase in phrases:
            if phrase:
                self._automaton.add_word(phrase, len(phrase))
        self._empty = len(self._automaton) == 0
        if not self._empty:
            self._automaton.make_automaton()

    def spans(self, flat: str) -> list[tuple[int, int]]:
        """(start, end) of the matches in `flat`: whole words, leftmost first, then longest, never overlapping."""
        if self._empty:
            return []
        longest: dict[int, int] = {}
        words, size = _WORD_CHARS, len(flat)
        for last, length in self._automaton.iter(flat):
            start = last - length + 1
            if (start and flat[start - 1] in words) or (last + 1 < size and flat[last + 1] in words):
                continue
            if longest.get(start, 0) < length:
                longest[start] = length
        found, position = [], 0
        for start in sorted(longest):
            if start >= position:
                position = start + longest[start]
                found.append((start, position))
        return found


def word_pattern(phrases: Iterable[str]) -> PhraseMatcher:
    """A matcher of any of `phrases` (flattened, as `phrase_key` gives them) as whole words."""
    return PhraseMatcher(phrases)


def find_phrases(text: str, pattern: PhraseMatcher) -> list[tuple[str, int, int]]:
    """(folded phrase, start, end) of every match of a `word_pattern` in `text`, spans in the original text."""
    flat, index = flatten(text)
    return [(flat[start:end], index[start], index[end - 1] + 1) for start, end in pattern.spans(flat)]
