"""A batch job's state: which request is pending, done or failed, its tries, re-asks and usage, and the batches
of every round, as pydantic models read from and written to `state.json` (atomically).

The file's format is the one jobs have always been saved in: a JSON object with `job`, `identity`, `output`,
`settings`, `prompt`, `rounds` and `requests` (and `created`, `drop_ungrounded`, `unsent`); keys this version does
not know are kept.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ...errors import OutputError, validation_text
from ...models import Article, Usage

BATCHES = "batches"
STATE = "state.json"
ARTICLES = "articles.jsonl"


class _Kept(BaseModel):
    model_config = ConfigDict(extra="allow")  # a key written by another version survives a save


class BatchRequest(_Kept):
    """One article's request: where it stands and what it cost so far."""

    article_id: str
    status: Literal["pending", "done", "failed"] = "pending"
    tries: int = 1  # requests sent (the first, and every follow-up)
    invalid: int = 0  # invalid replies met
    reasks: int = 0
    history: list[dict[str, str]] | None = None  # the re-ask turns the next follow-up sends
    usage: Usage = Field(default_factory=Usage)
    warnings: list[str] = Field(default_factory=list)
    error: str | None = None


class BatchRound(_Kept):
    """One submitted batch: the first of the job, or a follow-up of re-asks and retries."""

    batch_id: str
    kind: str = "first"
    ids: list[str]
    collected: bool = False


class JobState(_Kept):
    job: str  # the job id: its first batch's id
    created: str | None = None
    identity: dict[str, Any]  # the run identity the job was submitted with (collect refuses another)
    drop_ungrounded: bool = False
    output: str | None = None  # the output file, and the settings and prompt to rebuild the backend
    settings: dict[str, Any] | None = None
    prompt: dict[str, Any] | None = None
    rounds: list[BatchRound]
    requests: dict[str, BatchRequest]
    unsent: list[str] = Field(default_factory=list)  # to send again: saved with each round, so a crash loses none

    def to_json(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        return {k: v for k, v in data.items() if v is not None or k not in ("created", "output", "settings", "prompt")}


@dataclass
class BatchJob:
    """A submitted batch run and its state on disk."""

    directory: Path
    state: JobState

    @property
    def id(self) -> str:
        return self.state.job

    @property
    def pending_batches(self) -> list[str]:
        return [r.batch_id for r in self.state.rounds if not r.collected]

    def counts(self) -> dict[str, int]:
        counts = {"pending": 0, "done": 0, "failed": 0}
        for request in self.state.requests.values():
            counts[request.status] += 1
        return counts

    def articles(self) -> dict[str, Article]:
        found = {}
        with open(self.directory / ARTICLES, encoding="utf-8") as handle:
            for line in handle:
                data = json.loads(line)
                found[data["custom_id"]] = Article.model_validate(data["article"])
        return found

    def save(self) -> None:
        """Write the state atomically: a crash leaves the old state or the new one, never half of one."""
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".state-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self.state.to_json(), handle)
        os.replace(tmp, self.directory / STATE)


def jobs_dir(cache_dir: Path) -> Path:
    return Path(cache_dir) / BATCHES


def load_job(cache_dir: Path, job_id: str | None = None) -> BatchJob:
    """The job `job_id` (its first batch id), or the latest job when None."""
    root = jobs_dir(cache_dir)
    if job_id is None:
        states = sorted(root.glob(f"*/{STATE}"), key=lambda p: p.stat().st_mtime) if root.is_dir() else []
        if not states:
            raise OutputError(f"no batch job in {root} (submit one with extract run FEED --batch)")
        directory = states[-1].parent
    else:
        directory = root / job_id
        if not (directory / STATE).is_file():
            raise OutputError(f"no batch job {job_id!r} in {root}")
    try:
        data = json.loads((directory / STATE).read_text(encoding="utf-8"))
    except (ValueError, OSError):
        raise OutputError(f"batch job state {directory / STATE} is unreadable") from None
    problem = _state_problem(data)
    if problem is None:
        try:
            state = JobState.model_validate(data)
        except ValidationError as exc:
            problem = validation_text(exc, limit=3)
    if problem:
        raise OutputError(f"batch job state {directory / STATE} is incomplete ({problem}); "
                          "submit the articles again with extract run FEED --batch")  # fmt: skip
    return BatchJob(directory, state)


# The keys of a job's state.json and the type of each (see `submit`; the runner adds output, settings and prompt).
_STATE_KEYS = {"job": str, "identity": dict, "rounds": list, "requests": dict, "output": str, "settings": dict,
               "prompt": dict}  # fmt: skip
_ROUND_KEYS, _REQUEST_KEYS = ("batch_id", "ids", "collected"), ("status",)


def _state_problem(state: object) -> str | None:
    """What a job state lacks to be collected (None when nothing): a missing key, or one of another type."""
    if not isinstance(state, dict):
        return "not a JSON object"
    missing = [key for key in _STATE_KEYS if key not in state]
    if missing:
        return f"missing {', '.join(missing)}"
    wrong = [key for key, kind in _STATE_KEYS.items() if not isinstance(state[key], kind)]
    if wrong:
        return f"{', '.join(wrong)} of the wrong type"
    if not all(isinstance(r, dict) and all(k in r for k in _ROUND_KEYS) for r in state["rounds"]):
        return f"a round without {', '.join(_ROUND_KEYS)}"
    if not all(isinstance(r, dict) and all(k in r for k in _REQUEST_KEYS) for r in state["requests"].values()):
        return "a request without a status"
    return None
