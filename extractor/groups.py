"""Well-known armed groups and their aliases (data/armed_groups.json): normalised lookup and mention finding.

Names are compared after normalisation: case, accents, apostrophe variants (dropped), hyphens and other
punctuation (spaces), a leading "the" or "suspected". Short all-caps aliases ("IS", "PDF", "ADF") only
match upper-case text in `find_groups`, so "is" in prose is not the Islamic State.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from importlib import resources

_APOSTROPHES = "'’‘`´ʼʹ′"
_PREFIX = re.compile(r"^(?:(?:the|suspected|alleged)\s+)+")
_SUFFIX = re.compile(r"\s+(?:militants?|jihadists?|fighters?|rebels?|insurgents?|group|members?|gunmen)$")


@functools.cache
def _norm_char(ch: str) -> str:
    """One character, normalised: accents stripped, lower case, '' for apostrophes, ' ' for punctuation."""
    if ch in _APOSTROPHES:
        return ""
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)).lower()
    return base if base.isalnum() else " "


def normalize(name: str) -> str:
    """Comparable form of a name: 'The Kurdistan Workers’ Party' -> 'kurdistan workers party'."""
    text = " ".join("".join(_norm_char(ch) for ch in name).split())
    return _PREFIX.sub("", text)


@functools.cache
def _groups() -> tuple[dict[str, str], set[str], re.Pattern[str]]:
    """Normalised alias -> canonical name, the case-sensitive aliases, and one regex over all aliases."""
    data = json.loads(resources.files("extractor").joinpath("data/armed_groups.json").read_text("utf-8"))
    table: dict[str, str] = {}
    acronyms: set[str] = set()
    for group in data:
        for alias in [group["name"], *group["aliases"]]:
            key = normalize(alias)
            table.setdefault(key, group["name"])
            if alias.isupper() and len(key.replace(" ", "")) <= 5:
                acronyms.add(key)
    return table, acronyms, word_pattern(table)


def word_pattern(phrases) -> re.Pattern[str]:
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


def canonical_group(name: str) -> str | None:
    """The canonical name of a known group, or None: 'suspected Jama’at Nusrat al-Islam wal Muslimeen' -> 'JNIM'."""
    table = _groups()[0]
    key = normalize(name)
    for candidate in (key, _SUFFIX.sub("", key), re.sub(r"\s*\(.*\)\s*$", "", name)):
        candidate = normalize(candidate)
        if candidate in table:
            return table[candidate]
    inner = re.search(r"\(([^)]+)\)", name)
    return canonical_group(inner.group(1)) if inner else None


@functools.lru_cache(maxsize=16)
def flatten(text: str) -> tuple[str, tuple[int, ...]]:
    """`text` normalised character by character (as `normalize`, single spaces, a possessive "’s" split off),
    and for each character of the result the index of the original character it came from."""
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        possessive = ch in _APOSTROPHES and text[i + 1 : i + 2] == "s" and not text[i + 2 : i + 3].isalnum()
        for c in " " if possessive else _norm_char(ch):
            if c == " " and (not chars or chars[-1] == " "):
                continue
            chars.append(c)
            index.append(i)
    return "".join(chars), tuple(index)


def find_groups(text: str) -> list[tuple[str, int, int]]:
    """(canonical name, start, end) of every known group mentioned in `text`, spans in the original text."""
    table, acronyms, pattern = _groups()
    flat, index = flatten(text)
    found = []
    for match in pattern.finditer(flat):
        start, end = index[match.start()], index[match.end() - 1] + 1
        if match.group() in acronyms and not text[start:end].isupper():
            continue
        found.append((table[match.group()], start, end))
    return found
