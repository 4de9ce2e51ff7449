"""Test doubles for code that runs the pipeline: a `FakeBackend` that returns scripted incidents (no network, no
model, no key), and `fake_incident` to write a schema-valid incident quoting a piece of an article.

    from extractor.testing import FakeBackend, fake_incident

    backend = FakeBackend({"a1": [fake_incident("Gunmen killed five soldiers")], "a2": BackendTimeout("slow")})
    summary = asyncio.run(run_feed(articles, backend, writer))
    assert [a.id for a in backend.calls] == ["a1", "a2", "a3"]  # a3: not scripted, so no incidents

An article's script is a list of incidents (Incident objects or dicts), or an exception to raise (a BackendError
or ExtractionFailed fails that article; a ConfigError stops the run). A callable script gets the article and
returns the same. The double declares only the required Backend members: add optional capabilities
(`window_chars`, `article_budget`, ...) as keyword arguments to exercise them.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .backend import CAPABILITIES, BackendResult
from .models import Article, Incident, Spend, Usage

Answer = Sequence[Incident | Mapping[str, Any]] | BaseException
Script = Mapping[str, Answer] | Callable[[Article], Answer]


def fake_incident(quote: str, **overrides: Any) -> Incident:
    """A schema-valid incident (an armed assault in Niger killing five soldiers) whose evidence is `quote`."""
    value: dict[str, Any] = {
        "summary": "An attack.", "date": None, "date_text": None, "country": "Niger", "region": None,
        "location": None, "attack_type": "armed_assault", "suicide": False, "perpetrators": [],
        "targets": [{"type": "military", "description": "soldiers"}], "weapons": ["firearms"],
        "killed": {"min": 5, "max": 5}, "wounded": None, "perpetrators_killed": None, "kidnapped": None,
        "claims": [], "evidence": [quote], "primary": True,
    }  # fmt: skip
    return Incident.model_validate(value | overrides)


class FakeBackend:
    """A Backend answering from a script: `calls` lists the articles (or windows) it was asked about, in order."""

    name = "fake"
    endpoint: str | None = None
    mode = "scripted"
    prompt_hash: str | None = None

    def __init__(
        self,
        script: Script | None = None,
        *,
        model: str = "fake-model",
        cacheable: bool = False,
        usage: Usage | None = None,
        delay: float = 0.0,
        prompt_name: str | None = "fake",
        **capabilities: Any,
    ) -> None:
        unknown = set(capabilities) - set(CAPABILITIES)
        if unknown:
            raise TypeError(f"not optional backend capabilities: {', '.join(sorted(unknown))}")
        self.script: Script = script if script is not None else {}
        self.model = model
        self.cacheable = cacheable
        self.usage = usage if usage is not None else Usage()
        self.delay = delay
        self.prompt_name = prompt_name
        self.calls: list[Article] = []
        self.closed = 0
        for name, value in capabilities.items():
            setattr(self, name, value)

    def cache_identity(self) -> dict[str, Any]:
        script = self.script if isinstance(self.script, Mapping) else getattr(self.script, "__qualname__", "callable")
        digest = hashlib.sha256(json.dumps(script, default=repr, sort_keys=True).encode()).hexdigest()[:16]
        return {"backend": self.name, "model": self.model, "script": digest}

    def answer_for(self, article: Article) -> Answer:
        if callable(self.script):
            return self.script(article)
        return self.script.get(article.id, [])

    async def extract(self, article: Article) -> BackendResult:
        self.calls.append(article)
        if self.delay:
            await asyncio.sleep(self.delay)
        answer = self.answer_for(article)
        if isinstance(answer, BaseException):
            raise answer
        incidents = [i if isinstance(i, Incident) else Incident.model_validate(i) for i in answer]
        spent = Spend(attempts=1, usage=self.usage.model_copy())
        return BackendResult(incidents=incidents, spent=spent, mode=self.mode)

    async def aclose(self) -> None:
        self.closed += 1
