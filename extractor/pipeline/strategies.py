"""Extraction strategies: how the LLM is asked for an article's incidents (`--strategy`).

- `one-call` (the client itself): one request for every incident of the article.
- `enumerate`: a short first request lists the distinct attacks the article reports (what, where, when, the
  sentence); then one request per listed attack fills the whole incident, anchored on that attack. A narrow task
  for a small model, and a multi-attack article yields several incidents. At most ENUMERATE_CAP attacks (a
  warning says when the list was cut).
- `hybrid`: the offline rules propose candidates (with their sentences, place, date and figures); the model sees
  the article's opening and the passages around each candidate, and the candidates, and replies with the final
  incidents: it confirms, corrects, rejects or adds. Fewer input tokens than one-call on a long article.

Every strategy's incidents go through the same checks as one-call (pipeline/article.py): validation, grounding,
figures, relevance, places, cache. A strategy is part of the cache identity and of the provenance.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ..backend import Backend, BackendResult
from ..errors import ConfigError
from ..llm.client import EXTRACTION
from ..llm.examples import render_examples
from ..llm.prompts import fit_budget
from ..llm.steps import ATTACK_LIST, ENUMERATE_CAP, enumerate_messages, fill_messages, hybrid_messages, steps_hash
from ..models import Article, Incident, Spend
from ..text.sentences import sentences as sentence_spans

STRATEGIES = ("one-call", "enumerate", "hybrid", "similar", "enumerate+similar", "hybrid+similar")
EXCERPT_CONTEXT = 1  # sentences kept on each side of a candidate's evidence
LEAD_CHARS = 600  # the article's opening, always shown to the hybrid step (where most reports state the attack)


class StrategyBackend:
    """A strategy over the LLM client: the Backend attributes are the client's, the identity says the strategy."""

    strategy = "one-call"

    def __init__(self, llm: Any) -> None:
        self.llm = llm

    def __getattr__(self, name: str) -> Any:  # model, endpoint, settings, window_chars, cost_of, price, ...
        return getattr(self.llm, name)

    @property
    def budget(self) -> Any:
        return self.llm.budget

    @budget.setter
    def budget(self, value: Any) -> None:  # --max-cost: shared by every step's requests
        self.llm.budget = value

    def cache_identity(self) -> dict[str, Any]:
        return self.llm.cache_identity() | {"strategy": self.strategy, "steps": steps_hash()}

    def _examples(self, article: Article) -> str:
        return render_examples(self.llm.examples.for_article(article)) if self.llm.examples else ""

    async def aclose(self) -> None:
        await self.llm.aclose()


class EnumerateThenFill(StrategyBackend):
    strategy = "enumerate"

    async def extract(self, article: Article) -> BackendResult:
        text, warning = fit_budget(article.text, self.llm.settings.max_input_chars)
        result = BackendResult(incidents=[], spent=Spend(warnings=[warning] if warning else []))
        deadline = self.llm.deadline()
        listed = await self.llm.ask(enumerate_messages(article, text), ATTACK_LIST, result, deadline)
        attacks = listed.attacks
        if len(attacks) > ENUMERATE_CAP:
            result.spent.warnings.append(f"{len(attacks)} attacks listed: only the first {ENUMERATE_CAP} were filled")
            attacks = attacks[:ENUMERATE_CAP]
        examples = self._examples(article)
        fills = await asyncio.gather(*(
            self.llm.ask(fill_messages(self.llm.prompt, article, text, attack, examples), EXTRACTION, result, deadline)
            for attack in attacks
        ))  # fmt: skip
        for attack, filled in zip(attacks, fills):
            if len(filled.incidents) > 1:
                result.spent.warnings.append(
                    f"the fill for {attack.what!r} returned {len(filled.incidents)} incidents: the first is kept"
                )
            result.incidents.extend(filled.incidents[:1])
        result.incidents = distinct(result.incidents)
        return result


class RulesThenModel(StrategyBackend):
    strategy = "hybrid"

    def __init__(self, llm: Any, proposer: Backend) -> None:
        super().__init__(llm)
        self.proposer = proposer

    def cache_identity(self) -> dict[str, Any]:
        return super().cache_identity() | {"proposer": self.proposer.cache_identity()}

    async def extract(self, article: Article) -> BackendResult:
        proposed = await self.proposer.extract(article)
        candidates = proposed.incidents
        result = BackendResult(incidents=[])
        text, warning = fit_budget(article.text, self.llm.settings.max_input_chars)
        if warning:
            result.spent.warnings.append(warning)
        messages = hybrid_messages(self.llm.prompt, article, excerpts(text, candidates), candidates,
                                   self._examples(article))  # fmt: skip
        answer = await self.llm.ask(messages, EXTRACTION, result, self.llm.deadline())
        result.incidents = answer.incidents
        return result


class SimilarExamples(StrategyBackend):
    """A strategy whose few-shot examples are the development articles most like the one extracted: the base
    strategy's backend (`llm` here), named for its strategy in the identity (the pool's hash is in the client's)."""

    def __init__(self, backend: Any, strategy: str) -> None:
        super().__init__(backend)
        self.strategy = strategy

    async def extract(self, article: Article) -> BackendResult:
        return await self.llm.extract(article)


def excerpts(text: str, candidates: list[Incident], lead_chars: int = LEAD_CHARS) -> str:
    """The article's opening and the sentences around each candidate's evidence, in order, gaps marked."""
    sentences = [text[a:b] for a, b in sentence_spans(text)]
    if not sentences:
        return text[:lead_chars]
    keep: set[int] = set()
    length = 0
    for n, sentence in enumerate(sentences):  # the opening
        if length >= lead_chars and n:
            break
        keep.add(n)
        length += len(sentence)
    folded = [s.casefold() for s in sentences]
    for incident in candidates:
        for quote in incident.evidence:
            q = " ".join(quote.casefold().split())
            for n, sentence in enumerate(folded):
                plain = " ".join(sentence.split())
                if q and (q in plain or plain in q):
                    keep.update(range(max(0, n - EXCERPT_CONTEXT), min(len(sentences), n + EXCERPT_CONTEXT + 1)))
    parts, last = [], -1
    for n in sorted(keep):
        if last >= 0 and n != last + 1:
            parts.append("[...]")
        parts.append(sentences[n])
        last = n
    return " ".join(parts)


def distinct(incidents: list[Incident]) -> list[Incident]:
    """Incidents with the same evidence, or the same type, place and date, kept once (two fills of one attack)."""
    kept: list[Incident] = []
    for incident in incidents:
        quotes = {" ".join(q.casefold().split()) for q in incident.evidence}
        key = (incident.attack_type, (incident.location or "").casefold(), incident.date)
        if any(quotes & {" ".join(q.casefold().split()) for q in other.evidence}
               or (key == (other.attack_type, (other.location or "").casefold(), other.date) and incident.location)
               for other in kept):  # fmt: skip
            continue
        kept.append(incident)
    return kept


def with_strategy(llm: Any, strategy: str, proposer: Backend | None = None) -> Any:
    """The LLM client under `strategy` (one-call: the client itself). A `+similar` strategy is its base strategy
    with the examples drawn by similarity (the pool is the client's, chosen by the runner: evaluation.fewshot)."""
    base = {"similar": "one-call"}.get(strategy, strategy.removesuffix("+similar"))
    if strategy != base:
        backend = with_strategy(llm, base, proposer)
        return SimilarExamples(backend, strategy)
    if strategy == "one-call":
        return llm
    if strategy == "enumerate":
        return EnumerateThenFill(llm)
    if strategy == "hybrid":
        if proposer is None:
            raise ConfigError("the hybrid strategy needs the rules backend as its proposer")
        return RulesThenModel(llm, proposer)
    raise ConfigError(f"unknown strategy {strategy!r} (choose {', '.join(STRATEGIES)})")
