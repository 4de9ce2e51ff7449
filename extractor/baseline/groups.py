"""The baseline's lexicon of armed groups (data/armed_groups.json), as an alias table."""

from __future__ import annotations

import functools
from importlib import resources

from ..text.names import AliasTable


@functools.cache
def group_aliases() -> AliasTable:
    """Well-known armed groups and their aliases, read once from the package data."""
    return AliasTable.from_json(resources.files(__package__).joinpath("data/armed_groups.json").read_text("utf-8"))


def find_groups(text: str) -> list[tuple[str, int, int]]:
    """(canonical name, start, end) of every known group mentioned in `text`."""
    return group_aliases().find(text)
