"""The incident database around a run: the sink of `extract run --db` (this configuration's run, made current)
and the events rebuilt from a run's incidents (optionally with the LLM judging borderline pairs)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..events.models import Event
    from ..events.rules import Rules
    from ..settings import LLMSettings
    from ..store.dbsink import DatabaseSink


def open_db_sink(path: str, backend: Any, feed: str) -> DatabaseSink:
    """The database sink of a --db run: the run of this backend's configuration, made current."""
    from ..pipeline.article import run_identity
    from ..store.database import open_db
    from ..store.dbsink import DatabaseSink

    db = open_db(path)
    identity = run_identity(backend) | {"backend": backend.name, "prompt_name": backend.prompt_name}
    return DatabaseSink(db, db.register_run(identity, feed))


def same_event_judge(settings: LLMSettings) -> Any:
    """The same-event judge (events --adjudicate) on the configured endpoint."""
    from ..errors import ConfigError
    from ..llm.judge import SameEventJudge

    if settings.is_baseline:
        raise ConfigError("--adjudicate needs an LLM: give --model and --base-url, or set OPENAI_API_KEY")
    return SameEventJudge(settings)


def rebuild_events(
    path: str, run_id: str | None = None, rules: Rules | None = None, *, judge_settings: LLMSettings | None = None
) -> list[Event]:
    """Open the database, (re)build a run's events (default: the current run's) and store them; with
    `judge_settings`, the LLM judges borderline pairs."""
    from ..events.rules import DEFAULT_RULES
    from ..events.storage import update_events
    from ..store.database import open_db

    judge = same_event_judge(judge_settings) if judge_settings is not None else None
    with open_db(path, create=False) as db:
        return update_events(db, run_id, rules or DEFAULT_RULES, judge)
