"""Actor names and their aliases: an alias table that gives a canonical name and finds mentions in text.

The table's data is its owner's: the baseline extracts with its own lexicon, the scorer judges with the
golden sets' aliases; both use this one logic. Short all-caps aliases ("IS", "PDF", "ADF") only match
upper-case text, so "is" in prose is not the Islamic State; one that spells an English word ("IS") does not match
in all-capitals text either (a wire or a MUC-4 message: "THE ARMY IS ..."), where every word is upper-case.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping

from .normalize import normalize_name
from .phrases import PhraseMatcher, find_phrases, word_pattern

# Acronyms that are also English words: in all-capitals text they are the word, not the group.
_WORD_ACRONYMS = frozenset({"is", "it", "us", "as", "an", "or", "on", "at", "no", "so", "do", "to", "in", "of", "by",
                            "we", "he", "me", "my", "up", "if", "go", "all", "and", "are", "was", "let", "one"})
_SUFFIX = re.compile(r"\s+(?:militants?|jihadists?|fighters?|rebels?|insurgents?|group|members?|gunmen)$")


class AliasTable:
    """Known actors: each a canonical `name` and its `aliases`."""

    def __init__(self, groups: Iterable[Mapping[str, object]]) -> None:
        self._table: dict[str, str] = {}
        self._acronyms: set[str] = set()
        for group in groups:
            name = str(group["name"])
            for alias in [name, *group.get("aliases", [])]:  # type: ignore[misc]
                key = normalize_name(alias)
                self._table.setdefault(key, name)
                if alias.isupper() and len(key.replace(" ", "")) <= 5:
                    self._acronyms.add(key)
        self._pattern: PhraseMatcher | None = None

    @classmethod
    def from_json(cls, text: str) -> AliasTable:
        """A table from a JSON list of {"name": ..., "aliases": [...]} objects."""
        return cls(json.loads(text))

    def canonical(self, name: str) -> str | None:
        """The canonical name of a known actor, or None: 'suspected Jama’at Nusrat al-Islam wal Muslimeen' -> 'JNIM'."""
        for candidate in (name, _SUFFIX.sub("", normalize_name(name)), re.sub(r"\s*\(.*\)\s*$", "", name)):
            key = normalize_name(candidate)
            if key in self._table:
                return self._table[key]
        inner = re.search(r"\(([^)]+)\)", name)
        return self.canonical(inner.group(1)) if inner else None

    def find(self, text: str) -> list[tuple[str, int, int]]:
        """(canonical name, start, end) of every known actor mentioned in `text`, spans in the original text."""
        if self._pattern is None:
            self._pattern = word_pattern(self._table)
        found = []
        for key, start, end in find_phrases(text, self._pattern):
            if key in self._acronyms and not text[start:end].isupper():
                continue
            if key in _WORD_ACRONYMS and not _has_lowercase(text, start, end):
                continue  # "THE ARMY IS ...": all capitals around it, the word
            found.append((self._table[key], start, end))
        return found


def _has_lowercase(text: str, start: int, end: int, around: int = 80) -> bool:
    """Whether the text around a span has lower-case letters (it is not written in capitals throughout)."""
    return any(c.islower() for c in text[max(0, start - around) : end + around])
