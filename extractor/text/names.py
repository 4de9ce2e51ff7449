"""Actor names and their aliases: an alias table that gives a canonical name and finds mentions in text.

The table's data is its owner's: the baseline extracts with its own lexicon, the scorer judges with the
golden sets' aliases; both use this one logic. Short all-caps aliases ("IS", "PDF", "ADF") only match
upper-case text, so "is" in prose is not the Islamic State.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping

from .normalize import normalize_name
from .phrases import PhraseMatcher, find_phrases, word_pattern

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
            found.append((self._table[key], start, end))
        return found
