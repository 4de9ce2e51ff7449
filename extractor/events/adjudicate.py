"""Borderline pairs to the LLM (`extract events --adjudicate`): two incidents of different articles that the hard
rules allow but whose agreeing evidence falls just short of `min_affinity` (within `margin`) are shown to the model
with both articles' evidence; its strict yes/no answer decides the pair. Answers are cached in the incident database
by a key of model, endpoint, prompt and both incidents, so a re-run asks nothing again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Sequence
from typing import Any, Protocol

from ..models import Usage
from ..store.database import IncidentDB
from .rules import DEFAULT_RULES, Member, Rules, compatible, merge_score

MARGIN = 0.2  # pairs with affinity in [min_affinity - MARGIN, min_affinity) are borderline
SYSTEM = (
    "You compare two news reports of armed violence. Decide whether the two incidents described are the same "
    "real-world event (same attack, same place, same time), not merely similar ones. Answer only from the reports. "
    'Reply with JSON: {"same_event": true or false, "reason": "one sentence"}.'
)
PROMPT_VERSION = hashlib.sha256(SYSTEM.encode()).hexdigest()[:12]


class Judge(Protocol):
    model: str
    endpoint: str

    async def ask(self, system: str, user: str) -> tuple[Any, Usage]: ...

    async def aclose(self) -> None: ...


def borderline_pairs(members: Sequence[Member], rules: Rules = DEFAULT_RULES, margin: float = MARGIN):
    """(i, j) candidate pairs of different articles, compatible, whose merge score (the merge's confidence) falls
    just under the threshold: the uncertain band."""
    from .cluster import _cosines, candidate_pairs, text_vectors

    vectors = text_vectors(members) if len(members) > 1 else None
    pairs = sorted(candidate_pairs(members, rules, vectors))
    return [
        (i, j)
        for (i, j), cosine in zip(pairs, _cosines(vectors, pairs))
        if members[i].article_id != members[j].article_id
        and rules.min_affinity - margin <= merge_score(members[i], members[j], cosine, rules) < rules.min_affinity
        and compatible(members[i], members[j], rules)
    ]


def describe_report(label: str, member: Member) -> str:
    """One report as the model sees it: the article, the incident's fields, and its evidence quotes."""
    inc = member.incident
    fields = {
        "article": member.article_id, "outlet": member.outlet,
        "published": member.published.isoformat() if member.published else None, "date": inc.date,
        "date_text": inc.date_text, "country": inc.country, "region": inc.region, "location": inc.location,
        "attack_type": inc.attack_type, "perpetrators": [p.name for p in inc.perpetrators],
        "targets": [t.description for t in inc.targets], "killed": inc.killed.model_dump() if inc.killed else None,
        "wounded": inc.wounded.model_dump() if inc.wounded else None, "summary": inc.summary,
    }  # fmt: skip
    quotes = "\n".join(f"- {q}" for q in inc.evidence)
    return f"Report {label}:\n{json.dumps(fields, ensure_ascii=False)}\nEvidence quotes:\n{quotes}"


def pair_key(judge: Judge, a: Member, b: Member) -> str:
    first, second = sorted((a, b), key=lambda m: m.key)
    payload = [judge.model, judge.endpoint, PROMPT_VERSION, first.key, first.incident.model_dump_json(), second.key,
               second.incident.model_dump_json()]  # fmt: skip
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()[:32]


async def adjudicate(
    db: IncidentDB, judge: Judge, members: Sequence[Member], rules: Rules = DEFAULT_RULES, concurrency: int = 4
) -> dict[tuple[int, int], bool]:
    """Decisions for the borderline pairs: from the cache, else asked (and stored at once)."""
    decisions: dict[tuple[int, int], bool] = {}
    limit = asyncio.Semaphore(max(1, concurrency))

    async def decide(i: int, j: int) -> None:
        a, b = members[i], members[j]
        key = pair_key(judge, a, b)
        cached = db.cached_answer(key)
        if cached is not None:
            decisions[i, j] = bool(cached["same_event"])
            return
        async with limit:
            answer, usage = await judge.ask(SYSTEM, describe_report("A", a) + "\n\n" + describe_report("B", b))
        db.store_answer({"pair_key": key, "model": judge.model, "endpoint": judge.endpoint, "incident_a": a.key,
                         "incident_b": b.key, "same_event": answer.same_event, "reason": answer.reason,
                         "prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens})  # fmt: skip
        decisions[i, j] = answer.same_event

    try:
        await asyncio.gather(*(decide(i, j) for i, j in borderline_pairs(members, rules)))
    finally:
        await judge.aclose()
    return decisions
