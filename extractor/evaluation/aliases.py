"""The judge's own actor aliases (golden/aliases.json), kept apart from any predictor's lexicon: adding an
alias here loosens the scorer only, and adding one to the baseline's lexicon helps the predictor only."""

from __future__ import annotations

import functools

from ..resources import data_path
from ..text.names import AliasTable


@functools.cache
def scoring_aliases() -> AliasTable:
    """Known armed groups and their aliases as the scorer accepts them."""
    return AliasTable.from_json(data_path("golden", "aliases.json").read_text(encoding="utf-8"))


def canonical_actor(name: str) -> str | None:
    """The canonical name of a known group, or None."""
    return scoring_aliases().canonical(name)
