"""Finding many phrases in text at once: a normalised view of the text that maps back to the original
characters, and one trie-shaped regex over all phrases (fast even with thousands of names)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from .normalize import APOSTROPHES, fold_char


@functools.lru_cache(maxsize=16)
def flatten(text: str) -> tuple[str, tuple[int, ...]]:
    """`text` folded character by character (as `fold`, single spaces, a possessive "’s" split off), and for
    each character of the result the index of the original character it came from."""
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


def word_pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    """One regex matching any of `phrases` as whole words, built as a trie so that it stays fast when long."""
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for ch in phrase:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return re.compile(rf"(?<![a-z0-9])(?:{build(trie)})(?![a-z0-9])")


def find_phrases(text: str, pattern: re.Pattern[str]) -> list[tuple[str, int, int]]:
    """(folded phrase, start, end) of every match of a `word_pattern` in `text`, spans in the original text."""
    flat, index = flatten(text)
    return [(m.group(), index[m.start()], index[m.end() - 1] + 1) for m in pattern.finditer(flat)]
