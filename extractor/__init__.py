"""incident-extractor: news feeds to a validated, grounded, scored dataset of armed-violence incidents.

The public API. Names are imported on first use, so `import extractor` stays cheap::

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
    # errors
    "ConfigError": "errors",
    "ExtractorError": "errors",
    "FeedError": "errors",
    "GoldenError": "errors",
    "OutputError": "errors",
    # settings
    "LLMSettings": "settings",
    "resolve_settings": "settings",
    # stages, in pipeline order
    "Feed": "feeds",
    "load_feed": "feeds",
    "PromptTemplate": "llm",
    "load_prompt": "llm",
    "extraction_schema": "llm",
    "ResultCache": "pipeline",
    "RunSummary": "pipeline",
    "create_backend": "pipeline",
    "extract_one": "pipeline",
    "run_feed": "pipeline",
    "open_writer": "store",
    "read_records": "store",
    "compare": "evaluation",
    "evaluate": "evaluation",
    "load_golden": "evaluation",
    "score": "evaluation",
    "score_predictions": "evaluation",
}

__all__ = [
    "__version__",
    "Article",
    "ArticleRecord",
    "Count",
    "Extraction",
    "GoldArticle",
    "GoldIncident",
    "GroundedIncident",
    "Incident",
    "ConfigError",
    "ExtractorError",
    "FeedError",
    "GoldenError",
    "OutputError",
    "LLMSettings",
    "resolve_settings",
    "Feed",
    "load_feed",
    "PromptTemplate",
    "load_prompt",
    "extraction_schema",
    "ResultCache",
    "RunSummary",
    "create_backend",
    "extract_one",
    "run_feed",
    "open_writer",
    "read_records",
    "compare",
    "evaluate",
    "load_golden",
    "score",
    "score_predictions",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'extractor' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
