"""Which attack types can describe one attack: the codebook's related groups (rule 6: reports of one attack may
code it differently: a bombing or a suicide attack, an armed assault or a clash) and the one vague type.

One table for every caller: windows of one article merged (`pipeline.merge`), incidents across articles merged
into events (`events.rules`).
"""

from __future__ import annotations

RELATED_ATTACKS: tuple[frozenset[str], ...] = (
    frozenset({"bombing", "suicide_attack"}),
    frozenset({"armed_assault", "armed_clash", "assassination", "arson_or_facility_attack"}),
    frozenset({"air_or_drone_strike", "shelling"}),
)
VAGUE_ATTACKS = frozenset({"unknown"})  # says nothing about the attack; "other" is a type (e.g. unarmed assault)


def attack_compatible(a: str, b: str, related: tuple[frozenset[str], ...] = RELATED_ATTACKS) -> bool:
    """Whether attack types `a` and `b` can describe one attack: equal, one vague, or in one related group."""
    return a == b or a in VAGUE_ATTACKS or b in VAGUE_ATTACKS or any({a, b} <= group for group in related)
