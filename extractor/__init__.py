"""incident-extractor: news feeds to a validated, grounded, scored dataset of armed-violence incidents.

The public API. Names are imported on first use, so `import extractor` stays cheap. A whole run, as
`extract run` does it (resume, a database, a batch, a cost cap: see RunRequest)::

    from extractor import RunRequest, Setup, execute_run

    outcome = execute_run(RunRequest("golden/feed.xml", Setup({"model": "baseline"}), output="incidents.jsonl"))

Or one stage at a time::

    import asyncio
    from extractor import create_backend, load_feed, load_prompt, open_writer, resolve_settings, run_feed

    settings, _ = resolve_settings({"model": "baseline"})
    feed = load_feed("golden/feed.xml")
    backend = create_backend(settings, load_prompt())
    writer = open_writer("incidents.jsonl", "jsonl")
    summary = asyncio.run(run_feed(feed.articles, backend, writer))
    writer.close()
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    # data
    "Article": "models",
    "ArticleRecord": "models",
    "Count": "models",
    "Extraction": "models",
    "GoldArticle": "models",
    "GoldIncident": "models",
    "GroundedIncident": "models",
    "Incident": "models",
    "Spend": "models",
    # errors: the whole tree of errors.py
    "ExtractorError": "errors",
    "ConfigError": "errors",
    "FeedError": "errors",
    "OutputError": "errors",
    "StoreError": "errors",
    "GoldenError": "errors",
    "RunStoreError": "errors",
    "EndpointUnavailable": "errors",
    "SpendingFailure": "errors",
    "BackendError": "errors",
    "RateLimited": "errors",
    "BackendTimeout": "errors",
    "Unreachable": "errors",
    "ServerError": "errors",
    "ModeRejected": "errors",
    "ExtractionFailed": "errors",
    "BudgetExceeded": "errors",
    # settings
    "LLMSettings": "settings",
    "RunSettings": "settings",
    "resolve_settings": "settings",
    # stages, in pipeline order
    "Feed": "feeds.reader",
    "load_feed": "feeds.reader",
    "PromptTemplate": "llm.prompts",
    "load_prompt": "llm.prompts",
    "extraction_schema": "llm.schema",
    "ResultCache": "pipeline.cache",
    "RunSummary": "pipeline.run",
    "create_backend": "pipeline.backends",
    "extract_one": "pipeline.article",
    "run_feed": "pipeline.run",
    "open_writer": "store.writers",
    "RunHooks": "runner.run",
    "RunOutcome": "runner.run",
    "RunRequest": "runner.run",
    "Setup": "runner.setup",
    "execute_run": "runner.run",
    "read_records": "store.records",
    "compare": "evaluation.compare",
    "evaluate": "evaluation.evaluate",
    "load_golden": "evaluation.golden",
    "score": "evaluation.metrics",
    "score_predictions": "evaluation.evaluate",
}

__all__ = ["__version__"] + list(_EXPORTS)  # the export table is the public API


def lazy_exports(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` that imports `name` from its submodule `exports[name]` on first use, so that
    importing a package (and `extract --help`) does not load openai, scipy or diskcache before they are needed."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{exports[name]}", package), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__


__getattr__ = lazy_exports(__name__, _EXPORTS)
