"""The Backend protocol's optional capabilities, and the FakeBackend of extractor.testing: scripted incidents,
scripted failures and the articles asked about, through the pipeline with no network and no CLI."""

from __future__ import annotations

import ast
import asyncio
import inspect
from pathlib import Path

import pytest

import extractor
from extractor.backend import CAPABILITIES, Backend, capability, supports
from extractor.baseline import BaselineBackend
from extractor.errors import BackendTimeout, ConfigError
from extractor.models import Article, Usage
from extractor.pipeline import extract_one, run_feed
from extractor.testing import FakeBackend, fake_incident

TEXT = "Gunmen killed five soldiers in Tillaberi on Sunday, the army said.\n\nIt was the third attack."


def article(n: int, text: str = TEXT) -> Article:
    return Article(id=f"a{n}", title=f"Attack {n}", text=text)


class Sink:
    def __init__(self) -> None:
        self.records = []

    def write(self, record) -> None:
        self.records.append(record)


def test_a_scripted_incident_becomes_a_grounded_record_and_the_call_is_recorded():
    backend = FakeBackend({"a1": [fake_incident("Gunmen killed five soldiers", region="Tillaberi")]})
    record = asyncio.run(extract_one(article(1), backend, None))
    assert record.status == "ok" and record.provenance.backend == "fake" and record.provenance.model == "fake-model"
    (incident,) = record.incidents
    assert incident.grounded and incident.region_raw == "Tillaberi" and incident.killed.min == 5
    assert [a.id for a in backend.calls] == ["a1"]


def test_a_scripted_error_fails_only_that_article_and_unscripted_articles_have_no_incidents():
    backend = FakeBackend({"a1": BackendTimeout("no answer"), "a2": [fake_incident("Gunmen killed five soldiers")]})
    sink = Sink()
    summary = asyncio.run(run_feed([article(1), article(2), article(3)], backend, sink, concurrency=1))
    by_id = {r.article_id: r for r in sink.records}
    assert by_id["a1"].status == "failed" and "BackendTimeout: no answer" in by_id["a1"].error
    assert len(by_id["a2"].incidents) == 1 and by_id["a3"].status == "ok" and by_id["a3"].incidents == []
    assert (summary.articles, summary.ok, summary.failed, summary.incidents) == (3, 2, 1, 1)
    assert [a.id for a in backend.calls] == ["a1", "a2", "a3"] and backend.closed == 1


def test_a_config_error_stops_the_run():
    with pytest.raises(ConfigError, match="bad key"):
        asyncio.run(run_feed([article(1)], FakeBackend({"a1": ConfigError("bad key")}), Sink()))


def test_a_callable_script_sees_each_article_and_dicts_are_validated():
    seen = []

    def script(art: Article):
        seen.append(art.id)
        return [fake_incident(art.text.split(",")[0]).model_dump() | {"attack_type": "bombing"}]

    record = asyncio.run(extract_one(article(4), FakeBackend(script), None))
    assert seen == ["a4"] and record.incidents[0].attack_type == "bombing"


def test_usage_is_reported_and_without_cost_of_its_price_is_unknown():
    used = Usage(prompt_tokens=100, completion_tokens=20, total_tokens=120)
    record = asyncio.run(extract_one(article(1), FakeBackend(usage=used), None))
    assert record.provenance.usage.total_tokens == 120 and record.provenance.cost_usd is None
    free = asyncio.run(extract_one(article(1), FakeBackend(), None))
    assert free.provenance.cost_usd == 0.0


def test_a_declared_capability_is_used_by_the_pipeline():
    """window_chars given: a long article is read window by window, each window a call."""
    long_text = " ".join(f"Sentence {n} about the market." for n in range(200))
    backend = FakeBackend(window_chars=1000, max_windows=3)
    record = asyncio.run(extract_one(article(1, long_text), backend, None))
    assert record.windows == 3 and len(backend.calls) == 3 and record.window_cap_hit
    assert [a.part[0] for a in backend.calls] == [1, 2, 3] and backend.calls[0].part[1] > 3
    plain = FakeBackend()
    assert asyncio.run(extract_one(article(1, long_text), plain, None)).windows == 1 and len(plain.calls) == 1


def test_capabilities_are_declared_with_what_their_absence_means():
    fake, baseline = FakeBackend(), BaselineBackend()
    assert capability(fake, "window_chars") is None and capability(fake, "max_windows") == CAPABILITIES["max_windows"]
    assert capability(baseline, "window_chars") == baseline.window_chars > 0
    assert not supports(fake, "budget") and supports(FakeBackend(budget=None), "budget")
    with pytest.raises(KeyError):
        supports(fake, "no_such_capability")
    with pytest.raises(TypeError, match="no_such_capability"):
        FakeBackend(no_such_capability=1)


def test_the_fake_has_every_required_member_of_the_protocol():
    required = {name for name in Backend.__annotations__} | {
        name for name, _ in inspect.getmembers(Backend, inspect.isfunction) if not name.startswith("_")
    }
    assert required == {"name", "model", "cacheable", "endpoint", "mode", "prompt_name", "prompt_hash",
                        "cache_identity", "extract", "aclose"}  # fmt: skip
    for backend in (FakeBackend(), BaselineBackend()):
        assert all(hasattr(backend, name) for name in required)


def test_callers_read_optional_capabilities_only_through_the_protocol():
    """No getattr/hasattr on a backend outside backend.py: every capability read is a declared one."""
    package = Path(extractor.__file__).parent
    found = []
    for path in package.rglob("*.py"):
        if path.name == "backend.py" and path.parent == package:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr")
                    and node.args and isinstance(node.args[0], ast.Name) and "backend" in node.args[0].id):
                found.append(f"{path.relative_to(package)}:{node.lineno}")
    assert found == []
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("capability", "supports"):
                name = node.args[1]
                assert isinstance(name, ast.Constant) and name.value in CAPABILITIES, f"{path.name}:{node.lineno}"
